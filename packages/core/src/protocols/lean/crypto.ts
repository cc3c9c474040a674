/**
 * What lean mode needs from cryptography, injected like RandomBytes so core stays free of I/O
 * and platform imports: a keystream (AES-128-CTR in the node layer), the static pairwise secret
 * of two parties (X25519 of their identity keys), and optionally a native SHA-256. Key
 * derivation and the confirmation tags are here, in portable code (@noble/hashes).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { hmac } from '@noble/hashes/hmac.js'
import { concat } from 'uint8arrays/concat'
import { InvalidInputError } from '../../errors.js'
import type { KeystreamReader } from '../../field/fast.js'

export interface LeanCrypto {
  /**
   * The keystream of AES-128-CTR under `key` (16 bytes) from the initial counter block `iv`
   * (16 bytes, incremented as one 128-bit big-endian number), read in order.
   */
  readonly keystream: (key: Uint8Array, iv: Uint8Array) => KeystreamReader
  /**
   * The secret this party shares with the party whose PeerId is given, the same at both ends
   * and known to nobody else (X25519 of the two identity keys). May be cached across tasks.
   * @throws when the peer's identity allows no key agreement
   */
  readonly pairSecret: (peerId: string) => Uint8Array
  /** pairSecret for many peers at once (a node can share work between them); optional. */
  readonly pairSecrets?: (peerIds: readonly string[]) => Uint8Array[]
  /** Whether pairSecret can serve this peer (its PeerId carries an Ed25519 key). */
  readonly canPair?: (peerId: string) => boolean
  /** SHA-256; a native one hashes large results several times faster than the portable one. */
  readonly sha256?: (data: Uint8Array) => Uint8Array
  /** HMAC-SHA256; a native one makes the n - 1 key derivations and tags of a party cheap. */
  readonly hmacSha256?: (key: Uint8Array, data: Uint8Array) => Uint8Array
}

export type Hmac = (key: Uint8Array, data: Uint8Array) => Uint8Array

/** The portable HMAC-SHA256. */
export const portableHmac: Hmac = (key, data) => hmac(sha256, key, data)

/** HKDF-SHA256 (RFC 5869) over an HMAC: extract with `salt`, expand to `length` bytes with `info`. */
export function hkdfWith (mac: Hmac, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = mac(salt, ikm)
  const out = new Uint8Array(length)
  let previous: Uint8Array = new Uint8Array(0)
  for (let i = 1, at = 0; at < length; i++) {
    previous = mac(prk, concat([previous, info, Uint8Array.of(i)]))
    out.set(previous.subarray(0, Math.min(32, length - at)), at)
    at += 32
  }
  prk.fill(0)
  return out
}

/** Bytes of a lean-mode nonce, of a mask key and of a confirmation tag. */
export const NONCE_BYTES = 16
export const MASK_KEY_BYTES = 16
export const TAG_BYTES = 16

const utf8 = new TextEncoder()
const KEYS_LABEL = utf8.encode('simon-p2p/lean/v1/pair-keys')

/** A big-endian u32, for labels hashed with indices. */
export function u32 (x: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, x)
  return b
}

/** SHA-256 over the nonces of all parties, in party order: binds every key of a task to all of them. */
export function nonceHash (nonces: readonly Uint8Array[]): Uint8Array {
  return sha256(concat([...nonces]))
}

export interface PairKeys {
  /** AES-128 key of the pair's masks. */
  readonly mask: Uint8Array
  /** HMAC-SHA256 key of the pair's confirmation tags. */
  readonly tag: Uint8Array
}

/**
 * The per-task keys of parties a < b from their static secret: HKDF-SHA256 with the task digest
 * as salt and the nonces' hash and both indices in the info, so keys never repeat across tasks
 * (a task id used twice still gets fresh nonces). 48 bytes: the mask key, then the tag key.
 */
export function pairKeys (secret: Uint8Array, digest: Uint8Array, nonces: Uint8Array, a: number, b: number, mac: Hmac = portableHmac): PairKeys {
  const lo = Math.min(a, b)
  const hi = Math.max(a, b)
  const okm = hkdfWith(mac, secret, digest, concat([KEYS_LABEL, u32(lo), u32(hi), nonces]), MASK_KEY_BYTES + 32)
  return { mask: okm.slice(0, MASK_KEY_BYTES), tag: okm.slice(MASK_KEY_BYTES) }
}

/** The initial counter block of the mask stream of one frame: frame index, then a zero counter. */
export function frameIv (frame: number): Uint8Array {
  const iv = new Uint8Array(16)
  new DataView(iv.buffer).setBigUint64(0, BigInt(frame))
  return iv
}

/** A truncated HMAC of the result hash under a pair's tag key. */
export function confirmTag (key: Uint8Array, resultHash: Uint8Array, mac: Hmac = portableHmac): Uint8Array {
  return mac(key, resultHash).subarray(0, TAG_BYTES)
}


/**
 * The static secret with every other party (undefined at `myself`), before anything is sent.
 * @throws InvalidInputError naming `network.nodes[k]` for a peer without key agreement
 */
export function agreeSecrets (crypto: LeanCrypto, peers: readonly string[], myself: number): Array<Uint8Array | undefined> {
  peers.forEach((peer, k) => {
    if (k !== myself && crypto.canPair !== undefined && !crypto.canPair(peer)) {
      throw new InvalidInputError(`network.nodes[${k}]`, `lean mode needs every party's PeerId to carry an Ed25519 key; ${peer} does not`)
    }
  })
  let agreed: Uint8Array[] | undefined
  if (crypto.pairSecrets !== undefined) {
    try { agreed = crypto.pairSecrets(peers.filter((_, k) => k !== myself)) } catch { agreed = undefined }
  }
  const secrets: Array<Uint8Array | undefined> = []
  for (let k = 0, o = 0; k < peers.length; k++) {
    if (k === myself) { secrets.push(undefined); continue }
    try {
      secrets.push(agreed?.[o] ?? crypto.pairSecret(peers[k]!))
    } catch (err) {
      throw new InvalidInputError(`network.nodes[${k}]`, `no key agreement with ${peers[k]}: ${(err as Error).message}`)
    }
    o++
  }
  return secrets
}
