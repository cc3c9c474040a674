/**
 * Threshold mode's task parameters: `threshold` (t, with n/2 < t <= n) and `share_timeout` (in
 * seconds). Both are bound into the task digest like every parameter. t = n is the additive full
 * mesh: then neither key is kept, so a party that passes threshold = n and one that passes
 * nothing hold the same task.
 */
import { InvalidInputError } from '../errors.js'

/** Seconds from a party's input until it proposes the input set it holds (also the proposal window). */
export const DEFAULT_SHARE_TIMEOUT_S = 10
/** The longest share_timeout accepted, in seconds. */
export const MAX_SHARE_TIMEOUT_S = 3600

export interface ThresholdParameters {
  readonly threshold: number
  readonly share_timeout: number
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
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_SHARE_TIMEOUT_S) {
      throw new InvalidInputError('parameters.share_timeout', `must be a number of seconds in (0, ${MAX_SHARE_TIMEOUT_S}], got ${JSON.stringify(timeout)}`)
    }
  }
  if (typeof t !== 'number' || t === parties) return {}
  // the full mesh and lean mode need every party: neither can run with t < n
  if (params.mode === 'mesh' || params.mode === 'lean') {
    throw new InvalidInputError('parameters.mode', `mode ${params.mode} needs all ${parties} parties; threshold ${t} runs threshold mode (leave mode out, or set it to auto)`)
  }
  return { threshold: t, share_timeout: typeof timeout === 'number' ? timeout : DEFAULT_SHARE_TIMEOUT_S }
}

/** The threshold of resolved parameters: t < n in threshold mode, undefined for the full mesh. */
export function thresholdOf (params: Readonly<Record<string, unknown>>): number | undefined {
  return typeof params.threshold === 'number' ? params.threshold : undefined
}
