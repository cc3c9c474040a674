/**
 * What bounds a node's memory over time: a task that never gets an input here is cancelled and
 * forgotten after idleTaskTtlMs (the others are told at once, naming this party); finished tasks
 * stay for late result() calls only up to finishedTaskTtlMs and maxFinishedTasks.
 * (The same at scale, with memory figures: test/slow/load.test.ts.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SimonNode } from '@simon-p2p/node'
import { createTasks, secureSum, startNodes, until } from './support.js'

const SLACK_MS = 3000

test('a task that never gets an input here is cancelled at idleTaskTtlMs; the others fail at once with TaskAbortedError naming it', async t => {
  const IDLE_MS = 500
  const [idle] = await startNodes(t, 1, { idleTaskTtlMs: IDLE_MS })
  const others = await startNodes(t, 2, { taskTimeoutMs: 60_000 })
  const tasks = createTasks([idle!, ...others])
  const started = Date.now()
  tasks[1]!.input(1)
  tasks[2]!.input(2)
  for (const task of [tasks[1]!, tasks[2]!]) {
    await assert.rejects(task.result(), (err: Error & { party?: number }) => {
      assert.equal(err.name, 'TaskAbortedError')
      assert.equal(err.party, 0)
      assert.match(err.message, /no input at this party within 0\.5 s/)
      return true
    })
  }
  const elapsed = Date.now() - started
  assert.ok(elapsed >= IDLE_MS - 50 && elapsed < IDLE_MS + SLACK_MS, `the others failed after ${elapsed} ms, not at their 60 s deadline`)
  assert.equal(idle!.getTask(tasks[0]!.id), undefined, 'the idle task is forgotten')
  assert.equal(idle!.stats().tasks, 0)
  assert.equal(idle!.isAllowed(others[0]!.peerId), false, 'and its parties are no longer admitted')
  // a task that does get its input in time is not touched by the idle timer
  const busy = createTasks([idle!, ...others])
  busy.forEach((task, i) => task.input(10 * i))
  await new Promise(resolve => setTimeout(resolve, IDLE_MS + 200))
  for (const r of await Promise.all(busy.map(async task => task.result()))) assert.equal(r.result.sum, 30)
  assert.ok(idle!.getTask(busy[0]!.id) !== undefined, 'a finished task stays for late result() calls')
})

test('finished tasks are kept at most maxFinishedTasks; the oldest go first, the newest still answer result()', async t => {
  const MAX = 5
  const nodes = await startNodes(t, 3, { maxFinishedTasks: MAX })
  const ids: string[] = []
  for (let i = 0; i < 3 * MAX; i++) {
    const tasks = createTasks(nodes)
    ids.push(tasks[0]!.id)
    tasks.forEach((task, k) => task.input(i + k))
    await Promise.all(tasks.map(async task => task.result()))
    await Promise.all(tasks.map(async task => task.flush()))
  }
  // the bound may be exceeded only by tasks still delivering their last confirmation
  await until(() => nodes.every(n => n.stats().finishedTasks <= MAX), 'every node keeps at most MAX finished tasks', SLACK_MS)
  for (const node of nodes) {
    assert.ok(node.stats().tasks <= MAX, JSON.stringify(node.stats()))
    for (const id of ids.slice(0, MAX)) assert.equal(node.getTask(id), undefined, `old task ${id} forgotten`)
  }
  const newest = nodes[0]!.getTask(ids.at(-1)!)
  assert.ok(newest !== undefined)
  assert.equal((await newest.result()).result.sum, 3 * (3 * MAX - 1) + 3)
})

test('finished tasks are forgotten after finishedTaskTtlMs', async t => {
  const TTL_MS = 300
  const nodes = await startNodes(t, 3, { finishedTaskTtlMs: TTL_MS })
  for (const r of await secureSum(nodes, [1, 2, 3])) assert.equal(r.result.sum, 6)
  const done = Date.now()
  await until(() => nodes.every(n => n.stats().tasks === 0), 'every node forgot the finished task', TTL_MS + SLACK_MS)
  assert.ok(Date.now() - done >= TTL_MS - 50, 'not before the TTL')
})

test('bad expiry options are refused, naming the option', async () => {
  for (const [init, field] of [
    [{ idleTaskTtlMs: 0 }, 'idleTaskTtlMs'],
    [{ idleTaskTtlMs: NaN }, 'idleTaskTtlMs'],
    [{ finishedTaskTtlMs: -1 }, 'finishedTaskTtlMs'],
    [{ maxFinishedTasks: 1.5 }, 'maxFinishedTasks'],
    [{ maxFinishedTasks: -1 }, 'maxFinishedTasks']
  ] as const) {
    await assert.rejects(SimonNode.create({ listen: ['/ip4/127.0.0.1/tcp/0'], ...init }), { name: 'InvalidInputError', field })
  }
})
