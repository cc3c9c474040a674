/**
 * The parameters of a statistics task, and of the SecureSum stages it runs. Every key is bound
 * into the task digest; each stage's parameters carry the whole statistics task (`statistics`,
 * its canonical text) and the stage's name, so parties that differ in anything fail at the
 * stage's digest, naming it.
 *   digits_before, digits_after  the declared range: |x| < 10^digits_before, digits_after decimals
 *                  (defaults 12 and 12, as Simon's)
 *   categories     StatisticsFrequency: the labels, e.g. ["A", "B", "C"]; StatisticsContingency:
 *                  [row labels, column labels]. Inputs are then counted over them (a label outside
 *                  is refused); without them, labels travel inside hashed buckets (labels.ts)
 *   min_count      cells, bars and whole statistics counting fewer samples are suppressed (default 0)
 *   mode           passed on to every stage ('auto', 'mesh' or 'lean')
 *   neighbours     passed on to every stage: lean mode's masking degree (task/parameters.ts)
 */
import { InvalidInputError } from '../errors.js'
import { checkFixedPoint, DEFAULT_FIXED_POINT, pow10, type FixedPoint } from '../encoding/fixed-point.js'
import { mersennePrimeFor } from '../field/wide.js'
import { canonicalParameters, type TaskParameters } from '../task/descriptor.js'
import { modeOf, neighboursOf, resolveNeighbours } from '../task/parameters.js'
import { checkLabel } from './labels.js'
import { COUNT_DIGITS, type StatisticsMicroprotocol } from './microprotocols.js'

const KEYS = ['digits_before', 'digits_after', 'categories', 'min_count', 'mode', 'neighbours', 'modulus'] as const
const REFUSED: Record<string, string> = {
  profile: 'statistics run in the wide profile only (the fast field cannot hold sums of powers)',
  threshold: 'every stage needs the same parties: threshold mode could sum different input sets in different stages',
  share_timeout: 'statistics take no threshold parameters',
  max_deviating: 'statistics take no threshold parameters'
}

function digits (p: Record<string, unknown>, key: string, fallback: number): number {
  const v = p[key]
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new InvalidInputError(`parameters.${key}`, `must be an integer, got ${JSON.stringify(v)}`)
  return v
}

function labelList (v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new InvalidInputError(field, 'must be a non-empty list of labels')
  const seen = new Set<string>()
  return v.map((label, i) => {
    if (typeof label !== 'string') throw new InvalidInputError(`${field}[${i}]`, `a category is a string, got ${typeof label}`)
    checkLabel(label, `${field}[${i}]`)
    if (seen.has(label)) throw new InvalidInputError(`${field}[${i}]`, `${JSON.stringify(label)} is listed twice`)
    seen.add(label)
    return label
  })
}

/** Declared categories: one list (frequency) or a pair of lists (contingency). */
function checkCategories (microprotocol: StatisticsMicroprotocol, v: unknown): readonly string[] | readonly (readonly string[])[] {
  const field = 'parameters.categories'
  if (microprotocol === 'StatisticsFrequency') return labelList(v, field)
  if (microprotocol === 'StatisticsContingency') {
    if (!Array.isArray(v) || v.length !== 2) throw new InvalidInputError(field, 'must be a pair [row labels, column labels]')
    return [labelList(v[0], `${field}[0]`), labelList(v[1], `${field}[1]`)]
  }
  throw new InvalidInputError(field, `only StatisticsFrequency and StatisticsContingency take categories, not ${microprotocol}`)
}

/** The largest number of cells declared categories may have (each a vector element). */
export const MAX_CATEGORY_CELLS = 1 << 20

/**
 * Resolve a statistics task's parameters (defaults filled in, defaults not kept).
 * @param microprotocol which statistics
 * @param params the caller's parameters
 * @param parties how many parties the task has
 * @returns the parameters bound into the task digest; `modulus` is the field of its widest stage
 * @throws InvalidInputError naming the parameter
 * @example resolveStatisticsParameters('StatisticsFrequency', { categories: ['A', 'B'] }, 3)
 */
export function resolveStatisticsParameters (microprotocol: StatisticsMicroprotocol, params: unknown, parties: number): TaskParameters {
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new InvalidInputError('parameters', 'must be an object')
  }
  const p = (params ?? {}) as Record<string, unknown>
  for (const key of Object.keys(p)) {
    const why = REFUSED[key]
    if (why !== undefined && p[key] !== undefined && p[key] !== null) throw new InvalidInputError(`parameters.${key}`, why)
    if (why === undefined && !(KEYS as readonly string[]).includes(key)) throw new InvalidInputError(`parameters.${key}`, `unknown parameter for ${microprotocol}; known: ${KEYS.join(', ')}`)
  }
  const fp: FixedPoint = { digitsBefore: digits(p, 'digits_before', DEFAULT_FIXED_POINT.digitsBefore), digitsAfter: digits(p, 'digits_after', DEFAULT_FIXED_POINT.digitsAfter) }
  checkFixedPoint(fp)
  const out: Record<string, TaskParameters[string]> = { digits_before: fp.digitsBefore, digits_after: fp.digitsAfter }
  if (p.categories !== undefined && p.categories !== null) {
    const categories = checkCategories(microprotocol, p.categories)
    const cells = categories.length === 2 && Array.isArray(categories[0]) ? (categories[0].length * (categories[1] as string[]).length) : categories.length
    if (cells > MAX_CATEGORY_CELLS) throw new InvalidInputError('parameters.categories', `${cells} cells are more than the limit of ${MAX_CATEGORY_CELLS}`)
    out.categories = categories
  }
  const minCount = p.min_count
  if (minCount !== undefined && minCount !== null && minCount !== 0) {
    if (typeof minCount !== 'number' || !Number.isSafeInteger(minCount) || minCount < 0) throw new InvalidInputError('parameters.min_count', `must be a non-negative integer, got ${JSON.stringify(minCount)}`)
    if (microprotocol === 'MinimumMaximum') throw new InvalidInputError('parameters.min_count', 'MinimumMaximum reveals no count to compare it with (StatisticsUnivariate gives minimum and maximum with min_count)')
    out.min_count = minCount
  }
  const mode = modeOf(p)
  if (mode !== 'auto') out.mode = mode
  Object.assign(out, resolveNeighbours(p, undefined))
  // the field of the widest stage, for the invitation to show; each stage resolves its own
  const modulus = mersennePrimeFor(BigInt(parties) * pow10(widestStageDigits(microprotocol, fp, out.categories !== undefined))).toString()
  // an invitation carries the modulus resolved at its creator: it must be the one chosen here
  if (p.modulus !== undefined && p.modulus !== null && p.modulus !== modulus) {
    throw new InvalidInputError('parameters.modulus', `a statistics task chooses the field of each stage itself (wide enough for the 6th powers of the declared range): ${modulus} here, got ${JSON.stringify(p.modulus)}`)
  }
  out.modulus = modulus
  return out as TaskParameters
}

/** The declared range of resolved parameters. */
export function statisticsFixedPoint (params: TaskParameters): FixedPoint {
  return { digitsBefore: params.digits_before, digitsAfter: params.digits_after }
}

export function minCountOf (params: TaskParameters): number {
  return typeof params.min_count === 'number' ? params.min_count : 0
}

/** Declared frequency categories, or undefined. */
export function frequencyCategoriesOf (params: TaskParameters): readonly string[] | undefined {
  const c = params.categories
  return Array.isArray(c) && typeof c[0] === 'string' ? c as readonly string[] : undefined
}

/** Declared contingency categories [rows, columns], or undefined. */
export function contingencyCategoriesOf (params: TaskParameters): readonly [readonly string[], readonly string[]] | undefined {
  const c = params.categories
  return Array.isArray(c) && Array.isArray(c[0]) ? c as unknown as [string[], string[]] : undefined
}

/** Decimal digits a stage's elements need, per party (the stage's digits_before). */
export const STAGE_DIGITS = {
  /** Sums of the k-th powers of scaled values, k up to `power`, over a party's whole list. */
  powers: (fp: FixedPoint, power: number): number => power * (fp.digitsBefore + fp.digitsAfter) + COUNT_DIGITS,
  counts: COUNT_DIGITS,
  /** One element of the extremes search: below 2^128 (extremes.ts). */
  extremes: 39,
  /** One element of a label bucket: a count times a label integer below 2^520 (labels.ts). */
  labels: 164
} as const

function widestStageDigits (m: StatisticsMicroprotocol, fp: FixedPoint, declared: boolean): number {
  switch (m) {
    case 'StatisticsUnivariate': return Math.max(STAGE_DIGITS.powers(fp, 6), STAGE_DIGITS.extremes)
    case 'StatisticsBivariate': return STAGE_DIGITS.powers(fp, 2)
    case 'MinimumMaximum': return STAGE_DIGITS.extremes
    default: return declared ? STAGE_DIGITS.counts : STAGE_DIGITS.labels
  }
}

/**
 * The parameters of one SecureSum stage of a statistics task: integers (digits_after 0) of
 * `digitsBefore` digits, the statistics task itself and the stage's name bound in.
 * @param stage e.g. 'moments', 'extremes/2', 'labels/0/64'
 */
export function stageParameters (microprotocol: StatisticsMicroprotocol, params: TaskParameters, stage: string, digitsBefore: number): Record<string, string | number> {
  const mode = modeOf(params)
  const neighbours = neighboursOf(params)
  return {
    digits_before: digitsBefore,
    digits_after: 0,
    statistics: JSON.stringify({ microprotocol, parameters: canonicalParameters(params) }),
    stage,
    ...(mode === 'auto' ? {} : { mode }),
    ...(neighbours === undefined ? {} : { neighbours })
  }
}
