/**
 * Hostile peers that abuse the stream itself: a listed peer (so the gater lets it in) that opens
 * streams and never writes, dribbles a frame, declares an endless frame, writes without ever
 * reading a reply, or floods valid-looking frames for tasks the node does not have. Each is cut
 * off by a limit, and the honest parties' sum still completes.
 *
 * Impersonation, second shares, replays and peers on no list: packages/node/test/security.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { encodeMessage } from '@simon-p2p/core'
import { MAX_INBOUND_STREAMS, SECURESUM_PROTOCOL, STOP_FLUSH_MS, type SimonNode, type SimonNodeInit } from '@simon-p2p/node'
import {
  concat, createTasks, nodeList, RawStream, secureSum, sleep, startNodes, taskId, until, varint
} from './support.js'

/** Lateness allowed on a deadline: timers and the event loop on a busy 2-core machine. */
const SLACK_MS = 3000

/**
 * Honest parties 0, 1, 2 (node 0 is the victim, with `victimInit`) and mallory, who is on the
 * node list of a task held at the victim, so the victim's gater admits her.
 */
async function setup (t: Parameters<typeof startNodes>[0], victimInit: SimonNodeInit = {}): Promise<{ honest: SimonNode[], victim: SimonNode, mallory: SimonNode }> {
  const [victim] = await startNodes(t, 1, victimInit)
  const [b, c, mallory] = await startNodes(t, 3)
  victim!.createTask({ taskId: taskId('bait'), microprotocol: 'SecureSum', network: { nodes: nodeList([victim!, mallory!]), myself: 0 } })
  assert.equal(victim!.isAllowed(mallory!.peerId), true)
  return { honest: [victim!, b!, c!], victim: victim!, mallory: mallory! }
}

function isOpen (stream: RawStream['stream']): boolean {
  return stream.status === 'open'
}

/** Streams of the SecureSum protocol that `node` has open with `peer`. */
function protocolStreams (node: SimonNode, peer: SimonNode): number {
  return node.libp2p.getConnections(peer.libp2p.peerId)
    .flatMap(c => c.streams)
    .filter(s => s.protocol === SECURESUM_PROTOCOL && s.status === 'open').length
}

test('a listed peer that opens streams and never writes: streams beyond the limit are refused, the rest reset at the idle timeout; the honest sum completes', async t => {
  const IDLE_MS = 1000
  const { honest, victim, mallory } = await setup(t, { inboundIdleTimeoutMs: IDLE_MS })
  const attempts = MAX_INBOUND_STREAMS + 44
  const started = Date.now()
  // one stream first: yamux drops a connection that opens more than 10 streams before it is set up
  const first = await RawStream.open(mallory.libp2p, victim)
  const opened = await Promise.allSettled(Array.from({ length: attempts - 1 }, async () => RawStream.open(mallory.libp2p, victim)))
  const streams = [first, ...opened.flatMap(r => (r.status === 'fulfilled' ? [r.value] : []))]
  assert.ok(streams.length >= MAX_INBOUND_STREAMS / 2, `mallory got ${streams.length} streams open`)
  // those beyond the per-connection limit are refused by the victim as they arrive
  assert.ok(protocolStreams(victim, mallory) <= MAX_INBOUND_STREAMS, `${protocolStreams(victim, mallory)} open at the victim`)
  t.diagnostic(`${attempts} silent streams asked for, ${streams.filter(s => isOpen(s.stream)).length} held open until the idle timeout`)
  // the sum goes through while mallory holds her silent streams
  const results = await secureSum(honest, [10, 7, 14])
  for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 31 } })
  await until(() => streams.every(s => !isOpen(s.stream)) && protocolStreams(victim, mallory) === 0,
    'every silent stream was reset by the victim', IDLE_MS + SLACK_MS + (Date.now() - started))
  assert.ok(protocolStreams(victim, mallory) <= MAX_INBOUND_STREAMS)
  // the node still serves: another sum, and mallory's own (honest) use of a fresh stream is answered
  for (const r of await secureSum(honest, [1, 2, 3])) assert.equal(r.result.sum, 6)
  const fresh = await RawStream.open(mallory.libp2p, victim)
  const reply = await fresh.exchange(new Uint8Array([1, 2, 3]))
  assert.deepEqual([reply.status, reply.code], ['refused', 'MALFORMED_FRAME'])
})

test('a frame dribbled slower than the idle timeout allows is cut at the timeout', async t => {
  const IDLE_MS = 1000
  const { honest, victim, mallory } = await setup(t, { inboundIdleTimeoutMs: IDLE_MS })
  const raw = await RawStream.open(mallory.libp2p, victim)
  await raw.writeRaw(varint(10_000))
  const started = Date.now()
  let written = 0
  const dribble = (async () => {
    while (isOpen(raw.stream) && Date.now() - started < 20_000) {
      await raw.writeRaw(new Uint8Array([0x42])).catch(() => {})
      written++
      await sleep(100)
    }
  })()
  const sum = secureSum(honest, [1, 1, 1])
  await until(() => !isOpen(raw.stream), 'the victim reset the dribbling stream', IDLE_MS + SLACK_MS)
  const cutAfter = Date.now() - started
  await dribble
  assert.ok(cutAfter >= IDLE_MS - 100, `cut after ${cutAfter} ms, not before the idle timeout`)
  assert.ok(written < 10_000 && written <= (IDLE_MS + SLACK_MS) / 100 + 2, `${written} bytes dribbled before the cut`)
  for (const r of await sum) assert.equal(r.result.sum, 3)
})

test('an endless frame: a length prefix above maxFrameBytes is cut at once, and no more than maxFrameBytes is ever buffered for one frame', async t => {
  const MAX_FRAME = 64 * 1024
  const { honest, victim, mallory } = await setup(t, { maxFrameBytes: MAX_FRAME })
  // a prefix that announces 1 TiB, then bytes forever
  const raw = await RawStream.open(mallory.libp2p, victim)
  const chunk = randomBytes(16 * 1024)
  await raw.writeRaw(varint(2 ** 40))
  const started = Date.now()
  let sent = 0
  while (isOpen(raw.stream) && Date.now() - started < 10_000) {
    try { await raw.writeRaw(chunk, AbortSignal.timeout(2000)) } catch { break }
    sent += chunk.length
    // mallory shares this process with the victim: let it read between her writes
    await new Promise(resolve => setImmediate(resolve))
  }
  assert.equal(isOpen(raw.stream), false, 'the victim reset the stream')
  assert.ok(Date.now() - started < SLACK_MS, `cut within ${Date.now() - started} ms`)
  // what mallory could push before the reset is bounded by the stream windows, not by her will
  assert.ok(sent < 8 * 2 ** 20, `${sent} bytes pushed before the reset`)

  // a frame one byte over the limit, announced honestly, is cut too; one at the limit is read and refused
  const over = await RawStream.open(mallory.libp2p, victim)
  await over.writeRaw(concat([varint(MAX_FRAME + 1), new Uint8Array(MAX_FRAME + 1)])).catch(() => {})
  await until(() => !isOpen(over.stream), 'the victim reset the stream with an over-long frame', SLACK_MS)
  const at = await RawStream.open(mallory.libp2p, victim)
  const reply = await at.exchange(new Uint8Array(MAX_FRAME))
  assert.deepEqual([reply.status, reply.code], ['refused', 'MALFORMED_FRAME'])

  for (const r of await secureSum(honest, [5, 6, 7])) assert.equal(r.result.sum, 18)
})

test('a flood of valid-looking frames for tasks the node does not have stays within the hold limits and evicts only the flooder\'s own', async t => {
  const hold = { messages: 256, bytes: 256 * 1024, ms: 30_000 }
  const { honest, victim, mallory } = await setup(t, { hold })
  const list = nodeList(honest)
  // parties 1 and 2 take part in an earlier task at the victim, so its gater admits them
  createTasks(honest).forEach((task, i) => task.input(i))
  // they give their inputs to a new task before the victim (party 0) has created it: it holds their shares
  const id = taskId('late')
  const p1 = honest[1]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 1 }, timeoutMs: 120_000 })
  const p2 = honest[2]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 2 }, timeoutMs: 120_000 })
  p1.input(100)
  p2.input(20)
  await until(() => victim.stats().held.messages === 2, 'the victim holds the shares of parties 1 and 2')

  const FLOOD = 5000
  const received = victim.stats().framesReceived
  const started = Date.now()
  const raw = await RawStream.open(mallory.libp2p, victim)
  const statuses = new Map<string, number>()
  for (let i = 0; i < FLOOD; i++) {
    const frame = encodeMessage({
      kind: 'share', taskId: `flood-${i}`, digest: randomBytes(32), from: 1, shape: 'scalar', descriptor: '{}', elements: [BigInt(i), 1n]
    }, 16)
    const reply = await raw.exchange(frame)
    statuses.set(reply.code, (statuses.get(reply.code) ?? 0) + 1)
    const held = victim.stats().held
    assert.ok(held.messages <= hold.messages && held.bytes <= hold.bytes, `held ${JSON.stringify(held)} after frame ${i}`)
  }
  t.diagnostic(`${FLOOD} frames for unknown tasks in ${Date.now() - started} ms, all held within ${JSON.stringify(hold)}`)
  assert.deepEqual([...statuses], [['HELD', FLOOD]])
  assert.ok(victim.stats().framesReceived - received >= FLOOD)
  assert.equal(victim.stats().held.messages, hold.messages)
  // the honest shares survived the flood: the victim creates the task, and the sum completes
  const p0 = victim.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, timeoutMs: 120_000 })
  p0.input(3)
  for (const r of await Promise.all([p0, p1, p2].map(async task => task.result()))) {
    assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 123 } })
  }
  // and the plain flood, alone, is bounded too (mallory's own messages push out her older ones)
  assert.ok(victim.stats().held.messages <= hold.messages)
})

test('a listed peer that stops granting window while the node owes it replies: the node still stops, within its flush limit, not at the idle timeout', async t => {
  // an idle timeout far beyond the test: only the stop's own limit can end the stuck write
  const { victim, mallory } = await setup(t, { inboundIdleTimeoutMs: 600_000 })
  const raw = await RawStream.open(mallory.libp2p, victim)
  // mallory reads nothing more and sends no window update: each refusal the victim writes back
  // uses up the stream's send window, until the victim's reply write waits for window forever
  raw.stream.pause()
  const junk = concat(Array.from({ length: 20_000 }, () => concat([varint(3), new Uint8Array([1, 2, 3])])))
  await raw.writeRaw(junk, AbortSignal.timeout(10_000))
  const stuck = (): boolean => victim.libp2p.getConnections(mallory.libp2p.peerId).flatMap(c => c.streams)
    .some(s => s.protocol === SECURESUM_PROTOCOL && (s as unknown as { sendWindowCapacity: number }).sendWindowCapacity === 0)
  await until(stuck, 'the victim\'s reply window to mallory is used up', 10_000)
  const started = Date.now()
  const stopped = await Promise.race([victim.stop().then(() => true), sleep(STOP_FLUSH_MS + 20_000).then(() => false)])
  assert.ok(stopped, `the victim had not stopped ${STOP_FLUSH_MS + 20_000} ms after stop()`)
  t.diagnostic(`the victim stopped in ${Date.now() - started} ms, its replies to mallory unwritten`)
})
