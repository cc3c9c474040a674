/**
 * Inputs as fixed-point integers, exactly as the original Simon scaled them: a value x becomes
 * round(x * 10^digits_after), and |x| must stay below 10^digits_before. Decimal strings and
 * bigints are exact; a JavaScript number is taken at its shortest round-trip decimal form
 * (0.1 is "0.1", not 0.1000000000000000055...) and rounded half away from zero to digits_after.
 */
import { InvalidInputError } from '../errors.js'

export interface FixedPoint {
  /** Decimal digits allowed before the point: |x| < 10^digitsBefore. */
  readonly digitsBefore: number
  /** Decimal digits kept after the point: the scale is 10^digitsAfter. */
  readonly digitsAfter: number
}

export const DEFAULT_FIXED_POINT: FixedPoint = Object.freeze({ digitsBefore: 12, digitsAfter: 12 })

/** Largest exponent accepted in a decimal string, so "1e999999999" cannot make us build a huge bigint. */
const MAX_EXPONENT = 4096

/** Inputs as they reach a task: one number, or a vector in any of the usual array forms. */
export type Scalar = number | bigint | string
export type VectorInput =
  | readonly Scalar[]
  | Float64Array | Float32Array
  | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array
  | BigInt64Array | BigUint64Array
export type InputValue = Scalar | VectorInput

export type Shape = 'scalar' | 'vector'

export interface EncodedInput {
  /** Signed fixed-point integers, one per element. */
  readonly values: bigint[]
  readonly shape: Shape
  /** How many samples this input counts for: 1 for a scalar, the length for a vector. */
  readonly samples: number
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

const pow10Cache = new Map<number, bigint>()
export function pow10 (k: number): bigint {
  let v = pow10Cache.get(k)
  if (v === undefined) {
    v = 10n ** BigInt(k)
    if (pow10Cache.size < 256) pow10Cache.set(k, v)
  }
  return v
}

/** The largest |scaled value| an input may have: 10^(before+after) - 1. */
export function maxScaled (fp: FixedPoint): bigint {
  return pow10(fp.digitsBefore + fp.digitsAfter) - 1n
}

export function checkFixedPoint (fp: FixedPoint, field = 'parameters'): void {
  for (const [key, v] of [['digits_before', fp.digitsBefore], ['digits_after', fp.digitsAfter]] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > 1000) {
      throw new InvalidInputError(`${field}.${key}`, `must be an integer from 0 to 1000, got ${String(v)}`)
    }
  }
  if (fp.digitsBefore + fp.digitsAfter === 0) {
    throw new InvalidInputError(`${field}.digits_before`, 'digits_before and digits_after cannot both be 0')
  }
}

/**
 * Parse a decimal text into a fixed-point integer.
 * @param exact when true, refuse digits beyond digitsAfter instead of rounding them
 */
function scaleDecimal (text: string, fp: FixedPoint, field: string, exact: boolean): bigint {
  const m = DECIMAL.exec(text)
  if (m === null || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) {
    throw new InvalidInputError(field, `${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '...' : text)} is not a decimal number`)
  }
  const negative = m[1] === '-'
  const intDigits = m[2] ?? ''
  const fracDigits = m[3] ?? ''
  const exponent = m[4] === undefined ? 0 : Number(m[4])
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    throw new InvalidInputError(field, `exponent ${m[4] ?? ''} is out of range`)
  }
  const digits = (intDigits + fracDigits).replace(/^0+(?=\d)/, '')
  // value = digits * 10^(exponent - fracDigits.length); scaled = value * 10^digitsAfter
  const shift = exponent - fracDigits.length + fp.digitsAfter
  let magnitude: bigint
  if (shift >= 0) {
    if (digits.length + shift > fp.digitsBefore + fp.digitsAfter + 1 && /[1-9]/.test(digits)) {
      throw new InvalidInputError(field, `${text} is out of range: |x| must be below 10^${fp.digitsBefore}`)
    }
    magnitude = BigInt(digits) * pow10(shift)
  } else {
    const cut = -shift
    const kept = digits.length > cut ? digits.slice(0, digits.length - cut) : '0'
    const dropped = digits.length > cut ? digits.slice(digits.length - cut) : digits.padStart(cut, '0')
    magnitude = BigInt(kept)
    if (/[1-9]/.test(dropped)) {
      if (exact) {
        throw new InvalidInputError(field, `${text} has more than digits_after = ${fp.digitsAfter} digits after the point`)
      }
      if (dropped.charCodeAt(0) >= 53 /* '5' */) magnitude += 1n
    }
  }
  if (magnitude > maxScaled(fp)) {
    throw new InvalidInputError(field, `${text} is out of range: |x| must be below 10^${fp.digitsBefore}`)
  }
  return negative ? -magnitude : magnitude
}

/**
 * One scalar to a signed fixed-point integer.
 * @throws InvalidInputError naming `field` for NaN, Infinity, non-numeric strings, other types,
 *   and values out of range
 */
export function encodeScalar (value: unknown, fp: FixedPoint, field = 'value'): bigint {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidInputError(field, `${String(value)} is not a finite number`)
      return scaleDecimal(String(value), fp, field, false)
    case 'bigint': {
      const scaled = value * pow10(fp.digitsAfter)
      const abs = scaled < 0n ? -scaled : scaled
      if (abs > maxScaled(fp)) throw new InvalidInputError(field, `${value} is out of range: |x| must be below 10^${fp.digitsBefore}`)
      return scaled
    }
    case 'string':
      return scaleDecimal(value.trim(), fp, field, true)
    default:
      throw new InvalidInputError(field, `expected a number, a decimal string or a bigint, got ${value === null ? 'null' : typeof value}`)
  }
}

const TYPED_ARRAYS = [Float64Array, Float32Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array,
  Uint32Array, BigInt64Array, BigUint64Array]

export function isVectorInput (value: unknown): value is VectorInput {
  return Array.isArray(value) || TYPED_ARRAYS.some(T => value instanceof T)
}

/**
 * A task input (scalar or vector) to fixed-point integers.
 * @param value a number, a decimal string (exact), a bigint, or an array or typed array of these
 * @param fp the task's fixed point
 * @param field the name of the input in errors
 * @param maxLength the longest vector accepted
 * @returns the scaled integers, the shape and the sample count
 * @throws InvalidInputError naming the element at fault (`value[3]`)
 * @example
 * encodeInput('123.456789', { digitsBefore: 12, digitsAfter: 12 })
 * // { values: [123456789000000n], shape: 'scalar', samples: 1 }
 */
export function encodeInput (value: unknown, fp: FixedPoint, field = 'value', maxLength = 1 << 24): EncodedInput {
  if (isVectorInput(value)) {
    const length = value.length
    if (length === 0) throw new InvalidInputError(field, 'an empty vector has nothing to sum')
    if (length > maxLength) throw new InvalidInputError(field, `a vector of ${length} elements is longer than the limit of ${maxLength}`)
    const values: bigint[] = new Array(length)
    for (let i = 0; i < length; i++) values[i] = encodeScalar(value[i], fp, `${field}[${i}]`)
    return { values, shape: 'vector', samples: length }
  }
  return { values: [encodeScalar(value, fp, field)], shape: 'scalar', samples: 1 }
}

/** A signed fixed-point integer as an exact decimal text without trailing zeros ("13703.703579"). */
export function scaledToDecimal (scaled: bigint, fp: FixedPoint): string {
  const negative = scaled < 0n
  const digits = (negative ? -scaled : scaled).toString().padStart(fp.digitsAfter + 1, '0')
  const intPart = digits.slice(0, digits.length - fp.digitsAfter)
  const fracPart = digits.slice(digits.length - fp.digitsAfter).replace(/0+$/, '')
  const text = fracPart === '' ? intPart : `${intPart}.${fracPart}`
  return negative && text !== '0' ? `-${text}` : text
}

/**
 * A decoded sum: a JavaScript number when the number reads back as exactly the same decimal,
 * otherwise the exact decimal string (so JSON never loses a digit).
 */
export function decodeScaled (scaled: bigint, fp: FixedPoint): number | string {
  const text = scaledToDecimal(scaled, fp)
  const asNumber = Number(text)
  return String(asNumber) === text ? asNumber : text
}
