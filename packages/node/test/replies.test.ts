/**
 * Replies on a channel: a receiver holds replies to small frames to send them together, and a
 * sender that needs them asks (an empty frame). A reply that never comes makes the sender retry
 * the frame on a new stream, and the retried frame changes nothing at the receiver. Real libp2p
 * nodes over TCP on 127.0.0.1.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Stream, Connection, StreamHandler } from '@libp2p/interface'
import { SECURESUM_PROTOCOL, type SimonNode } from '@simon-p2p/node'
import { createTasks, FAST, startNodes, until } from './helpers.js'

/** The handler the node's registrar holds for the SecureSum protocol (libp2p's own component). */
function protocolHandler (node: SimonNode): StreamHandler {
  const registrar = (node.libp2p as unknown as { components: { registrar: { getHandler: (p: string) => { handler: StreamHandler } } } }).components.registrar
  return registrar.getHandler(SECURESUM_PROTOCOL).handler
}

test('replies held for 10 minutes: the sum finishes, and every party\'s flush returns because it asks for them', async t => {
  // neither the deadline nor an attempt timeout ends a delivery here: only a reply does
  const nodes = await startNodes(t, 3, { taskTimeoutMs: 120_000, attemptTimeoutMs: 120_000, replyDelayMs: 600_000 })
  const tasks = createTasks(nodes)
  const delivered = tasks.map(() => 0)
  tasks.forEach((task, i) => task.onProgress(e => { if (e.event === 'delivered') delivered[i]!++ }))
  tasks.forEach((task, i) => task.input([10, 7, 14][i]!))
  const results = await Promise.all(tasks.map(async task => task.result()))
  for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 31 } })
  // without an ask each flush would wait for the batches: 10 minutes (the signal only keeps a broken build from hanging)
  await Promise.all(tasks.map(async task => task.flush({ signal: AbortSignal.timeout(60_000) })))
  assert.deepEqual(delivered, [6, 6, 6], 'each party\'s 6 frames (share, partial, confirm to 2 parties) were answered')
  for (const task of tasks) assert.equal(task.delivering, false, `party ${task.myself} has nothing on its way`)
  assert.deepEqual(nodes.map(node => node.stats().framesWritten), [6, 6, 6], 'no frame was written twice')
  // the asks went through each receiver's in-flight budget like frames, and left nothing charged
  assert.deepEqual(nodes.map(node => node.stats().inflight.bytes), [0, 0, 0])
})

test('a reply that never comes: the frame is written again on a new stream, and taken again changes nothing', async t => {
  const nodes = await startNodes(t, 3, { ...FAST, attemptTimeoutMs: 400 })
  const [sender, receiver] = nodes as [SimonNode, SimonNode, SimonNode]
  // at the receiver, the first stream from the sender loses every reply the receiver writes on it
  const real = protocolHandler(receiver)
  const streams: Stream[] = []
  await receiver.libp2p.unhandle(SECURESUM_PROTOCOL)
  await receiver.libp2p.handle(SECURESUM_PROTOCOL, async (stream: Stream, connection: Connection) => {
    if (connection.remotePeer.toString() === sender.peerId) {
      streams.push(stream)
      if (streams.length === 1) stream.send = () => true
    }
    await real(stream, connection)
  }, { maxInboundStreams: 32 })
  const tasks = createTasks(nodes)
  tasks.forEach((task, i) => task.input([10, 7, 14][i]!))
  const results = await Promise.all(tasks.map(async task => task.result()))
  for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 31 } })
  const receivedBefore = receiver.stats().framesReceived
  // the sender's flush asks; no answer comes on the first stream, so it is given up and its frames go again
  await tasks[0]!.flush({ signal: AbortSignal.timeout(10_000) })
  assert.ok(streams.length >= 2, `the sender opened a second stream after the first lost its replies (${streams.length})`)
  assert.ok(receiver.stats().framesReceived >= receivedBefore + 3, 'the receiver took the sender\'s 3 frames again')
  assert.ok(sender.stats().framesWritten >= 6 + 3, 'the sender wrote its 3 frames to the receiver again')
  // taken twice, the frames changed nothing: the receiver's result stands and no party failed
  assert.deepEqual(tasks[1]!.peekResult(), { inputs: 3, result: { samples: 3, sum: 31 } })
  for (const task of tasks) assert.equal(task.status().error, undefined, `party ${task.myself} did not fail`)
  await until(() => tasks.every(task => !task.delivering), 'every delivery ended')
})
