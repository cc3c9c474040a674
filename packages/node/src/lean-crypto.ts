/**
 * Lean mode's cryptography for one node: AES-128-CTR keystreams and SHA-256 from node:crypto,
 * and the static pairwise secret with another party: X25519 between this node's Ed25519
 * identity key and the other party's, both mapped to their Montgomery form (RFC 7748; the
 * libsodium crypto_sign_ed25519_*_to_curve25519 conversion, batched). No message is needed to agree on
 * it, so lean mode talks only to ring neighbours. Secrets are cached per peer (a static
 * secret does not change); per-task keys are derived from them with fresh nonces in core.
 */
import { createCipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { LeanCrypto } from '@simon-p2p/core'
import { BoundedMap } from './bounded-map.js'
import { NotEd25519Error } from './errors.js'

/** Zero bytes to encrypt: AES-CTR of zeros is the keystream. */
const ZEROS = new Uint8Array(4 << 20)

export function aesCtrKeystream (key: Uint8Array, iv: Uint8Array): (length: number) => Uint8Array {
  const cipher = createCipheriv('aes-128-ctr', key, iv)
  return (length: number) => {
    if (length <= ZEROS.length) return cipher.update(ZEROS.subarray(0, length))
    return cipher.update(new Uint8Array(length))
  }
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url')

const Fp = ed25519.Point.Fp

/**
 * Ed25519 public keys to X25519 u-coordinates, u = (1 + y) / (1 - y) (RFC 7748 section 4.1),
 * with one field inversion for all of them (Montgomery's trick) instead of one each.
 * @throws NotEd25519Error for a key not of 32 bytes, a y at or above p, or the point y = 1 (no u)
 */
export function edwardsToMontgomery (keys: readonly Uint8Array[]): Uint8Array[] {
  const ys = keys.map(key => {
    if (key.length !== 32) throw new NotEd25519Error(`a key of ${key.length} bytes (an Ed25519 key has 32)`)
    let y = 0n
    for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? key[i]! & 0x7f : key[i]!)
    if (y >= Fp.ORDER || y === 1n) throw new NotEd25519Error('not an Ed25519 public key')
    return y
  })
  const inverses = Fp.invertBatch(ys.map(y => Fp.sub(1n, y)))
  return ys.map((y, i) => {
    let u = Fp.mul(Fp.add(1n, y), inverses[i]!)
    const out = new Uint8Array(32)
    for (let b = 0; b < 32; b++) { out[b] = Number(u & 0xffn); u >>= 8n }
    return out
  })
}

/** PeerId text -> its Ed25519 public key (or null): public, shared by all nodes of a process. */
const ed25519Keys = new BoundedMap<string, Uint8Array | null>(65536)

/** The Ed25519 public key a PeerId carries, or null (decoding a PeerId costs tens of µs: cached). */
export function ed25519KeyOf (peerId: string): Uint8Array | null {
  let key = ed25519Keys.get(peerId)
  if (key === undefined) {
    try {
      const id = peerIdFromString(peerId)
      key = id.type === 'Ed25519' && id.publicKey !== undefined ? id.publicKey.raw : null
    } catch {
      key = null
    }
    ed25519Keys.set(peerId, key)
  }
  return key
}

/** Whether a PeerId carries an Ed25519 key (the only kind lean mode can agree keys with). */
export function isEd25519PeerId (peerId: string): boolean {
  return ed25519KeyOf(peerId) !== null
}

/** The LeanCrypto of a node with this identity key; `undefined` when the key is not Ed25519. */
export function nodeLeanCrypto (privateKey: PrivateKey, maxCachedPeers = 4096): LeanCrypto | undefined {
  if (privateKey.type !== 'Ed25519') return undefined
  // libp2p's raw Ed25519 private key is seed (32 bytes) then public key (32 bytes)
  const seed = privateKey.raw.subarray(0, 32)
  const scalar = ed25519.utils.toMontgomerySecret(seed)
  const own: KeyObject = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(scalar), x: b64url(x25519.getPublicKey(scalar)) }, format: 'jwk' })
  scalar.fill(0)
  const cache = new BoundedMap<string, Uint8Array>(maxCachedPeers)
  const agree = (u: Uint8Array): Uint8Array => {
    const theirs = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(u) }, format: 'jwk' })
    // node:crypto refuses an all-zero result (a low-order point)
    return new Uint8Array(diffieHellman({ privateKey: own, publicKey: theirs }))
  }
  const ed25519Key = (peerId: string): Uint8Array => {
    const key = ed25519KeyOf(peerId)
    if (key === null) throw new NotEd25519Error(`${peerId} is not an Ed25519 PeerId`)
    return key
  }
  /** The secrets with these peers, agreed once per peer (one batched inversion for the new ones). */
  const pairSecrets = (peerIds: readonly string[]): Uint8Array[] => {
    const missing = [...new Set(peerIds.filter(p => !cache.has(p)))]
    const us = edwardsToMontgomery(missing.map(ed25519Key))
    missing.forEach((peerId, i) => cache.set(peerId, agree(us[i]!)))
    // copies: the machine wipes what it is given once the task's keys are derived
    return peerIds.map(p => cache.get(p)!.slice())
  }
  return {
    keystream: aesCtrKeystream,
    canPair: isEd25519PeerId,
    pairSecret: (peerId: string) => pairSecrets([peerId])[0]!,
    pairSecrets,
    sha256: (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()),
    hmacSha256: (key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(data).digest())
  }
}
