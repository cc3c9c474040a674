/**
 * Shamir secret sharing over the task's prime field. Party j's share is f(j + 1) for a random
 * polynomial f of degree t-1 with f(0) = the secret: any t shares give the secret by Lagrange
 * interpolation at 0, any t-1 of them are jointly uniform and say nothing about it.
 *
 * Sums carry over: the element-wise sum of parties' shares is a share of the sum of their
 * secrets (the polynomials add), which is what a partial sum is.
 */
import type { Field } from '../../field/wide.js'
import { randomElements, type RandomBytes } from '../../field/random.js'

/** Where party `index`'s share is evaluated: x = index + 1 (never 0, where the secret sits). */
export function evaluationPoint (index: number): bigint {
  return BigInt(index) + 1n
}

/**
 * The inverse of a mod p by the extended Euclidean algorithm.
 * @throws RangeError when a is 0 mod p
 */
export function invert (field: Field, a: bigint): bigint {
  let r0 = field.p
  let r1 = field.reduce(a)
  if (r1 === 0n) throw new RangeError('invert: 0 has no inverse')
  let s0 = 0n
  let s1 = 1n
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return field.reduce(s0)
}

/**
 * Split each element of `secrets` into Shamir shares of degree `threshold - 1`, one per party.
 * The t-1 coefficients of every element's polynomial are uniform field elements drawn from
 * `randomBytes` (rejection sampled).
 * @returns shares[j][k]: party j's share of element k
 * @throws RangeError for a threshold outside 1..parties or more parties than the field has points
 */
export function splitShamir (field: Field, secrets: readonly bigint[], parties: number, threshold: number, randomBytes: RandomBytes): bigint[][] {
  if (!Number.isSafeInteger(parties) || parties < 1) throw new RangeError(`splitShamir: parties must be a positive integer, got ${parties}`)
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > parties) {
    throw new RangeError(`splitShamir: threshold must be an integer from 1 to ${parties}, got ${threshold}`)
  }
  if (BigInt(parties) >= field.p) throw new RangeError(`splitShamir: a field of ${field.p} elements has no ${parties} distinct nonzero points`)
  const length = secrets.length
  const degree = threshold - 1
  // coefficients[k * degree + d]: coefficient of x^(d+1) in element k's polynomial
  const coefficients = randomElements(field, length * degree, randomBytes)
  const shares: bigint[][] = Array.from({ length: parties }, () => new Array<bigint>(length))
  for (let k = 0; k < length; k++) {
    const constant = field.reduce(secrets[k]!)
    for (let j = 0; j < parties; j++) {
      const x = evaluationPoint(j)
      // Horner from the top coefficient down to the secret
      let y = 0n
      for (let d = degree - 1; d >= 0; d--) y = field.add(field.mul(y, x), coefficients[k * degree + d]!)
      shares[j]![k] = field.add(field.mul(y, x), constant)
    }
  }
  coefficients.fill(0n)
  return shares
}

/**
 * Lagrange basis coefficients for evaluating, at `x`, the polynomial of degree < |indices|
 * through the points of parties `indices`: value(x) = sum_b coefficient_b * y_b.
 * @throws RangeError when two indices coincide
 */
export function lagrangeCoefficients (field: Field, indices: readonly number[], x: bigint): bigint[] {
  const xs = indices.map(evaluationPoint)
  return xs.map((xb, b) => {
    let numerator = 1n
    let denominator = 1n
    for (let m = 0; m < xs.length; m++) {
      if (m === b) continue
      const xm = xs[m]!
      if (xm === xb) throw new RangeError(`lagrangeCoefficients: party ${indices[m]} appears twice`)
      numerator = field.mul(numerator, field.sub(field.reduce(x), xm))
      denominator = field.mul(denominator, field.sub(xb, xm))
    }
    return field.mul(numerator, invert(field, denominator))
  })
}

/** One party's point: its index and its vector of y values (one per element). */
export interface SharePoint { readonly index: number, readonly values: readonly bigint[] }

/** Element-wise value at `x` of the polynomial through `points` (degree < points.length). */
export function interpolateAt (field: Field, points: readonly SharePoint[], x: bigint): bigint[] {
  const lambda = lagrangeCoefficients(field, points.map(p => p.index), x)
  const length = points[0]?.values.length ?? 0
  const out = new Array<bigint>(length).fill(0n)
  points.forEach((p, b) => {
    if (p.values.length !== length) throw new RangeError(`interpolateAt: party ${p.index} has ${p.values.length} values, not ${length}`)
    for (let k = 0; k < length; k++) out[k] = field.add(out[k]!, field.mul(lambda[b]!, p.values[k]!))
  })
  return out
}

/** The secret (element-wise) from exactly `threshold` points: Lagrange interpolation at 0. */
export function reconstructShamir (field: Field, points: readonly SharePoint[]): bigint[] {
  return interpolateAt(field, points, 0n)
}

/**
 * The points, from the `threshold` lowest indices on, that do not lie on the polynomial of
 * degree threshold-1 through those lowest `threshold` points. Empty when all are consistent
 * (always when there are at most `threshold` points).
 */
export function offCurve (field: Field, points: readonly SharePoint[], threshold: number): number[] {
  const sorted = [...points].sort((a, b) => a.index - b.index)
  if (sorted.length <= threshold) return []
  const base = sorted.slice(0, threshold)
  const out: number[] = []
  for (const p of sorted.slice(threshold)) {
    const expected = interpolateAt(field, base, evaluationPoint(p.index))
    if (expected.some((y, k) => y !== p.values[k])) out.push(p.index)
  }
  return out
}

/** Which point did not fit, and whether that is certain (see findInconsistentPoint). */
export interface Misfit { readonly index: number, readonly identified: boolean }

/**
 * Check that all points lie on one polynomial of degree threshold-1; if not, name one that does
 * not fit. The rule, the same at every party that holds the same points:
 * 1. If removing exactly one point makes the other points (at least threshold + 1 of them, so
 *    that their agreement means something) consistent, that point is named: `identified`.
 * 2. Otherwise (threshold + 1 points, where any one could be the wrong one, or two or more wrong
 *    points): interpolate through the `threshold` lowest indices and name the lowest index
 *    beyond them that does not fit; `identified` is false.
 * @returns undefined when the points are consistent
 */
export function findInconsistentPoint (field: Field, points: readonly SharePoint[], threshold: number): Misfit | undefined {
  const sorted = [...points].sort((a, b) => a.index - b.index)
  const beyond = offCurve(field, sorted, threshold)
  if (beyond.length === 0) return undefined
  if (sorted.length >= threshold + 2) {
    const fixes = sorted.filter(p => offCurve(field, sorted.filter(q => q !== p), threshold).length === 0)
    if (fixes.length === 1) return { index: fixes[0]!.index, identified: true }
  }
  return { index: beyond[0]!, identified: false }
}
