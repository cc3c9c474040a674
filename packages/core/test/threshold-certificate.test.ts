import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ProtocolError } from '../src/errors.js'
import { partySet } from '../src/protocols/threshold/agreement.js'
import { Certificates, commitPayload } from '../src/protocols/threshold/certificate.js'
import { testIdentity } from './identity-helpers.js'

const peers = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWCertificate${i}`)
const DIGEST = new Uint8Array(32).fill(3)
const signed = (peer: string, members: readonly number[], digest = DIGEST): Uint8Array => testIdentity(peer).sign(commitPayload(digest, partySet(members)))

describe('certificates: t signed commits of distinct parties', () => {
  test('t valid commits certify a set, fewer do not; a forged or foreign signature counts for nothing', () => {
    const p = peers(5)
    const c = new Certificates(3, p, DIGEST, testIdentity(p[0]!))
    const w = partySet([0, 1, 2, 3])
    assert.equal(c.add(1, w, signed(p[1]!, w.members)), true)
    assert.equal(c.add(2, w, signed(p[2]!, w.members)), true)
    // party 3's slot signed by party 4's key, a signature over another set, another task's digest
    assert.equal(c.add(3, w, signed(p[4]!, w.members)), false)
    assert.equal(c.add(3, w, signed(p[3]!, [0, 1, 2])), false)
    assert.equal(c.add(3, w, signed(p[3]!, w.members, new Uint8Array(32))), false)
    assert.equal(c.certified, undefined)
    assert.equal(c.certificate(w), undefined)
    assert.equal(c.add(4, w, signed(p[4]!, w.members)), true)
    assert.deepEqual(c.certified, w)
    assert.deepEqual(c.certificate(w)!.map(e => e.party), [1, 2, 4])
  })

  test('a party that signed two sets is named as an equivocator', () => {
    const p = peers(4)
    const c = new Certificates(3, p, DIGEST, testIdentity(p[0]!))
    assert.equal(c.add(2, partySet([0, 1, 2]), signed(p[2]!, [0, 1, 2])), true)
    assert.equal(c.add(2, partySet([1, 2, 3]), signed(p[2]!, [1, 2, 3])), true)
    assert.equal(c.add(1, partySet([1, 2, 3]), signed(p[1]!, [1, 2, 3])), true)
    assert.deepEqual(c.equivocators(), [2])
  })

  test('check: a short certificate, a party twice or off the list, a bad signature are refused naming the sender', () => {
    const p = peers(5)
    const c = new Certificates(3, p, DIGEST, testIdentity(p[0]!))
    const w = partySet([0, 1, 2])
    const entry = (party: number, by = party): { party: number, signature: Uint8Array } => ({ party, signature: signed(p[by]!, w.members) })
    const refused = (certificate: Array<{ party: number, signature: Uint8Array }>, pattern: RegExp): void => {
      assert.throws(() => c.check(w, certificate, 1, 5), (e: unknown) => e instanceof ProtocolError && e.party === 1 && pattern.test(e.message))
    }
    refused([entry(1), entry(2)], /certified by 2 commits, fewer than the threshold 3/)
    refused([entry(1), entry(1), entry(2)], /names party 1 twice or off the list/)
    refused([entry(1), entry(2), { party: 7, signature: new Uint8Array(64) }], /names party 7 twice or off the list/)
    refused([entry(1), entry(2), entry(3, 4)], /not signed by party 3/)
    assert.equal(c.certified, undefined)
    c.check(w, [entry(1), entry(2), entry(3)], 1, 5)
    assert.deepEqual(c.certified, w)
  })

  test('property: with t > (n + f) / 2, honest parties signing one set each and f parties signing every set, at most one set is certified', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 9 }).chain(n => fc.integer({ min: Math.floor(n / 2) + 1, max: n - 1 }).chain(t => fc.record({
      n: fc.constant(n),
      t: fc.constant(t),
      f: fc.integer({ min: 0, max: Math.max(0, 2 * t - n - 1) }),
      choices: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n })
    }))), ({ n, t, f, choices }) => {
      if (2 * t - n - 1 < 0) return
      const p = peers(n)
      const sets = [partySet([0, 1]), partySet([1, 2]), partySet([0, 2])]
      const c = new Certificates(t, p, DIGEST, testIdentity(p[0]!))
      for (let party = 0; party < n; party++) {
        // the first f parties deviate and sign all three sets; the others sign the one they chose
        const signs = party < f ? sets : [sets[choices[party]!]!]
        for (const s of signs) assert.equal(c.add(party, s, signed(p[party]!, [...s.members])), true)
      }
      assert.ok(sets.filter(s => c.certificate(s) !== undefined).length <= 1)
    }), { numRuns: 150 })
  })
})
