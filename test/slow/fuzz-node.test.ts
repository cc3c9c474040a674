/**
 * Fuzzing a live node (slow suite): 10^4 random and mutated frames through the SecureSum protocol
 * handler of a real node, over a real libp2p stream from a listed peer (so the frames pass the
 * gater and reach the task registry and the state machines of tasks that list that peer), then
 * 200 streams of bytes that are not even length-prefixed frames. The node must answer every
 * frame, stay within its memory bounds, and then compute a correct sum.
 *
 * Seeded: FUZZ_SEED=<seed> replays a run.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { canonicalDescriptor, fieldOf } from '@simon-p2p/core'
import { DEFAULT_HOLD_LIMITS } from '@simon-p2p/node'
import { fuzzFrame, randomHeaders, templates, type FrameHeader } from '../hardening/frame-fuzzer.js'
import {
  createTasks, formatMemory, fuzzSeed, memoryAfterGc, nodeList, Prng, RawStream, secureSum, startNodes, taskId
} from '../hardening/support.js'

const FRAMES = 10_000
const JUNK_STREAMS = 200
const IDLE_MS = 2000
const SLACK_MS = 5000

test(`${FRAMES} random and mutated frames through a live node's protocol handler from a listed peer; then a correct sum`, { timeout: 600_000 }, async t => {
  const seed = fuzzSeed()
  t.diagnostic(`seed ${seed} (replay with FUZZ_SEED=${seed})`)
  const rng = new Prng(seed)
  const [victim, b, c, mallory] = await startNodes(t, 4, { taskTimeoutMs: 60_000, inboundIdleTimeoutMs: IDLE_MS })
  // live tasks at the victim that list mallory: half have the victim's input, half wait for it
  const list = nodeList([victim!, b!, mallory!])
  const live = Array.from({ length: 8 }, (_, i) => {
    const task = victim!.createTask({ taskId: taskId('live'), microprotocol: 'SecureSum', network: { nodes: list, myself: 0 } })
    if (i % 2 === 0) task.input(i)
    return task
  })
  // frames in the name of mallory (index 2) and of party 1 (impersonation), for live and unknown tasks
  const headers: FrameHeader[] = live.flatMap(task => [2, 1].map(from => ({
    taskId: task.id, digest: task.digest, from, descriptor: canonicalDescriptor(task.descriptor)
  })))
  const width = fieldOf(live[0]!.descriptor.parameters).bytes
  const corpus = [...templates(rng, headers, [width]), ...templates(rng, randomHeaders(rng))]

  const before = await memoryAfterGc()
  const received = victim!.stats().framesReceived
  const replies = new Map<string, number>()
  let raw = await RawStream.open(mallory!.libp2p, victim!)
  let reopened = 0
  const started = performance.now()
  for (let i = 0; i < FRAMES; i++) {
    const frame = fuzzFrame(rng, corpus)
    let reply
    try {
      reply = await raw.exchange(frame)
    } catch (err) {
      // a frame may not end a well-framed stream: only a reset we did not cause would land here
      assert.fail(`seed ${seed}, frame ${i}: no reply (${(err as Error).message}); frame ${Buffer.from(frame).toString('hex')}`)
    }
    assert.ok(['accepted', 'held', 'refused'].includes(reply.status))
    replies.set(`${reply.status}:${reply.code}`, (replies.get(`${reply.status}:${reply.code}`) ?? 0) + 1)
    if (raw.stream.status !== 'open') { raw = await RawStream.open(mallory!.libp2p, victim!); reopened++ }
  }
  const seconds = (performance.now() - started) / 1000
  assert.ok(victim!.stats().framesReceived - received >= FRAMES)

  // streams of bytes that are not frames at all (a length prefix of random bytes, then a few more):
  // each is answered, reset at once (a length over the limit), or reset at the idle timeout
  // (a length the bytes never reach); none stays open
  const junk = await Promise.all(Array.from({ length: JUNK_STREAMS }, async () => {
    const s = await RawStream.open(mallory!.libp2p, victim!)
    await s.writeRaw(rng.bytes(1 + rng.int(64))).catch(() => {})
    return s
  }))
  const junkStarted = Date.now()
  const outcomes = await Promise.all(junk.map(async s => s.read(AbortSignal.timeout(IDLE_MS + SLACK_MS)).then(() => 'answered', () => (s.stream.status === 'open' ? 'still open' : 'reset'))))
  const junkMs = Date.now() - junkStarted
  for (const s of junk) s.stream.abort(new Error('done'))
  const counts = Object.fromEntries(['answered', 'reset', 'still open'].map(k => [k, outcomes.filter(o => o === k).length]))
  assert.equal(counts['still open'], 0, JSON.stringify(counts))
  const after = await memoryAfterGc()
  const held = victim!.stats().held
  t.diagnostic(`${FRAMES} frames in ${seconds.toFixed(1)} s (${reopened} streams reopened); replies ${JSON.stringify(Object.fromEntries([...replies].sort((x, y) => y[1] - x[1])))}`)
  t.diagnostic(`${JUNK_STREAMS} junk streams: ${JSON.stringify(counts)} within ${junkMs} ms; held ${JSON.stringify(held)}; ${formatMemory(before)} -> ${formatMemory(after)}`)
  // the fuzz reached the state machines of live tasks, not only the decoder
  assert.ok([...replies.keys()].some(k => k.startsWith('refused:PROTOCOL_VIOLATION')), 'some frames reached a task and were refused by it')
  assert.ok([...replies.keys()].some(k => k.startsWith('refused:MALFORMED_FRAME')), 'some frames were refused by the decoder')
  assert.ok(held.messages <= DEFAULT_HOLD_LIMITS.messages && held.bytes <= DEFAULT_HOLD_LIMITS.bytes)
  assert.ok(after.heapMB - before.heapMB < 64, `heap ${formatMemory(before)} -> ${formatMemory(after)}`)

  // the node still computes correct sums, alone with honest parties and with mallory's own tasks around
  for (const r of await secureSum([victim!, b!, c!], ['123.456789', '1234.56789', '12345.6789'])) {
    assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 13703.703579 } })
  }
  const withMallory = createTasks([victim!, b!, mallory!])
  withMallory.forEach((task, i) => task.input(i + 1))
  for (const r of await Promise.all(withMallory.map(async task => task.result()))) assert.equal(r.result.sum, 6)
})
