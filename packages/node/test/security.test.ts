/**
 * Who may speak to a task, over real libp2p nodes: a peer on no list cannot even connect; a
 * listed peer cannot speak for another index, send a second share for its slot, or replay a
 * share into another task. Frames are hand-crafted with the wire codec and written on a raw
 * SecureSum stream, so these tests exercise the receiving node exactly as a hostile peer would.
 */
import '@simon-p2p/node' // first: installs the Promise.withResolvers polyfill before libp2p loads (Node 20)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@libp2p/yamux'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { SECURESUM_PROTOCOL, type SimonNode, type SecureSumTask } from '@simon-p2p/node'
import {
  canonicalDescriptor, decodeMessage, decodeReply, encodeMessage, fieldOf, type Reply, type WireMessage
} from '@simon-p2p/core'
import { createTasks, FAST, LOOPBACK, nodeList, rejection, startNodes, until } from './helpers.js'

/** Write one frame on a fresh SecureSum stream from `from` to `to` and read the reply. */
async function sendRaw (from: Libp2p, to: SimonNode, frame: Uint8Array): Promise<Reply> {
  const stream = await from.dialProtocol(multiaddr(nodeList([to])[0]!), SECURESUM_PROTOCOL, { signal: AbortSignal.timeout(3000) })
  try {
    const lp = lpStream(stream)
    await lp.write(frame, { signal: AbortSignal.timeout(3000) })
    return decodeReply((await lp.read({ signal: AbortSignal.timeout(3000) })).subarray())
  } finally {
    await stream.close()
  }
}

/** A share for `task` (as its own party holds it) that claims to come from party `from`. */
function craftShare (task: SecureSumTask, from: number, elements: bigint[]): Uint8Array {
  const message: WireMessage = {
    kind: 'share',
    taskId: task.id,
    digest: task.digest,
    from,
    shape: 'scalar',
    descriptor: canonicalDescriptor(task.descriptor),
    elements
  }
  return encodeMessage(message, fieldOf(task.descriptor.parameters).bytes)
}

/** Record a copy of every frame `node` sends (its outbound channels), with the receiving PeerId. */
function recordFrames (node: SimonNode): Array<{ peerId: string, frame: Uint8Array }> {
  type Send = (peerId: string, target: unknown, frame: Uint8Array, signal: AbortSignal) => Promise<Reply>
  const channels = (node.secureSum as unknown as { channels?: { send?: Send } }).channels
  assert.ok(channels !== undefined && typeof channels.send === 'function', 'the SecureSum service sends through its channels')
  const recorded: Array<{ peerId: string, frame: Uint8Array }> = []
  const send = channels.send.bind(channels)
  channels.send = async (peerId, target, frame, signal) => {
    recorded.push({ peerId, frame: frame.slice() }) // the sender zeroes its frame once delivered
    return send(peerId, target, frame, signal)
  }
  return recorded
}

test('a plain libp2p node on no task\'s list cannot open the SecureSum protocol; the task is not affected', async t => {
  const nodes = await startNodes(t, 3)
  const plain = await createLibp2p({
    addresses: { listen: [LOOPBACK] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  t.after(async () => { await plain.stop() })
  const tasks = createTasks(nodes)
  tasks[0]!.input(11)
  tasks[1]!.input(22)
  // the task is running at every node, and each of them now admits the others
  await until(() => tasks[2]!.status().step === 'input' && tasks[0]!.status().missing.length === 1, 'the shares of parties 0 and 1 arrived')
  for (const node of nodes) {
    const { error } = await rejection(plain.dialProtocol(multiaddr(nodeList([node])[0]!), SECURESUM_PROTOCOL, { signal: AbortSignal.timeout(3000) }))
    assert.notEqual(error.name, 'TimeoutError', `refused at once, not left hanging (${error.name}: ${error.message})`)
    assert.equal(node.isAllowed(plain.peerId.toString()), false)
    await until(() => node.libp2p.getConnections(plain.peerId).length === 0, 'the gater closed the connection')
  }
  tasks[2]!.input(33)
  const results = await Promise.all(tasks.map(async task => task.result()))
  for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 66 } })

  // control: the same plain node does reach a SimonNode that admits it (allowPeers), so what
  // stopped it above was the gater, not the protocol; that node still refuses what it sends
  const [admitting] = await startNodes(t, 1, { ...FAST, allowPeers: [plain.peerId.toString()] })
  const stream = await plain.dialProtocol(multiaddr(nodeList([admitting!])[0]!), SECURESUM_PROTOCOL, { signal: AbortSignal.timeout(3000) })
  const lp = lpStream(stream)
  await lp.write(new Uint8Array([1, 2, 3]))
  const reply = decodeReply((await lp.read({ signal: AbortSignal.timeout(3000) })).subarray())
  await stream.close()
  assert.equal(reply.status, 'refused')
  assert.equal(reply.code, 'MALFORMED_FRAME')
})

test('a listed peer cannot speak for another index: a share claiming another sender is refused', async t => {
  const nodes = await startNodes(t, 3)
  const tasks = createTasks(nodes)
  tasks[0]!.input(100)
  // party 2 (node 2, authenticated by Noise) claims to be party 1, towards party 0 and towards party 1 itself
  const forged = craftShare(tasks[2]!, 1, [12345n, 1n])
  const reply = await sendRaw(nodes[2]!.libp2p, nodes[0]!, forged)
  assert.equal(reply.status, 'refused')
  assert.equal(reply.code, 'PROTOCOL_VIOLATION')
  assert.deepEqual(tasks[0]!.status(), { id: tasks[0]!.id, step: 'share', missing: [1, 2] }, 'the slot of party 1 is still empty')
  const asParty0 = await sendRaw(nodes[2]!.libp2p, nodes[1]!, craftShare(tasks[2]!, 0, [1n, 1n]))
  assert.equal(asParty0.status, 'refused')
  assert.equal(asParty0.code, 'PROTOCOL_VIOLATION')
  // a share claiming an index outside the list
  const outside = await sendRaw(nodes[2]!.libp2p, nodes[0]!, craftShare(tasks[2]!, 7, [1n, 1n]))
  assert.equal(outside.status, 'refused')
  assert.equal(outside.code, 'PROTOCOL_VIOLATION')
  // the honest sum is untouched
  tasks[1]!.input(20)
  tasks[2]!.input(3)
  const results = await Promise.all(tasks.map(async task => task.result()))
  for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 123 } })
})

test('a second share for the same slot from the right peer is refused; the sum stays correct', async t => {
  const nodes = await startNodes(t, 3)
  const tasks = createTasks(nodes)
  tasks[0]!.input(1)
  tasks[2]!.input(2)
  await until(() => !tasks[0]!.status().missing.includes(2), 'party 0 holds the share of party 2')
  assert.deepEqual(tasks[0]!.status().missing, [1])
  const second = craftShare(tasks[2]!, 2, [10n ** 15n, 1n])
  const reply = await sendRaw(nodes[2]!.libp2p, nodes[0]!, second)
  assert.equal(reply.status, 'refused')
  assert.equal(reply.code, 'PROTOCOL_VIOLATION')
  assert.deepEqual(tasks[0]!.status().missing, [1])
  tasks[1]!.input(4)
  const results = await Promise.all(tasks.map(async task => task.result()))
  for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 7 } })
  // and once the task is done, another share for it is refused too
  const late = await sendRaw(nodes[2]!.libp2p, nodes[0]!, second)
  assert.equal(late.status, 'refused')
  assert.equal(late.code, 'PROTOCOL_VIOLATION')
})

test('a valid share replayed into another task is refused', async t => {
  const nodes = await startNodes(t, 3)
  const recorded = recordFrames(nodes[2]!)
  const a = createTasks(nodes)
  a[0]!.input(1)
  a[1]!.input(2)
  a[2]!.input(3)
  for (const r of await Promise.all(a.map(async task => task.result()))) assert.deepEqual(r.result, { samples: 3, sum: 6 })
  // party 2's genuine share of task A for party 0
  const genuine = recorded.map(r => ({ ...r, message: decodeMessage(r.frame) }))
    .find(r => r.peerId === nodes[0]!.peerId && r.message.kind === 'share' && r.message.taskId === a[0]!.id)
  assert.ok(genuine !== undefined, 'node 2 sent its share of task A to party 0')
  const share = genuine.message
  assert.equal(share.from, 2)

  // the frame as it was: task A already has it (and is done)
  const again = await sendRaw(nodes[2]!.libp2p, nodes[0]!, genuine.frame)
  assert.equal(again.status, 'refused')
  assert.equal(again.code, 'PROTOCOL_VIOLATION')

  const width = fieldOf(a[0]!.descriptor.parameters).bytes
  // into task B under B's id: it still carries A's digest and description, so it is refused
  const b = createTasks(nodes)
  b[0]!.input(10)
  const intoB = await sendRaw(nodes[2]!.libp2p, nodes[0]!, encodeMessage({ ...share, taskId: b[0]!.id }, width))
  assert.equal(intoB.status, 'refused', `reply ${JSON.stringify(intoB)}`)
  assert.equal(intoB.code, 'DIGEST_MISMATCH')
  // B cannot trust party 2 any more: it fails, naming the task id as the difference
  const { error } = await rejection(b[0]!.result())
  assert.equal(error.name, 'DigestMismatchError')
  assert.equal(error.party, 2)
  assert.ok((error.differences as string[]).some(d => d.startsWith('task:')), JSON.stringify(error.differences))

  // into task C under C's id and digest, with A's description: refused; C's slot stays empty
  const c = createTasks(nodes)
  c[0]!.input(100)
  const intoC = await sendRaw(nodes[2]!.libp2p, nodes[0]!, encodeMessage({ ...share, taskId: c[0]!.id, digest: c[0]!.digest }, width))
  assert.equal(intoC.status, 'refused')
  assert.equal(intoC.code, 'PROTOCOL_VIOLATION')
  assert.deepEqual(c[0]!.status().missing, [1, 2])
  c[1]!.input(200)
  c[2]!.input(300)
  for (const r of await Promise.all(c.map(async task => task.result()))) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 600 } })
})
