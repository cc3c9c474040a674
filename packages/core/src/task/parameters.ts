/**
 * Every task parameter in one place. Parameters travel in an invitation (snake_case, as in the
 * original Simon) and every key is bound into the task digest. A value equal to its default is
 * not kept, so passing it and passing nothing give the same task.
 *   digits_before, digits_after  the fixed point (defaults 12 and 12; 6 and 6 in the fast profile)
 *   modulus        the field's prime as a decimal string (default: the smallest built-in
 *                  Mersenne prime that holds n sums of the largest input)
 *   threshold      t with n/2 < t <= n; t < n runs threshold mode, t = n is the full mesh
 *   share_timeout  threshold mode's sharing deadline and proposal window, in seconds (default 10)
 *   max_deviating  f, how many deviating parties threshold mode must withstand: t > (n + f) / 2
 *                  (default, and most: 2t - n - 1), so no two input sets can both be certified
 *   profile        'wide' (default: bigint arithmetic) or 'fast' (p = 2^52 - 47 in Float64Array)
 *   mode           'auto' (default: the faster for the task's size), 'mesh' (the additive full
 *                  mesh) or 'lean' (pairwise masks on a ring or tree: upload about 2x the input)
 *   neighbours     lean mode without a threshold: how many parties each party masks with (even,
 *                  at least 2; default: all up to 100 parties, the bound of protocols/lean/graph.ts above)
 *   statistics, stage  a stage of a statistics task: that task's canonical text and the stage's
 *                  name (statistics/parameters.ts), bound in so that every stage's digest covers them
 */
import { InvalidInputError } from '../errors.js'
import { checkFixedPoint, maxScaled, pow10, DEFAULT_FIXED_POINT, type FixedPoint } from '../encoding/fixed-point.js'
import { FAST_PRIME, FAST_PRIME_BIGINT } from '../field/fast.js'
import { createField, mersennePrimeFor, type Field } from '../field/wide.js'
import type { TaskParameters } from './descriptor.js'

export const PROFILES = ['wide', 'fast'] as const
export type Profile = typeof PROFILES[number]
export const MODES = ['auto', 'mesh', 'lean'] as const
export type Mode = typeof MODES[number]

/** The fast profile's default fixed point: |x| < 10^6, six decimals. */
export const FAST_FIXED_POINT: FixedPoint = Object.freeze({ digitsBefore: 6, digitsAfter: 6 })

/**
 * Every total of the fast profile stays below 10^15 in magnitude: then it has at most 15
 * significant digits, reads back exactly from a double, and lies far inside (-p/2, p/2).
 */
export const FAST_MAX_TOTAL = 1e15

function choice<T extends string> (params: Readonly<Record<string, unknown>>, key: string, values: readonly T[], fallback: T): T {
  const v = params[key]
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new InvalidInputError(`parameters.${key}`, `must be one of ${values.map(x => `'${x}'`).join(', ')}, got ${JSON.stringify(v)}`)
  }
  return v as T
}

/** The profile named by caller (or resolved) parameters. @throws InvalidInputError for an unknown one */
export function profileOf (params: Readonly<Record<string, unknown>>): Profile {
  return choice(params, 'profile', PROFILES, 'wide')
}

/** The mode named by caller (or resolved) parameters. @throws InvalidInputError for an unknown one */
export function modeOf (params: Readonly<Record<string, unknown>>): Mode {
  return choice(params, 'mode', MODES, 'auto')
}

/** The default fixed point of a profile (the wide one is encoding.ts's DEFAULT_FIXED_POINT). */
export function fixedPointDefaults (profile: Profile, wide: FixedPoint): FixedPoint {
  return profile === 'fast' ? FAST_FIXED_POINT : wide
}

/**
 * The fast profile's modulus, after checking that `parties` sums of the largest input fit:
 * parties * (10^(before + after) - 1) < 10^15.
 * @throws InvalidInputError naming parameters.modulus or parameters.digits_before
 */
export function fastModulus (modulus: unknown, fp: FixedPoint, parties: number): bigint {
  if (modulus !== undefined && modulus !== null && modulus !== String(FAST_PRIME)) {
    throw new InvalidInputError('parameters.modulus', `the fast profile's modulus is ${FAST_PRIME} (2^52 - 47), got ${JSON.stringify(modulus)}`)
  }
  const largest = BigInt(parties) * (pow10(fp.digitsBefore + fp.digitsAfter) - 1n)
  if (largest >= BigInt(FAST_MAX_TOTAL)) {
    throw new InvalidInputError('parameters.digits_before',
      `the fast profile holds totals below 10^15: ${parties} parties at digits_before = ${fp.digitsBefore}, digits_after = ${fp.digitsAfter} could reach ${parties} * 10^${fp.digitsBefore + fp.digitsAfter}; lower digits_before or digits_after, or use profile 'wide'`)
  }
  return FAST_PRIME_BIGINT
}

/** The profile and mode keys to keep in resolved parameters (none when both are defaults). */
export function resolveModeParameters (params: Readonly<Record<string, unknown>>): { profile?: 'fast', mode?: 'mesh' | 'lean' } {
  const profile = profileOf(params)
  const mode = modeOf(params)
  return { ...(profile === 'fast' ? { profile } : {}), ...(mode === 'auto' ? {} : { mode }) }
}

/** Seconds from a party's input until it proposes the input set it holds (also the proposal window). */
export const DEFAULT_SHARE_TIMEOUT_S = 10
/** The longest share_timeout accepted, in seconds. */
export const MAX_SHARE_TIMEOUT_S = 3600

export interface ThresholdParameters {
  readonly threshold: number
  readonly share_timeout: number
  readonly max_deviating: number
}

/**
 * Validate `threshold` and `share_timeout` from caller parameters.
 * @returns the keys to keep: none for the full mesh, both (default share_timeout filled in) for t < n
 * @throws InvalidInputError naming `parameters.threshold` or `parameters.share_timeout`
 */
export function resolveThresholdParameters (params: Readonly<Record<string, unknown>>, parties: number): Partial<ThresholdParameters> {
  const t = params.threshold
  const timeout = params.share_timeout
  if (t !== undefined && t !== null) {
    if (typeof t !== 'number' || !Number.isSafeInteger(t)) throw new InvalidInputError('parameters.threshold', `must be an integer, got ${JSON.stringify(t)}`)
    const min = Math.floor(parties / 2) + 1
    if (t < min || t > parties) {
      throw new InvalidInputError('parameters.threshold', `must be more than half the parties and at most all of them: from ${min} to ${parties} for ${parties} parties, got ${t}`)
    }
  }
  const f = params.max_deviating
  if (f !== undefined && f !== null && (typeof f !== 'number' || !Number.isSafeInteger(f) || f < 0)) {
    throw new InvalidInputError('parameters.max_deviating', `must be a non-negative integer, got ${JSON.stringify(f)}`)
  }
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_SHARE_TIMEOUT_S) {
      throw new InvalidInputError('parameters.share_timeout', `must be a number of seconds in (0, ${MAX_SHARE_TIMEOUT_S}], got ${JSON.stringify(timeout)}`)
    }
  }
  if (typeof t !== 'number' || t === parties) return {}
  // the full mesh needs every party: it cannot run with t < n (lean mode with a threshold can)
  if (params.mode === 'mesh') {
    throw new InvalidInputError('parameters.mode', `mode mesh needs all ${parties} parties; threshold ${t} runs threshold mode (leave mode out, set it to auto, or to lean)`)
  }
  // two sets certified by t signed commits each share at least 2t - n signers; honest parties sign
  // one set, so with at most f deviating parties (who may sign both), 2t - n > f rules out a second
  const most = 2 * t - parties - 1
  if (typeof f === 'number' && f > most) {
    throw new InvalidInputError('parameters.max_deviating', `threshold ${t} of ${parties} parties withstands at most ${most} deviating parties (t must exceed (n + f) / 2), got ${f}; raise threshold or lower max_deviating`)
  }
  return { threshold: t, share_timeout: typeof timeout === 'number' ? timeout : DEFAULT_SHARE_TIMEOUT_S, max_deviating: typeof f === 'number' ? f : most }
}

/** The number of deviating parties a threshold task withstands (0 when the key is absent). */
export function maxDeviatingOf (params: Readonly<Record<string, unknown>>): number {
  return typeof params.max_deviating === 'number' ? params.max_deviating : 0
}

/** The threshold of resolved parameters: t < n in threshold mode, undefined for the full mesh. */
export function thresholdOf (params: Readonly<Record<string, unknown>>): number | undefined {
  return typeof params.threshold === 'number' ? params.threshold : undefined
}

/**
 * Validate `neighbours`, lean mode's masking degree (protocols/lean/graph.ts): an even integer of
 * at least 2, kept as given (n - 1 or more means the complete graph). Only lean mode without a
 * threshold has a masking graph: with a threshold, or with mode mesh, it is refused.
 * @throws InvalidInputError naming `parameters.neighbours`
 */
export function resolveNeighbours (params: Readonly<Record<string, unknown>>, threshold: number | undefined): { neighbours?: number } {
  const k = params.neighbours
  if (k === undefined || k === null) return {}
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 2 || k % 2 !== 0) {
    throw new InvalidInputError('parameters.neighbours', `must be an even integer of at least 2, got ${JSON.stringify(k)}`)
  }
  if (threshold !== undefined) throw new InvalidInputError('parameters.neighbours', `lean mode with a threshold masks with every party; leave neighbours out or drop threshold ${threshold}`)
  if (params.mode === 'mesh') throw new InvalidInputError('parameters.neighbours', 'mode mesh has no masking graph; leave neighbours out, or set mode to lean or auto')
  return { neighbours: k }
}

/** The masking degree a task asks for, or undefined for the default (resolved parameters). */
export function neighboursOf (params: Readonly<Record<string, unknown>>): number | undefined {
  return typeof params.neighbours === 'number' ? params.neighbours : undefined
}

function optionalDigits (params: Record<string, unknown>, key: string, fallback: number): number {
  const v = params[key]
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new InvalidInputError(`parameters.${key}`, `must be an integer, got ${JSON.stringify(v)}`)
  return v
}

const KNOWN_PARAMETERS = new Set(['digits_before', 'digits_after', 'modulus', 'threshold', 'share_timeout', 'max_deviating', 'profile', 'mode', 'neighbours', 'statistics', 'stage'])

/** The statistics stage keys, kept as given: strings of bounded length. */
function resolveStageKeys (params: Readonly<Record<string, unknown>>): { statistics?: string, stage?: string } {
  const out: { statistics?: string, stage?: string } = {}
  for (const key of ['statistics', 'stage'] as const) {
    const v = params[key]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string' || v.length === 0 || v.length > 1 << 24) throw new InvalidInputError(`parameters.${key}`, 'must be a non-empty string')
    out[key] = v
  }
  return out
}

/**
 * Resolve caller parameters into the full set: defaults filled in, the modulus chosen (the
 * smallest built-in Mersenne prime holding `parties` sums of the largest input) or checked.
 * @param params the caller's parameters (snake_case keys, see the list at the top of this file)
 * @param parties how many parties the task has
 * @returns the parameters every party binds into the task digest
 * @throws InvalidInputError naming the parameter, e.g. `parameters.threshold`
 * @example
 * resolveParameters({ digits_after: 6 }, 3)
 * // { digits_before: 12, digits_after: 6, modulus: '618970019642690137449562111' } (2^89 - 1)
 */
export function resolveParameters (params: unknown, parties: number): TaskParameters {
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new InvalidInputError('parameters', 'must be an object')
  }
  const p = (params ?? {}) as Record<string, unknown>
  for (const key of Object.keys(p)) {
    if (!KNOWN_PARAMETERS.has(key)) throw new InvalidInputError(`parameters.${key}`, `unknown parameter; known: ${[...KNOWN_PARAMETERS].join(', ')}`)
  }
  const profile = profileOf(p)
  const defaults = fixedPointDefaults(profile, DEFAULT_FIXED_POINT)
  const fp: FixedPoint = {
    digitsBefore: optionalDigits(p, 'digits_before', defaults.digitsBefore),
    digitsAfter: optionalDigits(p, 'digits_after', defaults.digitsAfter)
  }
  checkFixedPoint(fp)
  // Sums of all inputs, and the sample count, must fit in (-p/2, p/2) with room to spare.
  const maxAbs = BigInt(parties) * maxScaled(fp)
  let modulus: bigint
  if (profile === 'fast') {
    modulus = fastModulus(p.modulus, fp, parties)
  } else if (p.modulus === undefined || p.modulus === null) {
    modulus = mersennePrimeFor(maxAbs)
  } else {
    if (typeof p.modulus !== 'string' || !/^\d{1,2000}$/.test(p.modulus)) throw new InvalidInputError('parameters.modulus', 'must be a decimal string')
    modulus = BigInt(p.modulus)
    fieldOf({ digits_before: fp.digitsBefore, digits_after: fp.digitsAfter, modulus: p.modulus })
    if (modulus <= 4n * maxAbs) throw new InvalidInputError('parameters.modulus', `too small for ${parties} parties at digits_before = ${fp.digitsBefore}, digits_after = ${fp.digitsAfter}`)
  }
  const threshold = resolveThresholdParameters(p, parties)
  const neighbours = resolveNeighbours(p, threshold.threshold)
  return { digits_before: fp.digitsBefore, digits_after: fp.digitsAfter, modulus: modulus.toString(), ...threshold, ...resolveModeParameters(p), ...neighbours, ...resolveStageKeys(p) }
}

export function fixedPointOf (params: TaskParameters): FixedPoint {
  return { digitsBefore: params.digits_before, digitsAfter: params.digits_after }
}

const fieldCache = new Map<string, Field>()

/** The task's field; primality is checked once per modulus, not once per task. */
export function fieldOf (params: TaskParameters): Field {
  let field = fieldCache.get(params.modulus)
  if (field === undefined) {
    field = createField(BigInt(params.modulus))
    if (fieldCache.size < 64) fieldCache.set(params.modulus, field)
  }
  return field
}

/** The canonical text of a descriptor: fixed key order, no whitespace. */
