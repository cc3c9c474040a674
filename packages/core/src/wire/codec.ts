/**
 * The versioned binary wire format of SecureSum messages and of the receiver's reply.
 *
 * Frame: u8 version | u8 kind | u8 taskId length | taskId (UTF-8) | 32-byte digest | u32 sender index | body
 *   share:   u8 shape | u32 descriptor length | descriptor (UTF-8) | elements
 *   partial: u8 shape | elements
 *   confirm: 32-byte result hash
 *   abort:   u16 code length | code | u16 reason length | reason (UTF-8)
 *   threshold mode (kinds 32..47): propose, commit: members | set-partial: members | u8 shape | elements
 *     members: u16 bitmap length | bitmap, bit j (j % 8 from the top of byte j >> 3) set for party j
 *   lean mode (kinds 16..31): see lean/codec.ts
 * elements: u16 element width w | u32 count | count * w bytes, each big-endian
 * Every length is checked against the bytes present: a truncated or padded frame is refused.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { CodecError } from '../errors.js'
import type { Shape } from '../encoding/fixed-point.js'
import { MAX_TASK_ID_BYTES } from '../task/descriptor.js'
import { decodeLeanMessage, encodeLeanMessage, isLeanKindCode, isLeanMessage, type LeanMessage } from './lean.js'

export const WIRE_VERSION = 1
const DIGEST_BYTES = 32

export type MessageKind = 'share' | 'partial' | 'confirm' | 'abort' | 'propose' | 'commit' | 'set-partial'
const KIND_CODES: Record<MessageKind, number> = { share: 1, partial: 2, confirm: 3, abort: 4, propose: 32, commit: 33, 'set-partial': 34 }
const KINDS_BY_CODE = new Map<number, MessageKind>(Object.entries(KIND_CODES).map(([k, v]) => [v, k as MessageKind]))

interface Header {
  readonly taskId: string
  readonly digest: Uint8Array
  /** The sender's index in the task's node list (checked against its authenticated PeerId). */
  readonly from: number
}

export interface ShareMessage extends Header { readonly kind: 'share', readonly shape: Shape, readonly descriptor: string, readonly elements: bigint[] }
export interface PartialMessage extends Header { readonly kind: 'partial', readonly shape: Shape, readonly elements: bigint[] }
export interface ConfirmMessage extends Header { readonly kind: 'confirm', readonly hash: Uint8Array }
export interface AbortMessage extends Header { readonly kind: 'abort', readonly code: string, readonly reason: string }
/** Threshold mode: the parties whose shares the sender holds at its sharing deadline. */
export interface ProposeMessage extends Header { readonly kind: 'propose', readonly members: number[] }
/** Threshold mode: the one input set the sender will ever reveal a partial sum for. */
export interface CommitMessage extends Header { readonly kind: 'commit', readonly members: number[] }
/** Threshold mode: the sender's partial sum over the shares of `members`. */
export interface SetPartialMessage extends Header { readonly kind: 'set-partial', readonly members: number[], readonly shape: Shape, readonly elements: bigint[] }
export type WireMessage = ShareMessage | PartialMessage | ConfirmMessage | AbortMessage | ProposeMessage | CommitMessage | SetPartialMessage | LeanMessage

export interface DecodeLimits {
  /** Most elements accepted in one frame. */
  readonly maxElements: number
  /** Widest element accepted, in bytes. */
  readonly maxElementBytes: number
}
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxElements: 1 << 24, maxElementBytes: 640 }

const utf8 = new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of the text (a task id, a reason), not a byte-order mark to drop
const fromUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

class Writer {
  private readonly buf: Uint8Array
  private readonly view: DataView
  private off = 0
  constructor (size: number) { this.buf = new Uint8Array(size); this.view = new DataView(this.buf.buffer) }
  u8 (v: number): void { this.view.setUint8(this.off, v); this.off += 1 }
  u16 (v: number): void { this.view.setUint16(this.off, v); this.off += 2 }
  u32 (v: number): void { this.view.setUint32(this.off, v); this.off += 4 }
  bytes (b: Uint8Array): void { this.buf.set(b, this.off); this.off += b.length }
  elements (elements: readonly bigint[], width: number): void {
    this.u16(width)
    this.u32(elements.length)
    for (const x of elements) {
      const hex = x.toString(16)
      if (hex.length > width * 2 || x < 0n) throw new CodecError(`element does not fit in ${width} bytes`)
      this.buf.set(hexToBytes(hex.padStart(width * 2, '0')), this.off)
      this.off += width
    }
  }
  done (): Uint8Array {
    if (this.off !== this.buf.length) throw new CodecError(`encoder wrote ${this.off} of ${this.buf.length} bytes`)
    return this.buf
  }
}

class Reader {
  private readonly view: DataView
  private off = 0
  constructor (private readonly buf: Uint8Array) { this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength) }
  private need (n: number, what: string): void {
    if (this.off + n > this.buf.length) throw new CodecError(`truncated: ${what} needs ${n} bytes at offset ${this.off}, frame has ${this.buf.length}`)
  }
  u8 (what: string): number { this.need(1, what); return this.view.getUint8(this.off++) }
  u16 (what: string): number { this.need(2, what); const v = this.view.getUint16(this.off); this.off += 2; return v }
  u32 (what: string): number { this.need(4, what); const v = this.view.getUint32(this.off); this.off += 4; return v }
  /** A copy, never a view: the frame is wiped once decoded (and a Node Buffer's slice() is a view). */
  bytes (n: number, what: string): Uint8Array { this.need(n, what); const b = new Uint8Array(this.buf.subarray(this.off, this.off + n)); this.off += n; return b }
  text (n: number, what: string): string {
    try { return fromUtf8.decode(this.bytes(n, what)) } catch (err) {
      if (err instanceof CodecError) throw err
      throw new CodecError(`${what} is not valid UTF-8`)
    }
  }
  elements (limits: DecodeLimits): bigint[] {
    const width = this.u16('element width')
    if (width === 0 || width > limits.maxElementBytes) throw new CodecError(`element width ${width} is outside 1..${limits.maxElementBytes}`)
    const count = this.u32('element count')
    if (count > limits.maxElements) throw new CodecError(`${count} elements exceed the limit of ${limits.maxElements}`)
    this.need(count * width, `${count} elements of ${width} bytes`)
    const out: bigint[] = new Array(count)
    const hex = bytesToHex(this.buf.subarray(this.off, this.off + count * width))
    for (let k = 0; k < count; k++) out[k] = BigInt('0x' + hex.slice(k * width * 2, (k + 1) * width * 2))
    this.off += count * width
    return out
  }
  end (): void {
    if (this.off !== this.buf.length) throw new CodecError(`${this.buf.length - this.off} bytes left over after the message`)
  }
}

function elementsSize (count: number, width: number): number { return 2 + 4 + count * width }

/** A set of party indices as a bitmap (ascending, distinct indices below 2^16 * 8). */
function membersBitmap (members: readonly number[]): Uint8Array {
  const top = members.length === 0 ? -1 : members[members.length - 1]!
  const bitmap = new Uint8Array((top >> 3) + 1)
  let previous = -1
  for (const j of members) {
    if (!Number.isSafeInteger(j) || j <= previous || j >= 0x10000 * 8) throw new CodecError('members must be ascending distinct party indices')
    bitmap[j >> 3]! |= 0x80 >> (j & 7)
    previous = j
  }
  if (bitmap.length > 0xffff) throw new CodecError(`member bitmap of ${bitmap.length} bytes`)
  return bitmap
}

/** Encode a message; `elementBytes` is the field's element width. */
export function encodeMessage (m: WireMessage, elementBytes: number): Uint8Array {
  if (isLeanMessage(m)) return encodeLeanMessage(m, elementBytes)
  const taskId = utf8.encode(m.taskId)
  if (taskId.length === 0 || taskId.length > MAX_TASK_ID_BYTES) throw new CodecError(`task id of ${taskId.length} bytes`)
  if (m.digest.length !== DIGEST_BYTES) throw new CodecError(`digest of ${m.digest.length} bytes`)
  let bodySize: number
  let descriptor: Uint8Array | undefined
  let code: Uint8Array | undefined
  let reason: Uint8Array | undefined
  let bitmap: Uint8Array | undefined
  switch (m.kind) {
    case 'share':
      descriptor = utf8.encode(m.descriptor)
      bodySize = 1 + 4 + descriptor.length + elementsSize(m.elements.length, elementBytes)
      break
    case 'partial':
      bodySize = 1 + elementsSize(m.elements.length, elementBytes)
      break
    case 'confirm':
      if (m.hash.length !== DIGEST_BYTES) throw new CodecError(`result hash of ${m.hash.length} bytes`)
      bodySize = DIGEST_BYTES
      break
    case 'abort':
      code = utf8.encode(m.code.slice(0, 64))
      reason = utf8.encode(m.reason.slice(0, 4000))
      bodySize = 2 + code.length + 2 + reason.length
      break
    case 'propose':
    case 'commit':
    case 'set-partial':
      bitmap = membersBitmap(m.members)
      bodySize = 2 + bitmap.length + (m.kind === 'set-partial' ? 1 + elementsSize(m.elements.length, elementBytes) : 0)
      break
  }
  const w = new Writer(3 + taskId.length + DIGEST_BYTES + 4 + bodySize)
  w.u8(WIRE_VERSION)
  w.u8(KIND_CODES[m.kind])
  w.u8(taskId.length)
  w.bytes(taskId)
  w.bytes(m.digest)
  w.u32(m.from)
  switch (m.kind) {
    case 'share':
      w.u8(m.shape === 'vector' ? 1 : 0)
      w.u32(descriptor!.length)
      w.bytes(descriptor!)
      w.elements(m.elements, elementBytes)
      break
    case 'partial':
      w.u8(m.shape === 'vector' ? 1 : 0)
      w.elements(m.elements, elementBytes)
      break
    case 'confirm':
      w.bytes(m.hash)
      break
    case 'abort':
      w.u16(code!.length); w.bytes(code!)
      w.u16(reason!.length); w.bytes(reason!)
      break
    case 'propose':
    case 'commit':
    case 'set-partial':
      w.u16(bitmap!.length); w.bytes(bitmap!)
      if (m.kind === 'set-partial') {
        w.u8(m.shape === 'vector' ? 1 : 0)
        w.elements(m.elements, elementBytes)
      }
      break
  }
  return w.done()
}

function readMembers (r: Reader): number[] {
  const bitmap = r.bytes(r.u16('member bitmap length'), 'member bitmap')
  const members: number[] = []
  bitmap.forEach((byte, i) => { for (let b = 0; b < 8; b++) if ((byte & (0x80 >> b)) !== 0) members.push(i * 8 + b) })
  return members
}

function readShape (r: Reader): Shape {
  const s = r.u8('shape')
  if (s > 1) throw new CodecError(`unknown shape ${s}`)
  return s === 1 ? 'vector' : 'scalar'
}

/**
 * Decode one frame.
 * @throws CodecError for an unknown version or kind, any length that does not match, or limits exceeded
 */
export function decodeMessage (frame: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): WireMessage {
  const r = new Reader(frame)
  const version = r.u8('version')
  if (version !== WIRE_VERSION) throw new CodecError(`wire version ${version}, this node speaks ${WIRE_VERSION}`)
  const kindCode = r.u8('kind')
  if (isLeanKindCode(kindCode)) return decodeLeanMessage(frame, limits)
  const kind = KINDS_BY_CODE.get(kindCode)
  if (kind === undefined) throw new CodecError(`unknown message kind ${kindCode}`)
  const idLength = r.u8('task id length')
  if (idLength === 0 || idLength > MAX_TASK_ID_BYTES) throw new CodecError(`task id length ${idLength}`)
  const taskId = r.text(idLength, 'task id')
  const digest = r.bytes(DIGEST_BYTES, 'digest')
  const from = r.u32('sender index')
  let m: WireMessage
  switch (kind) {
    case 'share': {
      const shape = readShape(r)
      const descriptorLength = r.u32('descriptor length')
      if (descriptorLength > 1 << 20) throw new CodecError(`descriptor of ${descriptorLength} bytes`)
      const descriptor = r.text(descriptorLength, 'descriptor')
      m = { kind, taskId, digest, from, shape, descriptor, elements: r.elements(limits) }
      break
    }
    case 'partial': {
      const shape = readShape(r)
      m = { kind, taskId, digest, from, shape, elements: r.elements(limits) }
      break
    }
    case 'confirm':
      m = { kind, taskId, digest, from, hash: r.bytes(DIGEST_BYTES, 'result hash') }
      break
    case 'abort': {
      const code = r.text(r.u16('code length'), 'code')
      const reason = r.text(r.u16('reason length'), 'reason')
      m = { kind, taskId, digest, from, code, reason }
      break
    }
    case 'propose':
    case 'commit':
      m = { kind, taskId, digest, from, members: readMembers(r) }
      break
    case 'set-partial': {
      const members = readMembers(r)
      const shape = readShape(r)
      m = { kind, taskId, digest, from, members, shape, elements: r.elements(limits) }
      break
    }
  }
  r.end()
  return m
}

/** The receiver's answer to every frame. */
export type ReplyStatus = 'accepted' | 'held' | 'refused'
export interface Reply { readonly status: ReplyStatus, readonly code: string, readonly message: string }
const REPLY_CODES: Record<ReplyStatus, number> = { accepted: 0, held: 1, refused: 2 }
const REPLIES_BY_CODE = new Map<number, ReplyStatus>(Object.entries(REPLY_CODES).map(([k, v]) => [v, k as ReplyStatus]))

/** Reply: u8 version | u8 status | u16 code length | code | u16 message length | message */
export function encodeReply (reply: Reply): Uint8Array {
  const code = utf8.encode(reply.code.slice(0, 64))
  const message = utf8.encode(reply.message.slice(0, 4000))
  const w = new Writer(2 + 2 + code.length + 2 + message.length)
  w.u8(WIRE_VERSION); w.u8(REPLY_CODES[reply.status])
  w.u16(code.length); w.bytes(code)
  w.u16(message.length); w.bytes(message)
  return w.done()
}

export function decodeReply (frame: Uint8Array): Reply {
  const r = new Reader(frame)
  const version = r.u8('version')
  if (version !== WIRE_VERSION) throw new CodecError(`reply version ${version}`)
  const statusCode = r.u8('status')
  const status = REPLIES_BY_CODE.get(statusCode)
  if (status === undefined) throw new CodecError(`unknown reply status ${statusCode}`)
  const code = r.text(r.u16('code length'), 'code')
  const message = r.text(r.u16('message length'), 'message')
  r.end()
  return { status, code, message }
}
