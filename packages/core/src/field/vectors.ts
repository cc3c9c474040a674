/**
 * The element arithmetic lean mode needs, once per profile: Float64Array for the fast profile
 * (no bigint per element), bigint[] for the wide one. The machine is written against this
 * interface only.
 */
import { decodeScaled, encodeInput, type FixedPoint, type Shape } from '../encoding/fixed-point.js'
import type { Field } from './wide.js'
import type { Sum } from '../machine/types.js'
import {
  FAST_PRIME, fastAddInto, fastAddKeystream, fastFindInvalid, fastToBytes, LITTLE_ENDIAN, type KeystreamReader
} from './fast.js'
import { decodeFastTotal, encodeFastInput } from '../encoding/fast.js'

/** Frame size of the fast profile: 2^15 elements, 256 KiB on the wire. */
export const FAST_FRAME_ELEMENTS = 1 << 15
/** Frame size of the wide profile (elements of 8 to a few hundred bytes). */
export const WIDE_FRAME_ELEMENTS = 1 << 14

export interface EncodedVector<V> {
  /** Field elements: the input, then its sample count. */
  readonly elements: V
  readonly shape: Shape
  /** Elements of the input (1 for a scalar). */
  readonly length: number
}

export interface VectorOps<V extends Float64Array | bigint[]> {
  readonly frameElements: number
  /** Wire bytes per element. */
  readonly elementBytes: number
  encode: (value: unknown, fp: FixedPoint, maxLength: number) => EncodedVector<V>
  /** A copy of v[start, start + count). */
  slice: (v: V, start: number, count: number) => V
  /** Zeros. */
  alloc: (count: number) => V
  /** target[k] = source[start + k] for k < count */
  copyRange: (target: V, source: V, start: number, count: number) => void
  /** target[offset + k] += source[k] mod p */
  addInto: (target: V, source: V, offset: number) => void
  /** target[offset + k] = source[k] */
  copyInto: (target: V, source: V, offset: number) => void
  /** Add (or subtract) `count` uniform elements drawn from a keystream into target[offset..). */
  addKeystream: (target: V, offset: number, count: number, read: KeystreamReader, subtract: boolean) => void
  /** The index of an element outside [0, p), or -1. */
  findInvalid: (v: V) => number
  /** Canonical bytes of elements (for the result hash): maybe a view of v, valid until v changes. */
  toBytes: (v: V) => Uint8Array
  /** @param typed the input was a typed array: give a vector sum as a Float64Array when exact */
  decode: (total: V, fp: FixedPoint, shape: Shape, typed: boolean) => { samples: number, sum: Sum | Sum[] | Float64Array }
}

export const fastVectors: VectorOps<Float64Array> = {
  frameElements: FAST_FRAME_ELEMENTS,
  elementBytes: 8,
  encode: (value, fp, maxLength) => encodeFastInput(value, fp, 'value', maxLength),
  slice: (v, start, count) => v.slice(start, start + count),
  alloc: count => new Float64Array(count),
  copyRange: (target, source, start, count) => target.set(source.subarray(start, start + count)),
  addInto: (target, source, offset) => fastAddInto(target, source, offset),
  copyInto: (target, source, offset) => target.set(source, offset),
  addKeystream: (target, offset, count, read, subtract) => fastAddKeystream(target, offset, count, read, subtract),
  findInvalid: v => fastFindInvalid(v),
  // on a little-endian platform the array's own bytes (a view, hashed at once: no copy)
  toBytes: v => {
    if (LITTLE_ENDIAN) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
    const out = new Uint8Array(v.length * 8)
    fastToBytes(v, out, 0)
    return out
  },
  decode: (total, fp, shape, typed) => decodeFastTotal(total, fp, shape, typed)
}

/** Wide-profile arithmetic over the task's bigint field. */
export function wideVectors (field: Field): VectorOps<bigint[]> {
  const width = field.bytes
  const topMask = (1 << (field.bits - (width - 1) * 8)) - 1
  return {
    frameElements: WIDE_FRAME_ELEMENTS,
    elementBytes: width,
    encode: (value, fp, maxLength) => {
      const e = encodeInput(value, fp, 'value', maxLength)
      return { elements: [...e.values.map(x => field.reduce(x)), BigInt(e.samples)], shape: e.shape, length: e.values.length }
    },
    slice: (v, start, count) => v.slice(start, start + count),
    alloc: count => new Array<bigint>(count).fill(0n),
    copyRange: (target, source, start, count) => {
      for (let k = 0; k < count; k++) target[k] = source[start + k]!
    },
    addInto: (target, source, offset) => {
      for (let k = 0; k < source.length; k++) target[offset + k] = field.add(target[offset + k]!, source[k]!)
    },
    copyInto: (target, source, offset) => {
      for (let k = 0; k < source.length; k++) target[offset + k] = source[k]!
    },
    addKeystream: (target, offset, count, read, subtract) => {
      // rejection sampling as random.ts does it: bits(p) bits per draw, kept when below p
      let k = 0
      while (k < count) {
        const need = Math.min(count - k, Math.max(1, Math.floor(65536 / width)))
        const buf = read(need * width)
        for (let i = 0; i < need; i++) {
          let x = BigInt(buf[i * width]! & topMask)
          for (let b = 1; b < width; b++) x = (x << 8n) | BigInt(buf[i * width + b]!)
          if (x >= field.p) continue
          const at = offset + k
          target[at] = subtract ? field.sub(target[at]!, x) : field.add(target[at]!, x)
          k++
        }
      }
    },
    findInvalid: v => v.findIndex(x => x < 0n || x >= field.p),
    toBytes: v => {
      const out = new Uint8Array(v.length * width)
      const view = new DataView(out.buffer)
      v.forEach((x, k) => {
        let y = x
        for (let b = width - 1; b >= 0; b--) { view.setUint8(k * width + b, Number(y & 0xffn)); y >>= 8n }
      })
      return out
    },
    decode: (total, fp, shape, _typed) => {
      const samples = Number(field.toSigned(total[total.length - 1]!))
      const values = total.slice(0, -1).map(x => decodeScaled(field.toSigned(x), fp))
      return { samples, sum: shape === 'scalar' ? values[0]! : values }
    }
  }
}

/** Whether a modulus is the fast profile's. */
export function isFastModulus (modulus: string): boolean {
  return modulus === String(FAST_PRIME)
}
