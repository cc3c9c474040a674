/**
 * log.ts, the json log format, over real libp2p nodes on 127.0.0.1: every line is one JSON
 * object; task lines carry the task id, step, party index (and the error code of a failure);
 * the simon:* debug lines DEBUG enables come as JSON too; no input appears in any line.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { enable, disable } from '@libp2p/logger'
import { SimonNode } from '@simon-p2p/node'
import { jsonComponentLogger, jsonLog, taskLog } from '../src/log.js'
import { createTasks, FAST, LOOPBACK, LOOPBACK_PARTIES } from '../../node/test/helpers.js'

interface Line { level: string, time: string, msg: string, component?: string, task?: string, step?: string, party?: number, code?: string, missing?: number[] }

test('json lines: created, each step and done with task id, step and party; a timeout with its code and the missing parties; debug lines as JSON', async t => {
  enable('simon:*')
  t.after(() => disable())
  const written: string[] = []
  const log = jsonLog({ write: (s: string) => { written.push(s) } })
  const nodes = await Promise.all([0, 1, 2].map(async () => SimonNode.create({ listen: [LOOPBACK], ...LOOPBACK_PARTIES, ...FAST, logger: jsonComponentLogger(log) })))
  t.after(async () => { await Promise.all(nodes.map(async n => n.stop())) })
  nodes.forEach(node => node.secureSum.observe(taskLog(log)))
  const inputs = ['987654.321987', '123456.789012', '555555.444444']
  const tasks = createTasks(nodes)
  tasks.forEach((task, i) => task.input(inputs[i]!))
  await Promise.all(tasks.map(async task => task.result()))
  const [failing] = createTasks(nodes, { timeoutMs: 300 })
  failing!.input(1)
  await assert.rejects(failing!.result(), { name: 'TaskTimeoutError' })

  const lines = written.join('').split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Line)
  assert.equal(lines.length, written.join('').split('\n').filter(l => l !== '').length)
  for (const line of lines) {
    assert.equal(typeof line.msg, 'string')
    assert.ok(!Number.isNaN(Date.parse(line.time)), line.time)
  }
  const id = tasks[0]!.id
  for (const party of [0, 1, 2]) {
    const own = lines.filter(l => l.task === id && l.party === party)
    assert.deepEqual(own.map(l => l.msg).filter(m => m !== 'task step').slice(0, 1), ['task created'])
    assert.ok(own.some(l => l.msg === 'task step' && typeof l.step === 'string'), JSON.stringify(own))
    assert.ok(own.some(l => l.msg === 'task done' && l.step === 'done' && l.level === 'info'), JSON.stringify(own))
  }
  const failed = lines.find(l => l.task === failing!.id && l.msg === 'task failed')
  assert.ok(failed !== undefined)
  assert.equal(failed.level, 'warn')
  assert.equal(failed.code, 'TIMEOUT')
  assert.equal(failed.party, 0)
  assert.deepEqual(failed.missing, [1, 2])
  assert.ok(lines.some(l => l.component === 'simon:node' && l.level === 'debug'), 'the simon:* debug lines DEBUG enables, as JSON')
  const text = written.join('')
  for (const input of inputs) for (const form of [input, input.replace('.', '')]) assert.ok(!text.includes(form), `no ${form}`)
})
