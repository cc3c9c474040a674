/**
 * Exact ratios of bigints to doubles. Every derived statistic is a ratio of exact integer sums;
 * `ratio` rounds it once, to the nearest double (ties to even), so a figure that is a ratio is
 * correctly rounded, and one more square root adds at most half an ulp.
 */
import { bitLength } from '../field/wide.js'

const abs = (x: bigint): bigint => (x < 0n ? -x : x)

/** 2^e for any integer e, in two steps so neither factor overflows or underflows early. */
function pow2 (e: number): number {
  const half = Math.trunc(e / 2)
  return 2 ** half * 2 ** (e - half)
}

/**
 * a / b as the nearest double.
 * @returns null when b is 0 (the figure is undefined)
 * @example ratio(1n, 3n) // 0.3333333333333333
 */
export function ratio (a: bigint, b: bigint): number | null {
  if (b === 0n) return null
  if (a === 0n) return 0
  const negative = (a < 0n) !== (b < 0n)
  const n = abs(a)
  const d = abs(b)
  // a quotient of at least 55 bits plus a sticky bit for any remainder rounds correctly to 53
  const shift = bitLength(n) - bitLength(d) - 56
  const num = shift < 0 ? n << BigInt(-shift) : n
  const den = shift > 0 ? d << BigInt(shift) : d
  let q = num / den
  if (q * den !== num) q |= 1n
  const value = Number(q) * pow2(shift)
  return negative ? -value : value
}

/** sqrt(a / b), or null when b is 0 or a / b < 0. */
export function sqrtRatio (a: bigint, b: bigint): number | null {
  const r = ratio(a, b)
  return r === null || r < 0 ? null : Math.sqrt(r)
}

/** sign(s) * sqrt(a / b): a signed figure whose square is the exact ratio a / b. */
export function signedSqrtRatio (s: bigint, a: bigint, b: bigint): number | null {
  const root = sqrtRatio(a, b)
  if (root === null) return null
  return s < 0n ? -root : root
}
