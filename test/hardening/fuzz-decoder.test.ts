/**
 * Fuzzing the wire decoder: 10^6 random and mutated frames through decodeMessage (bit flips,
 * interesting bytes, truncations, extensions, length-field edits, splices, random frames with and
 * without a valid header), and 10^5 through decodeReply. Every frame must either decode to a
 * message that encodes back to exactly the same bytes (threshold and lean mode's kinds: to the
 * same message), or be refused with a CodecError; nothing else may be thrown, and memory must not grow
 * with the number of frames. The generator: ./frame-fuzzer.ts.
 *
 * Seeded: a failure prints its seed; FUZZ_SEED=<seed> replays it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CodecError, decodeMessage, decodeReply, encodeMessage, encodeReply, DEFAULT_DECODE_LIMITS, type DecodeLimits, type WireMessage
} from '@simon-p2p/core'
import { BASE_KINDS, elementWidth, fuzzFrame, templates, type Template } from './frame-fuzzer.js'
import { formatMemory, fuzzSeed, memoryAfterGc, Prng } from './support.js'

const FRAMES = 1_000_000
const REPLIES = 100_000
/** Small limits, so that mutated counts and widths hit them often. */
const LIMITS: DecodeLimits = { maxElements: 4096, maxElementBytes: 64 }

function hex (b: Uint8Array): string { return Buffer.from(b).toString('hex') }

test(`${FRAMES} random and mutated frames through decodeMessage: each decodes to a message that encodes back to the same bytes, or is refused with a CodecError`, { timeout: 300_000 }, async t => {
  const seed = fuzzSeed()
  t.diagnostic(`seed ${seed} (replay with FUZZ_SEED=${seed})`)
  const rng = new Prng(seed)
  const corpus = templates(rng)
  for (const { frame } of corpus) assert.ok(decodeMessage(frame, LIMITS), 'every template decodes')
  const before = await memoryAfterGc()
  const started = performance.now()
  const outcomes = new Map<string, number>()
  // the refusals' stack traces cost a third of the run and are not what is under test
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  t.after(() => { Error.stackTraceLimit = stackTraceLimit })
  for (let i = 0; i < FRAMES; i++) {
    const frame = fuzzFrame(rng, corpus)
    let m: WireMessage
    try {
      m = decodeMessage(frame, i % 2 === 0 ? LIMITS : DEFAULT_DECODE_LIMITS)
    } catch (err) {
      if (!(err instanceof CodecError)) assert.fail(`seed ${seed}, case ${i}: ${(err as Error)?.name}: ${(err as Error)?.message} for frame ${hex(frame)}`)
      outcomes.set('refused', (outcomes.get('refused') ?? 0) + 1)
      continue
    }
    outcomes.set(m.kind, (outcomes.get(m.kind) ?? 0) + 1)
    if (m.kind === 'abort' && (m.code.length > 64 || m.reason.length > 4000)) continue // the encoder truncates these on purpose
    const again = encodeMessage(m, elementWidth(m, frame))
    if (BASE_KINDS.has(m.kind)) {
      if (hex(again) !== hex(frame)) assert.fail(`seed ${seed}, case ${i}: decoded ${m.kind} re-encodes differently: ${hex(frame)} -> ${hex(again)}`)
    } else {
      // a member bitmap may carry trailing zero bytes that the encoder does not write: same message, fewer bytes
      // (and a double's NaN payload need not survive): compare messages, not bytes
      assert.deepEqual(decodeMessage(again), m, `seed ${seed}, case ${i}: ${hex(frame)}`)
    }
  }
  const seconds = (performance.now() - started) / 1000
  Error.stackTraceLimit = stackTraceLimit
  const after = await memoryAfterGc()
  t.diagnostic(`${FRAMES} frames in ${seconds.toFixed(1)} s; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; ${formatMemory(before)} -> ${formatMemory(after)}`)
  // mutations must reach the decoder's every branch: valid messages of each kind, and refusals
  for (const kind of ['refused', ...BASE_KINDS, 'propose', 'commit', 'set-partial', 'lean-nonces', 'lean-data', 'lean-confirm']) assert.ok((outcomes.get(kind) ?? 0) > 1000, `${kind}: ${outcomes.get(kind) ?? 0}`)
  assert.ok(after.heapMB - before.heapMB < 32, `heap ${formatMemory(before)} -> ${formatMemory(after)}`)
})

test(`${REPLIES} random and mutated replies through decodeReply: a reply that encodes back to the same bytes, or a CodecError`, { timeout: 120_000 }, async t => {
  const seed = fuzzSeed()
  t.diagnostic(`seed ${seed}`)
  const rng = new Prng(seed)
  const valid = [
    encodeReply({ status: 'accepted', code: 'OK', message: '' }),
    encodeReply({ status: 'held', code: 'HELD', message: 'task x is not known here yet; held' }),
    encodeReply({ status: 'refused', code: 'PROTOCOL_VIOLATION', message: 'party 2 already sent its share ✓' })
  ]
  const corpus: Template[] = valid.map(frame => ({ frame, lengths: [{ at: 2, width: 2 }, { at: 4 + new DataView(frame.buffer).getUint16(2), width: 2 }] }))
  let decoded = 0
  for (let i = 0; i < REPLIES; i++) {
    const frame = fuzzFrame(rng, corpus)
    try {
      const reply = decodeReply(frame)
      decoded++
      if (reply.code.length <= 64 && reply.message.length <= 4000) assert.equal(hex(encodeReply(reply)), hex(frame), `seed ${seed}, case ${i}`)
    } catch (err) {
      if (!(err instanceof CodecError)) assert.fail(`seed ${seed}, case ${i}: ${(err as Error)?.name}: ${(err as Error)?.message} for ${hex(frame)}`)
    }
  }
  assert.ok(decoded > 1000 && decoded < REPLIES, `${decoded} decoded`)
})
