/**
 * Minimum and maximum without revealing anything else: a search over the declared range in
 * rounds. Each round asks, for up to 255 bounds t per side, whether any party holds a value
 * above t (for the maximum; below, for the minimum), each as one element of a secure sum in
 * which every party adds M * u (u uniform below 2^64, M = 2^64) and, when it holds such a value,
 * a uniform r in [1, M). The total mod M is 0 exactly when no party added an r (or, with
 * probability below 2^-64 per element, when those r cancel); the totals mod M are uniform and
 * the carry into the high part is hidden by the parties' u (statistical distance about n / 2^64),
 * so a round reveals the answers only, and the answers for any bounds are a function of the
 * extreme itself. About ceil(log2(2 * 10^(digits_before + digits_after)) / 8) rounds per side.
 */
import { maxScaled, type FixedPoint } from '../encoding/fixed-point.js'
import type { RandomBytes } from '../field/random.js'

/** Bounds asked per side per round (8 bits of the extreme a round). */
export const EXTREME_BOUNDS = 255
const M = 1n << 64n

/** Where an extreme is known to lie: lo <= x <= hi (scaled integers). */
export interface Interval { readonly lo: bigint, readonly hi: bigint }

/** The search: the maximum, and the maximum of the negated values (minus the minimum). */
export interface ExtremesSearch { readonly round: number, readonly max: Interval, readonly negMin: Interval }

export function startExtremes (fp: FixedPoint): ExtremesSearch {
  const r = maxScaled(fp)
  return { round: 0, max: { lo: -r, hi: r }, negMin: { lo: -r, hi: r } }
}

/** The bounds a round asks about an interval (none once it is one value). */
export function boundsOf (iv: Interval): bigint[] {
  const gaps = iv.hi - iv.lo
  if (gaps <= 0n) return []
  const k = BigInt(EXTREME_BOUNDS)
  const out: bigint[] = []
  if (gaps <= k) {
    for (let t = iv.lo; t < iv.hi; t++) out.push(t)
  } else {
    for (let j = 1n; j <= k; j++) out.push(iv.lo + (gaps * j) / (k + 1n))
  }
  return out
}

export function extremesDone (s: ExtremesSearch): boolean {
  return s.max.lo === s.max.hi && s.negMin.lo === s.negMin.hi
}

function uniform64 (bytes: Uint8Array, at: number): bigint {
  let x = 0n
  for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(bytes[at + i]!)
  return x
}

/**
 * This party's vector for the current round.
 * @param ownMax, ownMin this party's own extremes (scaled)
 * @param random the node's CSPRNG (injected: core has no randomness of its own)
 */
export function extremesContributions (s: ExtremesSearch, ownMax: bigint, ownMin: bigint, random: RandomBytes): bigint[] {
  const asks = [...boundsOf(s.max).map(t => ownMax > t), ...boundsOf(s.negMin).map(t => -ownMin > t)]
  const out: bigint[] = new Array(asks.length)
  for (let i = 0; i < asks.length; i++) {
    const bytes = random(16)
    const u = uniform64(bytes, 0)
    let r = uniform64(bytes, 8)
    while (r === 0n) r = uniform64(random(8), 0)
    out[i] = M * u + (asks[i] === true ? r : 0n)
    bytes.fill(0)
  }
  return out
}

function narrow (iv: Interval, bounds: readonly bigint[], any: readonly boolean[]): Interval {
  if (bounds.length === 0) return iv
  let above = 0
  while (above < bounds.length && any[above] === true) above++
  return {
    lo: above === 0 ? iv.lo : bounds[above - 1]! + 1n,
    hi: above === bounds.length ? iv.hi : bounds[above]!
  }
}

/** The next round, from this round's totals (in the order of extremesContributions). */
export function advanceExtremes (s: ExtremesSearch, totals: readonly bigint[]): ExtremesSearch {
  const maxBounds = boundsOf(s.max)
  const minBounds = boundsOf(s.negMin)
  const any = totals.map(t => ((t % M) + M) % M !== 0n)
  return {
    round: s.round + 1,
    max: narrow(s.max, maxBounds, any.slice(0, maxBounds.length)),
    negMin: narrow(s.negMin, minBounds, any.slice(maxBounds.length))
  }
}

/** The extremes found, scaled (once extremesDone). */
export function extremesOf (s: ExtremesSearch): { minimum: bigint, maximum: bigint } {
  return { minimum: -s.negMin.lo, maximum: s.max.lo }
}
