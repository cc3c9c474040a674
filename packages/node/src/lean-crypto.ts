/**
 * Lean mode's cryptography for one node: AES-128-CTR keystreams, SHA-256 and HMAC from
 * node:crypto, and a fresh X25519 key pair per task. The private half is made by OpenSSL and
 * never enters the JavaScript heap; wiping drops it (OpenSSL clears its memory when it frees the
 * key). Nothing here outlives a task or depends on the identity key: core signs each ephemeral
 * key with the identity (identity-signer.ts), so a stolen key file unmasks no past sum.
 */
import { createCipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { EphemeralKey, LeanCrypto } from '@simon-p2p/core'
import { BoundedMap } from './bounded-map.js'
import { KeyAgreementError } from './errors.js'

/** Zero bytes to encrypt: AES-CTR of zeros is the keystream. */
const ZEROS = new Uint8Array(4 << 20)

export function aesCtrKeystream (key: Uint8Array, iv: Uint8Array): (length: number) => Uint8Array {
  const cipher = createCipheriv('aes-128-ctr', key, iv)
  return (length: number) => {
    if (length <= ZEROS.length) return cipher.update(ZEROS.subarray(0, length))
    return cipher.update(new Uint8Array(length))
  }
}

/**
 * A fresh X25519 key pair (RFC 7748) from OpenSSL's randomness. Keys cross into node:crypto as
 * JWK: its DER import costs several times as much.
 * @returns the public key's 32 bytes, agreement with another public key, and wipe
 * @example
 * const a = x25519Ephemeral(), b = x25519Ephemeral()
 * a.agree(b.publicKey) // equals b.agree(a.publicKey); a.wipe() once it is no longer needed
 */
export function x25519Ephemeral (): EphemeralKey {
  const pair = generateKeyPairSync('x25519')
  return keyPair(pair.privateKey, new Uint8Array(Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url')))
}

/** Agreement and wipe over an OpenSSL private key. */
function keyPair (privateKey: KeyObject, publicKey: Uint8Array): EphemeralKey {
  let own: KeyObject | undefined = privateKey
  return {
    publicKey,
    agree: (theirs: Uint8Array) => {
      if (own === undefined) throw new KeyAgreementError('this task\'s key has been wiped')
      if (theirs.length !== 32) throw new KeyAgreementError(`a public key of ${theirs.length} bytes (X25519 has 32)`)
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(theirs).toString('base64url') }, format: 'jwk' })
      // node:crypto refuses an all-zero result (a low-order point); the Buffer itself is returned, so wiping it wipes the secret
      return diffieHellman({ privateKey: own, publicKey })
    },
    wipe: () => { own = undefined }
  }
}

/**
 * The X25519 key pair of 32 private bytes (lean mode with a threshold Shamir-shares them). Crosses
 * into node:crypto as JWK, which derives the public half from `d`.
 */
export function x25519FromPrivate (privateKey: Uint8Array): EphemeralKey {
  const d = Buffer.from(privateKey).toString('base64url')
  const own = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: '' }, format: 'jwk' })
  const publicKey = new Uint8Array(Buffer.from(createPublicKey(own).export({ format: 'jwk' }).x!, 'base64url'))
  return keyPair(own, publicKey)
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

/** Whether a PeerId carries an Ed25519 key (the only kind whose signatures lean mode checks). */
export function isEd25519PeerId (peerId: string): boolean {
  return ed25519KeyOf(peerId) !== null
}

/** Lean mode's cryptography, the same for every node: it holds no secret and no identity. */
const NODE_LEAN_CRYPTO: LeanCrypto = Object.freeze({
  keystream: aesCtrKeystream,
  ephemeral: x25519Ephemeral,
  ephemeralFrom: x25519FromPrivate,
  canPair: isEd25519PeerId,
  sha256: (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()),
  // the digest Buffer itself: a key derived through it is wiped where it was written
  hmacSha256: (key: Uint8Array, data: Uint8Array) => createHmac('sha256', key).update(data).digest()
})

/**
 * The LeanCrypto of a node with this identity key; `undefined` when the key is not Ed25519 (it
 * could not sign its ephemeral keys as lean mode checks them: the node runs the full mesh).
 * Holds no secret: ephemeral keys are made per task, and wiped by the task.
 */
export function nodeLeanCrypto (privateKey: PrivateKey): LeanCrypto | undefined {
  return privateKey.type === 'Ed25519' ? NODE_LEAN_CRYPTO : undefined
}
