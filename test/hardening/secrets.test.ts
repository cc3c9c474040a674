/**
 * Secrets: no input, share, partial sum or key appears in the debug logs of a full run (simon:*
 * and libp2p:*, real processes), the byte buffers that held shares are zeroed once used, and
 * KeyValueStorage's delete leaves nothing behind.
 *
 * What cannot be wiped, and is not claimed here: bigints and strings (inputs, shares and sums are
 * bigints inside the state machine; JavaScript has no way to overwrite them), which the machine
 * drops as soon as a round no longer needs them and the garbage collector frees later.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import {
  decodeMessage, resolveParameters, type Reply, type TaskDescriptor
} from '@simon-p2p/core'
import { SecureSumTask, generateIdentity, peerIdOf, saveIdentity, type Party, type SimonNode } from '@simon-p2p/node'
import { Api, InProcessInterface } from '@simon-p2p/api'
import { freePorts } from '../../packages/cli/src/ports.js'
import { Proc, tempDir, writeJson } from '../helpers.js'
import { forms, keyForms, leaks, scaledOf } from '../secret-forms.js'
import { createTasks, nodeList, startNodes, until } from './support.js'

const DEBUG = 'simon:*,libp2p:*'
const INPUTS = ['987654.321987', '123456.789012', '555555.444444']

test('three `simon sum` processes with DEBUG=simon:*,libp2p:*: no input, no form of one, and no key appears in their logs', async t => {
  const dir = await tempDir(t)
  const keys = await Promise.all([0, 1, 2].map(async i => {
    const key = await generateIdentity()
    const path = join(dir, `k${i}.key`)
    await saveIdentity(key, path)
    return { path, peerId: peerIdOf(key) }
  }))
  const ports = await freePorts(3)
  const network = await writeJson(join(dir, 'network.json'), { nodes: keys.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`) })
  const task = randomUUID()
  const procs = INPUTS.map((value, i) => new Proc(['sum', '--key', keys[i]!.path, '--listen', `/ip4/127.0.0.1/tcp/${ports[i]}`,
    '--network', network, '--myself', String(i), '--task', task, '--value', `"${value}"`,
    // a party whose last confirmation lost its reply to a peer that stopped retries it until this deadline
    '--timeout', '10'], { DEBUG }))
  t.after(() => procs.forEach(p => p.kill()))
  const exits = await Promise.all(procs.map(async p => p.exited))
  for (const r of exits) {
    assert.equal(r.code, 0, r.stderr.slice(-2000))
    assert.deepEqual(JSON.parse(r.stdout), { inputs: 3, result: { samples: 3, sum: 1666666.555443 } })
  }
  const log = exits.map(r => r.stderr).join('\n')
  // the logs are real: both namespaces wrote, and they name the task and its steps
  assert.ok(log.split('\n').filter(l => l.includes(' simon:')).length >= 9, 'simon:* lines')
  assert.ok(log.split('\n').filter(l => l.includes(' libp2p:')).length >= 100, 'libp2p:* lines')
  assert.ok(log.includes(task), 'the logs name the task')
  const secrets = [
    ...INPUTS,
    ...INPUTS.map(v => v.replace('.', '')),
    ...INPUTS.flatMap(v => forms(scaledOf(v))),
    ...(await Promise.all(keys.map(async k => keyForms(k.path)))).flat()
  ]
  assert.deepEqual(leaks(log, secrets), [], `${log.length} bytes of logs`)
  t.diagnostic(`${(log.length / 1024).toFixed(0)} KiB of debug logs from 3 processes, ${secrets.length} secret forms searched, none found`)
})

test('three nodes with DEBUG on: no input, share, partial sum or key in the log (every share rebuilt from the recorded randomness)', async t => {
  const dir = await tempDir(t)
  const out = join(dir, 'secrets.json')
  const script = fileURLToPath(new URL('./fixtures/logged-sum.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script, out], { env: { ...process.env, DEBUG }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let log = ''
  let stdout = ''
  child.stderr.on('data', (d: Buffer) => { log += d.toString() })
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  assert.equal(code, 0, log.slice(-2000))
  assert.deepEqual(stdout.trim().split('\n').map(l => JSON.parse(l) as unknown), [
    { inputs: 3, result: { samples: 3, sum: 1666666.555443 } },
    { inputs: 3, result: { samples: 6, sum: [260426.500963, 50868.888628] } }
  ])
  const secrets = JSON.parse(await readFile(out, 'utf8')) as string[]
  // inputs, their fixed-point forms, 2 runs x 3 parties x 3 shares x (1 or 2 values + count), partials, 3 keys
  assert.ok(secrets.length >= 200, `${secrets.length} secret forms`)
  assert.ok(log.split('\n').filter(l => l.includes(' simon:task ')).length >= 6, 'simon:task lines')
  assert.ok(log.split('\n').filter(l => l.includes(' libp2p:')).length >= 50, 'libp2p:* lines')
  assert.deepEqual(leaks(log, secrets), [])
  t.diagnostic(`${(log.length / 1024).toFixed(0)} KiB of debug logs, ${secrets.length} secret forms searched, none found`)
})

test('every outgoing frame (it holds a share or a partial sum) is zeroed once delivered or given up', async () => {
  const peers = ['peer-a', 'peer-b', 'peer-c']
  const descriptor: TaskDescriptor = { taskId: 'zeroing', microprotocol: 'SecureSum', parameters: resolveParameters(undefined, 3), peers }
  const parties = peers.map((peerId, index) => ({ index, peerId, multiaddr: undefined }) as unknown as Party)
  const sent: Array<{ frame: Uint8Array, nonzero: boolean, kind: string }> = []
  const tasks: SecureSumTask[] = []
  for (let myself = 0; myself < 3; myself++) {
    tasks.push(new SecureSumTask({
      descriptor,
      parties,
      myself,
      randomBytes: n => new Uint8Array(Array.from({ length: n }, () => Math.floor(Math.random() * 256))),
      timeoutMs: 5000,
      attemptTimeoutMs: 1000,
      // an in-memory network: decode at the receiver, keep a reference to the sender's buffer
      messenger: async (party, frame): Promise<Reply> => {
        const message = decodeMessage(frame)
        sent.push({ frame, nonzero: frame.some(b => b !== 0), kind: message.kind })
        await new Promise(resolve => setImmediate(resolve))
        return tasks[party.index]!.receive(message, peers[myself]!)
      }
    }))
  }
  tasks.forEach((task, i) => task.input(INPUTS[i]!))
  for (const r of await Promise.all(tasks.map(async task => task.result()))) assert.equal(r.result.sum, 1666666.555443)
  await Promise.all(tasks.map(async task => task.flush()))
  assert.deepEqual([...new Set(sent.map(s => s.kind))].sort(), ['confirm', 'partial', 'share'])
  assert.equal(sent.length, 18)
  assert.ok(sent.every(s => s.nonzero), 'each frame carried data when it was handed over')
  const notZeroed = sent.filter(s => s.frame.some(b => b !== 0))
  assert.deepEqual(notZeroed.map(s => s.kind), [], 'every frame is all zeros now')
  tasks.forEach(task => task.dispose('test over'))
})

test('every inbound frame is zeroed once decoded; the sum is still right', async t => {
  const nodes = await startNodes(t, 3)
  const seen: Array<{ frame: Uint8Array, nonzero: boolean }> = []
  for (const node of nodes) {
    // the node's frame sink (its SecureSum service's), wrapped to keep a reference to each frame it was handed
    const sink = node.secureSum as unknown as { onFrame: (frame: Uint8Array, peer: string) => Reply }
    assert.equal(typeof sink.onFrame, 'function', 'the SecureSum service takes inbound frames in onFrame')
    const onFrame = sink.onFrame.bind(sink)
    sink.onFrame = (frame, peer) => {
      // an empty frame is a sender's ask for its replies: it carries nothing to zero
      if (frame.length > 0) seen.push({ frame, nonzero: frame.some(b => b !== 0) })
      return onFrame(frame, peer)
    }
  }
  const tasks = createTasks(nodes)
  tasks.forEach((task, i) => task.input(INPUTS[i]!))
  for (const r of await Promise.all(tasks.map(async task => task.result()))) assert.equal(r.result.sum, 1666666.555443)
  await Promise.all(tasks.map(async task => task.flush()))
  await until(() => seen.length >= 18, 'all 18 frames arrived')
  assert.ok(seen.every(s => s.nonzero))
  await until(() => seen.every(s => s.frame.every(b => b === 0)), 'every inbound frame is zeroed', 2000)
})

test('KeyValueStorage delete, through the API after a sum, leaves nothing behind: no entry, and the stored copy zeroed', async t => {
  const nodes: SimonNode[] = await startNodes(t, 3)
  const list = nodeList(nodes)
  const apis = nodes.map(node => new Api(new InProcessInterface(node)))
  const stored = new Float64Array([987654.321987, 1])
  const simon = await Promise.all(apis.map(async api => api.selectMicroservice({ protocol: 'Simon' })))
  const kvs = await Promise.all(apis.map(async api => api.selectMicroservice({ microservice: 'KeyValueStorage' })))
  const first = await simon[0]!.create({ microprotocol: 'SecureSum', network: { nodes: list, myself: 0 } })
  const invitation = await first.invite()
  const tasks = [first, ...await Promise.all([1, 2].map(async i => simon[i]!.join({ invitation, network: { nodes: list, myself: i } })))]
  const data = await Promise.all(kvs.map(async (kv, i) => kv.create({ value: i === 0 ? stored : [i, i] })))
  await Promise.all(tasks.map(async (task, i) => task.input({ source: data[i]! })))
  for (const r of await Promise.all(tasks.map(async task => task.result()))) {
    assert.deepEqual(r, { inputs: 3, result: { samples: 6, sum: [987657.321987, 4] } })
  }
  const id = data[0]!.callback as string
  const copy = nodes[0]!.kv.get(id) as Float64Array
  assert.ok(copy instanceof Float64Array && copy !== stored, 'the node keeps its own copy')
  const size = nodes[0]!.kv.size
  await data[0]!.delete()
  assert.equal(nodes[0]!.kv.has(id), false)
  assert.equal(nodes[0]!.kv.get(id), undefined)
  assert.equal(nodes[0]!.kv.size, size - 1)
  assert.deepEqual([...copy], [0, 0], 'the stored copy is zeroed')
  assert.deepEqual([...stored], [987654.321987, 1], 'the caller\'s own array is untouched')
  await assert.rejects(data[0]!.delete(), { name: 'UnknownHandleError' })
})
