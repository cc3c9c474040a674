/**
 * The fast profile's WebAssembly SIMD kernel (wasm/fast-kernel.wat): present on every Node this
 * project runs on, built from the committed .wat, and giving exactly what the JavaScript path
 * gives: the same mask draws (rejected ones included, wherever they fall in a chunk), sums,
 * element checks, encodings (and errors) and decodings.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { keystreamReader as reader } from './lean-helpers.js'
import { FAST_PRIME, FAST_PRIME_BIGINT, fastAddInto, fastAddKeystream, fastFindInvalid, KEYSTREAM_CHUNK_ELEMENTS } from '../src/field/fast.js'
import { fastKernel, KERNEL_ELEMENTS } from '../src/field/fast-kernel.js'
import { decodeFastTotal, encodeFastInput } from '../src/encoding/fast.js'

const P = FAST_PRIME_BIGINT
const element = fc.bigInt({ min: 0n, max: P - 1n }).map(Number)

test('the kernel loads (WebAssembly SIMD) and its bytes are built from wasm/fast-kernel.wat', () => {
  assert.ok(fastKernel !== undefined, 'no WebAssembly SIMD kernel on this Node')
  assert.equal(fastKernel.a.length, KERNEL_ELEMENTS)
  assert.equal(KEYSTREAM_CHUNK_ELEMENTS, KERNEL_ELEMENTS)
  const script = fileURLToPath(new URL('../../../scripts/build-wasm.mjs', import.meta.url))
  execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })
})

test('kernel and JavaScript draw the same elements, with rejected draws anywhere', () => {
  // rejected words: all ones in the low 52 bits, exactly p, or p + 1 (with random high bits)
  const rejected = fc.constantFrom((1n << 52n) - 1n, P, P + 1n).chain(v => fc.bigInt({ min: 0n, max: 0xfffn }).map(h => v | (h << 52n)))
  fc.assert(fc.property(
    fc.array(element, { minLength: 1, maxLength: 70 }), fc.integer({ min: 0, max: 9 }), fc.boolean(),
    fc.uint8Array({ minLength: 8 * 80, maxLength: 8 * 80 }), fc.array(fc.tuple(fc.nat(79), rejected), { maxLength: 6 }),
    (xs, offset, subtract, bytes, rejects) => {
      const view = new DataView(bytes.buffer)
      for (const [at, v] of rejects) view.setBigUint64(8 * at, v, true)
      const a = new Float64Array(offset + xs.length)
      a.set(xs, offset)
      const b = a.slice()
      fastAddKeystream(a, offset, xs.length, reader(bytes), subtract, fastKernel)
      fastAddKeystream(b, offset, xs.length, reader(bytes), subtract, undefined)
      assert.deepEqual([...a], [...b])
      assert.ok(a.every(x => x >= 0 && x < FAST_PRIME && Number.isInteger(x)))
    }), { numRuns: 300 })
})

test('over several chunks, a rejection in one chunk shifts the draws of the next the same way', () => {
  const count = KEYSTREAM_CHUNK_ELEMENTS * 2 + 3
  const bytes = new Uint8Array(count * 8 + 64)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 197 + 11) & 0xff
  const view = new DataView(bytes.buffer)
  for (const at of [5, KEYSTREAM_CHUNK_ELEMENTS - 1, KEYSTREAM_CHUNK_ELEMENTS + 2, 2 * KEYSTREAM_CHUNK_ELEMENTS]) view.setBigUint64(8 * at, P, true)
  const a = new Float64Array(count).fill(FAST_PRIME - 1)
  const b = a.slice()
  fastAddKeystream(a, 0, count, reader(bytes), false, fastKernel)
  fastAddKeystream(b, 0, count, reader(bytes), false, undefined)
  assert.deepEqual(a, b)
})

/** What a call gives: its value, or the error it throws (by class and message). */
function outcome<T> (f: () => T): T | string {
  try {
    return f()
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`
  }
}

test('addition, the element check and decoding agree with JavaScript', () => {
  const odd = fc.constantFrom(-1, 0.5, FAST_PRIME, FAST_PRIME + 1, Number.NaN, Infinity, 2 ** 53)
  fc.assert(fc.property(
    fc.array(element, { minLength: 0, maxLength: 300 }), fc.array(element, { minLength: 300, maxLength: 300 }),
    fc.option(fc.tuple(fc.nat(299), odd)), fc.boolean(), fc.integer({ min: 0, max: 6 }),
    (xs, ys, bad, typed, digits) => {
      const a = Float64Array.from(xs)
      const b = a.slice()
      fastAddInto(a, Float64Array.from(ys.slice(0, xs.length)), 0, fastKernel)
      fastAddInto(b, Float64Array.from(ys.slice(0, xs.length)), 0, undefined)
      assert.deepEqual(a, b)
      const c = Float64Array.from(xs)
      if (bad !== null && bad[0] < c.length) c[bad[0]] = bad[1]
      assert.equal(fastFindInvalid(c, fastKernel), fastFindInvalid(c, undefined))
      const fp = { digitsBefore: 15 - digits, digitsAfter: digits }
      const total = Float64Array.from([...xs, 3])
      const d1 = decodeFastTotal(total.slice(), fp, 'vector', typed, fastKernel)
      const d2 = decodeFastTotal(total.slice(), fp, 'vector', typed, undefined)
      assert.deepEqual(d1.sum instanceof Float64Array ? [...d1.sum] : d1.sum, d2.sum instanceof Float64Array ? [...d2.sum] : d2.sum)
    }), { numRuns: 200 })
})

test('fixed-point encoding agrees with JavaScript, rounding boundaries and bad values included', () => {
  // values at x.5 after scaling, near the limit, beyond it, negative zero, NaN and infinities
  const special = fc.constantFrom(0.0000005, -0.0000025, 2.5e-6, 999999.9999995, -999999.999999, 1e6, -1e6, 0.1, -0, Number.NaN, Infinity, -Infinity, 1e300)
  const value = fc.oneof({ weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }, { weight: 1, arbitrary: special })
  fc.assert(fc.property(fc.array(value, { minLength: 0, maxLength: 300 }), fc.constantFrom('f64', 'f32', 'i32'), (xs, kind) => {
    const input = kind === 'f64' ? Float64Array.from(xs) : kind === 'f32' ? Float32Array.from(xs) : Int32Array.from(xs.map(x => Number.isFinite(x) ? Math.trunc(x) : 0))
    const fp = { digitsBefore: 6, digitsAfter: 6 }
    const k = outcome(() => [...encodeFastInput(input, fp, 'value', 1 << 24, fastKernel).elements])
    const j = outcome(() => [...encodeFastInput(input, fp, 'value', 1 << 24, undefined).elements])
    assert.deepEqual(k, j)
  }), { numRuns: 300 })
})
