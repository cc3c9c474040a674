/**
 * The statistics microprotocols through the TypeScript API (the fdrtd client's shape, in process):
 * create, invite, join, a stored value as the source, result(); the parties' fingerprints agree and a
 * bad input is refused naming the element.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidInputError } from '@simon-p2p/core'
import { SimonNode } from '@simon-p2p/node'
import { Api, InProcessInterface } from '@simon-p2p/api'

test('StatisticsBivariate and StatisticsContingency through Api and Handle: Simon\'s known answers at both parties', async (t) => {
  const nodes = await Promise.all([0, 1].map(async () => SimonNode.create({ listen: ['/ip4/127.0.0.1/tcp/0'], taskTimeoutMs: 10_000, attemptTimeoutMs: 1000 })))
  t.after(async () => { await Promise.all(nodes.map(async n => n.stop())) })
  const list = nodes.map(n => n.multiaddrs()[0]!)
  const apis = nodes.map(n => new Api(new InProcessInterface(n)))
  const simon = await Promise.all(apis.map(async api => api.selectMicroservice({ protocol: 'Simon' })))
  const kv = await Promise.all(apis.map(async api => api.selectMicroservice({ microservice: 'KeyValueStorage' })))

  const run = async (microprotocol: string, values: unknown[], extra: Record<string, unknown> = {}): Promise<unknown[]> => {
    const a = await simon[0]!.create({ microprotocol, network: { nodes: list, myself: 0 }, ...extra })
    const invitation = await a.invite()
    const b = await simon[1]!.join({ invitation, network: { nodes: list, myself: 1 } })
    assert.equal(await a.fingerprint(), await b.fingerprint())
    const tasks = [a, b]
    for (const [i, task] of tasks.entries()) await task.input({ source: await kv[i]!.create({ value: values[i] }) })
    return Promise.all(tasks.map(async task => task.result()))
  }

  for (const r of await run('StatisticsBivariate', [[[1.0, 2.0]], [[2.0, 3.0]]])) {
    assert.deepEqual(r, { inputs: 2, result: { samples: 2, covariance_mle: 0.25, covariance: 0.5, correlation_coefficient: 1, regression_slope: 1, regression_interceipt: 1, regression_intercept: 1, regression_slope_only: 1.6 } })
  }
  const alice = [['smoker', 'male'], ['non-smoker', 'female'], ['smoker', 'female'], ['non-smoker', 'female'], ['smoker', 'male'], ['smoker', 'male']]
  const bob = [['non-smoker', 'female'], ['smoker', 'female'], ['smoker', 'male'], ['non-smoker', 'female'], ['non-smoker', 'female'], ['non-smoker', 'male']]
  for (const r of await run('StatisticsContingency', [alice, bob], { categories: [['smoker', 'non-smoker'], ['male', 'female']] })) {
    assert.deepEqual(r, { inputs: 2, result: { samples: 12, mode: ['non-smoker', 'female'], table: { smoker: { male: 4, female: 2 }, 'non-smoker': { male: 1, female: 5 } } } })
  }

  const task = await simon[0]!.create({ microprotocol: 'StatisticsFrequency', network: { nodes: list, myself: 0 }, categories: ['A', 'B'] })
  await assert.rejects(task.input({ value: ['A', 'Q'] }), (e: unknown) => e instanceof InvalidInputError && e.field === 'value[1]')
  assert.equal(((await task.status()) as { step: string }).step, 'input')
})
