/**
 * Threshold mode through the fdrtd-shaped API: `threshold` and `share_timeout` given to create()
 * (as extra keys or inside `parameters`) become task parameters, travel in the invitation, and
 * a party that never gives its input is left out.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SimonNode } from '@simon-p2p/node'
import { Api, InProcessInterface } from '@simon-p2p/api'

async function threeNodes (t: { after: (fn: () => Promise<void>) => void }): Promise<SimonNode[]> {
  const nodes = await Promise.all([0, 1, 2].map(async () => SimonNode.create({ listen: ['/ip4/127.0.0.1/tcp/0'], taskTimeoutMs: 10_000, attemptTimeoutMs: 1000 })))
  t.after(async () => { await Promise.all(nodes.map(async n => n.stop())) })
  return nodes
}

test('create({threshold, share_timeout}) as extra keys: the invitation carries them; two of three inputs give the sum of two', async (t) => {
  const nodes = await threeNodes(t)
  const list = nodes.map(n => n.multiaddrs()[0]!)
  const apis = nodes.map(n => new Api(new InProcessInterface(n)))
  const simon = await Promise.all(apis.map(async api => api.selectMicroservice({ protocol: 'Simon' })))
  const taskA = await simon[0]!.create({ microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, threshold: 2, share_timeout: 0.5 })
  const invitation = await taskA.invite()
  assert.equal((invitation.parameters as Record<string, unknown>).threshold, 2)
  assert.equal((invitation.parameters as Record<string, unknown>).share_timeout, 0.5)
  const taskB = await simon[1]!.join({ invitation, network: { nodes: list, myself: 1 } })
  const taskC = await simon[2]!.join({ invitation, network: { nodes: list, myself: 2 } })
  await taskA.input({ value: 10 })
  await taskB.input({ value: 7 })
  // party 2 joined but never gives its input
  for (const task of [taskA, taskB]) assert.deepEqual(await task.result(), { inputs: 2, result: { samples: 2, sum: 17 } })
  assert.deepEqual(await taskC.status(), { id: nodes[2]!.getTask(invitation.task as string)!.id, step: 'input', missing: [2] })
})

test('threshold inside parameters works the same; a bad threshold is refused before any task exists, naming parameters.threshold', async (t) => {
  const nodes = await threeNodes(t)
  const list = nodes.map(n => n.multiaddrs()[0]!)
  const simon = await new Api(new InProcessInterface(nodes[0]!)).selectMicroservice({ protocol: 'Simon' })
  const task = await simon.create({ microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, parameters: { threshold: 2 } })
  assert.equal(((await task.invite()).parameters as Record<string, unknown>).threshold, 2)
  const before = nodes[0]!.taskCount
  for (const bad of [1, 4, 2.5, '2']) {
    await assert.rejects(simon.create({ microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, threshold: bad }),
      (err: Error & { field?: string }) => err.name === 'InvalidInputError' && err.field === 'parameters.threshold')
  }
  await assert.rejects(simon.create({ microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, threshold: 2, share_timeout: -1 }),
    (err: Error & { field?: string }) => err.name === 'InvalidInputError' && err.field === 'parameters.share_timeout')
  assert.equal(nodes[0]!.taskCount, before)
})

test('mode lean with a threshold through create(): the invitation carries both; a party that never gives its input is left out of the vector sum', async (t) => {
  const nodes = await Promise.all([0, 1, 2, 3].map(async () => SimonNode.create({ listen: ['/ip4/127.0.0.1/tcp/0'], taskTimeoutMs: 10_000, attemptTimeoutMs: 1000 })))
  t.after(async () => { await Promise.all(nodes.map(async n => n.stop())) })
  const list = nodes.map(n => n.multiaddrs()[0]!)
  const simon = await Promise.all(nodes.map(async n => new Api(new InProcessInterface(n)).selectMicroservice({ protocol: 'Simon' })))
  const first = await simon[0]!.create({ microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, parameters: { mode: 'lean', threshold: 3, share_timeout: 0.5 } })
  const invitation = await first.invite()
  assert.deepEqual([(invitation.parameters as Record<string, unknown>).mode, (invitation.parameters as Record<string, unknown>).threshold], ['lean', 3])
  const others = await Promise.all([1, 2, 3].map(async i => simon[i]!.join({ invitation, network: { nodes: list, myself: i } })))
  const tasks = [first, ...others]
  await Promise.all([0, 1, 2].map(async i => tasks[i]!.input({ value: [i, 10 * i, '0.5'] })))
  for (const task of tasks.slice(0, 3)) assert.deepEqual(await task.result(), { inputs: 3, result: { samples: 9, sum: [3, 30, 1.5] } })
})
