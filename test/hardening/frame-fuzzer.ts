/**
 * The frame fuzzer shared by the decoder fuzz (test/hardening/fuzz-decoder.test.ts) and the fuzz
 * through a live node (test/slow/fuzz-node.test.ts): valid frames of every kind as templates, and
 * mutations of them (bit flips, interesting bytes, truncations, extensions, length-field edits,
 * splices, runs duplicated or cut) or frames made up from scratch.
 */
import { encodeMessage, type WireMessage } from '@simon-p2p/core'
import { concat, type Prng } from './support.js'

const INTERESTING_U8 = [0, 1, 2, 3, 4, 5, 31, 32, 33, 34, 35, 0x7f, 0x80, 0xfe, 0xff]
export const BASE_KINDS = new Set(['share', 'partial', 'confirm', 'abort'])
const utf8 = new TextEncoder()

export interface Template {
  readonly frame: Uint8Array
  /** Where a length or count field starts, and its width in bytes. */
  readonly lengths: ReadonlyArray<{ at: number, width: 1 | 2 | 4 }>
}

/** What the frames of one task carry in their header (and a share, in its description); a hop makes them traced frames. */
export interface FrameHeader { readonly taskId: string, readonly digest: Uint8Array, readonly from: number, readonly hop?: number, readonly descriptor?: string }

/** Headers of tasks that exist nowhere: random ids and digests, two of them traced (a hop counter after the sender index). */
export function randomHeaders (rng: Prng): FrameHeader[] {
  const untraced = ['t', 'task-0123456789', 'ünïcödé-✓', 'x'.repeat(128)].map(taskId => ({ taskId, digest: rng.bytes(32), from: rng.int(5) }))
  const traced = ['h', 'ünïcödé-hop'].map(taskId => ({ taskId, digest: rng.bytes(32), from: rng.int(5), hop: 1 + rng.int(65535) }))
  return [...untraced, ...traced]
}

/** Where a frame's body starts: after the task id, the digest, the sender index and, in a traced frame, the hop. */
function headerEndOf (header: { readonly taskId: string, readonly hop?: number }): number {
  return 3 + utf8.encode(header.taskId).length + 32 + 4 + (header.hop === undefined ? 0 : 2)
}

/**
 * Valid frames of every kind for each header, with the offsets of their length fields.
 * @param widths element widths to write elements in (a live task's field width, say)
 */
export function templates (rng: Prng, headers: readonly FrameHeader[] = randomHeaders(rng), widths: readonly number[] = [1, 8, 12, 40]): Template[] {
  const out: Template[] = []
  for (const { descriptor: ownDescriptor, ...header } of headers) {
    const taskId = header.taskId
    const headerEnd = headerEndOf(header)
    for (const width of widths) {
      const max = 2n ** BigInt(8 * width) - 1n
      for (const count of [1, 2, 17]) {
        const elements = Array.from({ length: count }, (_, k) => (k === 0 ? max : BigInt(rng.u32()) % (max + 1n)))
        const descriptor = ownDescriptor ?? JSON.stringify({ v: 1, taskId, peers: ['a', 'b'], parameters: { digits_after: 12 } })
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
    // a commit's signature, and a set-partial's certificate (one signed commit) before its elements
    out.push({ frame: encodeMessage({ kind: 'commit', ...header, members: [1], signature: rng.bytes(64) }, 1), lengths: [{ at: 2, width: 1 }, { at: headerEnd, width: 2 }, { at: headerEnd + 3, width: 2 }] })
    const cert = headerEnd + 2 + bitmap
    out.push({
      frame: encodeMessage({ kind: 'set-partial', ...header, members, certificate: [{ party: 2, signature: rng.bytes(64) }], shape: 'vector', elements: [1n, 2n ** 64n, 3n] }, 12),
      lengths: [{ at: 2, width: 1 }, { at: headerEnd, width: 2 }, { at: cert, width: 2 }, { at: cert + 6, width: 2 }, { at: cert + 8 + 64 + 1, width: 2 }, { at: cert + 8 + 64 + 3, width: 4 }]
    })
    // lean mode's kinds: the nonce gather, ring data in both element formats, the tag gather
    const leanDescriptor = ownDescriptor ?? '{"v":1}'
    const ld = utf8.encode(leanDescriptor).length
    out.push({
      frame: encodeMessage({ kind: 'lean-nonces', ...header, pass: 'collect', topology: 'ring', descriptor: leanDescriptor, entries: [{ party: 0, nonce: rng.bytes(16), shape: 'vector', length: 3, publicKey: rng.bytes(32), signature: rng.bytes(64) }, { party: 1, nonce: rng.bytes(16), shape: 'scalar', length: 1, publicKey: rng.bytes(32), signature: rng.bytes(64) }] }, 1),
      lengths: [{ at: 2, width: 1 }, { at: headerEnd + 2, width: 4 }, { at: headerEnd + 6 + ld, width: 2 }]
    })
    out.push({
      frame: encodeMessage({ kind: 'lean-data', ...header, phase: 'reduce', step: 1, frame: 0, elements: Float64Array.of(1.5, -2, 3e9) }, 8),
      // fast format: u8 pad after the format byte, then pad bytes so the elements are 8-aligned, then the count
      lengths: [{ at: 2, width: 1 }, { at: headerEnd + 1, width: 4 }, { at: headerEnd + 5, width: 4 }, { at: headerEnd + 11 + (8 - ((headerEnd + 15) % 8)) % 8, width: 4 }]
    })
    out.push({
      frame: encodeMessage({ kind: 'lean-data', ...header, phase: 'gather', step: 2, frame: 7, elements: [1n, 2n ** 64n] }, 12),
      lengths: [{ at: 2, width: 1 }, { at: headerEnd + 1, width: 4 }, { at: headerEnd + 10, width: 2 }, { at: headerEnd + 12, width: 4 }]
    })
    out.push({
      frame: encodeMessage({ kind: 'lean-confirm', ...header, pass: 'distribute', tags: [{ party: 0, blob: rng.bytes(32) }, { party: 1, blob: rng.bytes(32) }] }, 1),
      lengths: [{ at: 2, width: 1 }, { at: headerEnd + 1, width: 2 }, { at: headerEnd + 3, width: 4 }]
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
export function fuzzFrame (rng: Prng, corpus: readonly Template[]): Uint8Array {
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
export function elementWidth (m: WireMessage, frame: Uint8Array): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const headerEnd = headerEndOf(m)
  switch (m.kind) {
    case 'share': return view.getUint16(headerEnd + 5 + utf8.encode(m.descriptor).length)
    case 'partial': return view.getUint16(headerEnd + 1)
    case 'set-partial': {
      // members bitmap, then the certificate (u16 count, each u32 party | u16 length | signature), the shape, the elements
      let at = headerEnd + 2 + view.getUint16(headerEnd)
      const commits = view.getUint16(at)
      at += 2
      for (let k = 0; k < commits; k++) at += 4 + 2 + view.getUint16(at + 4)
      return view.getUint16(at + 1)
    }
    case 'lean-data': return view.getUint8(headerEnd + 9) === 1 ? view.getUint16(headerEnd + 10) : 8
    default: return 1
  }
}
