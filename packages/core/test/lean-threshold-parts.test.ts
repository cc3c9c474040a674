/**
 * The parts of lean mode with a threshold, alone: who holds which segment (collection.ts), the
 * two secrets and their shares (dropout-secrets.ts: any t shares give each back, checked against
 * what the party signed; fewer or wrong ones do not), and one signed agreement (survivors.ts: a
 * commit of one round is no commit of the other).
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Collection } from '../src/protocols/lean/collection.js'
import { drawSecrets, reconstructKey, reconstructSelfKey, selfMaskCommitment, splitSecrets } from '../src/protocols/lean/dropout-secrets.js'
import { roundCommitPayload, SurvivorAgreement } from '../src/protocols/lean/survivors.js'
import { partySet } from '../src/protocols/threshold/agreement.js'
import { ProtocolError } from '../src/errors.js'
import { seededRandomBytes } from './helpers.js'
import { testIdentity } from './identity-helpers.js'
import { peerNames, testLeanCrypto } from './lean-helpers.js'

describe('collection: two holders per segment', () => {
  test('every segment has two distinct holders in the key set, each member holds two segments, and every frame is held', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 64 }), (m, extra, frame) => {
      const members = Array.from({ length: m }, (_, k) => 3 * k + 1)
      const c = new Collection(members, m + extra, frame)
      const held = new Map<number, number>()
      for (let k = 0; k < m; k++) {
        const [a, b] = c.holders(k)
        assert.ok(members.includes(a) && members.includes(b) && a !== b)
        for (const h of [a, b]) held.set(h, (held.get(h) ?? 0) + 1)
        assert.ok(c.plan.framesOf(k).length > 0, `segment ${k} is empty`)
      }
      for (const j of members) assert.equal(held.get(j), 2)
      for (let g = 0; g < c.plan.frames; g++) assert.ok(c.holders(c.plan.frameSegment[g]!).every(h => c.holdsFrame(h, g)))
      assert.equal(c.segmentsOf(0), undefined)
    }))
  })
})

describe('dropout secrets: Shamir shares of s and b', () => {
  const crypto = testLeanCrypto('parts')
  test('any t shares give back both secrets, checked against the public key and the commitment; t - 1 or a changed share do not', () => {
    const random = seededRandomBytes('parts')
    const digest = new Uint8Array(32).fill(9)
    for (const [n, t] of [[3, 2], [5, 3], [9, 7]] as const) {
      const secrets = drawSecrets(random, crypto.ephemeralFrom!)
      const shares = splitSecrets(secrets, n, t, random)
      const commitment = selfMaskCommitment(digest, 4, secrets.selfKey)
      const points = (which: number, holders: number[]): Array<{ index: number, value: bigint }> => holders.map(j => ({ index: j, value: shares[j]![which]! }))
      const some = Array.from({ length: t }, (_, k) => n - 1 - k)
      assert.deepEqual(reconstructSelfKey(points(1, some), digest, 4, commitment), secrets.selfKey)
      assert.deepEqual(reconstructKey(points(0, some), secrets.key.publicKey, crypto.ephemeralFrom!)?.publicKey, secrets.key.publicKey)
      assert.equal(reconstructSelfKey(points(1, some.slice(1)), digest, 4, commitment), undefined)
      assert.equal(reconstructKey(points(0, some.slice(1)), secrets.key.publicKey, crypto.ephemeralFrom!), undefined)
      const wrong = points(1, some).map((p, k) => (k === 0 ? { ...p, value: p.value + 1n } : p))
      assert.equal(reconstructSelfKey(wrong, digest, 4, commitment), undefined)
      assert.equal(reconstructSelfKey(points(1, some), digest, 5, commitment), undefined, 'the commitment binds the party')
    }
  })
})

describe('survivors: one signed agreement round', () => {
  const peers = peerNames(4)
  const digest = new Uint8Array(32).fill(1)
  const round = (myself: number, name: 'keys' | 'inputs'): SurvivorAgreement => new SurvivorAgreement(name, 3, 4, myself, 1000, peers, digest, testIdentity(peers[myself]!))

  test('commits once all proposals are in (or the window has passed), to their intersection; t signed commits certify it', () => {
    const a = round(0, 'keys')
    a.propose([0, 1, 2, 3], 0)
    a.takeProposal(1, [0, 1, 2], 0)
    assert.equal(a.decide(10, [0, 1, 2, 3], () => true), undefined, 'waiting for proposals 2 and 3')
    const commit = a.decide(1000, [0, 1, 2, 3], () => true)!
    assert.deepEqual(commit.members, [0, 1, 2])
    for (const j of [1, 2]) a.takeCommit(j, [0, 1, 2], testIdentity(peers[j]!).sign(roundCommitPayload(digest, partySet([0, 1, 2]), 'keys')))
    assert.equal(a.certified?.key, '0,1,2')
    assert.equal(a.decide(2000, [0, 1, 2, 3], () => true), undefined, 'a party commits once')
  })

  test("a commit signed for the other round is refused", () => {
    const b = round(0, 'inputs')
    const signature = testIdentity(peers[1]!).sign(roundCommitPayload(digest, partySet([0, 1, 2]), 'keys'))
    assert.throws(() => b.takeCommit(1, [0, 1, 2], signature), (e: unknown) => e instanceof ProtocolError && e.party === 1)
    assert.throws(() => b.takeCommit(1, [0, 1], testIdentity(peers[1]!).sign(roundCommitPayload(digest, partySet([0, 1]), 'inputs'))), (e: unknown) => e instanceof ProtocolError)
  })
})
