/**
 * The fast profile's mask arithmetic in WebAssembly SIMD (wasm/mask.wat): a keystream chunk's
 * 52-bit draws added to (or subtracted from) a chunk of elements, two per instruction, with no
 * per-element branch in JavaScript. The module is compiled once, from bytes held in this
 * package (no I/O); its memory is two fixed pages used as scratch by one call at a time
 * (JavaScript runs a call to the end before the next). Absent (undefined) where WebAssembly or
 * its SIMD is not available: fast.ts then does the same in JavaScript.
 */
import { fromString } from 'uint8arrays/from-string'
import { MASK_WASM } from './mask-wasm.js'

/** Elements per call: the module's target and keystream regions each hold this many. */
export const MASK_KERNEL_ELEMENTS = 8192

export interface MaskKernel {
  /** The module's target region: elements go in here, and the results come out here. */
  readonly targets: Float64Array
  /** The module's keystream region: 8 bytes per element. */
  readonly keystream: Uint8Array
  /**
   * targets[i] +/- the draw of keystream word i, for i below n taken two at a time, stopping
   * before the first pair of words holding a draw >= p.
   * @returns how many elements it did: an even number, n rounded down to one when no draw was
   *   rejected (the caller does the rest one by one)
   */
  readonly mask: (n: number, subtract: number) => number
}

/** The little of the WebAssembly JS API used here (core's libraries declare no WebAssembly). */
interface WasmApi {
  validate: (bytes: Uint8Array) => boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { readonly exports: Record<string, unknown> }
}

function load (): MaskKernel | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
  if (wasm === undefined) return undefined
  try {
    const bytes = fromString(MASK_WASM, 'base64')
    if (!wasm.validate(bytes)) return undefined
    const exports = new wasm.Instance(new wasm.Module(bytes)).exports
    const memory = exports.memory as { readonly buffer: ArrayBuffer }
    const mask = exports.mask as (n: number, subtract: number) => number
    return {
      targets: new Float64Array(memory.buffer, 0, MASK_KERNEL_ELEMENTS),
      keystream: new Uint8Array(memory.buffer, 8 * MASK_KERNEL_ELEMENTS, 8 * MASK_KERNEL_ELEMENTS),
      mask
    }
  } catch {
    return undefined
  }
}

/** The kernel of this process, or undefined without WebAssembly SIMD. */
export const maskKernel: MaskKernel | undefined = load()
