/**
 * Mode poisoning: in mode auto a task settles on the full mesh or lean mode from its input's size,
 * or from the first message it takes. A peer the victim admits for another task sends frames of the
 * other mode for the target task (lean frames to a task that will run the mesh, a mesh share to one
 * that will run lean mode), before the target task exists at the victim (held, then judged when it
 * is created) and after. Each is refused, the mode is still unsettled, and the sum completes at
 * every party in the mode its inputs call for. A held frame a listed party got wrong is refused
 * when the task is created and takes nothing from that party's real message.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  canonicalDescriptor, encodeMessage, resolveParameters, taskDigest, type TaskDescriptor, type WireMessage
} from '@simon-p2p/core'
import type { SecureSumTask, SimonNode } from '@simon-p2p/node'
import { nodeList, RawStream, startNodes, taskId } from '../hardening/support.js'
import { defaultWidth, shareFrame } from './victim.js'

function modeOf (task: SecureSumTask): string | undefined {
  return (task as unknown as { machine: { mode?: string } }).machine.mode
}

/** The target task as its parties describe it, so that mallory's frames carry its very digest and description. */
function describe (id: string, nodes: readonly SimonNode[]): TaskDescriptor {
  return { taskId: id, microprotocol: 'SecureSum', parameters: resolveParameters({}, nodes.length), peers: nodes.map(n => n.peerId) }
}

function leanFrames (d: TaskDescriptor, from: number): Uint8Array[] {
  const header = { taskId: d.taskId, digest: taskDigest(d), from }
  const nonces: WireMessage = {
    kind: 'lean-nonces', ...header, pass: 'collect', topology: 'ring', descriptor: canonicalDescriptor(d),
    entries: [{ party: from, nonce: new Uint8Array(randomBytes(16)), shape: 'vector', length: 1 << 16, publicKey: new Uint8Array(randomBytes(32)), signature: new Uint8Array(randomBytes(64)) }]
  }
  const data: WireMessage = { kind: 'lean-data', ...header, phase: 'reduce', step: 0, frame: 0, elements: new Float64Array(16) }
  return [encodeMessage(nonces, defaultWidth(2)), encodeMessage(data, defaultWidth(2))]
}

function meshShare (d: TaskDescriptor, from: number, length: number): Uint8Array {
  const m: WireMessage = {
    kind: 'share', taskId: d.taskId, digest: taskDigest(d), from, shape: 'vector', descriptor: canonicalDescriptor(d),
    elements: Array.from({ length: length + 1 }, (_, k) => BigInt(k))
  }
  return encodeMessage(m, defaultWidth(2))
}

function create (node: SimonNode, id: string, nodes: readonly SimonNode[]): SecureSumTask {
  return node.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: nodeList(nodes), myself: nodes.indexOf(node) }, timeoutMs: 30_000 })
}

test('lean frames from a peer admitted for another task, before and after the target task exists: refused, the mode unsettled, the mesh sum completes', { timeout: 120_000 }, async t => {
  const [victim, party, mallory] = await startNodes(t, 3, { taskTimeoutMs: 30_000 })
  victim!.createTask({ taskId: taskId('bait'), microprotocol: 'SecureSum', network: { nodes: nodeList([victim!, mallory!]), myself: 0 } })
  const pair = [victim!, party!]
  const raw = await RawStream.open(mallory!.libp2p, victim!)

  // before: held raw at the victim (mallory is admitted there), judged when the task is created
  const before = taskId('poison-before')
  const heldBefore = victim!.stats().held.messages
  for (const frame of leanFrames(describe(before, pair), 1)) assert.equal((await raw.exchange(frame)).code, 'HELD')
  assert.equal(victim!.stats().held.messages, heldBefore + 2)
  const [v1, p1] = pair.map(node => create(node, before, pair))
  assert.equal(victim!.stats().held.messages, heldBefore, 'the held frames were taken, and refused')
  assert.equal(modeOf(v1!), undefined, 'no mode settled by them')
  assert.equal(v1!.step, 'input')

  // after: refused at once
  const after = taskId('poison-after')
  const [v2, p2] = pair.map(node => create(node, after, pair))
  for (const frame of leanFrames(describe(after, pair), 1)) {
    const reply = await raw.exchange(frame)
    assert.deepEqual([reply.status, reply.code], ['refused', 'PROTOCOL_VIOLATION'], reply.message)
  }
  assert.equal(modeOf(v2!), undefined)

  // scalars: both sums run the full mesh and complete at every party
  v1!.input(1); p1!.input(2); v2!.input(30); p2!.input(40)
  for (const r of await Promise.all([v1, p1].map(async task => task!.result()))) assert.deepEqual(r, { inputs: 2, result: { samples: 2, sum: 3 } })
  for (const r of await Promise.all([v2, p2].map(async task => task!.result()))) assert.deepEqual(r, { inputs: 2, result: { samples: 2, sum: 70 } })
  for (const task of [v1, p1, v2, p2]) assert.equal(modeOf(task!), 'mesh')
})

test('a mesh share from a peer admitted for another task, before and after a lean task exists: refused, the lean sum completes', { timeout: 120_000 }, async t => {
  const [victim, party, mallory] = await startNodes(t, 3, { taskTimeoutMs: 30_000 })
  victim!.createTask({ taskId: taskId('bait'), microprotocol: 'SecureSum', network: { nodes: nodeList([victim!, mallory!]), myself: 0 } })
  const pair = [victim!, party!]
  const raw = await RawStream.open(mallory!.libp2p, victim!)
  const LENGTH = 2000 // (2000 + 1) x (2 - 1) >= 1024 elements uploaded: auto runs lean mode

  const before = taskId('lean-before')
  assert.equal((await raw.exchange(meshShare(describe(before, pair), 1, LENGTH))).code, 'HELD')
  const [v1, p1] = pair.map(node => create(node, before, pair))
  assert.equal(modeOf(v1!), undefined)

  const after = taskId('lean-after')
  const [v2, p2] = pair.map(node => create(node, after, pair))
  const reply = await raw.exchange(meshShare(describe(after, pair), 1, LENGTH))
  assert.deepEqual([reply.status, reply.code], ['refused', 'PROTOCOL_VIOLATION'])
  assert.equal(modeOf(v2!), undefined)

  const ones = new Array<number>(LENGTH).fill(1)
  for (const [v, p] of [[v1, p1], [v2, p2]]) {
    v!.input(ones); p!.input(ones)
    for (const r of await Promise.all([v, p].map(async task => task!.result()))) {
      assert.equal(r.inputs, 2)
      assert.equal(r.result.samples, 2 * LENGTH)
      assert.deepEqual(r.result.sum, new Array<number>(LENGTH).fill(2))
    }
    for (const task of [v, p]) assert.equal(modeOf(task!), 'lean')
  }
})

test('a held frame a listed party got wrong (its elements one byte wide) is refused when the task is created; the party\'s real share still counts', { timeout: 60_000 }, async t => {
  const [victim, party] = await startNodes(t, 2, { taskTimeoutMs: 30_000 })
  const pair = [victim!, party!]
  // an earlier task, so that the victim admits the party
  const warmId = taskId('warm')
  const warm = pair.map(node => create(node, warmId, pair))
  warm.forEach(task => task.input(0))
  await Promise.all(warm.map(async task => task.result()))
  const id = taskId('held-wrong')
  const raw = await RawStream.open(party!.libp2p, victim!)
  const d = describe(id, pair)
  assert.equal((await raw.exchange(shareFrame(id, 1, 2, 1, taskDigest(d)))).code, 'HELD')
  const p = create(party!, id, pair)
  p.input(5)
  // its real share is held after the wrong one
  const deadline = Date.now() + 10_000
  while (victim!.stats().held.messages < 2) { assert.ok(Date.now() < deadline); await new Promise(resolve => setTimeout(resolve, 10)) }
  const v = create(victim!, id, pair)
  assert.equal(victim!.stats().held.messages, 0)
  v.input(6)
  for (const r of await Promise.all([v, p].map(async task => task.result()))) assert.deepEqual(r, { inputs: 2, result: { samples: 2, sum: 11 } })
})
