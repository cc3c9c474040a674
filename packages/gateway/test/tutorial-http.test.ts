/**
 * The seed tutorial through `new Api(new HttpInterface(url))` against three gateways: the node
 * list as gateway URLs (as in the tutorial), as multiaddrs, and mixed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Api, HttpInterface } from '@simon-p2p/api'
import type { Gateway } from '@simon-p2p/gateway'
import { startGateways } from './helpers.js'

const EXPECTED = { inputs: 3, result: { samples: 3, sum: 31 } }

async function tutorial (gateways: Gateway[], nodes: string[]): Promise<{ results: unknown[], taskId: string }> {
  const [apiA, apiB, apiC] = gateways.map(g => new Api(new HttpInterface(g.url)))
  const networkA = { nodes, myself: 0 }
  const networkB = { nodes, myself: 1 }
  const networkC = { nodes, myself: 2 }
  const protocolA = await apiA!.selectMicroservice({ protocol: 'Simon' })
  const protocolB = await apiB!.selectMicroservice({ protocol: 'Simon' })
  const protocolC = await apiC!.selectMicroservice({ protocol: 'Simon' })
  const taskA = await protocolA.create({ microprotocol: 'SecureSum', network: networkA })
  const invitation = await taskA.invite()
  const taskB = await protocolB.join({ invitation, network: networkB })
  const taskC = await protocolC.join({ invitation, network: networkC })
  const kvstorageA = await apiA!.selectMicroservice({ microservice: 'KeyValueStorage' })
  const kvstorageB = await apiB!.selectMicroservice({ microservice: 'KeyValueStorage' })
  const kvstorageC = await apiC!.selectMicroservice({ microservice: 'KeyValueStorage' })
  const dataA = await kvstorageA.create({ value: 10 })
  const dataB = await kvstorageB.create({ value: 7 })
  const dataC = await kvstorageC.create({ value: 14 })
  await taskA.input({ source: dataA })
  await taskB.input({ source: dataB })
  await taskC.input({ source: dataC })
  const results = [await taskA.result(), await taskB.result(), await taskC.result()]
  await dataA.delete()
  await dataB.delete()
  await dataC.delete()
  return { results, taskId: taskA.callback as string }
}

test('the tutorial with gateway URLs as nodes: 31 at all three', async (t) => {
  const gateways = await startGateways(t, 3)
  const { results, taskId } = await tutorial(gateways, gateways.map(g => g.url))
  assert.deepEqual(results, [EXPECTED, EXPECTED, EXPECTED])
  // each gateway resolved the URLs to the same PeerIds, now pinned in its task
  const peerIds = gateways.map(g => g.server.node.peerId)
  for (const g of gateways) assert.deepEqual(g.server.node.getTask(taskId)!.parties.map(p => p.peerId), peerIds)
})

test('the tutorial with multiaddrs as nodes, and with URLs and multiaddrs mixed', async (t) => {
  const gateways = await startGateways(t, 3)
  const multiaddrs = gateways.map(g => g.server.node.multiaddrs()[0]!)
  assert.deepEqual((await tutorial(gateways, multiaddrs)).results, [EXPECTED, EXPECTED, EXPECTED])
  const mixed = [gateways[0]!.url, multiaddrs[1]!, gateways[2]!.url]
  assert.deepEqual((await tutorial(gateways, mixed)).results, [EXPECTED, EXPECTED, EXPECTED])
})

test('decimals over HTTP: the original suite\'s three-party case sums to 13703.703579', async (t) => {
  const gateways = await startGateways(t, 3)
  const nodes = gateways.map(g => g.url)
  const apis = gateways.map(g => new Api(new HttpInterface(g.url)))
  const protocols = await Promise.all(apis.map(async api => api.selectMicroservice({ protocol: 'Simon' })))
  const taskA = await protocols[0]!.create({ microprotocol: 'SecureSum', network: { nodes, myself: 0 } })
  const invitation = await taskA.invite()
  const tasks = [taskA, ...await Promise.all([1, 2].map(async i => protocols[i]!.join({ invitation, network: { nodes, myself: i } })))]
  const values = [123.456789, 1234.56789, 12345.6789]
  await Promise.all(tasks.map(async (task, i) => task.input({ value: values[i] })))
  for (const task of tasks) assert.deepEqual(await task.result(), { inputs: 3, result: { samples: 3, sum: 13703.703579 } })
})

test('lean mode with a threshold over HTTP: 4 gateways, t = 3, a party that never gives its input is left out', async (t) => {
  const gateways = await startGateways(t, 4)
  const nodes = gateways.map(g => g.url)
  const protocols = await Promise.all(gateways.map(async g => new Api(new HttpInterface(g.url)).selectMicroservice({ protocol: 'Simon' })))
  const taskA = await protocols[0]!.create({ microprotocol: 'SecureSum', network: { nodes, myself: 0 }, parameters: { mode: 'lean', threshold: 3, share_timeout: 0.5 } })
  const invitation = await taskA.invite()
  const tasks = [taskA, ...await Promise.all([1, 2, 3].map(async i => protocols[i]!.join({ invitation, network: { nodes, myself: i } })))]
  const values = [[1, '2.5'], [3, -1], [10, 0.25]]
  await Promise.all(values.map(async (value, i) => tasks[i]!.input({ value })))
  for (const task of tasks.slice(0, 3)) assert.deepEqual(await task.result(), { inputs: 3, result: { samples: 6, sum: [14, 1.75] } })
})
