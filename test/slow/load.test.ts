/**
 * Load and leaks (slow suite): 1,000 concurrent tasks across 3 nodes; 10,000 sequential sums on
 * one set of nodes with RSS and heap after GC reported; 1,000 abandoned tasks (a party never
 * gives its input) that must expire and give their memory back while the node still serves.
 * Memory figures are printed as test diagnostics.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { SimonNode } from '@simon-p2p/node'
import { createTasks, formatMemory, memoryAfterGc, secureSum, startNodes, taskId, until, type Memory } from '../hardening/support.js'

test('1,000 concurrent tasks across 3 nodes: every party of every task gets its own total (no cross-talk)', { timeout: 300_000 }, async t => {
  const TASKS = 1000
  const nodes = await startNodes(t, 3, { taskTimeoutMs: 240_000, attemptTimeoutMs: 30_000 })
  const started = performance.now()
  const runs = Array.from({ length: TASKS }, (_, i) => {
    const tasks = createTasks(nodes, { id: taskId(`c${i}`) })
    // party k of task i gives i * 1000 + k (and a decimal part that names the task), so a share
    // or partial sum delivered to the wrong task shows in its total
    tasks.forEach((task, k) => task.input(`${i * 1000 + k}.${String(i).padStart(4, '0')}`))
    return tasks
  })
  const results = await Promise.all(runs.map(async tasks => Promise.all(tasks.map(async task => task.result()))))
  const seconds = (performance.now() - started) / 1000
  results.forEach((perParty, i) => {
    const expected = `${3000 * i + 3}.${String(3 * i).padStart(4, '0')}`.replace(/\.?0+$/, '')
    for (const r of perParty) {
      assert.equal(r.inputs, 3)
      assert.equal(r.result.samples, 3)
      assert.equal(String(r.result.sum), expected, `task ${i}`)
    }
  })
  const frames = nodes.map(n => n.stats().framesSent)
  t.diagnostic(`${TASKS} concurrent tasks on 3 nodes in ${seconds.toFixed(1)} s; frames sent per node ${frames.join(', ')} (6 per task without retries)`)
  for (const f of frames) assert.ok(f >= 6 * TASKS)
})

test('10,000 sequential sums on one set of 3 nodes: memory after GC stays flat once finished-task retention is full', { timeout: 900_000 }, async t => {
  const SUMS = 10_000
  const nodes = await startNodes(t, 3, { taskTimeoutMs: 30_000 })
  const readings: Array<{ after: number, memory: Memory }> = []
  const read = async (after: number): Promise<void> => {
    const memory = await memoryAfterGc()
    readings.push({ after, memory })
    t.diagnostic(`after ${after} sums: ${formatMemory(memory)}; tasks kept per node ${nodes.map(n => n.stats().tasks).join(', ')}`)
  }
  await read(0)
  const started = performance.now()
  for (let i = 1; i <= SUMS; i++) {
    const results = await secureSum(nodes, [i, 2 * i, '0.5'])
    if (results.some(r => r.result.sum !== 3 * i + 0.5)) assert.fail(`sum ${i}: ${JSON.stringify(results)}`)
    if (i % 1000 === 0) await read(i)
  }
  const seconds = (performance.now() - started) / 1000
  // from 2,000 sums on, every node holds its full 1,000 finished tasks: what grows after that leaks
  const steady = readings.find(r => r.after === 2000)!.memory
  const end = readings.at(-1)!.memory
  const first = readings[0]!.memory
  t.diagnostic(`${SUMS} sums in ${seconds.toFixed(0)} s (${(1000 * seconds / SUMS).toFixed(1)} ms each)`)
  t.diagnostic(`RSS growth: ${(end.rssMB - first.rssMB).toFixed(1)} MB from the start, ${(end.rssMB - steady.rssMB).toFixed(1)} MB from 2,000 to 10,000 sums; heap growth ${(end.heapMB - first.heapMB).toFixed(1)} MB and ${(end.heapMB - steady.heapMB).toFixed(1)} MB`)
  for (const node of nodes) assert.ok(node.stats().tasks <= 1000 + 3, JSON.stringify(node.stats()))
  assert.ok(end.heapMB - steady.heapMB < 5, `heap ${formatMemory(steady)} -> ${formatMemory(end)}`)
  // what the start-to-end growth is: 3 x 1,000 finished tasks kept for late result() calls
  t.diagnostic(`a finished task kept for result() costs ${(1024 * (steady.heapMB - first.heapMB) / 3000).toFixed(1)} KB of heap`)
  assert.ok(end.heapMB - first.heapMB < 3 * 1000 * 20 / 1024, 'at most 20 KB per finished task kept')
  assert.ok(end.rssMB - steady.rssMB < 32, `RSS ${formatMemory(steady)} -> ${formatMemory(end)}`)
})

test('1,000 abandoned tasks (one party never gives its input) expire everywhere, give their memory back, and the nodes still serve', { timeout: 300_000 }, async t => {
  const TASKS = 1000
  const DEADLINE_MS = 15_000
  // late messages for tasks already forgotten are held (as for a task not created yet) for hold.ms
  const init = { taskTimeoutMs: DEADLINE_MS, idleTaskTtlMs: DEADLINE_MS, finishedTaskTtlMs: 2000, attemptTimeoutMs: 5000, hold: { ms: 2000 } }
  const nodes: SimonNode[] = await startNodes(t, 3, init)
  // a first sum, so that connections and caches exist before the baseline
  for (const r of await secureSum(nodes, [1, 2, 3])) assert.equal(r.result.sum, 6)
  await until(() => nodes.every(n => n.stats().tasks === 0), 'the first task expired', 10_000)
  const baseline = await memoryAfterGc()
  const all = Array.from({ length: TASKS }, () => createTasks(nodes))
  // parties 0 and 1 give their inputs (large vectors, so that what is held is visible); party 2 never does
  const vector = Array.from({ length: 256 }, (_, k) => k + 0.5)
  all.forEach(tasks => { tasks[0]!.input(vector); tasks[1]!.input(vector) })
  const received = nodes[2]!.stats().framesReceived
  await until(() => nodes[2]!.stats().framesReceived - received >= 2 * TASKS, 'party 2 received every share', DEADLINE_MS)
  const loaded = await memoryAfterGc()
  const failures = await Promise.all(all.flatMap(tasks => [tasks[0]!, tasks[1]!]).map(async task => task.result().then(() => 'done', (err: Error) => err.name)))
  const names = new Map<string, number>()
  for (const n of failures) names.set(n, (names.get(n) ?? 0) + 1)
  assert.ok(failures.every(n => n === 'TaskTimeoutError' || n === 'TaskAbortedError'), JSON.stringify([...names]))
  all.splice(0) // the test's own references to the tasks
  await until(() => nodes.every(n => n.stats().tasks === 0 && n.stats().held.messages === 0), 'every abandoned task was forgotten at every node', 60_000)
  const after = await memoryAfterGc()
  t.diagnostic(`${TASKS} abandoned tasks: ${JSON.stringify(Object.fromEntries(names))}; baseline ${formatMemory(baseline)}, loaded ${formatMemory(loaded)}, after expiry ${formatMemory(after)}`)
  assert.ok(loaded.heapMB - baseline.heapMB > 5, 'the abandoned tasks did take memory while they lived')
  assert.ok(after.heapMB - baseline.heapMB < 5, `heap back near the baseline: ${formatMemory(baseline)} -> ${formatMemory(after)}`)
  // the nodes still serve
  for (const r of await secureSum(nodes, [10, 7, 14])) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 31 } })
})
