/**
 * Every derived figure of StatisticsUnivariate and StatisticsBivariate, from the exact total
 * sums, under Simon's output names and definitions (fdrtd plugin-simon's accumulators).
 * Precision: sum, minimum and maximum are exact (a number when it reads back exactly, else a
 * decimal string). Every other figure is an exact ratio of integer sums rounded once to the
 * nearest double (mean, variances, kurtosis, slopes, ...), or the square root of one (standard
 * deviations, skewness, correlation: within one ulp). harmonic_mean and geometric_mean come from
 * sums of 1 / x and ln x that each party forms in float64 (relative error about 1e-16 times its
 * list length). A figure that is undefined (a variance of one sample, a coefficient of variation
 * at mean 0) is null.
 */
import { decodeScaled, pow10, type FixedPoint } from '../encoding/fixed-point.js'
import { AUX_SCALE } from './inputs.js'
import { ratio, signedSqrtRatio, sqrtRatio } from './rational.js'

type Figure = number | null
type Exact = number | string

export interface UnivariateResult {
  readonly samples: number | null
  readonly minimum: Exact | null
  readonly maximum: Exact | null
  readonly sum: Exact | null
  readonly mean: Figure
  readonly harmonic_mean: Figure
  readonly geometric_mean: Figure
  readonly variance: Figure
  readonly variance_mle: Figure
  readonly variance_of_sample_mean: Figure
  readonly standard_deviation: Figure
  readonly standard_deviation_mle: Figure
  readonly standard_error_of_sample_mean: Figure
  readonly coefficient_of_variation: Figure
  readonly coefficient_of_variation_mle: Figure
  readonly root_mean_square: Figure
  readonly root_mean_square_deviation: Figure
  readonly skewness: Figure
  readonly kurtosis: Figure
  readonly kurtosis_excess: Figure
  readonly hyper_skewness: Figure
  readonly hyper_flatness: Figure
}

export const UNIVARIATE_OUTPUTS = [
  'samples', 'minimum', 'maximum', 'sum', 'mean', 'harmonic_mean', 'geometric_mean', 'variance', 'variance_mle',
  'variance_of_sample_mean', 'standard_deviation', 'standard_deviation_mle', 'standard_error_of_sample_mean',
  'coefficient_of_variation', 'coefficient_of_variation_mle', 'root_mean_square', 'root_mean_square_deviation',
  'skewness', 'kurtosis', 'kurtosis_excess', 'hyper_skewness', 'hyper_flatness'
] as const

const BINOMIAL = [[1n], [1n, 1n], [1n, 2n, 1n], [1n, 3n, 3n, 1n], [1n, 4n, 6n, 4n, 1n], [1n, 5n, 10n, 10n, 5n, 1n], [1n, 6n, 15n, 20n, 15n, 6n, 1n]]

/**
 * N^k times the k-th central sum: sum over x of (N x - S1)^k = sum_j C(k, j) N^j S_j (-S1)^(k-j),
 * exact (in scaled units: divide by N^k 10^(k d) for the central sum itself).
 */
export function centralSum (k: number, n: bigint, s: readonly bigint[]): bigint {
  let t = 0n
  for (let j = 0; j <= k; j++) {
    const sj = j === 0 ? n : s[j - 1]!
    t += BINOMIAL[k]![j]! * n ** BigInt(j) * sj * (-s[0]!) ** BigInt(k - j)
  }
  return t
}

/** The standardized k-th moment mu_k / mu_2^(k/2) = T_k N^(k/2 - 1) / T_2^(k/2), exact before one rounding (and one root for odd k). */
function standardized (k: number, n: bigint, tk: bigint, t2: bigint): Figure {
  if (t2 === 0n) return null
  if (k % 2 === 0) return ratio(tk * n ** BigInt(k / 2 - 1), t2 ** BigInt(k / 2))
  // (T_k N^((k - 2) / 2))^2 / T_2^k, signed by T_k
  return signedSqrtRatio(tk, tk * tk * n ** BigInt(k - 2), t2 ** BigInt(k))
}

/** Every figure suppressed (fewer samples than min_count). */
export function suppressedUnivariate (): UnivariateResult {
  return Object.fromEntries(UNIVARIATE_OUTPUTS.map(k => [k, null])) as unknown as UnivariateResult
}

/**
 * The univariate figures from total sums.
 * @param totals [N, S1..S6, 2^60 sum ln x, 2^60 sum 1/x] (inputs.ts), summed over the parties
 * @param extremes the scaled minimum and maximum
 * @param fp the declared range (scale 10^digits_after)
 */
export function univariateFigures (totals: readonly bigint[], extremes: { minimum: bigint, maximum: bigint }, fp: FixedPoint): UnivariateResult {
  const n = totals[0]!
  const s = totals.slice(1, 7)
  const [logs, inverses] = [totals[7]!, totals[8]!]
  const scale = pow10(fp.digitsAfter)
  const scale2 = scale * scale
  const t2 = centralSum(2, n, s)
  const t = [0, 1, 2, 3, 4, 5, 6].map(k => (k < 3 ? (k === 2 ? t2 : 0n) : centralSum(k, n, s)))
  const n1 = n - 1n
  const s1 = s[0]!
  const kurtosis = standardized(4, n, t[4]!, t2)
  return {
    samples: Number(n),
    minimum: decodeScaled(extremes.minimum, fp),
    maximum: decodeScaled(extremes.maximum, fp),
    sum: decodeScaled(s1, fp),
    mean: ratio(s1, n * scale),
    harmonic_mean: ratio(n * AUX_SCALE, inverses),
    geometric_mean: Math.exp(ratio(logs, n * AUX_SCALE)!),
    variance: ratio(t2, n * n * n1 * scale2),
    variance_mle: ratio(t2, n * n * n * scale2),
    variance_of_sample_mean: ratio(t2, n * n * n * n1 * scale2),
    standard_deviation: sqrtRatio(t2, n * n * n1 * scale2),
    standard_deviation_mle: sqrtRatio(t2, n * n * n * scale2),
    standard_error_of_sample_mean: sqrtRatio(t2, n * n * n * n1 * scale2),
    // sd / mean: sign(S1) sqrt(T2 / ((N - 1) S1^2))
    coefficient_of_variation: s1 === 0n ? null : signedSqrtRatio(s1, t2, n1 * s1 * s1),
    coefficient_of_variation_mle: s1 === 0n ? null : signedSqrtRatio(s1, t2, n * s1 * s1),
    root_mean_square: sqrtRatio(s[1]!, n * scale2),
    root_mean_square_deviation: sqrtRatio(t2, n * n * n * scale2),
    skewness: standardized(3, n, t[3]!, t2),
    kurtosis,
    // (T4 N - 3 T2^2) / T2^2, exact before its one rounding
    kurtosis_excess: t2 === 0n ? null : ratio(t[4]! * n - 3n * t2 * t2, t2 * t2),
    hyper_skewness: standardized(5, n, t[5]!, t2),
    hyper_flatness: standardized(6, n, t[6]!, t2)
  }
}

export interface BivariateResult {
  readonly samples: number | null
  readonly covariance: Figure
  readonly covariance_mle: Figure
  readonly correlation_coefficient: Figure
  readonly regression_slope: Figure
  /** Simon's own spelling, kept for its users; the same figure as regression_intercept. */
  readonly regression_interceipt: Figure
  readonly regression_intercept: Figure
  readonly regression_slope_only: Figure
}

export const BIVARIATE_OUTPUTS = [
  'samples', 'covariance', 'covariance_mle', 'correlation_coefficient', 'regression_slope', 'regression_interceipt',
  'regression_intercept', 'regression_slope_only'
] as const

export function suppressedBivariate (): BivariateResult {
  return Object.fromEntries(BIVARIATE_OUTPUTS.map(k => [k, null])) as unknown as BivariateResult
}

/**
 * The bivariate figures from total sums [N, Sx, Sy, Sxx, Syy, Sxy] (scaled values).
 * With C_ab = N S_ab - S_a S_b: covariance_mle = C_xy / N^2, covariance = C_xy / (N (N - 1)),
 * correlation = C_xy / sqrt(C_xx C_yy), slope = C_xy / C_xx, intercept = (Sy C_xx - C_xy Sx) / (N C_xx),
 * slope through the origin = Sxy / Sxx.
 */
export function bivariateFigures (totals: readonly bigint[], fp: FixedPoint): BivariateResult {
  const [n, sx, sy, sxx, syy, sxy] = totals as [bigint, bigint, bigint, bigint, bigint, bigint]
  const scale = pow10(fp.digitsAfter)
  const cxy = n * sxy - sx * sy
  const cxx = n * sxx - sx * sx
  const cyy = n * syy - sy * sy
  const intercept = cxx === 0n ? null : ratio(sy * cxx - cxy * sx, n * cxx * scale)
  return {
    samples: Number(n),
    covariance: ratio(cxy, n * (n - 1n) * scale * scale),
    covariance_mle: ratio(cxy, n * n * scale * scale),
    correlation_coefficient: signedSqrtRatio(cxy, cxy * cxy, cxx * cyy),
    regression_slope: ratio(cxy, cxx),
    regression_interceipt: intercept,
    regression_intercept: intercept,
    regression_slope_only: ratio(sxy, sxx)
  }
}
