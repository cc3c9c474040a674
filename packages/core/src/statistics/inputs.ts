/**
 * One party's input to a statistics task, checked whole before anything is sent, and reduced to
 * the vector it adds into the secure sum. Values are scaled exactly as SecureSum scales them
 * (x -> round(x * 10^digits_after), |x| < 10^digits_before), so every power sum is an exact integer.
 */
import { InvalidInputError } from '../errors.js'
import { encodeScalar, isVectorInput, maxScaled, type FixedPoint } from '../encoding/fixed-point.js'
import { checkLabel, labelOf, pairLabel } from './labels.js'

/** Declared categories as sets: the labels (frequency) or the rows and columns (contingency). */
export interface DeclaredLabels { readonly rows: ReadonlySet<string>, readonly columns?: ReadonlySet<string> }

function declaredLabel (label: string, allowed: ReadonlySet<string> | undefined, field: string, list: string): string {
  if (allowed !== undefined && !allowed.has(label)) throw new InvalidInputError(field, `label ${JSON.stringify(label)} is not one of ${list}`)
  return label
}
import { MAX_STATISTICS_VALUES } from './microprotocols.js'

/** Binary scale of the two sums that are not powers (ln x and 1 / x, in float64): 2^60. */
export const AUX_SCALE = 1n << 60n
const AUX_SCALE_NUMBER = 2 ** 60

/** Elements of a univariate sum: N, S1..S6 (sums of the scaled values' powers), sum ln x, sum 1/x. */
export const UNIVARIATE_ELEMENTS = 9
/** Elements of a bivariate sum: N, Sx, Sy, Sxx, Syy, Sxy. */
export const BIVARIATE_ELEMENTS = 6

/**
 * The input as a list.
 * @throws InvalidInputError naming `value`: not a list, empty, or longer than MAX_STATISTICS_VALUES
 */
export function checkList (value: unknown, field = 'value'): ArrayLike<unknown> {
  if (!isVectorInput(value)) throw new InvalidInputError(field, `must be a list, got ${value === null ? 'null' : typeof value}`)
  if (value.length === 0) throw new InvalidInputError(field, 'an empty list has nothing to count')
  if (value.length > MAX_STATISTICS_VALUES) throw new InvalidInputError(field, `a list of ${value.length} values is longer than the limit of ${MAX_STATISTICS_VALUES}`)
  return value as ArrayLike<unknown>
}

/**
 * A number with at most digits_after decimals, scaled without going through its decimal text:
 * k = round(x * 10^d) is exact when |k| < 2^50 and k / 10^d reads back as x (then x's shortest
 * decimal rounds to k, as encodeScalar would give); undefined otherwise (take the exact path).
 */
function scaleNumber (x: number, p10: number, max: number): bigint | undefined {
  const k = Math.round(x * p10)
  return Math.abs(k) < 2 ** 50 && Math.abs(k) <= max && k / p10 === x ? BigInt(k) : undefined
}

/** Every value scaled. @throws InvalidInputError naming `value[i]` (NaN, out of range, not a number) */
export function scaledValues (value: unknown, fp: FixedPoint, field = 'value'): bigint[] {
  const list = checkList(value, field)
  const out: bigint[] = new Array(list.length)
  // 10^d is exact in a double up to d = 22
  const p10 = fp.digitsAfter <= 22 ? 10 ** fp.digitsAfter : 0
  const max = Number(maxScaled(fp))
  for (let i = 0; i < list.length; i++) {
    const v = list[i]
    out[i] = (typeof v === 'number' && p10 > 0 ? scaleNumber(v, p10, max) : undefined) ?? encodeScalar(v, fp, `${field}[${i}]`)
  }
  return out
}

/** A list item that must be a pair. @throws InvalidInputError naming `field` */
function checkPair (item: unknown, field: string, what: string): readonly [unknown, unknown] {
  if (!Array.isArray(item) || item.length !== 2) {
    throw new InvalidInputError(field, `must be a pair [${what}], got ${Array.isArray(item) ? `${item.length} element${item.length === 1 ? '' : 's'}` : item === null ? 'null' : typeof item}`)
  }
  return item as unknown as readonly [unknown, unknown]
}

/** The smallest and largest of a party's scaled values (a non-empty list). */
export function extremesOfList (xs: readonly bigint[]): { min: bigint, max: bigint } {
  let min = xs[0]!
  let max = xs[0]!
  for (const x of xs) { if (x < min) min = x; if (x > max) max = x }
  return { min, max }
}

export interface UnivariateInput {
  /** [N, S1, ..., S6, round(2^60 * sum ln x over x > 0), round(2^60 * sum 1/x over x != 0)] */
  readonly sums: bigint[]
  readonly min: bigint
  readonly max: bigint
}

/** A party's univariate sums and its own extremes, from its scaled values. */
export function univariateSums (xs: readonly bigint[], fp: FixedPoint): UnivariateInput {
  const s = [0n, 0n, 0n, 0n, 0n, 0n]
  let logs = 0
  let inverses = 0
  const scale = 10 ** fp.digitsAfter
  for (const x of xs) {
    let p = x
    s[0] = s[0]! + p
    for (let k = 1; k < 6; k++) { p *= x; s[k] = s[k]! + p }
    // Simon's definitions: ln x over positive values, 1 / x over non-zero ones
    const v = Number(x) / scale
    if (v > 0) logs += Math.log(v)
    if (v !== 0) inverses += 1 / v
  }
  const aux = (v: number): bigint => BigInt(Math.round(v * AUX_SCALE_NUMBER))
  return { sums: [BigInt(xs.length), ...s, aux(logs), aux(inverses)], ...extremesOfList(xs) }
}

/**
 * A party's bivariate sums from its list of pairs [x, y].
 * @throws InvalidInputError naming `value[i]` for a pair of another length, or `value[i][j]`
 */
export function bivariateSums (value: unknown, fp: FixedPoint, field = 'value'): bigint[] {
  const list = checkList(value, field)
  let sx = 0n; let sy = 0n; let sxx = 0n; let syy = 0n; let sxy = 0n
  for (let i = 0; i < list.length; i++) {
    const pair = checkPair(list[i], `${field}[${i}]`, 'x, y')
    const x = encodeScalar(pair[0], fp, `${field}[${i}][0]`)
    const y = encodeScalar(pair[1], fp, `${field}[${i}][1]`)
    sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y
  }
  return [BigInt(list.length), sx, sy, sxx, syy, sxy]
}

/**
 * A party's count of each label (frequency) or each [row, column] pair (contingency, counted
 * under pairLabel), in the order first seen.
 * @throws InvalidInputError naming `value[i]` (or `value[i][j]`) for a label that is none, a pair with one element
 */
export function labelCounts (value: unknown, pairs: boolean, declared?: DeclaredLabels, field = 'value'): Map<string, number> {
  const list = checkList(value, field)
  const counts = new Map<string, number>()
  for (let i = 0; i < list.length; i++) {
    const item = list[i]
    let label: string
    if (pairs) {
      const pair = checkPair(item, `${field}[${i}]`, 'row, column')
      const row = declaredLabel(labelOf(pair[0], `${field}[${i}][0]`), declared?.rows, `${field}[${i}][0]`, 'parameters.categories[0]')
      const column = declaredLabel(labelOf(pair[1], `${field}[${i}][1]`), declared?.columns, `${field}[${i}][1]`, 'parameters.categories[1]')
      label = pairLabel(row, column)
      // a pair travels as one label in the hashed buckets
      if (declared === undefined) checkLabel(label, `${field}[${i}]`)
    } else {
      label = declaredLabel(labelOf(item, `${field}[${i}]`), declared?.rows, `${field}[${i}]`, 'parameters.categories')
    }
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  return counts
}
