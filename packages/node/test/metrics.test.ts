/**
 * nodeMetrics over real libp2p nodes (TCP, Noise, Yamux on 127.0.0.1): a sum is counted by
 * microprotocol, mode and outcome, with its duration, its bytes, its step and its parties; a
 * failure is counted under its error code; no label or value carries a task id or an input.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { nodeMetrics } from '@simon-p2p/node'
import { createTasks, sample, startNodes, taskId, until } from './helpers.js'

test('a sum of three is counted at every node: outcome ok, its duration, its bytes, step done, two parties connected; no task id or input in the text', async t => {
  const nodes = await startNodes(t, 3)
  const registries = nodes.map(() => new Registry())
  const stops = nodes.map((node, i) => nodeMetrics(node, registries[i]!))
  const id = taskId('metrics')
  const tasks = createTasks(nodes, { id })
  const inputs = ['987654.321987', '123456.789012', '555555.444444']
  tasks.forEach((task, i) => task.input(inputs[i]!))
  await Promise.all(tasks.map(async task => task.result()))
  for (const [i, registry] of registries.entries()) {
    const text = await registry.metrics()
    const mode = tasks[i]!.mode
    assert.ok(mode === 'mesh' || mode === 'lean', mode)
    const labels = `microprotocol="SecureSum",mode="${mode}",outcome="ok"`
    assert.equal(sample(text, 'simon_sums_total', labels), 1, text)
    assert.equal(sample(text, 'simon_sum_duration_seconds_count', labels), 1)
    assert.ok(sample(text, 'simon_sum_duration_seconds_sum', labels)! > 0)
    assert.equal(sample(text, 'simon_tasks_created_total', 'microprotocol="SecureSum"'), 1)
    assert.ok(sample(text, 'simon_protocol_bytes_total', 'protocol="/simon-p2p/securesum/1.0.0",direction="sent"')! > 0)
    assert.ok(sample(text, 'simon_protocol_bytes_total', 'protocol="/simon-p2p/securesum/1.0.0",direction="received"')! > 0)
    assert.equal(sample(text, 'simon_tasks', 'step="done"'), 1)
    assert.equal(sample(text, 'simon_connected_parties'), 2)
    assert.equal(sample(text, 'simon_held_messages'), 0)
    assert.ok(!text.includes(id), 'no task id')
    for (const input of inputs) for (const form of [input, input.replace('.', '')]) assert.ok(!text.includes(form), `no ${form}`)
  }
  stops.forEach(stop => stop())
})

test('a sum that times out is counted under its error code, and an observer that stopped counts no more', async t => {
  const nodes = await startNodes(t, 3)
  const registry = new Registry()
  const stop = nodeMetrics(nodes[0]!, registry)
  const [task] = createTasks(nodes, { timeoutMs: 300 })
  task!.input(1) // the others never give theirs
  await assert.rejects(task!.result(), { name: 'TaskTimeoutError' })
  const text = await registry.metrics()
  assert.equal(sample(text, 'simon_sums_total', `microprotocol="SecureSum",mode="${task!.mode}",outcome="TIMEOUT"`), 1, text)
  assert.equal(sample(text, 'simon_tasks', 'step="failed"'), 1)
  stop()
  const [later] = createTasks(nodes, { timeoutMs: 300 })
  later!.input(1)
  await assert.rejects(later!.result(), { name: 'TaskTimeoutError' })
  await until(() => later!.finished, 'the second task failed')
  assert.equal(sample(await registry.metrics(), 'simon_sums_total', `microprotocol="SecureSum",mode="${task!.mode}",outcome="TIMEOUT"`), 1)
})
