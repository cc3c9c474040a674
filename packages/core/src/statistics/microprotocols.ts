import { MICROPROTOCOLS } from '../task/descriptor.js'

/**
 * The Simon statistics microprotocols, under Simon's own names. Each reduces to secure vector
 * sums of the existing engine (SecureSum tasks, one per stage); the names here pick the stages.
 */
export const STATISTICS_MICROPROTOCOLS = [
  'StatisticsUnivariate', 'StatisticsBivariate', 'StatisticsFrequency', 'StatisticsContingency', 'MinimumMaximum'
] as const
export type StatisticsMicroprotocol = typeof STATISTICS_MICROPROTOCOLS[number]

/** Every microprotocol the Simon microservice runs: SecureSum and the statistics on it. */
export const SIMON_MICROPROTOCOLS: readonly string[] = [...MICROPROTOCOLS, ...STATISTICS_MICROPROTOCOLS]

export function isStatisticsMicroprotocol (name: unknown): name is StatisticsMicroprotocol {
  return typeof name === 'string' && (STATISTICS_MICROPROTOCOLS as readonly string[]).includes(name)
}

/** The longest list one party may input: 2^24 values (it bounds every sum, and so the field). */
export const MAX_STATISTICS_VALUES = 1 << 24
/** Decimal digits of MAX_STATISTICS_VALUES: a sum over one party's list has this many more than one term. */
export const COUNT_DIGITS = 8
