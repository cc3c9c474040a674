/**
 * A listed party that deviates from the protocol in the way it sends (duplicates, reorders,
 * replays into another task, drops, equivocates partial sums), against every mode, over real
 * libp2p nodes. Each test passes only when the attack fails: honest parties get the exact sum,
 * or fail with an error that names the deviating party, and never finish with different totals.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { SecureSumResult } from '@simon-p2p/core'
import type { SecureSumTask } from '@simon-p2p/node'
import { createTasks, startNodes } from '../../packages/node/test/helpers.js'
import { deviate, drop, duplicate, record, reversed, rewrite } from './harness.js'

const MODES: Array<{ name: string, parameters: Record<string, unknown>, input: (i: number) => number | number[] }> = [
  { name: 'full mesh', parameters: { mode: 'mesh' }, input: i => 10 + i },
  { name: 'lean tree', parameters: { mode: 'lean' }, input: i => [i, 2 * i, 3] },
  { name: 'lean ring', parameters: { mode: 'lean', profile: 'fast' }, input: i => Array.from({ length: 5000 }, (_, k) => (k % 7) + i) },
  { name: 'threshold', parameters: { threshold: 3, share_timeout: 1 }, input: i => 10 + i }
]

function plainSum (values: Array<number | number[]>): unknown {
  const first = values[0]!
  if (typeof first === 'number') return (values as number[]).reduce((a, b) => a + b, 0)
  return first.map((_, k) => (values as number[][]).reduce((a, v) => a + v[k]!, 0))
}

/** What a correct sum of these inputs gives (the fast profile's vector sums are arrays of numbers). */
function expected (values: Array<number | number[]>): SecureSumResult {
  const samples = values.reduce<number>((s, v) => s + (typeof v === 'number' ? 1 : v.length), 0)
  return { inputs: values.length, result: { samples, sum: plainSum(values) as number } }
}

async function outcomes (tasks: readonly SecureSumTask[]): Promise<Array<SecureSumResult | (Error & { code?: string, party?: number })>> {
  return Promise.all(tasks.map(async task => task.result().catch((e: unknown) => e as Error)))
}

describe('a deviating sender, in every mode: the sum completes or names it', () => {
  for (const mode of MODES) {
    test(`${mode.name}: a party that sends every message three times, each batch in reverse order: the exact sum at every party`, async t => {
      const nodes = await startNodes(t, 4)
      const tasks = createTasks(nodes, { parameters: mode.parameters })
      deviate(tasks[1]!, reversed, duplicate(['share', 'partial', 'confirm', 'propose', 'commit', 'set-partial', 'lean-nonces', 'lean-data', 'lean-confirm'], 3))
      const values = tasks.map((_, i) => mode.input(i))
      tasks.forEach((task, i) => task.input(values[i]!))
      const results = await outcomes(tasks)
      for (const r of results) assert.deepEqual(r, expected(values))
    })

    test(`${mode.name}: a party of another task that replays its messages into this one (with this task's id) changes nothing here`, async t => {
      const nodes = await startNodes(t, 5)
      const target = createTasks(nodes.slice(0, 4), { parameters: mode.parameters })
      // party 3 of `other` is node 4, on no list of `target`: it sends each of its messages of
      // `other` to the same index in `target` as well, relabelled with target's task id
      const other = createTasks([...nodes.slice(0, 3), nodes[4]!], { parameters: mode.parameters })
      deviate(other[3]!, o => [o, { to: o.to, message: { ...o.message, taskId: target[0]!.id } }])
      const values = target.map((_, i) => mode.input(i))
      other.forEach((task, i) => task.input(values[i]!))
      target.forEach((task, i) => task.input(values[i]!))
      for (const r of await outcomes(target)) assert.deepEqual(r, expected(values))
      for (const r of await outcomes(other)) assert.deepEqual(r, expected(values))
    })
  }

  test('full mesh: a party that tells one party another partial sum: every party fails, and none finishes with a total', async t => {
    const nodes = await startNodes(t, 3)
    const tasks = createTasks(nodes, { parameters: { mode: 'mesh' } })
    deviate(tasks[2]!, rewrite(o => o.message.kind === 'partial' && o.to === 0, o => {
      const m = o.message as Extract<typeof o.message, { kind: 'partial' }>
      return { to: o.to, message: { ...m, elements: m.elements.map((x, k) => (k === 0 ? x + 1n : x)) } }
    }))
    tasks.forEach((task, i) => task.input(10 + i))
    const results = await outcomes(tasks)
    for (const r of results.slice(0, 2)) {
      assert.ok(r instanceof Error && r.code === 'RESULT_MISMATCH', String(r))
    }
  })

  test('lean ring: a party that drops its data frames: nobody finishes, and every party fails with a timeout, its own or relayed', async t => {
    const nodes = await startNodes(t, 3, { taskTimeoutMs: 1500, attemptTimeoutMs: 500 })
    const tasks = createTasks(nodes, { parameters: { mode: 'lean', profile: 'fast' } })
    const sent = record(tasks[1]!)
    deviate(tasks[1]!, drop(['lean-data']))
    tasks.forEach((task, i) => task.input(Array.from({ length: 5000 }, (_, k) => k + i)))
    const results = await outcomes(tasks)
    assert.ok(sent.some(o => o.message.kind === 'lean-data'), 'party 1 had data to send')
    for (const r of results) {
      const e = r as Error & { code?: string, remoteCode?: string }
      assert.ok(r instanceof Error && (e.code === 'TIMEOUT' || (e.code === 'ABORTED' && e.remoteCode === 'TIMEOUT')), String(r))
    }
  })

  test('lean tree: a party that hands its child a wrong total: nobody finishes with a total other than the true one, and the tags name a mismatch', async t => {
    const nodes = await startNodes(t, 4)
    const tasks = createTasks(nodes, { parameters: { mode: 'lean' } })
    // party 1's child in the tree is party 3: the total it hands down is off by one in its first element
    deviate(tasks[1]!, rewrite(o => o.message.kind === 'lean-data' && o.message.phase === 'gather' && o.to === 3, o => {
      const m = o.message as Extract<typeof o.message, { kind: 'lean-data' }>
      return { to: o.to, message: { ...m, elements: (m.elements as bigint[]).map((x, k) => (k === 0 ? x + 1n : x)) } }
    }))
    const values = tasks.map((_, i) => [i, 2 * i, 3])
    tasks.forEach((task, i) => task.input(values[i]!))
    const results = await outcomes(tasks)
    for (const r of results) if (!(r instanceof Error)) assert.deepEqual(r, expected(values))
    assert.ok(results.some(r => r instanceof Error && r.code === 'RESULT_MISMATCH'), results.map(String).join(' | '))
    assert.ok(results[3] instanceof Error, 'the party handed the wrong total does not finish')
  })
})
