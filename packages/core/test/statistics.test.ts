/**
 * Statistics in core: Simon's known answers (fdrtd plugin-simon tests/test_simon.py) from sums
 * added in the clear, the derived figures against direct float64 computation (property tests),
 * the exact ratio, the extremes search and the hashed buckets run by hand over simulated parties.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import fc from 'fast-check'
import {
  advanceExtremes, bivariateFigures, bivariateSums, bucketVector, extremesContributions, extremesDone, extremesOf,
  histogramOf, labelCounts, nextBucketCount, ratio, readBuckets, resolveStatisticsParameters, scaledValues, startExtremes,
  resolveParameters, stageParameters, tableOf, univariateFigures, univariateSums, InvalidInputError, INITIAL_BUCKETS, MAX_BUCKETS, MAX_LABEL_ROUNDS, MAX_STATISTICS_VALUES, type FixedPoint
} from '../src/index.js'

const FP: FixedPoint = { digitsBefore: 12, digitsAfter: 12 }
const rnd = (n: number): Uint8Array => new Uint8Array(nodeRandomBytes(n))
const add = (vectors: bigint[][]): bigint[] => vectors[0]!.map((_, i) => vectors.reduce((s, v) => s + v[i]!, 0n))

/** Simon's assertion: floats to 4 places; here much tighter, relative 1e-12. */
function close (actual: unknown, expected: number, name: string, tolerance = 1e-12): void {
  assert.equal(typeof actual, 'number', `${name} is ${String(actual)}`)
  assert.ok(Math.abs((actual as number) - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${name}: ${String(actual)}, expected ${expected}`)
}

/** What the parties' sums and the search give, run by hand: the sums added in the clear, the search's rounds too. */
function univariate (parties: unknown[][], fp = FP): ReturnType<typeof univariateFigures> {
  const inputs = parties.map(p => univariateSums(scaledValues(p, fp), fp))
  let search = startExtremes(fp)
  while (!extremesDone(search)) search = advanceExtremes(search, add(inputs.map(i => extremesContributions(search, i.max, i.min, rnd))))
  return univariateFigures(add(inputs.map(i => i.sums)), extremesOf(search), fp)
}

/** The labels stage run by hand as the node runs it: rounds with more buckets until no bucket holds two labels (any salt may collide at first). */
function readLabels (parties: unknown[][], pairs: boolean): Map<string, bigint> {
  const salt = rnd(32)
  let buckets = INITIAL_BUCKETS
  for (let round = 0; ; round++) {
    const reading = readBuckets(add(parties.map(p => bucketVector(labelCounts(p, pairs), salt, round, buckets))), salt, buckets)
    if (reading.complete) return reading.counts
    const next = nextBucketCount(buckets, reading.occupied, reading.collided, round)
    assert.ok(next !== undefined, `labels still collide in ${buckets} buckets`)
    buckets = next
  }
}

describe('known answers of Simon\'s test suite', () => {
  test('StatisticsUnivariate: [1..5] and [6..10]', () => {
    const r = univariate([[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]])
    const known: Record<string, number> = {
      samples: 10, minimum: 1.0, maximum: 10.0, sum: 55.0, mean: 5.5, harmonic_mean: 3.4141715214740550061,
      geometric_mean: 4.5287286881167647622, variance: 9.1666666666666666667, variance_mle: 8.25,
      variance_of_sample_mean: 0.91666666666666666667, standard_deviation: 3.0276503540974916654,
      standard_deviation_mle: 2.8722813232690143299, standard_error_of_sample_mean: 0.95742710775633810998,
      coefficient_of_variation: 0.55048188256318030280, coefficient_of_variation_mle: 0.52223296786709351453,
      root_mean_square: 6.2048368229954282981, root_mean_square_deviation: 2.8722813232690143299, skewness: 0.0,
      kurtosis: 1.7757575757575757576, kurtosis_excess: -1.2242424242424242424, hyper_skewness: 0.0,
      hyper_flatness: 3.7033976124885215794
    }
    assert.deepEqual(Object.keys(r).sort(), Object.keys(known).sort())
    for (const [name, value] of Object.entries(known)) close((r as unknown as Record<string, unknown>)[name], value, name)
    // ratios of exact sums are the nearest double
    assert.equal(r.variance, 55 / 6)
    assert.equal(r.kurtosis, 293 / 165)
  })

  test('StatisticsBivariate: (1, 2) and (2, 3)', () => {
    const r = bivariateFigures(add([bivariateSums([[1.0, 2.0]], FP), bivariateSums([[2.0, 3.0]], FP)]), FP)
    assert.deepEqual(r, {
      samples: 2, covariance_mle: 0.25, covariance: 0.5, correlation_coefficient: 1.0, regression_slope: 1.0,
      regression_interceipt: 1.0, regression_intercept: 1.0, regression_slope_only: 1.6
    })
  })

  test('StatisticsFrequency, found labels: samples 15, mode C, histogram {A: 3, B: 5, C: 7}', () => {
    const parties = [['A', 'A', 'B', 'C', 'C', 'C'], ['A', 'B', 'C', 'B', 'C', 'B', 'B', 'C', 'C']]
    assert.deepEqual(histogramOf(readLabels(parties, false), undefined, 0), { samples: 15, mode: 'C', histogram: { A: 3, B: 5, C: 7 } })
  })

  test('StatisticsContingency, found pairs: samples 12, mode (non-smoker, female), the table', () => {
    const alice = [['smoker', 'male'], ['non-smoker', 'female'], ['smoker', 'female'], ['non-smoker', 'female'], ['smoker', 'male'], ['smoker', 'male']]
    const bob = [['non-smoker', 'female'], ['smoker', 'female'], ['smoker', 'male'], ['non-smoker', 'female'], ['non-smoker', 'female'], ['non-smoker', 'male']]
    assert.deepEqual(tableOf(readLabels([alice, bob], true), undefined, 0), {
      samples: 12, mode: ['non-smoker', 'female'], table: { 'non-smoker': { female: 5, male: 1 }, smoker: { female: 2, male: 4 } }
    })
  })
})

describe('derived figures (property tests)', () => {
  const values = fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }).map(v => v / 1000), { minLength: 2, maxLength: 40 })

  test('univariate figures agree with a direct float64 computation on the pooled data', () => {
    fc.assert(fc.property(fc.array(values, { minLength: 2, maxLength: 4 }), (parties) => {
      const all = parties.flat()
      const r = univariate(parties, { digitsBefore: 4, digitsAfter: 3 })
      const n = all.length
      const mean = all.reduce((s, x) => s + x, 0) / n
      const m = (k: number): number => all.reduce((s, x) => s + (x - mean) ** k, 0) / n
      assert.equal(r.samples, n)
      assert.equal(r.minimum, Math.min(...all))
      assert.equal(r.maximum, Math.max(...all))
      close(r.mean, mean, 'mean', 1e-9)
      if (m(2) > 1e-6) {
        close(r.variance_mle, m(2), 'variance_mle', 1e-9)
        close(r.variance, m(2) * n / (n - 1), 'variance', 1e-9)
        close(r.kurtosis, m(4) / m(2) ** 2, 'kurtosis', 1e-6)
        close(r.hyper_flatness, m(6) / m(2) ** 3, 'hyper_flatness', 1e-6)
        close(r.skewness, m(3) / m(2) ** 1.5, 'skewness', 1e-6)
      }
      close(r.root_mean_square, Math.sqrt(all.reduce((s, x) => s + x * x, 0) / n), 'root_mean_square', 1e-9)
    }), { numRuns: 100 })
  })

  test('bivariate figures agree with a direct float64 computation, and the intercept is under both names', () => {
    const pairs = fc.array(fc.tuple(fc.integer({ min: -10_000, max: 10_000 }), fc.integer({ min: -10_000, max: 10_000 })).map(([a, b]) => [a / 100, b / 100]), { minLength: 3, maxLength: 30 })
    fc.assert(fc.property(pairs, pairs, (a, b) => {
      const all = [...a, ...b]
      const r = bivariateFigures(add([bivariateSums(a, FP), bivariateSums(b, FP)]), FP)
      const n = all.length
      const mx = all.reduce((s, p) => s + p[0]!, 0) / n
      const my = all.reduce((s, p) => s + p[1]!, 0) / n
      const cov = all.reduce((s, p) => s + (p[0]! - mx) * (p[1]! - my), 0) / (n - 1)
      const vx = all.reduce((s, p) => s + (p[0]! - mx) ** 2, 0) / (n - 1)
      close(r.covariance, cov, 'covariance', 1e-9)
      if (vx > 1e-6) {
        close(r.regression_slope, cov / vx, 'regression_slope', 1e-6)
        close(r.regression_intercept, my - (cov / vx) * mx, 'regression_intercept', 1e-6)
      }
      assert.equal(r.regression_interceipt, r.regression_intercept)
    }), { numRuns: 100 })
  })

  test('ratio is the nearest double to a / b, for bigints far beyond 2^53', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), fc.bigInt({ min: 1n, max: 1n << 200n }), (a, b) => {
      const r = ratio(a, b)!
      // the nearest double: |a - r b| is at most half an ulp of r times b
      const exact = Number(a) / Number(b)
      assert.ok(Math.abs(r - exact) <= Math.abs(exact) * 4e-16, `${r} vs ${exact}`)
    }), { numRuns: 300 })
    assert.equal(ratio(1n, 3n), 1 / 3)
    assert.equal(ratio(10n ** 40n + 1n, 10n ** 40n), 1)
    assert.equal(ratio(1n, 0n), null)
  })
})

describe('the extremes search', () => {
  test('finds the exact minimum and maximum of parties\' values, at any range and spread', () => {
    const party = fc.array(fc.integer({ min: -999_999, max: 999_999 }), { minLength: 1, maxLength: 5 })
    fc.assert(fc.property(fc.array(party, { minLength: 2, maxLength: 5 }), (parties) => {
      const fp = { digitsBefore: 6, digitsAfter: 0 }
      const own = parties.map(p => ({ max: BigInt(Math.max(...p)), min: BigInt(Math.min(...p)) }))
      let search = startExtremes(fp)
      let rounds = 0
      while (!extremesDone(search)) {
        search = advanceExtremes(search, add(own.map(o => extremesContributions(search, o.max, o.min, rnd))))
        rounds++
      }
      const all = parties.flat()
      assert.deepEqual(extremesOf(search), { minimum: BigInt(Math.min(...all)), maximum: BigInt(Math.max(...all)) })
      assert.ok(rounds <= 3, `${rounds} rounds for 21 bits`)
    }), { numRuns: 60 })
  })

  test('a contribution is uniform-looking whether or not the party holds a value above the bound: only the total mod 2^64 tells', () => {
    const s = startExtremes({ digitsBefore: 2, digitsAfter: 0 })
    const above = extremesContributions(s, 99n, -99n, rnd)
    const below = extremesContributions(s, -99n, 99n, rnd)
    const M = 1n << 64n
    assert.ok(above.every(v => v % M !== 0n), 'a party holding 99 adds a non-zero low part for every bound below it')
    assert.ok(below.every(v => v % M === 0n), 'a party holding nothing above adds only multiples of 2^64')
    assert.ok(below.some(v => v > 0n), 'and those are random, not zero')
  })
})

describe('hashed buckets', () => {
  test('collisions are detected and a retry with more buckets reads every label exactly', () => {
    const labels = Array.from({ length: 40 }, (_, i) => `label-${i}`)
    const parties = [labels.slice(0, 25), labels.slice(15)].map(p => p.flatMap((l, i) => Array(1 + (i % 3)).fill(l)))
    const salt = rnd(32)
    let buckets = INITIAL_BUCKETS
    let round = 0
    let collidedOnce = false
    for (;;) {
      const reading = readBuckets(add(parties.map(p => bucketVector(labelCounts(p, false), salt, round, buckets))), salt, buckets)
      if (reading.complete) {
        const expected = new Map<string, bigint>()
        for (const l of parties.flat()) expected.set(l, (expected.get(l) ?? 0n) + 1n)
        assert.deepEqual(new Map([...reading.counts].sort()), new Map([...expected].sort()))
        break
      }
      collidedOnce = true
      buckets = nextBucketCount(buckets, reading.occupied, reading.collided, round)!
      round++
    }
    assert.ok(collidedOnce, '40 labels in 64 buckets collide')
  })

  test('past the most buckets a round repeats at that size, until the last round', () => {
    assert.equal(nextBucketCount(INITIAL_BUCKETS, 30, 5, 0), 8192, '4 x 40^2 buckets rounded up to a power of two')
    assert.equal(nextBucketCount(8192, 39, 1, 1), MAX_BUCKETS)
    for (let round = 2; round < MAX_LABEL_ROUNDS - 1; round++) assert.equal(nextBucketCount(MAX_BUCKETS, 39, 1, round), MAX_BUCKETS, `round ${round}`)
    assert.equal(nextBucketCount(MAX_BUCKETS, 39, 1, MAX_LABEL_ROUNDS - 1), undefined)
  })
})

describe('bad inputs, refused naming the field', () => {
  const refused = (fn: () => unknown, field: string): void => { assert.throws(fn, (e: unknown) => e instanceof InvalidInputError && e.field === field, field) }
  test('empty list, NaN, a pair with one element, a list too long, a label outside the declared categories', () => {
    refused(() => scaledValues([], FP), 'value')
    refused(() => scaledValues([1, Number.NaN], FP), 'value[1]')
    refused(() => bivariateSums([[1, 2], [3]], FP), 'value[1]')
    refused(() => scaledValues({ length: MAX_STATISTICS_VALUES + 1 } as unknown as number[], FP), 'value')
    refused(() => scaledValues(new Float64Array(MAX_STATISTICS_VALUES + 1), FP), 'value')
    refused(() => labelCounts(['A', 'D'], false, { rows: new Set(['A', 'B']) }), 'value[1]')
    refused(() => labelCounts([['A', 'x'], ['B']], true), 'value[1]')
    refused(() => labelCounts([null], false), 'value[0]')
  })
  test('parameters: categories where none are taken, min_count for MinimumMaximum, threshold', () => {
    refused(() => resolveStatisticsParameters('StatisticsUnivariate', { categories: ['a'] }, 2), 'parameters.categories')
    refused(() => resolveStatisticsParameters('StatisticsFrequency', { categories: ['a', 'a'] }, 2), 'parameters.categories[1]')
    refused(() => resolveStatisticsParameters('StatisticsContingency', { categories: ['a', 'b'] }, 2), 'parameters.categories[0]')
    refused(() => resolveStatisticsParameters('MinimumMaximum', { min_count: 3 }, 2), 'parameters.min_count')
    refused(() => resolveStatisticsParameters('StatisticsUnivariate', { threshold: 2 }, 3), 'parameters.threshold')
    refused(() => resolveStatisticsParameters('StatisticsUnivariate', { min_count: -1 }, 3), 'parameters.min_count')
    refused(() => resolveStatisticsParameters('StatisticsUnivariate', { neighbours: 3 }, 12), 'parameters.neighbours')
    refused(() => resolveStatisticsParameters('StatisticsBivariate', { neighbours: 4, mode: 'mesh' }, 12), 'parameters.neighbours')
  })
})

test('neighbours: bound into the statistics task and passed on to every stage, which resolves it as a SecureSum task does', () => {
  const params = resolveStatisticsParameters('StatisticsUnivariate', { neighbours: 4 }, 12)
  assert.equal(params.neighbours, 4)
  assert.notDeepEqual(params, resolveStatisticsParameters('StatisticsUnivariate', {}, 12), 'a task with neighbours is another task')
  for (const stage of ['moments', 'extremes/0']) {
    const p = stageParameters('StatisticsUnivariate', params, stage, 40)
    assert.equal(p.neighbours, 4, stage)
    assert.equal(resolveParameters({ ...p }, 12).neighbours, 4, stage)
  }
  assert.equal(stageParameters('StatisticsUnivariate', resolveStatisticsParameters('StatisticsUnivariate', {}, 12), 'moments', 40).neighbours, undefined)
})

test('min_count suppresses small bars (declared: null; found: left out) and whole results', () => {
  const counts = new Map([['A', 1n], ['B', 5n], ['C', 7n]])
  assert.deepEqual(histogramOf(counts, ['A', 'B', 'C'], 3), { samples: 13, mode: 'C', histogram: { A: null, B: 5, C: 7 } })
  assert.deepEqual(histogramOf(counts, undefined, 3), { samples: 13, mode: 'C', histogram: { B: 5, C: 7 } })
  assert.deepEqual(histogramOf(counts, undefined, 14), { samples: null, mode: null, histogram: null })
})

test('scaling a number without its decimal text gives exactly what encodeScalar gives', async () => {
  const { encodeScalar } = await import('../src/encoding/fixed-point.js')
  const fp = { digitsBefore: 6, digitsAfter: 3 }
  const numbers = fc.oneof(
    fc.integer({ min: -999_999_999, max: 999_999_999 }).map(k => k / 1000),
    fc.double({ min: -999_999, max: 999_999, noNaN: true }),
    fc.constantFrom(1.0005, -2.0005, 0.1 + 0.2, 999_999.9995, 1e-7, -0)
  )
  fc.assert(fc.property(fc.array(numbers, { minLength: 1, maxLength: 20 }), (xs) => {
    const expected = xs.map((x, i) => { try { return encodeScalar(x, fp, `value[${i}]`) } catch { return 'refused' } })
    let got: Array<bigint | string>
    try { got = scaledValues(xs, fp) } catch { got = ['refused'] }
    if (expected.includes('refused')) assert.deepEqual(got, ['refused'])
    else assert.deepEqual(got, expected)
  }), { numRuns: 500 })
})
