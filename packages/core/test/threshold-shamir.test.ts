import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createField } from '../src/field/wide.js'
import { sumVectors } from '../src/protocols/mesh/shares.js'
import {
  evaluationPoint, findInconsistentPoint, interpolateAt, invert, lagrangeCoefficients, offCurve, reconstructShamir,
  splitShamir, type SharePoint
} from '../src/protocols/threshold/shamir.js'
import { P127, P61, seededRandomBytes } from './helpers.js'

const FIELDS = [createField(P127), createField(P61), createField(10007n)]
const secretsArb = fc.array(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), { minLength: 1, maxLength: 6 })
/** n parties, a threshold t from 1 to n, and a subset of t party indices. */
const quorumArb = fc.integer({ min: 1, max: 12 }).chain(n => fc.integer({ min: 1, max: n }).chain(t =>
  fc.shuffledSubarray(Array.from({ length: n }, (_, j) => j), { minLength: t, maxLength: t }).map(subset => ({ n, t, subset }))))

const points = (shares: bigint[][], indices: readonly number[]): SharePoint[] => indices.map(j => ({ index: j, values: shares[j]! }))

describe('invert', () => {
  test('property: a * invert(a) = 1 for every nonzero a', () => {
    fc.assert(fc.property(fc.constantFrom(...FIELDS), fc.bigInt({ min: 1n, max: 10n ** 40n }), (F, a) => {
      fc.pre(F.reduce(a) !== 0n)
      assert.equal(F.mul(F.reduce(a), invert(F, a)), 1n)
    }), { numRuns: 300 })
  })
  test('0 has no inverse', () => {
    assert.throws(() => invert(FIELDS[0]!, 0n), RangeError)
    assert.throws(() => invert(FIELDS[2]!, 10007n), RangeError)
  })
})

describe('splitShamir and reconstructShamir', () => {
  test('property: any t shares give the secret back, element-wise', () => {
    fc.assert(fc.property(fc.constantFrom(...FIELDS), secretsArb, quorumArb, fc.string(), (F, secrets, { n, t, subset }, seed) => {
      const shares = splitShamir(F, secrets, n, t, seededRandomBytes(seed))
      assert.equal(shares.length, n)
      for (const share of shares) {
        assert.equal(share.length, secrets.length)
        for (const y of share) assert.ok(y >= 0n && y < F.p)
      }
      assert.deepEqual(reconstructShamir(F, points(shares, subset)), secrets.map(s => F.reduce(s)))
    }), { numRuns: 300 })
  })

  test('property: shares of a sum are the sums of shares (what a partial sum is)', () => {
    fc.assert(fc.property(fc.array(secretsArb.map(s => s.slice(0, 3)), { minLength: 1, maxLength: 5 }), quorumArb, fc.string(), (inputs, { n, t, subset }, seed) => {
      const F = FIELDS[0]!
      const length = Math.min(...inputs.map(s => s.length))
      const secrets = inputs.map(s => s.slice(0, length))
      const split = secrets.map((s, i) => splitShamir(F, s, n, t, seededRandomBytes(`${seed}/${i}`)))
      const partials = Array.from({ length: n }, (_, j) => sumVectors(F, split.map(shares => shares[j]!)))
      const expected = sumVectors(F, secrets.map(s => s.map(x => F.reduce(x))))
      assert.deepEqual(reconstructShamir(F, points(partials, subset)), expected)
    }), { numRuns: 200 })
  })

  test('property: all n shares lie on one polynomial of degree t-1', () => {
    fc.assert(fc.property(secretsArb, quorumArb, fc.string(), (secrets, { n, t }, seed) => {
      const F = FIELDS[1]!
      const shares = splitShamir(F, secrets, n, t, seededRandomBytes(seed))
      assert.deepEqual(offCurve(F, points(shares, shares.map((_, j) => j)), t), [])
    }), { numRuns: 200 })
  })

  test('property: t-1 shares are uniform: two secrets, the same randomness, different shares; any t-1 shares fit any secret', () => {
    fc.assert(fc.property(quorumArb.filter(q => q.t >= 2), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.string(), ({ n, t, subset }, a, b, seed) => {
      const F = FIELDS[0]!
      const few = subset.slice(0, t - 1)
      const shares = splitShamir(F, [a], n, t, seededRandomBytes(seed))
      // through the t-1 shares and (0, b) there is a polynomial of degree t-1: the shares do not rule b out
      const through = [...points(shares, few), { index: -1, values: [F.reduce(b)] }]
      for (const j of few) assert.deepEqual(interpolateAt(F, through, evaluationPoint(j)), shares[j])
      assert.deepEqual(interpolateAt(F, through, 0n), [F.reduce(b)])
    }), { numRuns: 200 })
  })

  test('coefficients come from the injected randomness: same seed, same shares; another seed, other shares', () => {
    const F = FIELDS[0]!
    const a = splitShamir(F, [5n, 6n], 5, 3, seededRandomBytes('x'))
    assert.deepEqual(splitShamir(F, [5n, 6n], 5, 3, seededRandomBytes('x')), a)
    const b = splitShamir(F, [5n, 6n], 5, 3, seededRandomBytes('y'))
    for (let j = 0; j < 5; j++) assert.notDeepEqual(a[j], b[j])
    // threshold 1: every share is the secret itself, and no randomness is drawn
    let calls = 0
    assert.deepEqual(splitShamir(F, [5n], 3, 1, (k) => { calls += k; return new Uint8Array(k) }), [[5n], [5n], [5n]])
    assert.equal(calls, 0)
  })

  test('refuses thresholds outside 1..n and fields without n nonzero points', () => {
    const F = FIELDS[0]!
    assert.throws(() => splitShamir(F, [1n], 3, 0, seededRandomBytes(1)), /threshold must be an integer from 1 to 3, got 0/)
    assert.throws(() => splitShamir(F, [1n], 3, 4, seededRandomBytes(1)), /threshold must be an integer from 1 to 3, got 4/)
    assert.throws(() => splitShamir(createField(5n), [1n], 5, 3, seededRandomBytes(1)), /no 5 distinct nonzero points/)
  })
})

describe('Lagrange at 0', () => {
  test('known answer: the line through (1, 3) and (2, 5) is 2x + 1, so 1 at x = 0', () => {
    const F = FIELDS[2]!
    // parties 0 and 1 sit at x = 1 and x = 2
    assert.deepEqual(lagrangeCoefficients(F, [0, 1], 0n), [2n, F.neg(1n)])
    assert.deepEqual(reconstructShamir(F, [{ index: 0, values: [3n] }, { index: 1, values: [5n] }]), [1n])
    assert.deepEqual(interpolateAt(F, [{ index: 0, values: [3n] }, { index: 1, values: [5n] }], 4n), [9n])
  })
  test('a repeated party is refused', () => {
    assert.throws(() => lagrangeCoefficients(FIELDS[0]!, [2, 2], 0n), /party 2 appears twice/)
  })
  test('property: the coefficients at 0 add up to 1 (a constant polynomial is its own secret)', () => {
    fc.assert(fc.property(quorumArb, ({ subset }) => {
      const F = FIELDS[0]!
      assert.equal(lagrangeCoefficients(F, subset, 0n).reduce((s, c) => F.add(s, c), 0n), 1n)
    }), { numRuns: 200 })
  })
})

describe('findInconsistentPoint', () => {
  const F = FIELDS[0]!
  const honest = (n: number, t: number, seed: string): bigint[][] => splitShamir(F, [42n, 7n], n, t, seededRandomBytes(seed))
  const corrupt = (shares: bigint[][], j: number): bigint[][] => shares.map((s, i) => (i === j ? [F.add(s[0]!, 1n), s[1]!] : s))

  test('property: one wrong point among at least t + 2 is identified, whichever it is', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 9 }).chain(t => fc.record({
      t: fc.constant(t), extra: fc.integer({ min: 2, max: 4 }), wrongAt: fc.nat(), seed: fc.string()
    })), ({ t, extra, wrongAt, seed }) => {
      const m = t + extra
      const wrong = wrongAt % m
      const shares = corrupt(honest(m, t, seed), wrong)
      assert.deepEqual(findInconsistentPoint(F, points(shares, shares.map((_, j) => j)), t), { index: wrong, identified: true })
    }), { numRuns: 200 })
  })

  test('consistent points, or no more than t of them: nothing to name', () => {
    const shares = honest(6, 3, 'ok')
    assert.equal(findInconsistentPoint(F, points(shares, [0, 1, 2, 3, 4, 5]), 3), undefined)
    assert.equal(findInconsistentPoint(F, points(corrupt(shares, 1), [0, 1, 2]), 3), undefined)
  })

  test('t + 1 points with one wrong: not identified; the rule names the lowest index beyond the t lowest that does not fit', () => {
    const shares = honest(5, 3, 'tplus1')
    // the wrong point is beyond the three lowest: named, though not identified
    assert.deepEqual(findInconsistentPoint(F, points(corrupt(shares, 4), [0, 2, 3, 4]), 3), { index: 4, identified: false })
    // the wrong point is among the three lowest: the rule names the point beyond them instead
    assert.deepEqual(findInconsistentPoint(F, points(corrupt(shares, 0), [0, 2, 3, 4]), 3), { index: 4, identified: false })
    // arrival order does not matter: the rule sorts by index
    assert.deepEqual(findInconsistentPoint(F, points(corrupt(shares, 4), [4, 3, 2, 0]), 3), { index: 4, identified: false })
  })

  test('two wrong points among t + 3: no single removal fixes them; the rule names one beyond the t lowest', () => {
    const shares = corrupt(corrupt(honest(6, 3, 'two'), 4), 5)
    assert.deepEqual(findInconsistentPoint(F, points(shares, [0, 1, 2, 3, 4, 5]), 3), { index: 4, identified: false })
  })
})
