/**
 * Category labels: what a label may be, and a label as an integer (its UTF-8 bytes after a 0x01
 * byte, big-endian), the form in which labels travel inside the shares of hashed buckets.
 */
import { fromString, toString } from 'uint8arrays'
import { InvalidInputError } from '../errors.js'

/** The longest label in UTF-8 bytes (a contingency pair counts as the JSON text of the pair). */
export const MAX_LABEL_BYTES = 64

/**
 * @throws InvalidInputError naming `field` for an empty, too long or control-character label
 */
export function checkLabel (label: string, field: string): string {
  if (label.length === 0) throw new InvalidInputError(field, 'a label must not be empty')
  if (/[\u0000-\u001f\u007f]/.test(label)) throw new InvalidInputError(field, 'a label must not contain control characters')
  if (fromString(label).length > MAX_LABEL_BYTES) throw new InvalidInputError(field, `a label is at most ${MAX_LABEL_BYTES} bytes of UTF-8`)
  return label
}

/**
 * One input label: a string, or a finite number taken as its decimal text (as JSON keys are).
 * @throws InvalidInputError naming `field`
 */
export function labelOf (value: unknown, field: string): string {
  if (typeof value === 'string') return checkLabel(value, field)
  if (typeof value === 'number' && Number.isFinite(value)) return checkLabel(String(value), field)
  if (typeof value === 'bigint') return checkLabel(value.toString(), field)
  throw new InvalidInputError(field, `a label is a string or a number, got ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`)
}

/** A contingency pair as one label: the JSON text of [row, column]. */
export function pairLabel (row: string, column: string): string {
  return JSON.stringify([row, column])
}

/** The row and column of a pair label, or undefined when the text is not one. */
export function splitPairLabel (label: string): [string, string] | undefined {
  try {
    const v: unknown = JSON.parse(label)
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]]
  } catch {}
  return undefined
}

/** A label as a positive integer below 2^(8 * (MAX_LABEL_BYTES + 1)). */
export function labelToInteger (label: string): bigint {
  const bytes = fromString(label)
  let x = 1n
  for (const b of bytes) x = (x << 8n) | BigInt(b)
  return x
}

/** The label an integer stands for, or undefined when it is none (a collision's mixture). */
export function integerToLabel (x: bigint): string | undefined {
  if (x <= 1n) return undefined
  const bytes: number[] = []
  let v = x
  while (v > 1n) { bytes.push(Number(v & 0xffn)); v >>= 8n }
  if (v !== 1n || bytes.length > MAX_LABEL_BYTES) return undefined
  const u8 = Uint8Array.from(bytes.reverse())
  const text = toString(u8)
  // only the bytes of valid UTF-8 read back to themselves
  return fromString(text).length === u8.length && fromString(text).every((b, i) => b === u8[i]) ? text : undefined
}
