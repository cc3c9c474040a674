/**
 * The statistics microprotocols over real libp2p nodes (TCP on 127.0.0.1), 2, 3 and 10 parties,
 * each against the result computed in the clear from the pooled data; bad inputs are refused
 * before anything is sent.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  bivariateFigures, bivariateSums, InvalidInputError, scaledValues, univariateFigures, univariateSums, type FixedPoint
} from '@simon-p2p/core'
import type { SimonNode, StatisticsResult, StatisticsTask } from '@simon-p2p/node'
import { nodeList, startNodes, taskId } from './helpers.js'

const FP: FixedPoint = { digitsBefore: 4, digitsAfter: 3 }
const PARAMETERS = { digits_before: 4, digits_after: 3 }

/** A deterministic PRNG (mulberry32). */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function run (nodes: readonly SimonNode[], microprotocol: string, inputs: readonly unknown[], parameters: unknown = PARAMETERS): Promise<StatisticsResult[]> {
  const id = taskId(microprotocol)
  const list = nodeList(nodes)
  const tasks = nodes.map((node, myself) => node.createTask({ taskId: id, microprotocol, parameters, network: { nodes: list, myself } }) as StatisticsTask)
  tasks.forEach((task, i) => task.input(inputs[i]))
  const results = await Promise.all(tasks.map(async task => task.result()))
  for (const r of results) assert.deepEqual(r, results[0], 'every party holds the same result')
  assert.equal(results[0]!.inputs, nodes.length)
  return results
}

const count = <T>(items: readonly T[], key: (t: T) => string): Map<string, number> => {
  const m = new Map<string, number>()
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1)
  return m
}

for (const n of [2, 3, 10]) {
  describe(`${n} parties over libp2p`, () => {
    let nodes: SimonNode[] = []
    const next = prng(n * 1000 + 7)
    const numbers = (): number[] => Array.from({ length: 1 + Math.floor(next() * 20) }, () => Math.round((next() * 2 - 1) * 1e6) / 1e3)

    test('start the nodes', async (t) => {
      const started = await startNodes({ after: fn => { afterAll.push(fn) } }, n, { taskTimeoutMs: 30_000, attemptTimeoutMs: 2000 })
      nodes = started
      t.diagnostic(`${n} nodes`)
    })

    test('StatisticsUnivariate = the pooled figures (harmonic and geometric means to 1e-12)', async () => {
      const inputs = nodes.map(() => numbers())
      const [r] = await run(nodes, 'StatisticsUnivariate', inputs)
      const all = inputs.flat()
      const pooled = univariateSums(scaledValues(all, FP), FP)
      const expected = univariateFigures(pooled.sums, { minimum: pooled.min, maximum: pooled.max }, FP) as unknown as Record<string, unknown>
      const got = { ...r!.result }
      for (const name of ['harmonic_mean', 'geometric_mean']) {
        const [a, b] = [got[name] as number, expected[name] as number]
        assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${name}: ${a} vs ${b}`)
        delete got[name]; delete expected[name]
      }
      assert.deepEqual(got, expected)
      assert.equal(r!.result.minimum, Math.min(...all))
      assert.equal(r!.result.maximum, Math.max(...all))
    })

    test('StatisticsBivariate = the pooled figures', async () => {
      const inputs = nodes.map(() => numbers().map(x => [x, Math.round((x * 0.5 + next() * 10) * 1000) / 1000]))
      const [r] = await run(nodes, 'StatisticsBivariate', inputs)
      assert.deepEqual(r!.result, bivariateFigures(bivariateSums(inputs.flat(), FP), FP))
    })

    test('MinimumMaximum = min and max of the pooled values, and nothing else', async () => {
      const inputs = nodes.map(() => numbers())
      const [r] = await run(nodes, 'MinimumMaximum', inputs)
      assert.deepEqual(r!.result, { minimum: Math.min(...inputs.flat()), maximum: Math.max(...inputs.flat()) })
    })

    test('StatisticsFrequency, labels found through hashed buckets = the pooled histogram', async () => {
      const labels = ['A', 'B', 'C', 'delta', 'ε', '42']
      const inputs = nodes.map(() => Array.from({ length: 1 + Math.floor(next() * 12) }, () => labels[Math.floor(next() * labels.length)]!))
      const [r] = await run(nodes, 'StatisticsFrequency', inputs)
      const pooled = count(inputs.flat(), l => l)
      assert.deepEqual(r!.result.histogram, Object.fromEntries([...pooled].sort(([a], [b]) => (a < b ? -1 : 1))))
      assert.equal(r!.result.samples, inputs.flat().length)
      const best = Math.max(...pooled.values())
      assert.equal(pooled.get(r!.result.mode as string), best)
    })

    test('StatisticsContingency over declared categories = the pooled table, min_count applied', async () => {
      const rows = ['smoker', 'non-smoker']
      const columns = ['male', 'female', 'other']
      const inputs = nodes.map(() => Array.from({ length: 1 + Math.floor(next() * 12) }, () => [rows[Math.floor(next() * 2)]!, columns[Math.floor(next() * 3)]!]))
      const minCount = 2
      const [r] = await run(nodes, 'StatisticsContingency', inputs, { categories: [rows, columns], min_count: minCount })
      const pooled = count(inputs.flat(), p => `${p[0]}|${p[1]}`)
      const cell = (row: string, column: string): number | null => { const c = pooled.get(`${row}|${column}`) ?? 0; return c < minCount ? null : c }
      assert.deepEqual(r!.result.table, Object.fromEntries(rows.map(row => [row, Object.fromEntries(columns.map(c => [c, cell(row, c)]))])))
    })
  })
}

const afterAll: Array<() => Promise<void> | void> = []
test.after(async () => { for (const fn of afterAll) await fn() })

describe('found labels and defaults', () => {
  test('StatisticsContingency with found pairs and StatisticsFrequency with declared categories, 3 parties, Simon\'s range (12 and 12)', async (t) => {
    const nodes = await startNodes(t, 3, { taskTimeoutMs: 30_000, attemptTimeoutMs: 2000 })
    const alice = [['smoker', 'male'], ['non-smoker', 'female'], ['smoker', 'female'], ['non-smoker', 'female']]
    const bob = [['smoker', 'male'], ['smoker', 'male'], ['non-smoker', 'female'], ['smoker', 'female'], ['smoker', 'male']]
    const carol = [['non-smoker', 'female'], ['non-smoker', 'female'], ['non-smoker', 'male']]
    const [table] = await run(nodes, 'StatisticsContingency', [alice, bob, carol], undefined)
    assert.deepEqual(table!.result, { samples: 12, mode: ['non-smoker', 'female'], table: { 'non-smoker': { female: 5, male: 1 }, smoker: { female: 2, male: 4 } } })
    const [histogram] = await run(nodes, 'StatisticsFrequency', [['A', 'A', 'B'], ['C', 'C', 'C', 'B'], ['A', 'B', 'C', 'B', 'B', 'C', 'C', 'A']], { categories: ['A', 'B', 'C', 'D'] })
    assert.deepEqual(histogram!.result, { samples: 15, mode: 'C', histogram: { A: 4, B: 5, C: 6, D: 0 } })
    const [univariate] = await run(nodes, 'StatisticsUnivariate', [[1, 2, 3], [4, 5, 6, 7], [8, 9, 10]], undefined)
    assert.equal(univariate!.result.variance, 55 / 6)
    assert.equal(univariate!.result.minimum, 1)
    assert.equal(univariate!.result.maximum, 10)
  })
})

test('12 parties masking with 4 neighbours each (parameter neighbours): StatisticsUnivariate and StatisticsFrequency, every stage with that degree, the pooled figures', async (t) => {
  const nodes = await startNodes(t, 12, { taskTimeoutMs: 30_000, attemptTimeoutMs: 2000 })
  const inputs = nodes.map((_, i) => [i, i + 0.5, -2 * i])
  const parameters = { ...PARAMETERS, mode: 'lean', neighbours: 4 }
  const id = taskId('sparse-statistics')
  const list = nodeList(nodes)
  const tasks = nodes.map((node, myself) => node.createTask({ taskId: id, microprotocol: 'StatisticsUnivariate', parameters, network: { nodes: list, myself } }) as StatisticsTask)
  tasks.forEach((task, i) => task.input(inputs[i]))
  const results = await Promise.all(tasks.map(async task => task.result()))
  for (const r of results) assert.deepEqual(r, results[0])
  const all = inputs.flat()
  const pooled = univariateSums(scaledValues(all, FP), FP)
  const expected = univariateFigures(pooled.sums, { minimum: pooled.min, maximum: pooled.max }, FP) as unknown as Record<string, unknown>
  for (const name of ['mean', 'variance', 'minimum', 'maximum', 'samples']) assert.deepEqual(results[0]!.result[name], expected[name], name)
  const stages = ['moments', 'extremes/0'].map(stage => nodes[0]!.getTask(`${id}/${stage}`))
  for (const stage of stages) assert.equal(stage?.descriptor.parameters.neighbours, 4, `stage ${String(stage?.id)}`)
  const [histogram] = await run(nodes, 'StatisticsFrequency', nodes.map((_, i) => ['A', i % 2 === 0 ? 'B' : 'C']), { categories: ['A', 'B', 'C'], mode: 'lean', neighbours: 4 })
  assert.deepEqual(histogram!.result, { samples: 24, mode: 'A', histogram: { A: 12, B: 6, C: 6 } })
})

describe('bad inputs, refused before anything is sent', () => {
  test('empty list, NaN, a label outside the categories, a pair with one element, a list too long: typed errors naming the field, no frame sent', async (t) => {
    const nodes = await startNodes(t, 2)
    const list = nodeList(nodes)
    const cases: Array<[string, unknown, unknown, string]> = [
      ['StatisticsUnivariate', undefined, [], 'value'],
      ['StatisticsUnivariate', undefined, [1, Number.NaN], 'value[1]'],
      ['MinimumMaximum', undefined, [1, 'x'], 'value[1]'],
      ['StatisticsFrequency', { categories: ['A', 'B'] }, ['A', 'Z'], 'value[1]'],
      ['StatisticsBivariate', undefined, [[1, 2], [3]], 'value[1]'],
      ['StatisticsContingency', undefined, [['a', 'b'], ['c']], 'value[1]'],
      ['StatisticsUnivariate', undefined, new Float64Array((1 << 24) + 1), 'value']
    ]
    for (const [microprotocol, parameters, value, field] of cases) {
      const task = nodes[0]!.createTask({ taskId: taskId('bad'), microprotocol, parameters, network: { nodes: list, myself: 0 } }) as StatisticsTask
      assert.throws(() => task.input(value), (e: unknown) => e instanceof InvalidInputError && e.field === field, `${microprotocol} ${field}`)
      assert.equal(task.hasInput, false)
    }
    assert.equal(nodes[0]!.stats().framesSent, 0, 'nothing was sent')
    assert.throws(() => nodes[0]!.createTask({ taskId: taskId('bad'), microprotocol: 'StatisticsUnivariate', parameters: { categories: ['A'] }, network: { nodes: list, myself: 0 } }),
      (e: unknown) => e instanceof InvalidInputError && e.field === 'parameters.categories')
  })
})

describe('a party that never gives its input', () => {
  test('StatisticsUnivariate: the others fail with the stage\'s timeout naming it, and every stage of theirs ends', async (t) => {
    const nodes = await startNodes(t, 3, { taskTimeoutMs: 1500, attemptTimeoutMs: 500 })
    const id = taskId('absent')
    const list = nodeList(nodes)
    const tasks = nodes.map((node, myself) => node.createTask({ taskId: id, microprotocol: 'StatisticsUnivariate', parameters: PARAMETERS, network: { nodes: list, myself } }) as StatisticsTask)
    tasks[0]!.input([1, 2])
    tasks[1]!.input([3])
    for (const task of tasks.slice(0, 2)) {
      await assert.rejects(task.result(), (e: Error & { code?: string }) => e.code === 'TIMEOUT' && e.message.includes('party 2'), 'a timeout naming party 2')
      assert.equal(task.status().step, 'failed')
    }
    for (const node of nodes.slice(0, 2)) {
      for (const stage of ['moments', 'extremes/0']) assert.equal(node.secureSum.getTask(`${id}/${stage}`)?.finished, true, `${stage} ended`)
    }
  })
})

test('a statistics task follows its stages\' retention: idle past idleTaskTtlMs, it is forgotten', async (t) => {
  const nodes = await startNodes(t, 2, { idleTaskTtlMs: 200 })
  const id = taskId('idle')
  const list = nodeList(nodes)
  nodes[0]!.createTask({ taskId: id, microprotocol: 'MinimumMaximum', parameters: PARAMETERS, network: { nodes: list, myself: 0 } })
  assert.ok(nodes[0]!.getTask(id) !== undefined)
  await new Promise(resolve => setTimeout(resolve, 600))
  assert.equal(nodes[0]!.getTask(id), undefined)
  assert.equal(nodes[0]!.secureSum.getTask(`${id}/extremes/0`), undefined)
})
