/**
 * Lean mode's messages on the wire (kinds 16..31), after the common header of frame.ts
 * (u8 version | u8 kind | u8 taskId length | taskId | 32-byte digest | u32 sender index [| u16 hop when traced]):
 *   16 lean-nonces:  u8 pass | u8 topology (0 ring, 1 tree, 2 direct) | u32 descriptor length | descriptor (UTF-8) |
 *                    u16 count | count * (u32 party | 16-byte nonce | u8 shape | u32 length |
 *                                         32-byte ephemeral X25519 public key | 64-byte Ed25519 signature)
 *   17 lean-data:    u8 phase | u32 step | u32 frame | u8 format | elements
 *                      format 0 (fast profile): u8 pad | pad zero bytes | u32 count | count * 8 bytes,
 *                        little-endian doubles starting 8-byte aligned in the frame (pad < 8)
 *                      format 1 (wide profile): u16 width | u32 count | count * width bytes, big-endian
 *   18 lean-confirm: u8 pass | u16 count | u32 entry bytes | count * (u32 party | entry)
 * Every length is checked against the bytes present.
 */
import type { Shape } from '../encoding/fixed-point.js'
import { CodecError } from '../errors.js'
import { fastFromBytes, fastToBytes, LITTLE_ENDIAN } from '../field/fast.js'
import { EPHEMERAL_KEY_BYTES, NONCE_BYTES, SIGNATURE_BYTES } from '../protocols/lean/crypto.js'
import {
  elementsSize, encodeHeader, FrameReader, readHeader, readKindCode, startFrame, utf8Bytes,
  type DecodeLimits, type EncodedHeader, type FrameHeader, type FrameWriter
} from './frame.js'

/**
 * A pass of a gather: collecting entries (ring: 0 -> n-1; tree: leaves to root), then handing
 * the full list on (ring: n-1 -> 0 -> ... -> n-2; tree: root to leaves).
 */
export type RingPass = 'collect' | 'distribute'

/**
 * How lean mode moves partial sums: a ring (large vectors, many parties), direct sends to each
 * segment's holder (large vectors, few parties) or a binary tree (small inputs).
 */
export type Topology = 'ring' | 'tree' | 'direct'

const TOPOLOGY_CODES: Record<Topology, number> = { ring: 0, tree: 1, direct: 2 }
const TOPOLOGIES: readonly Topology[] = ['ring', 'tree', 'direct']

/**
 * One party's contribution to the nonce gather: its nonce, the shape of its input, and its
 * ephemeral X25519 public key for this task with its identity key's signature over it
 * (see ephemeralStatement in protocols/lean/crypto.ts).
 */
export interface LeanEntry {
  readonly party: number
  readonly nonce: Uint8Array
  readonly shape: Shape
  readonly length: number
  readonly publicKey: Uint8Array
  readonly signature: Uint8Array
}

/** One party's confirmation tags: for every other party in index order. */
export interface LeanTags { readonly party: number, readonly blob: Uint8Array }

export interface LeanNoncesMessage extends FrameHeader {
  readonly kind: 'lean-nonces'
  readonly pass: RingPass
  readonly topology: Topology
  /** The sender's canonical task description, so a party with another one is named. */
  readonly descriptor: string
  /** Entries in party order. */
  readonly entries: LeanEntry[]
}

export interface LeanDataMessage extends FrameHeader {
  readonly kind: 'lean-data'
  readonly phase: 'reduce' | 'gather'
  readonly step: number
  readonly frame: number
  /** Fast profile: a Float64Array; wide profile: bigints. */
  readonly elements: Float64Array | bigint[]
  /** The wire frame already built around `elements` (see buildFastDataFrame); encode returns it as is. */
  readonly wire?: Uint8Array
}

export interface LeanConfirmMessage extends FrameHeader {
  readonly kind: 'lean-confirm'
  readonly pass: RingPass
  /** Per party, in party order. */
  readonly tags: LeanTags[]
}

export type LeanMessage = LeanNoncesMessage | LeanDataMessage | LeanConfirmMessage
export type LeanKind = LeanMessage['kind']

const LEAN_KIND_CODES: Record<LeanKind, number> = { 'lean-nonces': 16, 'lean-data': 17, 'lean-confirm': 18 }
const LEAN_KINDS_BY_CODE = new Map<number, LeanKind>(Object.entries(LEAN_KIND_CODES).map(([k, v]) => [v, k as LeanKind]))
const PASS_CODES: Record<RingPass, number> = { collect: 0, distribute: 1 }
const FORMAT_FAST = 0
const FORMAT_WIDE = 1
/** The bytes of a nonce entry: u32 party | nonce | u8 shape | u32 length | public key | signature. */
const ENTRY_BYTES = 4 + NONCE_BYTES + 1 + 4 + EPHEMERAL_KEY_BYTES + SIGNATURE_BYTES
/** The bytes of a data frame's body before its elements: u8 phase | u32 step | u32 frame | u8 format. */
const DATA_PREFIX_BYTES = 1 + 4 + 4 + 1

/**
 * @param code - a message kind's code
 * @returns whether it belongs to lean mode (16..31)
 */
export function isLeanKindCode (code: number): boolean {
  return code >= 16 && code <= 31
}

/**
 * @param code - a message kind's code
 * @returns the lean kind it names, or undefined
 */
export function leanKindOf (code: number): LeanKind | undefined {
  return LEAN_KINDS_BY_CODE.get(code)
}

/**
 * @param m - a message of any mode
 * @returns whether it is one of lean mode's
 */
export function isLeanMessage (m: { readonly kind: string }): m is LeanMessage {
  return m.kind.startsWith('lean-')
}

function readPass (r: FrameReader): RingPass {
  const p = r.u8('pass')
  if (p > 1) throw new CodecError(`unknown ring pass ${p}`)
  return p === 0 ? 'collect' : 'distribute'
}

/** Pad bytes after the pad byte at `offset` so that elements (after a u32 count) start 8-aligned. */
function fastPad (offset: number): number {
  return (8 - ((offset + 5) % 8)) % 8
}

/** The body of a fast-profile data frame of `count` elements after a header of `headerSize` bytes. */
function fastDataBodySize (headerSize: number, count: number): number {
  return DATA_PREFIX_BYTES + 1 + fastPad(headerSize + DATA_PREFIX_BYTES) + 4 + count * 8
}

/** Writes a data frame's body up to its elements. */
function writeDataPrefix (w: FrameWriter, m: Pick<LeanDataMessage, 'phase' | 'step' | 'frame'>, format: number): void {
  w.u8(m.phase === 'reduce' ? 0 : 1)
  w.u32(m.step)
  w.u32(m.frame)
  w.u8(format)
}

/** Writes a fast-profile data frame's body but its elements; returns where they start (8-aligned). */
function writeFastDataBody (w: FrameWriter, m: Pick<LeanDataMessage, 'phase' | 'step' | 'frame'>, count: number): number {
  writeDataPrefix(w, m, FORMAT_FAST)
  const pad = fastPad(w.offset)
  w.u8(pad)
  w.reserve(pad)
  w.u32(count)
  return w.reserve(count * 8)
}

/** The body's size and a function that writes it, once its length-prefixed parts are encoded. */
interface Body { readonly size: number, readonly write: (w: FrameWriter) => void }

function bodyOf (m: LeanMessage, header: EncodedHeader, elementBytes: number): Body {
  switch (m.kind) {
    case 'lean-nonces': {
      if (m.entries.length > 0xffff) throw new CodecError(`${m.entries.length} nonce entries`)
      const descriptor = utf8Bytes(m.descriptor)
      return {
        size: 1 + 1 + 4 + descriptor.length + 2 + m.entries.length * ENTRY_BYTES,
        write: w => {
          w.u8(PASS_CODES[m.pass])
          w.u8(TOPOLOGY_CODES[m.topology])
          w.u32(descriptor.length)
          w.raw(descriptor)
          w.u16(m.entries.length)
          for (const e of m.entries) {
            if (e.nonce.length !== NONCE_BYTES) throw new CodecError(`nonce of ${e.nonce.length} bytes`)
            if (e.publicKey.length !== EPHEMERAL_KEY_BYTES) throw new CodecError(`ephemeral key of ${e.publicKey.length} bytes`)
            if (e.signature.length !== SIGNATURE_BYTES) throw new CodecError(`signature of ${e.signature.length} bytes`)
            w.u32(e.party)
            w.raw(e.nonce)
            w.shape(e.shape)
            w.u32(e.length)
            w.raw(e.publicKey)
            w.raw(e.signature)
          }
        }
      }
    }
    case 'lean-data': {
      const elements = m.elements
      if (elements instanceof Float64Array) {
        return {
          size: fastDataBodySize(header.size, elements.length),
          write: w => fastToBytes(elements, w.bytes, writeFastDataBody(w, m, elements.length))
        }
      }
      return {
        size: DATA_PREFIX_BYTES + elementsSize(elements.length, elementBytes),
        write: w => { writeDataPrefix(w, m, FORMAT_WIDE); w.elements(elements, elementBytes) }
      }
    }
    case 'lean-confirm': {
      const size = m.tags[0]?.blob.length ?? 0
      if (m.tags.some(t => t.blob.length !== size)) throw new CodecError('confirmation entries of different sizes')
      return {
        size: 1 + 2 + 4 + m.tags.length * (4 + size),
        write: w => {
          w.u8(PASS_CODES[m.pass])
          w.u16(m.tags.length)
          w.u32(size)
          for (const t of m.tags) { w.u32(t.party); w.raw(t.blob) }
        }
      }
    }
  }
}

/**
 * Encode a lean message (encodeMessage calls this for lean mode's kinds).
 * @param m - the message; a data message with `wire` set (from buildFastDataFrame) is returned as that frame
 * @param elementBytes - the wide field's element width (ignored for Float64Array elements)
 * @returns the frame
 * @throws CodecError for a bad task id or digest, more than 65535 entries, a nonce not of 16 bytes,
 *   an ephemeral key not of 32 or a signature not of 64 bytes, confirmation entries of different sizes, or an element that does not fit in `elementBytes`
 */
export function encodeLeanMessage (m: LeanMessage, elementBytes: number): Uint8Array {
  const header = encodeHeader(m)
  // built in place by buildFastDataFrame: the elements are already in the frame
  if (m.kind === 'lean-data' && m.wire !== undefined) return m.wire
  const body = bodyOf(m, header, elementBytes)
  const w = startFrame(header, LEAN_KIND_CODES[m.kind], body.size)
  body.write(w)
  return w.done()
}

/**
 * A fast-profile data frame with its elements still to be written: the frame's bytes, and a
 * Float64Array over the place of its elements (little-endian platforms), so the elements are
 * computed in place and never copied into the frame.
 * @param m - the data message but its elements
 * @param count - how many elements
 * @returns the frame and the view of its elements; undefined on big-endian platforms
 * @throws CodecError for a task id of 0 or more than 128 bytes, or a digest not of 32 bytes
 */
export function buildFastDataFrame (m: Omit<LeanDataMessage, 'elements' | 'wire'>, count: number): { wire: Uint8Array, elements: Float64Array } | undefined {
  if (!LITTLE_ENDIAN) return undefined
  const header = encodeHeader(m)
  const w = startFrame(header, LEAN_KIND_CODES['lean-data'], fastDataBodySize(header.size, count))
  const at = writeFastDataBody(w, m, count)
  const wire = w.done()
  return { wire, elements: new Float64Array(wire.buffer, wire.byteOffset + at, count) }
}

function readDataElements (r: FrameReader, limits: DecodeLimits): Float64Array | bigint[] {
  const format = r.u8('element format')
  if (format === FORMAT_WIDE) return r.elements(limits)
  if (format !== FORMAT_FAST) throw new CodecError(`unknown element format ${format}`)
  const pad = r.u8('pad')
  if (pad > 7) throw new CodecError(`pad of ${pad} bytes`)
  r.borrow(pad, 'pad')
  const count = r.u32('element count')
  if (count > limits.maxElements) throw new CodecError(`${count} elements exceed the limit of ${limits.maxElements}`)
  return fastFromBytes(r.borrow(count * 8, `${count} elements of 8 bytes`))
}

/**
 * Decode a lean frame (decodeMessage calls this for lean mode's kinds).
 * @param frame - the frame's bytes, from its version byte; not kept, so it may be wiped after
 * @param limits - the most elements and the widest element accepted
 * @returns the message
 * @throws CodecError for another version, a kind that is not lean mode's, any length that does not match, or limits exceeded
 */
export function decodeLeanMessage (frame: Uint8Array, limits: DecodeLimits): LeanMessage {
  const r = new FrameReader(frame)
  const code = readKindCode(r)
  const kind = LEAN_KINDS_BY_CODE.get(code)
  if (kind === undefined) throw new CodecError(`unknown message kind ${code}`)
  const header = readHeader(r)
  let m: LeanMessage
  switch (kind) {
    case 'lean-nonces': {
      const pass = readPass(r)
      const topologyCode = r.u8('topology')
      const topology = TOPOLOGIES[topologyCode]
      if (topology === undefined) throw new CodecError(`unknown topology ${topologyCode}`)
      const descriptor = r.descriptor()
      const count = r.u16('entry count')
      r.need(count * ENTRY_BYTES, `${count} nonce entries of ${ENTRY_BYTES} bytes`)
      const entries: LeanEntry[] = []
      for (let i = 0; i < count; i++) {
        const party = r.u32('party')
        const nonce = r.copy(NONCE_BYTES, 'nonce')
        const shape = r.shape()
        const length = r.u32('length')
        const publicKey = r.copy(EPHEMERAL_KEY_BYTES, 'ephemeral key')
        entries.push({ party, nonce, shape, length, publicKey, signature: r.copy(SIGNATURE_BYTES, 'signature') })
      }
      m = { kind, ...header, pass, topology, descriptor, entries }
      break
    }
    case 'lean-data': {
      const phaseCode = r.u8('phase')
      if (phaseCode > 1) throw new CodecError(`unknown phase ${phaseCode}`)
      const step = r.u32('step')
      const frameIndex = r.u32('frame')
      m = { kind, ...header, phase: phaseCode === 0 ? 'reduce' : 'gather', step, frame: frameIndex, elements: readDataElements(r, limits) }
      break
    }
    case 'lean-confirm': {
      const pass = readPass(r)
      const count = r.u16('entry count')
      const size = r.u32('entry bytes')
      if (size > 1 << 20) throw new CodecError(`confirmation entries of ${size} bytes`)
      r.need(count * (4 + size), `${count} entries of ${size} bytes`)
      const tags: LeanTags[] = []
      for (let i = 0; i < count; i++) {
        const party = r.u32('party')
        tags.push({ party, blob: r.copy(size, 'entry') })
      }
      m = { kind, ...header, pass, tags }
      break
    }
  }
  r.end()
  return m
}
