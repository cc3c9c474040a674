/**
 * What every frame of the wire format is built from, for the codecs of every mode (codec.ts,
 * lean.ts) and the reply (reply.ts): the byte writer and reader, the common header, the shape
 * byte, the descriptor and the elements block of the wide profile.
 *
 * Header:   u8 version | u8 kind | u8 taskId length | taskId (UTF-8) | 32-byte digest | u32 sender index
 *           [| u16 hop, when the kind byte has HOP_FLAG set: a traced frame]
 * Shape:    u8, 0 scalar, 1 vector
 * Descriptor: u32 length | UTF-8, at most 1 MiB
 * Elements: u16 element width w | u32 count | count * w bytes, each big-endian
 * Integers are big-endian. Every length is checked against the bytes present.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { CodecError } from '../errors.js'
import type { Shape } from '../encoding/fixed-point.js'
import { MAX_TASK_ID_BYTES } from '../task/descriptor.js'

/** The version byte every frame and reply starts with. */
export const WIRE_VERSION = 1
/** The size of a task digest and of a result hash. */
export const DIGEST_BYTES = 32
/** The longest canonical task description a frame may carry (a sanity bound, far above real ones). */
export const MAX_DESCRIPTOR_BYTES = 1 << 20
/** The size of the common header without its task id. */
const HEADER_FIXED_BYTES = 3 + DIGEST_BYTES + 4
/**
 * Set in the kind byte of a traced frame, whose header ends with a u16 hop counter. Untraced
 * frames (every frame of a node that does not trace hops) are byte for byte those of version 1;
 * a node of an earlier build refuses a traced one as an unknown kind.
 */
export const HOP_FLAG = 0x80
/** Hop counters stop here (u16). */
export const MAX_HOP = 0xffff

/**
 * What an elements block may hold, checked before any element is decoded. A node decodes a
 * task's frames with the task's own limits (wire/admission.ts): the field's width, and no more
 * elements than the task's vectors hold.
 */
export interface DecodeLimits {
  /** Most elements accepted in one elements block. */
  readonly maxElements: number
  /** The width every element must have (the task field's); a block of another width is refused. */
  readonly elementBytes?: number
  /** Widest element accepted when `elementBytes` is not given. Default 640. */
  readonly maxElementBytes?: number
  /**
   * Count instead of decode: each elements block of the wide profile is checked and skipped, its
   * decoded cost added here, and decoded as no elements (what decodedCost uses).
   */
  readonly tally?: { bytes: number }
}
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxElements: 1 << 24, maxElementBytes: 640 }
/** The widest element any frame may carry, when no task says otherwise. */
const MAX_ELEMENT_BYTES = 640

/**
 * What one decoded wide element costs in memory: a BigInt of `width` bytes (a 16-byte header and
 * 8-byte digits, on 64-bit V8) and its slot in the array.
 * @param width - the element width in bytes
 * @returns bytes
 */
export function bigintBytes (width: number): number {
  return 24 + 8 * Math.ceil(width / 8)
}

const utf8 = new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of the text (a task id, a reason), not a byte-order mark to drop
const fromUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Text as UTF-8 bytes.
 * @param text - any string (lone surrogates become U+FFFD)
 * @returns its UTF-8 encoding
 */
export function utf8Bytes (text: string): Uint8Array {
  return utf8.encode(text)
}

/** Writes a frame of a size known in advance; `done` checks that it was filled exactly. */
export class FrameWriter {
  /** The frame, zeroed until written; `done` returns this array itself. */
  readonly bytes: Uint8Array
  private readonly view: DataView
  private off = 0
  /** @param size - the frame's exact length in bytes */
  constructor (size: number) { this.bytes = new Uint8Array(size); this.view = new DataView(this.bytes.buffer) }
  /** Where the next byte goes. */
  get offset (): number { return this.off }
  u8 (v: number): void { this.view.setUint8(this.off, v); this.off += 1 }
  u16 (v: number): void { this.view.setUint16(this.off, v); this.off += 2 }
  u32 (v: number): void { this.view.setUint32(this.off, v); this.off += 4 }
  raw (b: Uint8Array): void { this.bytes.set(b, this.off); this.off += b.length }
  /**
   * Leave bytes to be written in place by the caller (zero until then).
   * @param n - how many bytes
   * @returns the offset of the first of them in `bytes`
   */
  reserve (n: number): number { const at = this.off; this.off += n; return at }
  /** @param shape - written as 0 for scalar, 1 for vector */
  shape (shape: Shape): void { this.u8(shape === 'vector' ? 1 : 0) }
  /**
   * The elements block: u16 width | u32 count | each element big-endian in `width` bytes.
   * @throws CodecError for an element that is negative or does not fit in `width` bytes
   */
  elements (elements: readonly bigint[], width: number): void {
    this.u16(width)
    this.u32(elements.length)
    for (const x of elements) {
      const hex = x.toString(16)
      if (hex.length > width * 2 || x < 0n) throw new CodecError(`element does not fit in ${width} bytes`)
      this.raw(hexToBytes(hex.padStart(width * 2, '0')))
    }
  }
  /**
   * @returns the frame
   * @throws CodecError when fewer or more bytes were written than the frame's size (a bug in the caller)
   */
  done (): Uint8Array {
    if (this.off !== this.bytes.length) throw new CodecError(`encoder wrote ${this.off} of ${this.bytes.length} bytes`)
    return this.bytes
  }
}

/**
 * @param count - how many elements
 * @param width - the element width in bytes
 * @returns the size of an elements block
 */
export function elementsSize (count: number, width: number): number { return 2 + 4 + count * width }

/**
 * Reads a frame front to back; every read names what it reads, and throws a CodecError naming
 * it when the frame ends before it.
 */
export class FrameReader {
  private readonly view: DataView
  private off = 0
  /** @param frame - the frame; read, never kept (what is returned is copied out of it) */
  /** Whether the kind byte read had HOP_FLAG set (then readHeader reads the hop counter). */
  traced = false
  constructor (private readonly frame: Uint8Array) { this.view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength) }
  /**
   * @param n - bytes needed from the current offset
   * @param what - what they are, for the error
   * @throws CodecError when the frame has fewer than `n` bytes left
   */
  need (n: number, what: string): void {
    if (this.off + n > this.frame.length) throw new CodecError(`truncated: ${what} needs ${n} bytes at offset ${this.off}, frame has ${this.frame.length}`)
  }
  u8 (what: string): number { this.need(1, what); return this.view.getUint8(this.off++) }
  u16 (what: string): number { this.need(2, what); const v = this.view.getUint16(this.off); this.off += 2; return v }
  u32 (what: string): number { this.need(4, what); const v = this.view.getUint32(this.off); this.off += 4; return v }
  /**
   * A view into the frame, for a caller that converts it at once (the frame is wiped once decoded).
   * @throws CodecError when the frame has fewer than `n` bytes left
   */
  borrow (n: number, what: string): Uint8Array {
    this.need(n, what)
    const b = this.frame.subarray(this.off, this.off + n)
    this.off += n
    return b
  }
  /**
   * A copy, never a view: the frame is wiped once decoded (and a Node Buffer's slice() is a view).
   * @throws CodecError when the frame has fewer than `n` bytes left
   */
  copy (n: number, what: string): Uint8Array { return new Uint8Array(this.borrow(n, what)) }
  /**
   * `n` bytes of UTF-8; a leading U+FEFF is kept.
   * @throws CodecError when the frame is shorter, or for bytes that are not valid UTF-8
   */
  text (n: number, what: string): string {
    const b = this.borrow(n, what)
    try { return fromUtf8.decode(b) } catch { throw new CodecError(`${what} is not valid UTF-8`) }
  }
  /**
   * @returns the shape byte's shape
   * @throws CodecError for a byte other than 0 (scalar) and 1 (vector)
   */
  shape (): Shape {
    const s = this.u8('shape')
    if (s > 1) throw new CodecError(`unknown shape ${s}`)
    return s === 1 ? 'vector' : 'scalar'
  }
  /**
   * @returns a descriptor: u32 length | UTF-8
   * @throws CodecError for one longer than MAX_DESCRIPTOR_BYTES, truncated, or not UTF-8
   */
  descriptor (): string {
    const length = this.u32('descriptor length')
    if (length > MAX_DESCRIPTOR_BYTES) throw new CodecError(`descriptor of ${length} bytes`)
    return this.text(length, 'descriptor')
  }
  /**
   * @param limits - the element width (exact, or the widest) and the most elements accepted
   * @returns the elements of an elements block (none when `limits.tally` counts them instead)
   * @throws CodecError for a width other than the task's (or 0, or over the widest), too many elements, or fewer bytes than they need
   */
  elements (limits: DecodeLimits): bigint[] {
    const width = this.u16('element width')
    if (limits.elementBytes !== undefined) {
      if (width !== limits.elementBytes) throw new CodecError(`element width ${width}, the task's field has ${limits.elementBytes}`)
    } else {
      const widest = limits.maxElementBytes ?? MAX_ELEMENT_BYTES
      if (width === 0 || width > widest) throw new CodecError(`element width ${width} is outside 1..${widest}`)
    }
    const count = this.u32('element count')
    if (count > limits.maxElements) throw new CodecError(`${count} elements exceed the limit of ${limits.maxElements}`)
    if (limits.tally !== undefined) {
      this.borrow(count * width, `${count} elements of ${width} bytes`)
      limits.tally.bytes += count * bigintBytes(width)
      return []
    }
    // one hex conversion for the whole block: far faster than one per element
    const hex = bytesToHex(this.borrow(count * width, `${count} elements of ${width} bytes`))
    const out: bigint[] = new Array(count)
    for (let k = 0; k < count; k++) out[k] = BigInt('0x' + hex.slice(k * width * 2, (k + 1) * width * 2))
    return out
  }
  /** @throws CodecError when bytes are left after the message */
  end (): void {
    if (this.off !== this.frame.length) throw new CodecError(`${this.frame.length - this.off} bytes left over after the message`)
  }
}

/** The fields of the common header that a message carries. */
export interface FrameHeader {
  readonly taskId: string
  readonly digest: Uint8Array
  /** The sender's index in the task's node list (checked against its authenticated PeerId). */
  readonly from: number
  /**
   * In a traced frame only: one more than the highest hop of the messages its sender had
   * received for the task when it sent this one (1 for a message sent before receiving any),
   * so the highest hop at a party is the longest chain of messages, one after another, that
   * reached it. A measurement (the benchmark's hops), never a security check.
   */
  readonly hop?: number
}

/** A header checked and with its task id encoded, ready for `startFrame`. */
export interface EncodedHeader {
  readonly taskId: Uint8Array
  readonly digest: Uint8Array
  readonly from: number
  readonly hop?: number
  /** The header's size in bytes: a frame's body starts at this offset. */
  readonly size: number
}

/**
 * @param header - a message's task id, digest and sender index
 * @returns the header with its task id encoded and its size
 * @throws CodecError for a task id of 0 or more than MAX_TASK_ID_BYTES bytes, a digest of another size than 32 bytes, or a hop that is not an integer in [1, MAX_HOP]
 */
export function encodeHeader (header: FrameHeader): EncodedHeader {
  const taskId = utf8.encode(header.taskId)
  if (taskId.length === 0 || taskId.length > MAX_TASK_ID_BYTES) throw new CodecError(`task id of ${taskId.length} bytes`)
  if (header.digest.length !== DIGEST_BYTES) throw new CodecError(`digest of ${header.digest.length} bytes`)
  const hop = header.hop
  if (hop === undefined) return { taskId, digest: header.digest, from: header.from, size: HEADER_FIXED_BYTES + taskId.length }
  if (!Number.isInteger(hop) || hop < 1 || hop > MAX_HOP) throw new CodecError(`hop ${hop}`)
  return { taskId, digest: header.digest, from: header.from, hop, size: HEADER_FIXED_BYTES + taskId.length + 2 }
}

/**
 * A frame with its header written.
 * @param header - from `encodeHeader`
 * @param kindCode - the message kind's code
 * @param bodySize - the exact size of the body the caller writes next
 * @returns the writer, positioned at the body
 */
export function startFrame (header: EncodedHeader, kindCode: number, bodySize: number): FrameWriter {
  const w = new FrameWriter(header.size + bodySize)
  w.u8(WIRE_VERSION)
  w.u8(header.hop === undefined ? kindCode : kindCode | HOP_FLAG)
  w.u8(header.taskId.length)
  w.raw(header.taskId)
  w.raw(header.digest)
  w.u32(header.from)
  if (header.hop !== undefined) w.u16(header.hop)
  return w
}

/**
 * The first two bytes of a frame: the version, checked, and the kind's code (HOP_FLAG taken
 * off, and noted in `r.traced`).
 * @param r - a reader at the frame's start
 * @returns the kind code, for the caller to look up
 * @throws CodecError for a frame of another version, or shorter than two bytes
 */
export function readKindCode (r: FrameReader): number {
  const version = r.u8('version')
  if (version !== WIRE_VERSION) throw new CodecError(`wire version ${version}, this node speaks ${WIRE_VERSION}`)
  const code = r.u8('kind')
  r.traced = (code & HOP_FLAG) !== 0
  return code & ~HOP_FLAG
}

/**
 * The rest of the header, after `readKindCode`.
 * @param r - a reader after the kind byte
 * @returns the task id, a copy of the digest, the sender index, and the hop of a traced frame
 * @throws CodecError for a task id length of 0 or above MAX_TASK_ID_BYTES, a task id that is not UTF-8, a hop of 0, or a truncated header
 */
export function readHeader (r: FrameReader): FrameHeader {
  const idLength = r.u8('task id length')
  if (idLength === 0 || idLength > MAX_TASK_ID_BYTES) throw new CodecError(`task id length ${idLength}`)
  const taskId = r.text(idLength, 'task id')
  const digest = r.copy(DIGEST_BYTES, 'digest')
  const from = r.u32('sender index')
  if (!r.traced) return { taskId, digest, from }
  const hop = r.u16('hop')
  if (hop === 0) throw new CodecError('hop 0')
  return { taskId, digest, from, hop }
}
