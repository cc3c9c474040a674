/**
 * The messages of lean mode with a threshold (kinds 48..63), after the common header of frame.ts;
 * its vectors travel as lean-data frames (lean.ts), its confirmation as `confirm` (codec.ts).
 *   48 lt-keys:    u32 descriptor length | descriptor (UTF-8) | u8 shape | u32 length | 16-byte nonce |
 *                  32-byte X25519 public key | 32-byte self-mask commitment | 64-byte signature | shares
 *   49 lt-propose: u8 round | members
 *   50 lt-commit:  u8 round | members | [32-byte key-set hash, round 0 only] | signature
 *   51 lt-unmask:  members (the key set U1) | members (the agreed set W) | certificate of W | shares
 *     round: 0 the key set, 1 the input set; members, signature, certificate: members.ts
 *     shares: an elements block of SHARE_BYTES-wide elements (the sharing field 2^521 - 1)
 * Every length is checked against the bytes present.
 */
import type { Shape } from '../encoding/fixed-point.js'
import { CodecError } from '../errors.js'
import { EPHEMERAL_KEY_BYTES, NONCE_BYTES, SIGNATURE_BYTES } from '../protocols/lean/crypto.js'
import { elementsSize, encodeHeader, FrameReader, readHeader, readKindCode, startFrame, utf8Bytes, type DecodeLimits, type FrameHeader } from './frame.js'
import { certificateSize, checkSignature, membersBitmap, readCertificate, readMembers, readSignature, writeCertificate, type CertifiedCommit } from './members.js'

/** The width of a share on the wire: an element of 2^521 - 1. */
export const SHARE_BYTES = 66
/** Bytes of a self-mask commitment (SHA-256). */
export const COMMITMENT_BYTES = 32
/** Bytes of a key-set hash in a commit of the key round (SHA-256). */
export const KEY_SET_HASH_BYTES = 32
/** The most shares one frame carries: one per party of the largest task. */
const MAX_SHARES = 1 << 16

/** Which agreement a proposal or commit belongs to: the key set U1, or the input set W. */
export type AgreementRound = 'keys' | 'inputs'

/** Party `from`'s keys for this task and the receiver's shares of its two secrets (sent to each party directly). */
export interface LtKeysMessage extends FrameHeader {
  readonly kind: 'lt-keys'
  readonly descriptor: string
  readonly shape: Shape
  readonly length: number
  readonly nonce: Uint8Array
  readonly publicKey: Uint8Array
  /** SHA-256 over the self-mask key (selfMaskCommitment), so a reconstructed one can be checked. */
  readonly selfCommitment: Uint8Array
  /** By the sender's identity key over keysStatement(digest, from, nonce, publicKey, selfCommitment). */
  readonly signature: Uint8Array
  /** The receiver's shares: of the sender's X25519 private key, then of its self-mask key. */
  readonly shares: bigint[]
}

export interface LtProposeMessage extends FrameHeader { readonly kind: 'lt-propose', readonly round: AgreementRound, readonly members: number[] }

export interface LtCommitMessage extends FrameHeader {
  readonly kind: 'lt-commit'
  readonly round: AgreementRound
  readonly members: number[]
  /**
   * Round 'keys' only (absent in round 'inputs'): SHA-256 over the keys of the members as the
   * committer holds them (keySetHash), signed with the set, so that t commits certify one set of
   * keys as well as one set of parties.
   */
  readonly keys?: Uint8Array
  readonly signature: Uint8Array
}

/**
 * The sender's shares that unmask the total over W: for each member j of U1, in order, its share
 * of j's self-mask key when j is in W, of j's X25519 private key when it is not.
 */
export interface LtUnmaskMessage extends FrameHeader {
  readonly kind: 'lt-unmask'
  readonly keySet: number[]
  readonly members: number[]
  readonly certificate: CertifiedCommit[]
  readonly shares: bigint[]
}

export type LeanThresholdMessage = LtKeysMessage | LtProposeMessage | LtCommitMessage | LtUnmaskMessage
export type LeanThresholdKind = LeanThresholdMessage['kind']

const KIND_CODES: Record<LeanThresholdKind, number> = { 'lt-keys': 48, 'lt-propose': 49, 'lt-commit': 50, 'lt-unmask': 51 }
const KINDS_BY_CODE = new Map<number, LeanThresholdKind>(Object.entries(KIND_CODES).map(([k, v]) => [v, k as LeanThresholdKind]))

/** Whether a kind code belongs to lean mode with a threshold (48..63). */
export function isLeanThresholdKindCode (code: number): boolean {
  return code >= 48 && code <= 63
}

export function leanThresholdKindOf (code: number): LeanThresholdKind | undefined {
  return KINDS_BY_CODE.get(code)
}

export function isLeanThresholdMessage (m: { readonly kind: string }): m is LeanThresholdMessage {
  return m.kind.startsWith('lt-')
}

function fixed (b: Uint8Array, size: number, what: string): Uint8Array {
  if (b.length !== size) throw new CodecError(`${what} of ${b.length} bytes`)
  return b
}

/**
 * Encode a message of lean mode with a threshold (encodeMessage calls this for its kinds).
 * @throws CodecError for a bad header, a key, nonce, commitment or signature of the wrong size,
 *   members that are not ascending distinct indices, or a share that does not fit in SHARE_BYTES
 */
export function encodeLeanThresholdMessage (m: LeanThresholdMessage): Uint8Array {
  const header = encodeHeader(m)
  let size: number
  let write: (w: ReturnType<typeof startFrame>) => void
  switch (m.kind) {
    case 'lt-keys': {
      const descriptor = utf8Bytes(m.descriptor)
      const parts = [fixed(m.nonce, NONCE_BYTES, 'nonce'), fixed(m.publicKey, EPHEMERAL_KEY_BYTES, 'public key'),
        fixed(m.selfCommitment, COMMITMENT_BYTES, 'self-mask commitment'), fixed(m.signature, SIGNATURE_BYTES, 'signature')]
      size = 4 + descriptor.length + 1 + 4 + NONCE_BYTES + EPHEMERAL_KEY_BYTES + COMMITMENT_BYTES + SIGNATURE_BYTES + elementsSize(m.shares.length, SHARE_BYTES)
      write = w => { w.u32(descriptor.length); w.raw(descriptor); w.shape(m.shape); w.u32(m.length); for (const p of parts) w.raw(p); w.elements(m.shares, SHARE_BYTES) }
      break
    }
    case 'lt-propose': {
      const bitmap = membersBitmap(m.members)
      size = 1 + 2 + bitmap.length
      write = w => { w.u8(m.round === 'keys' ? 0 : 1); w.u16(bitmap.length); w.raw(bitmap) }
      break
    }
    case 'lt-commit': {
      const bitmap = membersBitmap(m.members)
      checkSignature(m.signature)
      const keys = commitKeys(m)
      size = 1 + 2 + bitmap.length + keys.length + 2 + m.signature.length
      write = w => { w.u8(m.round === 'keys' ? 0 : 1); w.u16(bitmap.length); w.raw(bitmap); w.raw(keys); w.u16(m.signature.length); w.raw(m.signature) }
      break
    }
    case 'lt-unmask': {
      const keySet = membersBitmap(m.keySet)
      const members = membersBitmap(m.members)
      size = 2 + keySet.length + 2 + members.length + certificateSize(m.certificate) + elementsSize(m.shares.length, SHARE_BYTES)
      write = w => {
        w.u16(keySet.length); w.raw(keySet)
        w.u16(members.length); w.raw(members)
        writeCertificate(w, m.certificate)
        w.elements(m.shares, SHARE_BYTES)
      }
      break
    }
  }
  const w = startFrame(header, KIND_CODES[m.kind], size)
  write(w)
  return w.done()
}

/** A commit's key-set hash as written: 32 bytes in round 'keys', none in round 'inputs'. */
function commitKeys (m: LtCommitMessage): Uint8Array {
  if (m.round === 'inputs') {
    if (m.keys !== undefined) throw new CodecError('a key-set hash in a commit of the input round')
    return new Uint8Array(0)
  }
  if (m.keys === undefined) throw new CodecError('a commit of the key round without its key-set hash')
  return fixed(m.keys, KEY_SET_HASH_BYTES, 'key-set hash')
}

function readRound (r: FrameReader): AgreementRound {
  const round = r.u8('round')
  if (round > 1) throw new CodecError(`unknown agreement round ${round}`)
  return round === 0 ? 'keys' : 'inputs'
}

/**
 * Decode a frame of lean mode with a threshold (decodeMessage calls this for kinds 48..63).
 * @param limits - only `tally` is used: shares have their own width and count limits
 * @throws CodecError for an unknown kind, any length that does not match, or shares of another width
 */
export function decodeLeanThresholdMessage (frame: Uint8Array, limits: DecodeLimits): LeanThresholdMessage {
  const r = new FrameReader(frame)
  const code = readKindCode(r)
  const kind = KINDS_BY_CODE.get(code)
  if (kind === undefined) throw new CodecError(`unknown message kind ${code}`)
  const header = readHeader(r)
  const shareLimits: DecodeLimits = { maxElements: MAX_SHARES, elementBytes: SHARE_BYTES, ...(limits.tally === undefined ? {} : { tally: limits.tally }) }
  let m: LeanThresholdMessage
  switch (kind) {
    case 'lt-keys': {
      const descriptor = r.descriptor()
      const shape = r.shape()
      const length = r.u32('length')
      const nonce = r.copy(NONCE_BYTES, 'nonce')
      const publicKey = r.copy(EPHEMERAL_KEY_BYTES, 'public key')
      const selfCommitment = r.copy(COMMITMENT_BYTES, 'self-mask commitment')
      const signature = r.copy(SIGNATURE_BYTES, 'signature')
      m = { kind, ...header, descriptor, shape, length, nonce, publicKey, selfCommitment, signature, shares: r.elements(shareLimits) }
      break
    }
    case 'lt-propose': {
      const round = readRound(r)
      m = { kind, ...header, round, members: readMembers(r) }
      break
    }
    case 'lt-commit': {
      const round = readRound(r)
      const members = readMembers(r)
      const keys = round === 'keys' ? { keys: r.copy(KEY_SET_HASH_BYTES, 'key-set hash') } : {}
      m = { kind, ...header, round, members, ...keys, signature: readSignature(r) }
      break
    }
    case 'lt-unmask': {
      const keySet = readMembers(r)
      const members = readMembers(r)
      const certificate = readCertificate(r)
      m = { kind, ...header, keySet, members, certificate, shares: r.elements(shareLimits) }
      break
    }
  }
  r.end()
  return m
}
