/**
 * Task parameters of the encoding profile and the sharing mode:
 *   profile  'wide' (default: a wide Mersenne prime, bigint arithmetic, digits 12 + 12) or 'fast'
 *            (p = 2^52 - 47, Float64Array arithmetic, digits 6 + 6 by default)
 *   mode     'auto' (default: the faster of the two for the task's size), 'mesh' (the additive
 *            full mesh) or 'lean' (pairwise masks and a ring: upload about 2x the input, whatever n)
 * A value equal to the default is not kept, so passing it and passing nothing give the same task.
 */
import { InvalidInputError } from '../errors.js'
import type { FixedPoint } from '../encoding/fixed-point.js'
import { pow10 } from '../encoding/fixed-point.js'
import { FAST_PRIME, FAST_PRIME_BIGINT } from '../field/fast.js'

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
