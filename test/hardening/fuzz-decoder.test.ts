/**
 * Fuzzing the wire decoder: 10^6 random and mutated frames through decodeMessage (bit flips,
 * interesting bytes, truncations, extensions, length-field edits, splices, random frames with and
 * without a valid header), and 10^5 through decodeReply. Every frame must either decode to a
 * message that encodes back to exactly the same bytes (threshold mode's kinds: to the same
 * message), or be refused with a CodecError; nothing
 * else may be thrown, and memory must not grow with the number of frames.
 *
 * Seeded: a failure prints its seed; FUZZ_SEED=<seed> replays it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CodecError, decodeMessage, decodeReply, encodeMessage, encodeReply, DEFAULT_DECODE_LIMITS, type DecodeLimits, type WireMessage
} from '@simon-p2p/core'
import { concat, formatMemory, fuzzSeed, memoryAfterGc, Prng } from './support.js'

const FRAMES = 1_000_000
const REPLIES = 100_000
/** Small limits, so that mutated counts and widths hit them often. */
const LIMITS: DecodeLimits = { maxElements: 4096, maxElementBytes: 64 }
const INTERESTING_U8 = [0, 1, 2, 3, 4, 5, 31, 32, 33, 34, 35, 0x7f, 0x80, 0xfe, 0xff]
const BASE_KINDS = new Set(['share', 'partial', 'confirm', 'abort'])
const utf8 = new TextEncoder()

interface Template {
  readonly frame: Uint8Array
  /** Where a length or count field starts, and its width in bytes. */
  readonly lengths: ReadonlyArray<{ at: number, width: 1 | 2 | 4 }>
}

/** Valid frames of every base kind, with the offsets of their length fields. */
function templates (rng: Prng): Template[] {
  const out: Template[] = []
  const ids = ['t', 'task-0123456789', 'ünïcödé-✓', 'x'.repeat(128)]
  for (const taskId of ids) {
    const header = { taskId, digest: rng.bytes(32), from: rng.int(5) }
    const headerEnd = 3 + utf8.encode(taskId).length + 32 + 4
    for (const width of [1, 8, 12, 40]) {
      const max = 2n ** BigInt(8 * width) - 1n
      for (const count of [1, 2, 17]) {
        const elements = Array.from({ length: count }, (_, k) => (k === 0 ? max : BigInt(rng.u32()) % (max + 1n)))
        const descriptor = JSON.stringify({ v: 1, taskId, peers: ['a', 'b'], parameters: { digits_after: 12 } })
        const d = utf8.encode(descriptor).length
        out.push({
          frame: encodeMessage({ kind: 'share', ...header, shape: count === 1 ? 'scalar' : 'vector', descriptor, elements }, width),
          lengths: [{ at: 2, width: 1 }, { at: headerEnd + 1, width: 4 }, { at: headerEnd + 5 + d, width: 2 }, { at: headerEnd + 7 + d, width: 4 }]
        })
        out.push({
          frame: encodeMessage({ kind: 'partial', ...header, shape: 'vector', elements }, width),
          lengths: [{ at: 2, width: 1 }, { at: headerEnd + 1, width: 2 }, { at: headerEnd + 3, width: 4 }]
        })
      }
    }
    out.push({ frame: encodeMessage({ kind: 'confirm', ...header, hash: rng.bytes(32) }, 1), lengths: [{ at: 2, width: 1 }] })
    // threshold mode's kinds: member bitmaps, and a set-partial's elements after them
    const members = [0, 2, 5, 9]
    const bitmap = 2
    out.push({ frame: encodeMessage({ kind: 'propose', ...header, members }, 1), lengths: [{ at: 2, width: 1 }, { at: headerEnd, width: 2 }] })
    out.push({ frame: encodeMessage({ kind: 'commit', ...header, members: [1] }, 1), lengths: [{ at: 2, width: 1 }, { at: headerEnd, width: 2 }] })
    out.push({
      frame: encodeMessage({ kind: 'set-partial', ...header, members, shape: 'vector', elements: [1n, 2n ** 64n, 3n] }, 12),
      lengths: [{ at: 2, width: 1 }, { at: headerEnd, width: 2 }, { at: headerEnd + 3 + bitmap, width: 2 }, { at: headerEnd + 5 + bitmap, width: 4 }]
    })
    const code = 'TIMEOUT'
    out.push({
      frame: encodeMessage({ kind: 'abort', ...header, code, reason: 'party 2 timed out ✗' }, 1),
      lengths: [{ at: 2, width: 1 }, { at: headerEnd, width: 2 }, { at: headerEnd + 2 + code.length, width: 2 }]
    })
  }
  return out
}

function writeUint (frame: Uint8Array, at: number, width: 1 | 2 | 4, value: number): void {
  if (at + width > frame.length) return
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  if (width === 1) view.setUint8(at, value & 0xff)
  else if (width === 2) view.setUint16(at, value & 0xffff)
  else view.setUint32(at, value >>> 0)
}

/** One fuzz case: a mutation of a template, or a frame made up from scratch. */
function fuzzFrame (rng: Prng, corpus: readonly Template[]): Uint8Array {
  const choice = rng.int(100)
  if (choice < 8) return rng.bytes(rng.int(300)) // anything at all
  if (choice < 16) { // a plausible header, then anything
    return concat([Uint8Array.of(1, rng.pick([1, 2, 3, 4, 32, 33, 34, rng.int(256)]), rng.int(140)), rng.bytes(rng.int(300))])
  }
  const t = rng.pick(corpus)
  let frame: Uint8Array = t.frame.slice()
  const rounds = 1 + rng.int(3)
  for (let r = 0; r < rounds; r++) {
    const op = rng.int(8)
    if (frame.length === 0) break
    switch (op) {
      case 0: { // bit flips
        const flips = 1 + rng.int(8)
        for (let k = 0; k < flips; k++) frame[rng.int(frame.length)]! ^= 1 << rng.int(8)
        break
      }
      case 1: // an interesting byte
        frame[rng.int(frame.length)] = rng.pick(INTERESTING_U8)
        break
      case 2: // truncation
        frame = frame.slice(0, rng.int(frame.length))
        break
      case 3: { // extension
        const extra = rng.bytes(1 + rng.int(64))
        const out = new Uint8Array(frame.length + extra.length)
        out.set(frame); out.set(extra, frame.length)
        frame = out
        break
      }
      case 4: case 5: { // a length or count field set to an edge value
        const field = rng.pick(t.lengths)
        const current = field.width === 1 ? frame[field.at] ?? 0 : 0
        const value = rng.pick([0, 1, current + 1, current - 1, 0xff, 0x100, 0xffff, 0x10000, 2 ** 24, 2 ** 24 + 1, 0x7fffffff, 0xffffffff, rng.u32(), rng.int(frame.length + 8)])
        writeUint(frame, field.at, field.width, value)
        break
      }
      case 6: { // a splice with another template
        const other = rng.pick(corpus).frame
        const cut = rng.int(frame.length)
        const from = rng.int(other.length)
        const out = new Uint8Array(cut + other.length - from)
        out.set(frame.subarray(0, cut)); out.set(other.subarray(from), cut)
        frame = out
        break
      }
      case 7: { // a run of bytes duplicated or removed
        const at = rng.int(frame.length)
        const n = 1 + rng.int(16)
        const run = frame.slice(at, at + n)
        frame = rng.chance(0.5) ? concat([frame.subarray(0, at), run, frame.subarray(at)]) : concat([frame.subarray(0, at), frame.subarray(at + n)])
        break
      }
    }
  }
  return frame
}

/** The element width a decoded message with elements was written with, read from the frame. */
function elementWidth (m: WireMessage, frame: Uint8Array): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const headerEnd = 3 + utf8.encode(m.taskId).length + 32 + 4
  switch (m.kind) {
    case 'share': return view.getUint16(headerEnd + 5 + utf8.encode(m.descriptor).length)
    case 'partial': return view.getUint16(headerEnd + 1)
    case 'set-partial': return view.getUint16(headerEnd + 3 + view.getUint16(headerEnd))
    default: return 1
  }
}

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
      assert.deepEqual(decodeMessage(again), m, `seed ${seed}, case ${i}: ${hex(frame)}`)
    }
  }
  const seconds = (performance.now() - started) / 1000
  Error.stackTraceLimit = stackTraceLimit
  const after = await memoryAfterGc()
  t.diagnostic(`${FRAMES} frames in ${seconds.toFixed(1)} s; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; ${formatMemory(before)} -> ${formatMemory(after)}`)
  // mutations must reach the decoder's every branch: valid messages of each kind, and refusals
  for (const kind of ['refused', ...BASE_KINDS, 'propose', 'commit', 'set-partial']) assert.ok((outcomes.get(kind) ?? 0) > 1000, `${kind}: ${outcomes.get(kind) ?? 0}`)
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
