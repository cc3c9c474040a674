/**
 * The fast profile's vector arithmetic in WebAssembly SIMD (wasm/fast-kernel.wat): lean mode's
 * mask draws, addition mod p, the element check, and fixed-point encoding and decoding, two
 * elements per instruction with no per-element branch in JavaScript. The module is compiled
 * once, from bytes held in this package (no I/O); its memory is two fixed regions of
 * KERNEL_ELEMENTS doubles used as scratch by one call at a time (JavaScript runs a call to the
 * end before the next). Every function does pairs of elements and returns how many it did (an
 * even number); the caller does the rest one by one, in the same JavaScript it uses where the
 * kernel is absent (undefined: no WebAssembly or no SIMD), so the results are the same.
 */
import { fromString } from 'uint8arrays/from-string'
import { FAST_KERNEL_WASM } from './fast-kernel-wasm.js'

/** Elements per call: each region holds this many. */
export const KERNEL_ELEMENTS = 8192

export interface FastKernel {
  /** Region A: elements go in here, and the results come out here. */
  readonly a: Float64Array
  /** Region B: the second operand of add. */
  readonly b: Float64Array
  /** Region B as bytes: the keystream of mask, 8 bytes per element. */
  readonly keystream: Uint8Array
  /** A[i] +/- the draw of keystream word i; stops before the first pair holding a draw >= p. */
  readonly mask: (n: number, subtract: number) => number
  /** A[i] = A[i] + B[i] mod p. */
  readonly add: (n: number) => number
  /** How many of A, from the start, are integers in [0, p) (stops before the first pair that is not). */
  readonly valid: (n: number) => number
  /** A[i] = round(A[i] * scale) as an element, while away from a rounding boundary and |.| <= max. */
  readonly encode: (n: number, scale: number, max: number) => number
  /** A[i] = signed(A[i]) / scale. */
  readonly decode: (n: number, scale: number) => number
}

/** The little of the WebAssembly JS API used here (core's libraries declare no WebAssembly). */
interface WasmApi {
  validate: (bytes: Uint8Array) => boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { readonly exports: Record<string, unknown> }
}

type Fn = (...args: number[]) => number

function load (): FastKernel | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (wasm === undefined) return undefined
  try {
    const bytes = fromString(FAST_KERNEL_WASM, 'base64')
    if (!wasm.validate(bytes)) return undefined
    const exports = new wasm.Instance(new wasm.Module(bytes)).exports
    const buffer = (exports.memory as { readonly buffer: ArrayBuffer }).buffer
    return {
      a: new Float64Array(buffer, 0, KERNEL_ELEMENTS),
      b: new Float64Array(buffer, 8 * KERNEL_ELEMENTS, KERNEL_ELEMENTS),
      keystream: new Uint8Array(buffer, 8 * KERNEL_ELEMENTS, 8 * KERNEL_ELEMENTS),
      mask: exports.mask as Fn,
      add: exports.add as Fn,
      valid: exports.valid as Fn,
      encode: exports.encode as Fn,
      decode: exports.decode as Fn
    }
  } catch {
    return undefined
  }
}

/** The kernel of this process, or undefined without WebAssembly SIMD. */
export const fastKernel: FastKernel | undefined = load()
