/**
 * What lean mode needs from cryptography, injected like RandomBytes so core stays free of I/O
 * and platform imports: a keystream (AES-128-CTR in the node layer), a fresh X25519 key per task
 * (its private half never leaves the LeanCrypto and is wiped when the task no longer needs it),
 * and optionally a native SHA-256 and HMAC. Key derivation, the statement each party signs over
 * its ephemeral key, and the confirmation tags are here, in portable code (@noble/hashes).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { hmac } from '@noble/hashes/hmac.js'
import { concat } from 'uint8arrays/concat'
import { InvalidInputError } from '../../errors.js'
import type { KeystreamReader } from '../../field/fast.js'

/** One task's X25519 key pair at one party: made at input, wiped once the pair secrets are agreed. */
export interface EphemeralKey {
  /** The 32-byte X25519 public key (RFC 7748 u-coordinate), signed and sent in the nonce gather. */
  readonly publicKey: Uint8Array
  /**
   * X25519 of this key's private half and another party's public key: the pair's secret, the
   * same at both ends. The caller wipes it once the task's keys are derived from it.
   * @throws for a public key that is not 32 bytes, a low-order point (an all-zero result), or after wipe
   */
  readonly agree: (theirPublic: Uint8Array) => Uint8Array
  /** Forget the private half (zero it where it is held as bytes); agree throws from then on. */
  readonly wipe: () => void
}

export interface LeanCrypto {
  /**
   * The keystream of AES-128-CTR under `key` (16 bytes) from the initial counter block `iv`
   * (16 bytes, incremented as one 128-bit big-endian number), read in order.
   */
  readonly keystream: (key: Uint8Array, iv: Uint8Array) => KeystreamReader
  /** A fresh X25519 key pair, drawn for one task: nothing of it outlives the task. */
  readonly ephemeral: () => EphemeralKey
  /**
   * The X25519 key pair of 32 private bytes (RFC 7748, clamped by X25519 itself): lean mode with a
   * threshold draws them from the task's randomness and Shamir-shares them, so that the others can
   * remove a dropped party's masks. Absent: that mode is not offered.
   */
  readonly ephemeralFrom?: (privateKey: Uint8Array) => EphemeralKey
  /**
   * Whether lean mode can serve this peer: its PeerId carries an Ed25519 key, which signs its
   * ephemeral keys (absent: every peer can).
   */
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
    const input = concat([previous, info, Uint8Array.of(i)])
    previous.fill(0)
    previous = mac(prk, input)
    input.fill(0)
    out.set(previous.subarray(0, Math.min(32, length - at)), at)
    at += 32
  }
  previous.fill(0)
  prk.fill(0)
  return out
}

/** Bytes of a lean-mode nonce, of an ephemeral X25519 public key, of its Ed25519 signature, of a mask key and of a confirmation tag. */
export const NONCE_BYTES = 16
export const EPHEMERAL_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const MASK_KEY_BYTES = 16
export const TAG_BYTES = 16

const utf8 = new TextEncoder()
const KEYS_LABEL = utf8.encode('simon-p2p/lean/v1/pair-keys')
const EPHEMERAL_LABEL = utf8.encode('simon-p2p/lean/v1/ephemeral-key')

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

/**
 * What party `party` signs with its identity key for its entry in the nonce gather: a domain
 * tag, the task digest, its index, its nonce and its ephemeral public key. Another task (another
 * digest), another seat, another run of the same task (another nonce) or another key each make
 * another statement, so a signature is good for this key in this run only.
 */
export function ephemeralStatement (digest: Uint8Array, party: number, nonce: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return concat([EPHEMERAL_LABEL, digest, u32(party), nonce, publicKey])
}

export interface PairKeys {
  /** AES-128 key of the pair's masks. */
  readonly mask: Uint8Array
  /** HMAC-SHA256 key of the pair's confirmation tags. */
  readonly tag: Uint8Array
}

/**
 * The per-task keys of parties a < b from their ephemeral secret: HKDF-SHA256 with the task digest
 * as salt and the nonces' hash and both indices in the info, so keys never repeat across tasks
 * (a task id used twice still gets fresh nonces). 48 bytes: the mask key, then the tag key.
 */
export function pairKeys (secret: Uint8Array, digest: Uint8Array, nonces: Uint8Array, a: number, b: number, mac: Hmac = portableHmac): PairKeys {
  const lo = Math.min(a, b)
  const hi = Math.max(a, b)
  const okm = hkdfWith(mac, secret, digest, concat([KEYS_LABEL, u32(lo), u32(hi), nonces]), MASK_KEY_BYTES + 32)
  const keys = { mask: okm.slice(0, MASK_KEY_BYTES), tag: okm.slice(MASK_KEY_BYTES) }
  okm.fill(0)
  return keys
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
 * Lean mode can serve every other party of the task (their PeerIds carry Ed25519 keys), checked
 * before anything is sent.
 * @throws InvalidInputError naming `network.nodes[k]` for a peer lean mode cannot serve
 */
export function checkPeers (crypto: LeanCrypto, peers: readonly string[], myself: number): void {
  peers.forEach((peer, k) => {
    if (k !== myself && crypto.canPair !== undefined && !crypto.canPair(peer)) {
      throw new InvalidInputError(`network.nodes[${k}]`, `lean mode needs every party's PeerId to carry an Ed25519 key; ${peer} does not`)
    }
  })
}
