/**
 * Buffer flood: a listed peer opens as many streams as a connection may carry and on each one
 * announces a frame of the largest size allowed, then writes into it as fast as it can and never
 * reads a reply. Without a cap the victim would buffer every stream's frame (32 x 64 MiB = 2 GiB);
 * with it, the peer's bytes in flight stay within its room (maxFrameBytes + 16 MiB), its streams
 * beyond it are paused (the sender's window runs dry), honest sums go on meanwhile, and
 * everything comes back when the streams are reset.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_MAX_FRAME_BYTES, MAX_INBOUND_STREAMS, PEER_INFLIGHT_SLACK_BYTES } from '@simon-p2p/node'
import { nodeList, RawStream, startNodes, taskId, varint } from '../hardening/support.js'
import { sumsWithVictim, VictimProcess } from './victim.js'

const SUM_BOUND_MS = 5000
/** What libp2p keeps of a paused stream before it resets it (its read buffer). */
const PAUSED_STREAM_BYTES = 4 * 2 ** 20

test('many streams writing the largest frames without reading replies: the peer\'s bytes in flight are capped, honest sums go on', { timeout: 240_000 }, async t => {
  const IDLE_MS = 8000
  const victim = await VictimProcess.start(t, { inboundIdleTimeoutMs: IDLE_MS })
  const [a, b, mallory] = await startNodes(t, 3, { taskTimeoutMs: 60_000, attemptTimeoutMs: 5000 })
  await victim.createTask(taskId('bait'), [victim.address, nodeList([mallory!])[0]!], 0)
  const honestSum = sumsWithVictim(victim, [a!, b!], 'honest')
  await honestSum()
  const start = await victim.memory(true)

  const perPeer = DEFAULT_MAX_FRAME_BYTES + PEER_INFLIGHT_SLACK_BYTES
  const first = await RawStream.openAt(mallory!.libp2p, victim.address)
  const streams = [first, ...(await Promise.allSettled(Array.from({ length: MAX_INBOUND_STREAMS - 1 }, async () => RawStream.openAt(mallory!.libp2p, victim.address))))
    .flatMap(r => (r.status === 'fulfilled' ? [r.value] : []))]
  const chunk = new Uint8Array(64 * 1024).fill(0x42)
  const pushed = streams.map(() => 0)
  let stalled = 0
  /**
   * Write and wait for the stream's 'drain' event when it is full (not onDrain(), which in
   * @libp2p/utils 7.4.1 stays resolved after the first drain and then lets a sender queue without bound).
   * @returns false when the stream stayed full for 2 s: the victim stopped reading it
   */
  const write = async (stream: RawStream['stream'], bytes: Uint8Array): Promise<boolean> => {
    if (stream.send(bytes)) return true
    return new Promise(resolve => {
      const timer = setTimeout(() => { stream.removeEventListener('drain', drained); resolve(false) }, 2000)
      const drained = (): void => { clearTimeout(timer); resolve(true) }
      stream.addEventListener('drain', drained, { once: true })
    })
  }
  const flood = streams.map(async (raw, i) => {
    await write(raw.stream, varint(DEFAULT_MAX_FRAME_BYTES - 1))
    while (pushed[i]! < DEFAULT_MAX_FRAME_BYTES - 1 - chunk.length && raw.stream.status === 'open') {
      if (!(await write(raw.stream, chunk))) { stalled++; return }
      pushed[i]! += chunk.length
      await new Promise(resolve => setImmediate(resolve)) // the honest parties share this process
    }
  })
  const latencies: number[] = []
  let mostInflight = 0
  let flooding = true
  const watch = (async () => {
    while (flooding) {
      const inflight = (await victim.stats()).inflight
      mostInflight = Math.max(mostInflight, inflight.bytes)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  })()
  const floodDone = Promise.all(flood)
  // honest sums while mallory pushes, and after her writes stall
  while (latencies.length < 3 || !(await Promise.race([floodDone.then(() => true), new Promise(resolve => setTimeout(() => resolve(false), 0))]))) latencies.push(await honestSum())
  await floodDone
  const during = await victim.stats()
  const attacked = await victim.memory()
  flooding = false
  await watch
  // what left mallory: what she wrote, less what her own streams still queue
  const sent = pushed.map((n, i) => n - streams[i]!.stream.writeBufferLength)
  const total = sent.reduce((s, n) => s + n, 0)
  t.diagnostic(`${streams.length} streams each announced a ${DEFAULT_MAX_FRAME_BYTES / 2 ** 20} MiB frame; mallory got ${(total / 2 ** 20).toFixed(1)} MiB out in all before her writes stalled (on one stream at most ${(Math.max(...sent) / 2 ** 20).toFixed(1)} MiB; ${stalled} of ${streams.length} streams stalled, the others had written their whole frame)`)
  t.diagnostic(`victim: in flight at most ${(mostInflight / 2 ** 20).toFixed(1)} MiB (room per peer ${perPeer / 2 ** 20} MiB), ${during.inflight.waiting} streams paused; rss ${start.rssMB.toFixed(1)} MB -> peak ${attacked.peakRssMB.toFixed(1)} MB; ${latencies.length} honest sums, slowest ${Math.max(...latencies).toFixed(0)} ms`)

  assert.ok(stalled >= streams.length - 1, 'every stream but the one let in stalled: the victim stopped granting it window')
  assert.ok(mostInflight <= perPeer + streams.length * 64 * 1024, `at most ${mostInflight} bytes in flight`)
  assert.ok(during.inflight.waiting >= 1, 'streams beyond the room are paused')
  const bound = (perPeer + streams.length * PAUSED_STREAM_BYTES) / 2 ** 20 + 64
  assert.ok(attacked.peakRssMB - start.rssMB < bound, `rss grew ${(attacked.peakRssMB - start.rssMB).toFixed(1)} MB (bound ${bound} MB; unbounded it would be ${(streams.length * DEFAULT_MAX_FRAME_BYTES / 2 ** 30).toFixed(0)} GiB)`)
  for (const ms of latencies) assert.ok(ms < SUM_BOUND_MS, `an honest sum took ${ms.toFixed(0)} ms during the flood`)

  // the idle timeout resets mallory's streams: everything they held comes back, and the victim still serves
  const deadline = Date.now() + IDLE_MS + 10_000
  while ((await victim.stats()).inflight.bytes > 0) {
    assert.ok(Date.now() < deadline, 'the stalled streams were reset and gave their bytes back')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  // mallory's side hears of the reset a moment after the victim let go of the bytes
  while (!streams.every(s => s.stream.status !== 'open')) {
    assert.ok(Date.now() < deadline, 'every flooding stream was reset')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  assert.ok((await honestSum()) < SUM_BOUND_MS)
})
