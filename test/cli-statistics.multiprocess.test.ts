/**
 * `simon sum --microprotocol NAME` as real OS processes on 127.0.0.1: values from CSV columns
 * (csv-parse) and from JSON, Simon's known answers at every party; a missing column is refused
 * before the node starts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { Proc, party, setup } from './helpers.js'

async function all (procs: Proc[]): Promise<unknown[]> {
  return Promise.all(procs.map(async p => {
    const r = await p.exited
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as unknown
  }))
}

test('StatisticsUnivariate and StatisticsBivariate from CSV columns, three processes: Simon\'s known answers', async (t) => {
  const s = await setup(t, 3)
  const rows = [[[1, 2], [2, 3], [3, 4]], [[4, 5], [5, 6], [6, 7], [7, 8]], [[8, 9], [9, 10], [10, 11]]]
  const files = await Promise.all(rows.map(async (r, i) => {
    const path = join(s.dir, `p${i}.csv`)
    await writeFile(path, `"age",weight,other\n${r.map(([x, y]) => `${x},${y},"a, b"`).join('\n')}\n`)
    return path
  }))
  const univariate = randomUUID()
  const a = files.map((f, i) => party(s, i, univariate, undefined, ['--microprotocol', 'StatisticsUnivariate', '--value-file', f, '--column', 'age']))
  t.after(() => a.forEach(p => p.kill()))
  for (const r of await all(a) as Array<{ inputs: number, result: Record<string, number> }>) {
    assert.equal(r.inputs, 3)
    assert.equal(r.result.samples, 10)
    assert.equal(r.result.minimum, 1)
    assert.equal(r.result.maximum, 10)
    assert.equal(r.result.sum, 55)
    assert.equal(r.result.variance, 55 / 6)
    assert.ok(Math.abs(r.result.hyper_flatness! - 3.7033976124885215794) < 1e-12)
  }
  const bivariate = randomUUID()
  const b = files.map((f, i) => party(s, i, bivariate, undefined, ['--microprotocol', 'StatisticsBivariate', '--value-file', f, '--column', 'age', '--column', 'weight']))
  t.after(() => b.forEach(p => p.kill()))
  for (const r of await all(b) as Array<{ result: Record<string, number> }>) {
    assert.equal(r.result.correlation_coefficient, 1)
    assert.equal(r.result.regression_slope, 1)
    assert.equal(r.result.regression_interceipt, 1)
    assert.equal(r.result.regression_intercept, 1)
  }
})

test('StatisticsFrequency with --value JSON and MinimumMaximum with --min-count refused; a missing CSV column named', async (t) => {
  const s = await setup(t, 2)
  const task = randomUUID()
  const procs = ['["A", "A", "B", "C", "C", "C"]', '["A", "B", "C", "B", "C", "B", "B", "C", "C"]'].map((v, i) => party(s, i, task, v, ['--microprotocol', 'StatisticsFrequency']))
  t.after(() => procs.forEach(p => p.kill()))
  for (const r of await all(procs)) assert.deepEqual(r, { inputs: 2, result: { samples: 15, mode: 'C', histogram: { A: 3, B: 5, C: 7 } } })

  const csv = join(s.dir, 'x.csv')
  await writeFile(csv, 'age\n1\n')
  const missing = await party(s, 0, randomUUID(), undefined, ['--microprotocol', 'StatisticsUnivariate', '--value-file', csv, '--column', 'height']).exited
  assert.equal(missing.code, 2, 'a bad input exits 2')
  assert.match(missing.stderr, /column/)
  assert.match(missing.stderr, /"height" is not a column/)
  const minCount = await party(s, 0, randomUUID(), '[1]', ['--microprotocol', 'MinimumMaximum', '--min-count', '3']).exited
  assert.equal(minCount.code, 2)
  assert.match(minCount.stderr, /parameters\.min_count/)
})
