/**
 * The fast profile's field: Z_p for p = 2^52 - 47, the largest prime below 2^52. Every element
 * is an integer below 2^52, so it is exact in a double, a Float64Array holds a vector with no
 * bigint per element, and a + b < 2^53 is exact before the one conditional subtraction.
 */
import { KERNEL_ELEMENTS, fastKernel, type FastKernel } from './fast-kernel.js'

/** Vectors shorter than this skip the kernel (its copies in and out cost more than they save). */
export const KERNEL_MIN_ELEMENTS = 64

/** 2^52 - 47 (prime; checked by the tests with isProbablePrime). */
export const FAST_PRIME = 4503599627370449
export const FAST_PRIME_BIGINT = 4503599627370449n
/** Elements above this are negative in the signed view: (p - 1) / 2. */
export const FAST_HALF = (FAST_PRIME - 1) / 2

const TWO_32 = 4294967296
const LOW_20_BITS = 0xfffff

/** Whether this platform stores doubles little-endian (then wire bytes are the array's own bytes). */
export const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f

/**
 * target[offset + k] = target[offset + k] + source[k] mod p, for every k of source.
 * @param kernel the SIMD kernel (the process's by default; undefined: JavaScript only)
 */
export function fastAddInto (target: Float64Array, source: Float64Array, offset = 0, kernel: FastKernel | undefined = fastKernel): void {
  const p = FAST_PRIME
  const n = source.length
  let k = 0
  if (kernel !== undefined && n >= KERNEL_MIN_ELEMENTS) {
    while (k < n) {
      const m = Math.min(n - k, KERNEL_ELEMENTS)
      kernel.a.set(target.subarray(offset + k, offset + k + m))
      kernel.b.set(source.subarray(k, k + m))
      const done = kernel.add(m)
      target.set(kernel.a.subarray(0, done), offset + k)
      k += done
      if (done < m) break
    }
  }
  for (; k < n; k++) {
    const s = target[offset + k]! + source[k]!
    target[offset + k] = s >= p ? s - p : s
  }
}

/** target[offset + k] = target[offset + k] - source[k] mod p, for every k of source. */
export function fastSubInto (target: Float64Array, source: Float64Array, offset = 0): void {
  const p = FAST_PRIME
  const n = source.length
  for (let k = 0; k < n; k++) {
    const d = target[offset + k]! - source[k]!
    target[offset + k] = d < 0 ? d + p : d
  }
}

/**
 * The index of the first element that is not an integer in [0, p), or -1 when all are.
 * @param kernel the SIMD kernel (the process's by default; undefined: JavaScript only)
 */
export function fastFindInvalid (v: Float64Array, kernel: FastKernel | undefined = fastKernel): number {
  const p = FAST_PRIME
  let k = 0
  if (kernel !== undefined && v.length >= KERNEL_MIN_ELEMENTS) {
    while (k < v.length) {
      const m = Math.min(v.length - k, KERNEL_ELEMENTS)
      kernel.a.set(v.subarray(k, k + m))
      const done = kernel.valid(m)
      k += done
      if (done < m) break
    }
  }
  for (; k < v.length; k++) {
    const x = v[k]!
    // NaN fails both comparisons; Math.floor catches fractions
    if (!(x >= 0 && x < p) || Math.floor(x) !== x) return k
  }
  return -1
}

/** A field element in the signed view (-p/2, p/2]. */
export function fastToSigned (x: number): number {
  return x > FAST_HALF ? x - FAST_PRIME : x
}

/** A signed integer |s| < p/2 as a field element. */
export function fastFromSigned (s: number): number {
  return s < 0 ? s + FAST_PRIME : s
}

/** Elements drawn per keystream read (64 KiB of keystream): what the kernel takes per call. */
export const KEYSTREAM_CHUNK_ELEMENTS = KERNEL_ELEMENTS

/** Reads the next `length` bytes of a keystream. */
export type KeystreamReader = (length: number) => Uint8Array

function words (bytes: Uint8Array): Uint32Array {
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
  // a copy (new Uint8Array copies; Buffer#slice would not)
  return new Uint32Array(new Uint8Array(bytes).buffer)
}

/**
 * Draws of `bytes` from element `from` on, added to (subtracted from) target[at..) one by one
 * and kept only when below p.
 * @returns how many were kept
 */
function drawEach (target: Float64Array, at: number, bytes: Uint8Array, from: number, subtract: boolean): number {
  const p = FAST_PRIME
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const need = bytes.length >>> 3
  let kept = 0
  for (let i = from; i < need; i++) {
    const v = (view.getUint32(8 * i + 4, true) & LOW_20_BITS) * TWO_32 + view.getUint32(8 * i, true)
    if (v >= p) continue
    const t = at + kept++
    const r = subtract ? target[t]! - v : target[t]! + v
    target[t] = subtract ? (r < 0 ? r + p : r) : (r >= p ? r - p : r)
  }
  return kept
}

/** drawEach for a whole little-endian chunk, without the DataView (the path without the kernel). */
function drawWords (target: Float64Array, at: number, bytes: Uint8Array, subtract: boolean): number {
  const p = FAST_PRIME
  const w = words(bytes)
  const need = bytes.length >>> 3
  let k = at
  // two loops rather than a branch per element
  if (subtract) {
    for (let i = 0; i < need; i++) {
      const v = (w[2 * i + 1]! & LOW_20_BITS) * TWO_32 + w[2 * i]!
      if (v >= p) continue
      const d = target[k]! - v
      target[k++] = d < 0 ? d + p : d
    }
  } else {
    for (let i = 0; i < need; i++) {
      const v = (w[2 * i + 1]! & LOW_20_BITS) * TWO_32 + w[2 * i]!
      if (v >= p) continue
      const s = target[k]! + v
      target[k++] = s >= p ? s - p : s
    }
  }
  return k - at
}

/**
 * Add (or subtract) `count` uniform field elements drawn from a keystream into
 * target[offset..offset+count). Each element is the low 52 bits of the next 8 keystream bytes
 * (little-endian), kept when below p and skipped otherwise (rejection sampling: no bias; a draw
 * is skipped with probability 47 / 2^52). Both ends of a pair draw the same elements. With the
 * WebAssembly kernel (fast-kernel.ts) a chunk is done there up to its first rejected draw, and
 * the rest of that chunk one by one here: the same elements either way.
 * @param kernel the SIMD kernel (the process's by default; undefined: JavaScript only)
 */
export function fastAddKeystream (target: Float64Array, offset: number, count: number, read: KeystreamReader, subtract: boolean, kernel: FastKernel | undefined = fastKernel): void {
  let k = 0
  while (k < count) {
    // at most 64 KiB at a time: small buffers are reused by the allocator, fresh large ones cost page faults
    const need = Math.min(count - k, KEYSTREAM_CHUNK_ELEMENTS)
    const bytes = read(need * 8)
    const at = offset + k
    if (kernel !== undefined && LITTLE_ENDIAN) {
      kernel.keystream.set(bytes.subarray(0, need * 8))
      kernel.a.set(target.subarray(at, at + need))
      const done = kernel.mask(need, subtract ? 1 : 0)
      target.set(kernel.a.subarray(0, done), at)
      k += done
      if (done < need) k += drawEach(target, at + done, bytes, done, subtract)
    } else if (LITTLE_ENDIAN) {
      k += drawWords(target, at, bytes, subtract)
    } else {
      k += drawEach(target, at, bytes, 0, subtract)
    }
  }
}

/** The wire bytes of elements: little-endian doubles. */
export function fastToBytes (v: Float64Array, out: Uint8Array, offset: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset)
    return
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, v.length * 8)
  for (let k = 0; k < v.length; k++) view.setFloat64(8 * k, v[k]!, true)
}

/** Elements from their wire bytes (copied: the frame's buffer is not kept). */
export function fastFromBytes (bytes: Uint8Array): Float64Array {
  const count = bytes.length >>> 3
  const out = new Float64Array(count)
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, count * 8))
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, count * 8)
    for (let k = 0; k < count; k++) out[k] = view.getFloat64(8 * k, true)
  }
  return out
}
