/**
 * Two parts that several kinds of frames carry: a set of party indices as a bitmap, and a
 * signature by a party's identity key (threshold mode's commits, lean mode's dropout commits).
 */
import { CodecError } from '../errors.js'
import type { FrameReader, FrameWriter } from './frame.js'

/** A set of party indices as a bitmap (ascending, distinct indices below 2^16 * 8). */
export function membersBitmap (members: readonly number[]): Uint8Array {
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

/** The longest signature a frame may carry (Ed25519's are 64 bytes). */
export const MAX_SIGNATURE_BYTES = 512

export function checkSignature (signature: Uint8Array): void {
  if (signature.length === 0 || signature.length > MAX_SIGNATURE_BYTES) throw new CodecError(`signature of ${signature.length} bytes`)
}

export function readSignature (r: FrameReader): Uint8Array {
  const length = r.u16('signature length')
  if (length === 0 || length > MAX_SIGNATURE_BYTES) throw new CodecError(`signature of ${length} bytes`)
  return r.copy(length, 'signature')
}

export function readMembers (r: FrameReader): number[] {
  const bitmap = r.borrow(r.u16('member bitmap length'), 'member bitmap')
  const members: number[] = []
  bitmap.forEach((byte, i) => { for (let b = 0; b < 8; b++) if ((byte & (0x80 >> b)) !== 0) members.push(i * 8 + b) })
  return members
}


/** A party's signed commit to a set, as a certificate carries it. */
export interface CertifiedCommit { readonly party: number, readonly signature: Uint8Array }

/** The bytes of a certificate: u16 count | count * (u32 party | u16 length | signature). */
export function certificateSize (certificate: readonly CertifiedCommit[]): number {
  if (certificate.length > 0xffff) throw new CodecError(`certificate of ${certificate.length} commits`)
  for (const c of certificate) checkSignature(c.signature)
  return certificate.reduce((size, c) => size + 4 + 2 + c.signature.length, 2)
}

export function writeCertificate (w: FrameWriter, certificate: readonly CertifiedCommit[]): void {
  w.u16(certificate.length)
  for (const c of certificate) { w.u32(c.party); w.u16(c.signature.length); w.raw(c.signature) }
}

export function readCertificate (r: FrameReader): CertifiedCommit[] {
  const count = r.u16('certificate size')
  const certificate: CertifiedCommit[] = []
  for (let k = 0; k < count; k++) certificate.push({ party: r.u32('certificate party'), signature: readSignature(r) })
  return certificate
}
