/** The fast profile's field: p = 2^52 - 47 in doubles, element-wise arithmetic, keystream sampling. */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { keystreamReader as reader } from './lean-helpers.js'
import { isProbablePrime } from '../src/field/wide.js'
import {
  FAST_PRIME, FAST_PRIME_BIGINT, FAST_HALF, fastAddInto, fastSubInto, fastFindInvalid, fastToSigned, fastFromSigned,
  fastAddKeystream, fastToBytes, fastFromBytes, KEYSTREAM_CHUNK_ELEMENTS
} from '../src/field/fast.js'

const RUNS = { numRuns: 200 }
const P = FAST_PRIME_BIGINT
const element = fc.bigInt({ min: 0n, max: P - 1n }).map(Number)
const vectors = (n: number): fc.Arbitrary<number[][]> => fc.integer({ min: 1, max: 64 }).chain(len => fc.array(fc.array(element, { minLength: len, maxLength: len }), { minLength: n, maxLength: n }))

/** The reference sampler: 8 bytes little-endian, low 52 bits, kept when below p. */
function referenceSample (bytes: Uint8Array, count: number): bigint[] {
  const out: bigint[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let w = 0; out.length < count; w++) {
    const v = view.getBigUint64(8 * w, true) & ((1n << 52n) - 1n)
    if (v < P) out.push(v)
  }
  return out
}

describe('the fast prime', () => {
  test('is 2^52 - 47, prime, and the largest prime below 2^52', () => {
    assert.equal(FAST_PRIME_BIGINT, (1n << 52n) - 47n)
    assert.equal(BigInt(FAST_PRIME), FAST_PRIME_BIGINT)
    assert.ok(isProbablePrime(FAST_PRIME_BIGINT))
    for (let q = FAST_PRIME_BIGINT + 2n; q < 1n << 52n; q += 2n) assert.ok(!isProbablePrime(q), `${q} is composite`)
  })

  test('a sum of two elements is exact in a double', () => {
    assert.ok(2 * (FAST_PRIME - 1) < 2 ** 53)
    assert.equal(FAST_HALF, (FAST_PRIME - 1) / 2)
  })
})

describe('element-wise arithmetic on Float64Array', () => {
  test('addInto and subInto agree with bigint arithmetic mod p', () => {
    fc.assert(fc.property(vectors(2), ([a, b]) => {
      const sum = Float64Array.from(a!)
      fastAddInto(sum, Float64Array.from(b!))
      const diff = Float64Array.from(a!)
      fastSubInto(diff, Float64Array.from(b!))
      a!.forEach((x, k) => {
        assert.equal(BigInt(sum[k]!), (BigInt(x) + BigInt(b![k]!)) % P)
        assert.equal(BigInt(diff[k]!), ((BigInt(x) - BigInt(b![k]!)) % P + P) % P)
      })
    }), RUNS)
  })

  test('add is commutative and associative, sub undoes add', () => {
    fc.assert(fc.property(vectors(3), ([a, b, c]) => {
      const ab = Float64Array.from(a!); fastAddInto(ab, Float64Array.from(b!))
      const ba = Float64Array.from(b!); fastAddInto(ba, Float64Array.from(a!))
      assert.deepEqual(ab, ba)
      const abc1 = Float64Array.from(ab); fastAddInto(abc1, Float64Array.from(c!))
      const bc = Float64Array.from(b!); fastAddInto(bc, Float64Array.from(c!))
      const abc2 = Float64Array.from(a!); fastAddInto(abc2, bc)
      assert.deepEqual(abc1, abc2)
      fastSubInto(abc1, Float64Array.from(c!))
      assert.deepEqual(abc1, ab)
      for (const x of abc2) assert.ok(x >= 0 && x < FAST_PRIME && Number.isInteger(x))
    }), RUNS)
  })

  test('addInto at an offset touches only that range', () => {
    const target = new Float64Array(10).fill(1)
    fastAddInto(target, Float64Array.of(FAST_PRIME - 1, 5), 4)
    assert.deepEqual([...target], [1, 1, 1, 1, 0, 6, 1, 1, 1, 1])
  })

  test('findInvalid names the first element outside [0, p) or not an integer', () => {
    assert.equal(fastFindInvalid(Float64Array.of(0, 1, FAST_PRIME - 1)), -1)
    for (const bad of [FAST_PRIME, -1, 0.5, NaN, Infinity, 2 ** 53]) {
      assert.equal(fastFindInvalid(Float64Array.of(3, bad, 4)), 1, `${bad} is refused`)
    }
  })

  test('signed view round trip', () => {
    fc.assert(fc.property(fc.integer({ min: -FAST_HALF, max: FAST_HALF }), s => {
      const x = fastFromSigned(s)
      assert.ok(x >= 0 && x < FAST_PRIME)
      assert.equal(fastToSigned(x), s === 0 ? 0 : s)
    }), RUNS)
  })

  test('wire bytes are little-endian doubles and round trip', () => {
    fc.assert(fc.property(fc.array(element, { maxLength: 50 }), xs => {
      const v = Float64Array.from(xs)
      const out = new Uint8Array(3 + v.length * 8)
      fastToBytes(v, out, 3)
      const view = new DataView(out.buffer)
      xs.forEach((x, k) => assert.equal(view.getFloat64(3 + 8 * k, true), x))
      assert.deepEqual(fastFromBytes(out.subarray(3)), v)
    }), RUNS)
  })
})

describe('uniform elements from a keystream', () => {
  test('match the reference sampler, added or subtracted', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8 * 80, maxLength: 8 * 80 }), fc.integer({ min: 1, max: 60 }), (bytes, count) => {
      const expected = referenceSample(bytes, count)
      const added = new Float64Array(count)
      fastAddKeystream(added, 0, count, reader(bytes), false)
      assert.deepEqual([...added].map(BigInt), expected)
      const subtracted = new Float64Array(count)
      fastAddKeystream(subtracted, 0, count, reader(bytes), true)
      assert.deepEqual([...subtracted].map(BigInt), expected.map(x => (P - x) % P))
    }), RUNS)
  })

  test('skip draws at or above p (rejection), so both ends still agree', () => {
    // 0xff..ff has low 52 bits 2^52 - 1 >= p: rejected; the next word is taken instead
    const bytes = new Uint8Array(8 * 6)
    bytes.fill(0xff, 0, 8)
    new DataView(bytes.buffer).setBigUint64(8, 7n, true)
    new DataView(bytes.buffer).setBigUint64(16, (1n << 52n) - 47n, true) // exactly p: rejected too
    new DataView(bytes.buffer).setBigUint64(24, (1n << 52n) - 48n, true) // p - 1: kept
    new DataView(bytes.buffer).setBigUint64(32, 9n | (0xfffn << 52n), true) // high bits ignored
    const out = new Float64Array(3)
    fastAddKeystream(out, 0, 3, reader(bytes), false)
    assert.deepEqual([...out], [7, FAST_PRIME - 1, 9])
  })

  test('adding then subtracting the same stream leaves the target unchanged', () => {
    fc.assert(fc.property(fc.array(element, { minLength: 1, maxLength: 40 }), fc.uint8Array({ minLength: 8 * 60, maxLength: 8 * 60 }), (xs, bytes) => {
      const v = Float64Array.from(xs)
      fastAddKeystream(v, 0, xs.length, reader(bytes), false)
      fastAddKeystream(v, 0, xs.length, reader(bytes), true)
      assert.deepEqual([...v], xs)
    }), RUNS)
  })

  test('long streams are read in chunks of at most 64 KiB with the same result', () => {
    const count = KEYSTREAM_CHUNK_ELEMENTS * 2 + 5
    const bytes = new Uint8Array(count * 8 + 64)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff
    const reads: number[] = []
    const base = reader(bytes)
    const out = new Float64Array(count)
    fastAddKeystream(out, 0, count, n => { reads.push(n); return base(n) }, false)
    assert.ok(reads.every(n => n <= 65536))
    assert.deepEqual([...out].map(BigInt), referenceSample(bytes, count))
  })
})
