import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createField } from '../src/field/wide.js'
import { splitAdditive, sumVectors } from '../src/protocols/mesh/shares.js'
import { P127, P61, seededRandomBytes } from './helpers.js'

const FIELDS = [createField(P127), createField(P61), createField(13n)]
const secretsArb = fc.array(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), { minLength: 0, maxLength: 12 })

describe('splitAdditive', () => {
  test('property: n shares of the right length that add up to the secret mod p', () => {
    fc.assert(fc.property(fc.constantFrom(...FIELDS), secretsArb, fc.integer({ min: 1, max: 10 }), fc.string(), (F, secrets, n, seed) => {
      const copy = secrets.slice()
      const shares = splitAdditive(F, secrets, n, seededRandomBytes(seed))
      assert.deepEqual(secrets, copy, 'secrets are not modified')
      assert.equal(shares.length, n)
      for (const share of shares) {
        assert.equal(share.length, secrets.length)
        for (const x of share) assert.ok(x >= 0n && x < F.p)
      }
      for (let k = 0; k < secrets.length; k++) {
        const total = shares.reduce((s, share) => F.add(s, share[k]!), 0n)
        assert.equal(total, F.reduce(secrets[k]!))
      }
      assert.deepEqual(sumVectors(F, shares), secrets.length === 0 ? shares[0] : secrets.map(s => F.reduce(s)))
    }), { numRuns: 300 })
  })

  test('one party holds the secret itself, reduced', () => {
    const F = FIELDS[0]!
    let calls = 0
    const shares = splitAdditive(F, [5n, -1n], 1, (n) => { calls++; return new Uint8Array(n) })
    assert.deepEqual(shares, [[5n, P127 - 1n]])
    assert.equal(calls, 0)
  })

  test('property: with n >= 2 the first n-1 shares are random (differ across seeds, repeat for one seed)', () => {
    const F = FIELDS[0]!
    fc.assert(fc.property(fc.array(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 2, max: 10 }), fc.string(), (secrets, n, seed) => {
      const a = splitAdditive(F, secrets, n, seededRandomBytes(seed + '/a'))
      const a2 = splitAdditive(F, secrets, n, seededRandomBytes(seed + '/a'))
      const b = splitAdditive(F, secrets, n, seededRandomBytes(seed + '/b'))
      assert.deepEqual(a, a2)
      for (let j = 0; j < n - 1; j++) {
        for (let k = 0; k < secrets.length; k++) assert.notEqual(a[j]![k], b[j]![k], `share ${j}, element ${k}`)
      }
      // the last share differs too, though the secret is the same
      assert.notDeepEqual(a[n - 1], b[n - 1])
    }), { numRuns: 100 })
  })

  test('a share says nothing of the secret: same randomness, different secrets, same first n-1 shares', () => {
    const F = FIELDS[0]!
    const a = splitAdditive(F, [1n, 2n], 3, seededRandomBytes('same'))
    const b = splitAdditive(F, [1000n, -5n], 3, seededRandomBytes('same'))
    assert.deepEqual(a.slice(0, 2), b.slice(0, 2))
    assert.notDeepEqual(a[2], b[2])
  })

  test('refuses a party count that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => splitAdditive(FIELDS[0]!, [1n], n, seededRandomBytes(1)), { name: 'RangeError' })
    }
  })
})

describe('sumVectors', () => {
  const F = createField(13n)

  test('element-wise sum mod p', () => {
    assert.deepEqual(sumVectors(F, [[1n, 12n], [5n, 12n], [10n, 1n]]), [3n, 12n])
    assert.deepEqual(sumVectors(F, [[7n]]), [7n])
    assert.deepEqual(sumVectors(F, []), [])
  })

  test('does not modify its inputs', () => {
    const first = [1n, 2n]
    sumVectors(F, [first, [3n, 4n]])
    assert.deepEqual(first, [1n, 2n])
  })

  test('refuses vectors of different lengths', () => {
    assert.throws(() => sumVectors(F, [[1n, 2n], [1n]]), { name: 'RangeError' })
  })
})
