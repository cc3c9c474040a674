import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  bitLength, createField, isProbablePrime, mersennePrimeFor, MERSENNE_EXPONENTS, type Field
} from '../src/field/wide.js'
import { InvalidInputError } from '../src/errors.js'
import { mersenne, P127, P61, P89 } from './helpers.js'

const FIELDS: Array<[string, Field]> = [
  ['default prime 2^127-1', createField(P127)],
  ['small prime 13', createField(13n)]
]

const RUNS = { numRuns: 300 }

for (const [name, F] of FIELDS) {
  describe(`field laws over ${name}`, () => {
    const el = fc.bigInt({ min: 0n, max: F.p - 1n })
    const any = fc.oneof(fc.bigInt(), fc.bigInt({ min: -4n * F.p, max: 4n * F.p }))

    test('add is (a + b) mod p and stays in [0, p)', () => {
      fc.assert(fc.property(el, el, (a, b) => {
        const s = F.add(a, b)
        assert.equal(s, (a + b) % F.p)
        assert.ok(s >= 0n && s < F.p)
      }), RUNS)
    })

    test('sub undoes add and add undoes sub', () => {
      fc.assert(fc.property(el, el, (a, b) => {
        assert.equal(F.sub(F.add(a, b), b), a)
        assert.equal(F.add(F.sub(a, b), b), a)
        const d = F.sub(a, b)
        assert.ok(d >= 0n && d < F.p)
        assert.equal(d, ((a - b) % F.p + F.p) % F.p)
      }), RUNS)
    })

    test('add is commutative and associative', () => {
      fc.assert(fc.property(el, el, el, (a, b, c) => {
        assert.equal(F.add(a, b), F.add(b, a))
        assert.equal(F.add(F.add(a, b), c), F.add(a, F.add(b, c)))
      }), RUNS)
    })

    test('neg is the additive inverse, neg(0) = 0', () => {
      assert.equal(F.neg(0n), 0n)
      assert.equal(F.neg(1n), F.p - 1n)
      fc.assert(fc.property(el, (a) => {
        const n = F.neg(a)
        assert.ok(n >= 0n && n < F.p)
        assert.equal(F.add(a, n), 0n)
        assert.equal(F.neg(n), a)
        assert.equal(F.sub(0n, a), n)
      }), RUNS)
    })

    test('mul is (a * b) mod p and distributes over add', () => {
      fc.assert(fc.property(el, el, el, (a, b, c) => {
        assert.equal(F.mul(a, b), (a * b) % F.p)
        assert.equal(F.mul(a, F.add(b, c)), F.add(F.mul(a, b), F.mul(a, c)))
      }), RUNS)
    })

    test('reduce maps any integer, negatives included, into [0, p) and keeps its class', () => {
      assert.equal(F.reduce(-1n), F.p - 1n)
      assert.equal(F.reduce(-F.p), 0n)
      assert.equal(F.reduce(F.p), 0n)
      assert.equal(F.reduce(-F.p - 2n), F.p - 2n)
      fc.assert(fc.property(any, (x) => {
        const r = F.reduce(x)
        assert.ok(r >= 0n && r < F.p, `reduce(${x}) = ${r}`)
        assert.equal((x - r) % F.p, 0n)
      }), RUNS)
    })

    test('toSigned lands in (-p/2, p/2] and reduces back to x', () => {
      const half = (F.p - 1n) / 2n
      assert.equal(F.toSigned(0n), 0n)
      assert.equal(F.toSigned(F.p - 1n), -1n)
      assert.equal(F.toSigned(half), half)
      assert.equal(F.toSigned(half + 1n), -half)
      fc.assert(fc.property(el, (x) => {
        const s = F.toSigned(x)
        assert.ok(2n * s > -F.p && 2n * s <= F.p, `toSigned(${x}) = ${s}`)
        assert.equal(F.reduce(s), x)
      }), RUNS)
    })

    test('signed values survive a round trip through the field', () => {
      const half = (F.p - 1n) / 2n
      fc.assert(fc.property(fc.bigInt({ min: -half, max: half }), (v) => {
        assert.equal(F.toSigned(F.reduce(v)), v)
      }), RUNS)
    })
  })
}

describe('createField', () => {
  test('records bits and bytes of p', () => {
    const F = createField(P127)
    assert.equal(F.p, P127)
    assert.equal(F.bits, 127)
    assert.equal(F.bytes, 16)
    const S = createField(13n)
    assert.equal(S.bits, 4)
    assert.equal(S.bytes, 1)
    const B = createField(251n)
    assert.equal(B.bits, 8)
    assert.equal(B.bytes, 1)
    const W = createField(257n)
    assert.equal(W.bits, 9)
    assert.equal(W.bytes, 2)
    assert.ok(Object.isFrozen(F))
  })

  test('accepts odd primes', () => {
    for (const p of [3n, 5n, 13n, 101n, 65537n, P61, P89, P127]) assert.equal(createField(p).p, p)
  })

  test('refuses 2, composites, 1, 0 and negatives naming parameters.modulus', () => {
    for (const p of [2n, 1n, 0n, -7n, -13n, 4n, 9n, 15n, 341n, 561n, 41041n, P61 * P89, (1n << 127n) + 1n]) {
      assert.throws(() => createField(p), (err: unknown) => {
        assert.ok(err instanceof InvalidInputError, `createField(${p}) threw ${String(err)}`)
        assert.equal(err.name, 'InvalidInputError')
        assert.equal(err.code, 'INVALID_INPUT')
        assert.equal(err.field, 'parameters.modulus')
        return true
      })
    }
  })
})

describe('isProbablePrime', () => {
  test('known primes', () => {
    const primes = [2n, 3n, 5n, 7n, 11n, 13n, 37n, 41n, 43n, 47n, 97n, 7919n, 65537n, 1000000007n,
      2147483647n, P61, P89, mersenne(107), P127, mersenne(521)]
    for (const p of primes) assert.equal(isProbablePrime(p), true, `${p} is prime`)
  })

  test('known composites, Carmichael numbers and strong pseudoprimes included', () => {
    const composites = [
      -7n, 0n, 1n, 4n, 9n, 25n, 49n, 91n, 1681n /* 41^2 */, 1763n /* 41*43 */,
      341n /* Fermat pseudoprime base 2 */,
      561n, 1105n, 1729n, 2465n, 2821n, 6601n, 8911n, 41041n, 825265n /* Carmichael numbers */,
      2047n /* strong pseudoprime base 2 */,
      3215031751n /* strong pseudoprime to bases 2, 3, 5, 7 */,
      3825123056546413051n /* strong pseudoprime to bases 2..23 */,
      318665857834031151167461n /* strong pseudoprime to bases 2..37 */,
      P61 * P89, mersenne(67) /* 193707721 * 761838257287 */, mersenne(128)
    ]
    for (const n of composites) assert.equal(isProbablePrime(n), false, `${n} is composite`)
  })

  test('agrees with trial division below 5000', () => {
    const trial = (n: number): boolean => {
      if (n < 2) return false
      for (let d = 2; d * d <= n; d++) if (n % d === 0) return false
      return true
    }
    for (let n = 0; n < 5000; n++) assert.equal(isProbablePrime(BigInt(n)), trial(n), `n = ${n}`)
  })
})

describe('mersennePrimeFor', () => {
  const listed = MERSENNE_EXPONENTS.map(mersenne)

  test('picks the smallest listed Mersenne prime above 4 * maxAbs', () => {
    assert.equal(mersennePrimeFor(0n), P61)
    assert.equal(mersennePrimeFor(1n), P61)
    // 4 * (2^59 - 1) = 2^61 - 4 < 2^61 - 1, but 4 * 2^59 = 2^61 > 2^61 - 1
    assert.equal(mersennePrimeFor((1n << 59n) - 1n), P61)
    assert.equal(mersennePrimeFor(1n << 59n), P89)
    assert.equal(mersennePrimeFor(1n << 87n), mersenne(107))
    assert.equal(mersennePrimeFor((1n << 125n) - 1n), P127)
    assert.equal(mersennePrimeFor(1n << 125n), mersenne(521))
    // 3 parties at 12 + 12 digits: 4 * 3 * (10^24 - 1) ~ 1.2e25 < 2^89 - 1 ~ 6.2e26
    assert.equal(mersennePrimeFor(3n * (10n ** 24n - 1n)), P89)
  })

  test('property: result > 4 * maxAbs and the listed prime before it is not', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 1n << 1200n }), (maxAbs) => {
      const p = mersennePrimeFor(maxAbs)
      const i = listed.indexOf(p)
      assert.ok(i >= 0)
      assert.ok(p > 4n * maxAbs)
      if (i > 0) assert.ok(listed[i - 1]! <= 4n * maxAbs)
    }), { numRuns: 200 })
  })

  test('refuses values no listed prime can hold', () => {
    assert.throws(() => mersennePrimeFor(1n << 4421n), { name: 'InvalidInputError', code: 'INVALID_INPUT', field: 'parameters' })
    assert.equal(mersennePrimeFor((1n << 4420n) - 1n), mersenne(4423))
  })

  test('every listed exponent gives a prime', () => {
    for (const k of MERSENNE_EXPONENTS.filter(k => k <= 1279)) assert.equal(isProbablePrime(mersenne(k)), true, `2^${k} - 1`)
  })
})

test('bitLength', () => {
  assert.equal(bitLength(0n), 0)
  assert.equal(bitLength(1n), 1)
  assert.equal(bitLength(255n), 8)
  assert.equal(bitLength(256n), 9)
  assert.equal(bitLength(P127), 127)
  assert.equal(bitLength(1n << 127n), 128)
})
