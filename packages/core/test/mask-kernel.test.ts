/**
 * The WebAssembly SIMD mask kernel (wasm/mask.wat): present on every Node this project runs on,
 * built from the committed .wat, and drawing exactly the elements the JavaScript path draws,
 * rejected draws included, wherever they fall in a chunk.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { FAST_PRIME, FAST_PRIME_BIGINT, fastAddKeystream, KEYSTREAM_CHUNK_ELEMENTS } from '../src/field/fast.js'
import { maskKernel, MASK_KERNEL_ELEMENTS } from '../src/field/mask-kernel.js'

const P = FAST_PRIME_BIGINT
const element = fc.bigInt({ min: 0n, max: P - 1n }).map(Number)

/** A keystream reader over fixed bytes, read in order. */
function reader (bytes: Uint8Array): (length: number) => Uint8Array {
  let at = 0
  return (length: number) => {
    if (at + length > bytes.length) throw new Error(`keystream exhausted at ${at} + ${length}`)
    const out = bytes.slice(at, at + length)
    at += length
    return out
  }
}

test('the kernel loads (WebAssembly SIMD) and its bytes are built from wasm/mask.wat', () => {
  assert.ok(maskKernel !== undefined, 'no WebAssembly SIMD kernel on this Node')
  assert.equal(maskKernel.targets.length, MASK_KERNEL_ELEMENTS)
  assert.equal(KEYSTREAM_CHUNK_ELEMENTS, MASK_KERNEL_ELEMENTS)
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
      fastAddKeystream(a, offset, xs.length, reader(bytes), subtract, maskKernel)
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
  fastAddKeystream(a, 0, count, reader(bytes), false, maskKernel)
  fastAddKeystream(b, 0, count, reader(bytes), false, undefined)
  assert.deepEqual(a, b)
})
