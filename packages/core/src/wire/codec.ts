/**
 * The messages of the full mesh and of threshold mode on the wire, and the entry point that
 * decodes a frame of any mode. The header, shape byte, descriptor and elements block: frame.ts.
 *
 * Frame: header (u8 version | u8 kind | u8 taskId length | taskId | 32-byte digest | u32 sender index [| u16 hop in a traced frame, frame.ts]) | body
 *   1 share:   u8 shape | u32 descriptor length | descriptor (UTF-8) | elements
 *   2 partial: u8 shape | elements
 *   3 confirm: 32-byte result hash
 *   4 abort:   u16 code length | code | u16 reason length | reason (UTF-8)
 *   threshold mode (kinds 32..47): 32 propose: members | 33 commit: members | signature
 *     34 set-partial: members | u16 count | count * (u32 party | signature) | u8 shape | elements
 *     members: u16 bitmap length | bitmap, bit j (j % 8 from the top of byte j >> 3) set for party j
 *     signature: u16 length | bytes (a commit's, by its party's identity key; see threshold/certificate.ts)
 *   lean mode (kinds 16..31): see lean.ts; lean mode with a threshold (kinds 48..63): lean-threshold.ts
 * Every length is checked against the bytes present: a truncated or padded frame is refused.
 */
import { CodecError } from '../errors.js'
import type { Shape } from '../encoding/fixed-point.js'
import {
  DEFAULT_DECODE_LIMITS, DIGEST_BYTES, elementsSize, encodeHeader, FrameReader, readHeader, readKindCode, startFrame, utf8Bytes,
  WIRE_VERSION, type DecodeLimits, type FrameHeader, type FrameWriter
} from './frame.js'
import { decodeLeanMessage, encodeLeanMessage, isLeanKindCode, isLeanMessage, leanKindOf, type LeanMessage } from './lean.js'
import { certificateSize, checkSignature, membersBitmap, readCertificate, readMembers, readSignature, writeCertificate, type CertifiedCommit } from './members.js'
import {
  decodeLeanThresholdMessage, encodeLeanThresholdMessage, isLeanThresholdKindCode, isLeanThresholdMessage, leanThresholdKindOf,
  type LeanThresholdMessage
} from './lean-threshold.js'

export { DEFAULT_DECODE_LIMITS, WIRE_VERSION, type DecodeLimits } from './frame.js'
export { decodeReply, encodeReply, type Reply, type ReplyStatus } from './reply.js'

export type MessageKind = 'share' | 'partial' | 'confirm' | 'abort' | 'propose' | 'commit' | 'set-partial'
const KIND_CODES: Record<MessageKind, number> = { share: 1, partial: 2, confirm: 3, abort: 4, propose: 32, commit: 33, 'set-partial': 34 }
const KINDS_BY_CODE = new Map<number, MessageKind>(Object.entries(KIND_CODES).map(([k, v]) => [v, k as MessageKind]))

export interface ShareMessage extends FrameHeader { readonly kind: 'share', readonly shape: Shape, readonly descriptor: string, readonly elements: bigint[] }
export interface PartialMessage extends FrameHeader { readonly kind: 'partial', readonly shape: Shape, readonly elements: bigint[] }
export interface ConfirmMessage extends FrameHeader { readonly kind: 'confirm', readonly hash: Uint8Array }
export interface AbortMessage extends FrameHeader { readonly kind: 'abort', readonly code: string, readonly reason: string }
/** Threshold mode: the parties whose shares the sender holds at its sharing deadline. */
export interface ProposeMessage extends FrameHeader { readonly kind: 'propose', readonly members: number[] }
/** Threshold mode: the one input set the sender will ever reveal a partial sum for, signed by its identity key. */
export interface CommitMessage extends FrameHeader { readonly kind: 'commit', readonly members: number[], readonly signature: Uint8Array }
/** A party's signed commit to an input set, as a certificate carries it. */
export type SignedCommit = CertifiedCommit
/**
 * Threshold mode: the sender's partial sum over the shares of `members`, with the certificate
 * that allows it: t signed commits of distinct parties to `members`.
 */
export interface SetPartialMessage extends FrameHeader {
  readonly kind: 'set-partial'
  readonly members: number[]
  readonly certificate: SignedCommit[]
  readonly shape: Shape
  readonly elements: bigint[]
}
export type WireMessage = ShareMessage | PartialMessage | ConfirmMessage | AbortMessage | ProposeMessage | CommitMessage | SetPartialMessage | LeanMessage | LeanThresholdMessage

/** An abort's code and reason are cut to these many UTF-16 units before encoding. */
const MAX_ABORT_CODE = 64
const MAX_ABORT_REASON = 4000

/** The body's size and a function that writes it, once its length-prefixed parts are encoded. */
interface Body { readonly size: number, readonly write: (w: FrameWriter) => void }

function bodyOf (m: Exclude<WireMessage, LeanMessage | LeanThresholdMessage>, elementBytes: number): Body {
  switch (m.kind) {
    case 'share': {
      const descriptor = utf8Bytes(m.descriptor)
      return {
        size: 1 + 4 + descriptor.length + elementsSize(m.elements.length, elementBytes),
        write: w => { w.shape(m.shape); w.u32(descriptor.length); w.raw(descriptor); w.elements(m.elements, elementBytes) }
      }
    }
    case 'partial':
      return { size: 1 + elementsSize(m.elements.length, elementBytes), write: w => { w.shape(m.shape); w.elements(m.elements, elementBytes) } }
    case 'confirm':
      if (m.hash.length !== DIGEST_BYTES) throw new CodecError(`result hash of ${m.hash.length} bytes`)
      return { size: DIGEST_BYTES, write: w => w.raw(m.hash) }
    case 'abort': {
      const code = utf8Bytes(m.code.slice(0, MAX_ABORT_CODE))
      const reason = utf8Bytes(m.reason.slice(0, MAX_ABORT_REASON))
      return { size: 2 + code.length + 2 + reason.length, write: w => { w.u16(code.length); w.raw(code); w.u16(reason.length); w.raw(reason) } }
    }
    case 'propose': {
      const bitmap = membersBitmap(m.members)
      return { size: 2 + bitmap.length, write: w => { w.u16(bitmap.length); w.raw(bitmap) } }
    }
    case 'commit': {
      const bitmap = membersBitmap(m.members)
      checkSignature(m.signature)
      return { size: 2 + bitmap.length + 2 + m.signature.length, write: w => { w.u16(bitmap.length); w.raw(bitmap); w.u16(m.signature.length); w.raw(m.signature) } }
    }
    case 'set-partial': {
      const bitmap = membersBitmap(m.members)
      const certificate = certificateSize(m.certificate)
      return {
        size: 2 + bitmap.length + certificate + 1 + elementsSize(m.elements.length, elementBytes),
        write: w => {
          w.u16(bitmap.length); w.raw(bitmap)
          writeCertificate(w, m.certificate)
          w.shape(m.shape); w.elements(m.elements, elementBytes)
        }
      }
    }
  }
}

/**
 * Encode a message of any mode as one frame.
 * @param m - the message
 * @param elementBytes - the field's element width in bytes (for lean mode's fast profile, ignored)
 * @returns the frame
 * @throws CodecError for a task id of 0 or more than 128 bytes, a digest or result hash not of 32 bytes,
 *   an element that does not fit in `elementBytes`, or members that are not ascending distinct indices
 * @example
 * ```ts
 * const frame = encodeMessage({ kind: 'partial', taskId: 't', digest, from: 1, shape: 'scalar', elements: [42n] }, field.bytes)
 * ```
 */
export function encodeMessage (m: WireMessage, elementBytes: number): Uint8Array {
  if (isLeanMessage(m)) return encodeLeanMessage(m, elementBytes)
  if (isLeanThresholdMessage(m)) return encodeLeanThresholdMessage(m)
  const header = encodeHeader(m)
  const body = bodyOf(m, elementBytes)
  const w = startFrame(header, KIND_CODES[m.kind], body.size)
  body.write(w)
  return w.done()
}

/**
 * Decode one frame of any mode.
 * @param frame - the frame's bytes; not kept (what the message holds is copied), so it may be wiped after
 * @param limits - the most elements and the widest element accepted
 * @returns the message
 * @throws CodecError for an unknown version or kind, any length that does not match, text that is not UTF-8, or limits exceeded
 * @example
 * ```ts
 * const m = decodeMessage(frame)
 * if (m.kind === 'partial') sum = field.add(sum, m.elements[0]!)
 * ```
 */
export function decodeMessage (frame: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): WireMessage {
  const r = new FrameReader(frame)
  const kindCode = readKindCode(r)
  if (isLeanKindCode(kindCode)) return decodeLeanMessage(frame, limits)
  if (isLeanThresholdKindCode(kindCode)) return decodeLeanThresholdMessage(frame, limits)
  const kind = KINDS_BY_CODE.get(kindCode)
  if (kind === undefined) throw new CodecError(`unknown message kind ${kindCode}`)
  const header = readHeader(r)
  let m: WireMessage
  switch (kind) {
    case 'share': {
      const shape = r.shape()
      const descriptor = r.descriptor()
      m = { kind, ...header, shape, descriptor, elements: r.elements(limits) }
      break
    }
    case 'partial': {
      const shape = r.shape()
      m = { kind, ...header, shape, elements: r.elements(limits) }
      break
    }
    case 'confirm':
      m = { kind, ...header, hash: r.copy(DIGEST_BYTES, 'result hash') }
      break
    case 'abort': {
      const code = r.text(r.u16('code length'), 'code')
      const reason = r.text(r.u16('reason length'), 'reason')
      m = { kind, ...header, code, reason }
      break
    }
    case 'propose':
      m = { kind, ...header, members: readMembers(r) }
      break
    case 'commit': {
      const members = readMembers(r)
      m = { kind, ...header, members, signature: readSignature(r) }
      break
    }
    case 'set-partial': {
      const members = readMembers(r)
      const certificate = readCertificate(r)
      const shape = r.shape()
      m = { kind, ...header, members, certificate, shape, elements: r.elements(limits) }
      break
    }
  }
  r.end()
  return m
}

/** A frame's header, read without touching its body: what a node checks before it decodes anything. */
export interface FramePeek extends FrameHeader {
  readonly version: number
  readonly kind: WireMessage['kind']
}

/**
 * Read a frame's header only (version, kind, task id, digest, sender index): the cost does not
 * depend on the body's size, and nothing in the body is read.
 * @param frame - the frame's bytes; not kept (the digest is copied)
 * @returns the header and the kind
 * @throws CodecError for another version, an unknown kind, or a truncated or malformed header
 * @example
 * ```ts
 * const { taskId, kind, from } = peekFrame(frame) // then decodeMessage(frame, limitsOfThatTask)
 * ```
 */
export function peekFrame (frame: Uint8Array): FramePeek {
  const r = new FrameReader(frame)
  const code = readKindCode(r)
  const kind = KINDS_BY_CODE.get(code) ?? leanKindOf(code) ?? leanThresholdKindOf(code)
  if (kind === undefined) throw new CodecError(`unknown message kind ${code}`)
  return { version: WIRE_VERSION, kind, ...readHeader(r) }
}

/**
 * What a frame will cost in memory once decoded, found without decoding an element: its own
 * bytes, plus a BigInt and an array slot per element of the wide profile (32 bytes or more per
 * element, whatever its width on the wire); fast-profile elements cost their raw size. The whole
 * frame is checked as decodeMessage checks it.
 * @param frame - the frame's bytes; not kept
 * @param limits - the most elements and the widths accepted (a task's, or the defaults)
 * @returns bytes
 * @throws CodecError exactly when decodeMessage with the same limits would
 */
export function decodedCost (frame: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): number {
  const tally = { bytes: 0 }
  decodeMessage(frame, { ...limits, tally })
  return frame.length + tally.bytes
}
