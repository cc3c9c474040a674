/**
 * Lean mode's cryptography for one node: AES-128-CTR keystreams and SHA-256 from node:crypto,
 * and the static pairwise secret with another party: X25519 between this node's Ed25519
 * identity key and the other party's, both mapped to their Montgomery form (RFC 7748; the
 * libsodium crypto_sign_ed25519_*_to_curve25519 conversion). No message is needed to agree on
 * it, so lean mode talks only to ring neighbours. Secrets are cached per peer (a static
 * secret does not change); per-task keys are derived from them with fresh nonces in core.
 */
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { LeanCrypto } from '@simon-p2p/core'

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

/** Whether a PeerId carries an Ed25519 key (the only kind lean mode can agree keys with). */
export function isEd25519PeerId (peerId: string): boolean {
  try {
    return peerIdFromString(peerId).type === 'Ed25519'
  } catch {
    return false
  }
}

/** The LeanCrypto of a node with this identity key; `undefined` when the key is not Ed25519. */
export function nodeLeanCrypto (privateKey: PrivateKey, maxCachedPeers = 4096): LeanCrypto | undefined {
  if (privateKey.type !== 'Ed25519') return undefined
  // libp2p's raw Ed25519 private key is seed (32 bytes) then public key (32 bytes)
  const seed = privateKey.raw.subarray(0, 32)
  const scalar = ed25519.utils.toMontgomerySecret(seed)
  const own: KeyObject = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(scalar), x: b64url(x25519.getPublicKey(scalar)) }, format: 'jwk' })
  scalar.fill(0)
  const cache = new Map<string, Uint8Array>()
  return {
    keystream: aesCtrKeystream,
    canPair: isEd25519PeerId,
    pairSecret: (peerId: string) => {
      let secret = cache.get(peerId)
      if (secret === undefined) {
        const id = peerIdFromString(peerId)
        if (id.type !== 'Ed25519' || id.publicKey === undefined) throw new Error(`${peerId} is not an Ed25519 PeerId`)
        // toMontgomery checks that the key is a point of the curve
        const u = ed25519.utils.toMontgomery(id.publicKey.raw)
        const theirs = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(u) }, format: 'jwk' })
        // node:crypto refuses an all-zero result (a low-order point)
        secret = new Uint8Array(diffieHellman({ privateKey: own, publicKey: theirs }))
        if (cache.size >= maxCachedPeers) cache.delete(cache.keys().next().value!)
        cache.set(peerId, secret)
      }
      // a copy: the machine wipes what it is given once the task's keys are derived
      return secret.slice()
    },
    sha256: (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())
  }
}
