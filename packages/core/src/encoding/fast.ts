/**
 * Inputs to fast-profile field elements without a bigint per element, with exactly the values
 * fixed-point.ts gives (round(x * 10^digits_after), half away from zero, from the shortest decimal
 * of a number): a number is scaled in double arithmetic, and only when the product lies within
 * two units in the last place of a rounding boundary (x.5) is the element taken through the exact
 * decimal path instead. Decimal strings and bigints always take the exact path.
 */
import { encodeScalar, isVectorInput, type FixedPoint, type Shape } from './fixed-point.js'
import { InvalidInputError } from '../errors.js'
import { FAST_PRIME, fastToSigned, KERNEL_MIN_ELEMENTS } from '../field/fast.js'
import { KERNEL_ELEMENTS, fastKernel, type FastKernel } from '../field/fast-kernel.js'

export interface FastEncoded {
  /** Field elements: the input's elements, then its sample count. */
  readonly elements: Float64Array
  readonly shape: Shape
  /** Elements of the input (1 for a scalar). */
  readonly length: number
}

const ULP_RATIO = 2 ** -51

/** One element as a signed fixed-point integer (a double holding an integer). */
function scaleOne (x: unknown, fp: FixedPoint, scale: number, max: number, field: string): number {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new InvalidInputError(field, `${String(x)} is not a finite number`)
    const t = x * scale
    const a = Math.abs(t)
    if (a < 2 ** 53) {
      const floor = Math.floor(a)
      const frac = a - floor
      if (Math.abs(frac - 0.5) > a * ULP_RATIO + 1e-9) {
        const magnitude = frac > 0.5 ? floor + 1 : floor
        if (magnitude > max) throw new InvalidInputError(field, `${String(x)} is out of range: |x| must be below 10^${fp.digitsBefore}`)
        return t < 0 && magnitude !== 0 ? -magnitude : magnitude
      }
    }
  }
  // a rounding boundary, a huge number, a decimal string or a bigint: the exact path
  return Number(encodeScalar(x, fp, field))
}

type TypedInput = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array

/** elements[i] for i in [from, to): the common case inline, the rest through scaleOne. */
function encodeRange (value: TypedInput, elements: Float64Array, from: number, to: number, fp: FixedPoint, scale: number, max: number, field: string): void {
  for (let i = from; i < to; i++) {
    const x = value[i]!
    // the common case inline: a finite product well away from a rounding boundary
    const t = x * scale
    const a = Math.abs(t)
    const floor = Math.floor(a)
    const frac = a - floor
    let s: number
    if (a <= max && Math.abs(frac - 0.5) > a * ULP_RATIO + 1e-9) {
      const magnitude = frac > 0.5 ? floor + 1 : floor
      if (magnitude > max) throw new InvalidInputError(`${field}[${i}]`, `${String(x)} is out of range: |x| must be below 10^${fp.digitsBefore}`)
      s = t < 0 && magnitude !== 0 ? -magnitude : magnitude
    } else {
      s = scaleOne(x, fp, scale, max, `${field}[${i}]`)
    }
    elements[i] = s < 0 ? s + FAST_PRIME : s
  }
}

/**
 * A typed array's elements: chunk by chunk in the kernel (the same common case, in SIMD), and
 * from the first pair it leaves (a rounding boundary, a value out of range, the odd last
 * element) to the end of that chunk in JavaScript, which also names the element at fault.
 */
function encodeTyped (value: TypedInput, elements: Float64Array, fp: FixedPoint, scale: number, max: number, field: string, kernel: FastKernel | undefined): void {
  const length = value.length
  if (kernel === undefined || length < KERNEL_MIN_ELEMENTS) {
    encodeRange(value, elements, 0, length, fp, scale, max, field)
    return
  }
  for (let i = 0; i < length;) {
    const m = Math.min(length - i, KERNEL_ELEMENTS)
    kernel.a.set(value.subarray(i, i + m))
    const done = kernel.encode(m, scale, max)
    elements.set(kernel.a.subarray(0, done), i)
    encodeRange(value, elements, i + done, i + m, fp, scale, max, field)
    i += m
  }
}

/**
 * Encode a scalar or vector for the fast profile.
 * @throws InvalidInputError naming the element at fault (`value[3]`) before anything is produced
 */
export function encodeFastInput (value: unknown, fp: FixedPoint, field = 'value', maxLength = 1 << 24, kernel: FastKernel | undefined = fastKernel): FastEncoded {
  if (fp.digitsBefore + fp.digitsAfter > 15) {
    throw new InvalidInputError('parameters.digits_before', 'the fast profile holds at most 15 digits before and after the point together')
  }
  const scale = 10 ** fp.digitsAfter
  const max = 10 ** (fp.digitsBefore + fp.digitsAfter) - 1
  if (!isVectorInput(value)) {
    const s = scaleOne(value, fp, scale, max, field)
    return { elements: Float64Array.of(s < 0 ? s + FAST_PRIME : s, 1), shape: 'scalar', length: 1 }
  }
  const length = value.length
  if (length === 0) throw new InvalidInputError(field, 'an empty vector has nothing to sum')
  if (length > maxLength) throw new InvalidInputError(field, `a vector of ${length} elements is longer than the limit of ${maxLength}`)
  const elements = new Float64Array(length + 1)
  if (value instanceof Float64Array || value instanceof Float32Array || value instanceof Int32Array ||
      value instanceof Int16Array || value instanceof Int8Array || value instanceof Uint32Array ||
      value instanceof Uint16Array || value instanceof Uint8Array) {
    encodeTyped(value, elements, fp, scale, max, field, kernel)
  } else {
    for (let i = 0; i < length; i++) {
      const s = scaleOne(value[i], fp, scale, max, `${field}[${i}]`)
      elements[i] = s < 0 ? s + FAST_PRIME : s
    }
  }
  elements[length] = length
  return { elements, shape: 'vector', length }
}

/**
 * A fast-profile total (field elements, sample count last) back to numbers. Totals stay below
 * 10^15 (checked when the task was created), so s / 10^digits_after is the nearest double to the
 * exact decimal and prints as that decimal: the same value encoding.ts's decodeScaled gives.
 * @param typed give a vector as a Float64Array, decoded in place over `total` (no copy; in the
 *   kernel when there is one: the same IEEE division)
 */
export function decodeFastTotal (total: Float64Array, fp: FixedPoint, shape: Shape, typed = false, kernel: FastKernel | undefined = fastKernel): { samples: number, sum: number | number[] | Float64Array } {
  const scale = 10 ** fp.digitsAfter
  const length = total.length - 1
  const samples = fastToSigned(total[length]!)
  if (shape === 'scalar') return { samples, sum: normalise(fastToSigned(total[0]!) / scale) }
  if (typed) {
    let k = 0
    if (kernel !== undefined && length >= KERNEL_MIN_ELEMENTS) {
      while (k < length) {
        const m = Math.min(length - k, KERNEL_ELEMENTS)
        kernel.a.set(total.subarray(k, k + m))
        const done = kernel.decode(m, scale)
        total.set(kernel.a.subarray(0, done), k)
        k += done
        if (done < m) break
      }
    }
    for (; k < length; k++) total[k] = normalise(fastToSigned(total[k]!) / scale)
    return { samples, sum: total.subarray(0, length) }
  }
  const sum: number[] = new Array(length)
  for (let k = 0; k < length; k++) sum[k] = normalise(fastToSigned(total[k]!) / scale)
  return { samples, sum }
}

/** Whether an input is a typed array (its fast-profile sum is then a Float64Array too). */
export function isTypedInput (value: unknown): boolean {
  return ArrayBuffer.isView(value) && !(value instanceof DataView)
}

/** A fast-profile result whose vector sum is a number[] as a Float64Array (for typed inputs). */
export function withTypedSum<R extends { readonly result: { readonly sum: unknown } }> (result: R): R {
  const sum = result.result.sum
  if (!Array.isArray(sum) || !sum.every(x => typeof x === 'number')) return result
  return { ...result, result: { ...result.result, sum: Float64Array.from(sum as number[]) } }
}

/** -0 reads as 0, as the decimal path gives. */
function normalise (x: number): number {
  return x === 0 ? 0 : x
}
