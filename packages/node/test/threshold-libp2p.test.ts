/**
 * Threshold mode over real libp2p nodes (TCP + Noise + Yamux on 127.0.0.1), in one process:
 * parties that never arrive, parties that stop after their shares went out, fewer than t, and a
 * task timeout shorter than the sharing schedule.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { SecureSumTask, TaskProgress } from '@simon-p2p/node'
import { createTasks, rejection, startNodes, until } from './helpers.js'

/** Allowed lateness of a deadline: the timer, the abort and the event loop on a busy 2-core machine. */
const SLACK_MS = 1500
const VALUES = [10, 7, 14, 3, 100]
const sumOf = (indices: number[]): number => indices.reduce((s, i) => s + VALUES[i]!, 0)

function recordProgress (task: SecureSumTask): TaskProgress[] {
  const events: TaskProgress[] = []
  task.onProgress(e => events.push(e))
  return events
}

describe('threshold mode over libp2p', () => {
  test('5 parties, t = 3, all up: the exact sum at every party, with the steps reported in order', async (t) => {
    const nodes = await startNodes(t, 5)
    const tasks = createTasks(nodes, { parameters: { threshold: 3, share_timeout: 5 } })
    const events = recordProgress(tasks[0]!)
    tasks.forEach((task, i) => task.input(VALUES[i]!))
    for (const r of await Promise.all(tasks.map(async task => task.result()))) {
      assert.deepEqual(r, { inputs: 5, result: { samples: 5, sum: sumOf([0, 1, 2, 3, 4]) } })
    }
    const steps = events.filter(e => e.event === 'step').map(e => (e as { step: string }).step)
    assert.deepEqual(steps, ['share', 'propose', 'commit', 'partial', 'confirm', 'done'].filter(s => steps.includes(s)))
    assert.deepEqual(steps.slice(0, 1), ['share'])
    assert.equal(steps.at(-1), 'done')
    const shareDeliveries = events.filter(e => e.event === 'delivered' && e.kind === 'share').map(e => (e as { to: number }).to)
    assert.deepEqual(shareDeliveries.sort(), [1, 2, 3, 4])
  })

  test('vectors, element-wise', async (t) => {
    const nodes = await startNodes(t, 4)
    const tasks = createTasks(nodes, { parameters: { threshold: 3, share_timeout: 5 } })
    const inputs = [[1, '2.5'], [3, -1], [0, 0], ['10', 0.5]]
    tasks.forEach((task, i) => task.input(inputs[i]!))
    for (const r of await Promise.all(tasks.map(async task => task.result()))) {
      assert.deepEqual(r, { inputs: 4, result: { samples: 8, sum: [14, 2] } })
    }
  })

  test('a party that never arrives is left out: the others get the sum of the 4 within the sharing schedule', async (t) => {
    const nodes = await startNodes(t, 5)
    const shareTimeout = 1
    const tasks = createTasks(nodes.slice(0, 4).concat(nodes[4]!), { parameters: { threshold: 3, share_timeout: shareTimeout } })
    const started = performance.now()
    tasks.slice(0, 4).forEach((task, i) => task.input(VALUES[i]!))
    for (const r of await Promise.all(tasks.slice(0, 4).map(async task => task.result()))) {
      assert.deepEqual(r, { inputs: 4, result: { samples: 4, sum: sumOf([0, 1, 2, 3]) } })
    }
    // the sharing deadline and the proposal window, then a few round trips
    const ms = performance.now() - started
    assert.ok(ms < 2 * shareTimeout * 1000 + SLACK_MS, `took ${ms} ms`)
  })

  test('a node stopped right after its shares went out: the others finish, and its input counts', async (t) => {
    const nodes = await startNodes(t, 5)
    const tasks = createTasks(nodes, { parameters: { threshold: 3, share_timeout: 2 } })
    const events = recordProgress(tasks[1]!)
    tasks.forEach((task, i) => { if (i !== 1) task.input(VALUES[i]!) })
    // party 1 shares and is stopped as soon as the other four took its shares
    tasks[1]!.input(VALUES[1]!)
    await until(() => events.filter(e => e.event === 'delivered' && e.kind === 'share').length === 4, 'party 1 delivered its shares', 5000)
    await nodes[1]!.stop()
    const survivors = [0, 2, 3, 4]
    for (const r of await Promise.all(survivors.map(async i => tasks[i]!.result()))) {
      assert.deepEqual(r, { inputs: 5, result: { samples: 5, sum: sumOf([0, 1, 2, 3, 4]) } })
    }
  })

  test('fewer than t parties: every one that is up fails within its deadline, naming the missing parties and the step', async (t) => {
    const nodes = await startNodes(t, 5)
    const timeoutMs = 2000
    const tasks = createTasks(nodes, { parameters: { threshold: 3, share_timeout: 0.5 }, timeoutMs })
    const started = performance.now()
    tasks[3]!.input(1)
    tasks[4]!.input(2)
    for (const i of [3, 4]) {
      const { error, ms } = await rejection(tasks[i]!.result())
      assert.equal(error.name, 'TaskTimeoutError')
      assert.equal(error.step, 'share')
      assert.deepEqual(error.missing, [0, 1, 2])
      assert.ok(performance.now() - started < timeoutMs + SLACK_MS, `party ${i} failed after ${ms} ms`)
    }
  })

  test('a task timeout shorter than the sharing schedule does not kill a task that can still finish', async (t) => {
    const nodes = await startNodes(t, 5)
    // 1 s task timeout, but party 4 never arrives: the others wait 2 s for shares, then 2 s for proposals
    const tasks = createTasks(nodes, { parameters: { threshold: 3, share_timeout: 2 }, timeoutMs: 1000 })
    tasks.slice(0, 4).forEach((task, i) => task.input(VALUES[i]!))
    for (const r of await Promise.all(tasks.slice(0, 4).map(async task => task.result()))) {
      assert.deepEqual(r, { inputs: 4, result: { samples: 4, sum: sumOf([0, 1, 2, 3]) } })
    }
  })

  test('the threshold is part of the task: a party with another threshold fails the task, naming the difference', async (t) => {
    const nodes = await startNodes(t, 3)
    const [a, b, c] = createTasks(nodes, { parameters: { threshold: 2, share_timeout: 1 } })
    // party 2 holds the same task id with t = 3, the full mesh: its description differs
    nodes[2]!.deleteTask(c!.id)
    const c3 = nodes[2]!.createTask({ taskId: a!.id, microprotocol: 'SecureSum', parameters: { threshold: 3 }, network: { nodes: a!.parties.map(p => p.multiaddr.toString()), myself: 2 } })
    a!.input(1)
    b!.input(2)
    c3.input(3)
    const { error } = await rejection(c3.result())
    assert.equal(error.name, 'DigestMismatchError')
    assert.match(error.message, /parameters\.threshold: undefined here, 2 at party [01]/)
    await until(() => a!.finished && b!.finished, 'the others heard of it', 5000)
  })
})
