/**
 * A listed party aborts the task with a reason full of terminal control sequences (clear the
 * screen, recolour, move the cursor up and fake a result line, reverse the text). That reason
 * reaches the user through an HTTP answer of the gateway (result(), status()) and through the
 * one stderr line of `simon sum` (a real process, ended by PID): neither ever carries one of its
 * control characters raw; each shows as a visible escape.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { generateIdentity, peerIdOf, saveIdentity, type SecureSumTask } from '@simon-p2p/node'
import { freePorts } from '../../packages/cli/src/ports.js'
import { Proc, tempDir, writeJson } from '../helpers.js'
import { nodeList, startNodes } from '../hardening/support.js'
import { gatewayFor, HOSTILE_REASON, raw, RAW_CONTROL, simonHandle } from './support.js'

/** Abort `task` with the hostile reason once the party at `from` has sent it a share (so its task exists). */
function abortOnFirstShare (task: SecureSumTask, from: number): void {
  let done = false
  task.onProgress((e) => {
    if (done || e.event !== 'received' || e.from !== from) return
    done = true
    task.cancel(HOSTILE_REASON)
  })
}

function assertEscaped (text: string, what: string): void {
  assert.ok(!RAW_CONTROL.test(text), `${what} holds a raw control character: ${JSON.stringify(text)}`)
  assert.ok(text.includes('\\x1b[2J') && text.includes('\\x9b1A') && text.includes('\\u202e'), `${what} shows the escapes: ${text}`)
}

test('gateway: an abort reason with control characters reaches result() and status() answers escaped', async (t) => {
  const [self, hostile] = await startNodes(t, 2)
  const gateway = await gatewayFor(t, self!)
  const simon = await simonHandle(gateway)
  const nodes = nodeList([self!, hostile!])
  const created = await raw(gateway.url, 'POST', {}, { handle: simon, function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes: [gateway.url, nodes[1]], myself: 0 } } })
  assert.equal(created.status, 201, created.text)
  const id = (created.body as { callback: string }).callback
  abortOnFirstShare(hostile!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes, myself: 1 } }), 0)
  assert.equal((await raw(gateway.url, 'POST', {}, { handle: simon, function: 'input', callback: id, parameters: { value: 1 } })).status, 204)

  const result = await raw(gateway.url, 'POST', {}, { handle: simon, function: 'result', callback: id })
  assert.equal(result.status, 409, result.text)
  assert.equal((result.body as { cause: string }).cause, 'ABORTED')
  // neither the bytes of the answer nor the message a client parses out of it (JSON's own \u001b escapes decode to raw ones)
  assert.ok(!RAW_CONTROL.test(result.text), result.text)
  assertEscaped((result.body as { message: string }).message, 'result() message')

  const status = await raw(gateway.url, 'POST', {}, { handle: simon, function: 'status', callback: id })
  assert.equal(status.status, 200, status.text)
  assert.ok(!RAW_CONTROL.test(status.text), status.text)
  assertEscaped((status.body as { error: { message: string } }).error.message, 'status() error message')
})

test('simon sum: an abort reason with control characters reaches stderr as one escaped line', async (t) => {
  const dir = await tempDir(t)
  const key = await generateIdentity()
  const keyPath = join(dir, 'party0.key')
  await saveIdentity(key, keyPath)
  const [hostile] = await startNodes(t, 1)
  const [port] = await freePorts(1)
  const nodes = [`/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdOf(key)}`, nodeList([hostile!])[0]!]
  const network = await writeJson(join(dir, 'network.json'), { nodes })
  const task = randomUUID()
  abortOnFirstShare(hostile!.createTask({ taskId: task, microprotocol: 'SecureSum', network: { nodes, myself: 1 } }), 0)
  const party = new Proc(['sum', '--key', keyPath, '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--network', network, '--myself', '0', '--task', task, '--value', '1', '--timeout', '20'])
  t.after(() => party.kill())
  const r = await party.exited
  assert.equal(r.code, 1, r.stderr)
  assert.equal(r.stdout, '')
  assert.ok(r.stderr.endsWith('\n'))
  const line = r.stderr.slice(0, -1)
  assert.ok(!line.includes('\n'), `one line: ${JSON.stringify(r.stderr)}`)
  assert.match(line, /^simon sum: TaskAbortedError: party 1 aborted the task: /)
  assertEscaped(line, 'the stderr line')
  t.diagnostic(line)
})
