/**
 * Lean mode with a threshold over real libp2p nodes (TCP + Noise + Yamux on 127.0.0.1), in one
 * process: all up, and a node stopped in the middle of the task (after its masked vector went to
 * its holders, and as a holder before the input set is agreed).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { SecureSumTask, TaskProgress } from '@simon-p2p/node'
import { createTasks, startNodes, until } from './helpers.js'

const LENGTH = 2000
const inputOf = (i: number): Float64Array => Float64Array.from({ length: LENGTH }, (_, k) => ((i * 7919 + k * 31) % 2001) - 1000)
function sumOver (parties: readonly number[]): number[] {
  return Array.from({ length: LENGTH }, (_, k) => parties.reduce((s, i) => s + inputOf(i)[k]!, 0))
}

function recordProgress (task: SecureSumTask): TaskProgress[] {
  const events: TaskProgress[] = []
  task.onProgress(e => events.push(e))
  return events
}

const PARAMETERS = { mode: 'lean', threshold: 4, share_timeout: 2, profile: 'fast' }

describe('lean mode with a threshold over libp2p', () => {
  test('6 parties, t = 4, all up: the exact sum at every party', async (t) => {
    const nodes = await startNodes(t, 6)
    const tasks = createTasks(nodes, { parameters: PARAMETERS })
    tasks.forEach((task, i) => task.input(inputOf(i)))
    for (const r of await Promise.all(tasks.map(async task => task.result()))) {
      assert.equal(r.inputs, 6)
      assert.deepEqual([...(r.result.sum as Float64Array)], sumOver([0, 1, 2, 3, 4, 5]))
      assert.equal(r.result.samples, 6 * LENGTH)
    }
  })

  test('a node stopped once its masked frames reached its holders, and one stopped while collecting: the 4 others finish over the agreed set', async (t) => {
    const nodes = await startNodes(t, 6)
    const tasks = createTasks(nodes, { parameters: PARAMETERS })
    const sent = recordProgress(tasks[1]!)
    const collecting = recordProgress(tasks[3]!)
    tasks.forEach((task, i) => task.input(inputOf(i)))
    // party 1 stops as soon as its masked frames were taken by their holders
    const stopOne = until(() => sent.filter(e => e.event === 'delivered' && e.kind === 'lean-data').length >= 2, 'party 1 delivered its masked frames', 10000)
      .then(async () => nodes[1]!.stop())
    // party 3, a holder (not of a segment party 1 holds), stops once it has taken a masked frame, before the input set is agreed
    const stopFour = until(() => collecting.some(e => e.event === 'received' && e.kind === 'lean-data'), 'party 3 took a masked frame', 10000)
      .then(async () => nodes[3]!.stop())
    const survivors = [0, 2, 4, 5]
    const results = await Promise.all(survivors.map(async i => tasks[i]!.result()))
    await Promise.all([stopOne, stopFour])
    const agreed = tasks[0]!.status().agreement!.inputs
    assert.ok(agreed.length >= 4 && survivors.every(i => agreed.includes(i)), `agreed ${agreed.join(',')}`)
    for (const r of results) {
      assert.equal(r.inputs, agreed.length)
      assert.deepEqual([...(r.result.sum as Float64Array)], sumOver(agreed))
    }
  })
})
