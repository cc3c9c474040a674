/**
 * Identity signatures for core's machines (threshold mode's signed commits): Ed25519 with this
 * node's identity key, checked against the key each PeerId carries. node:crypto does the
 * arithmetic (native, about 50 µs a verification here); public keys are parsed once per peer.
 * Keys cross into node:crypto as JWK: a public key takes about 8 µs so, 80 µs as SPKI DER.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import type { IdentitySigner } from '@simon-p2p/core'
import { BoundedMap } from './bounded-map.js'
import { ed25519KeyOf } from './lean-crypto.js'

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')

/** The identity signatures of a node with this key; undefined when the key is not Ed25519. */
export function nodeIdentitySigner (privateKey: PrivateKey, maxCachedPeers = 4096): IdentitySigner | undefined {
  if (privateKey.type !== 'Ed25519') return undefined
  // libp2p's raw Ed25519 private key is the seed (32 bytes) then the public key (32 bytes)
  const own = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: base64url(privateKey.raw.subarray(0, 32)), x: base64url(privateKey.raw.subarray(32, 64)) }, format: 'jwk' })
  const keys = new BoundedMap<string, KeyObject | null>(maxCachedPeers)
  const keyOf = (peerId: string): KeyObject | null => {
    let key = keys.get(peerId)
    if (key === undefined) {
      const raw = ed25519KeyOf(peerId)
      key = raw === null ? null : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(raw) }, format: 'jwk' })
      keys.set(peerId, key)
    }
    return key
  }
  return {
    sign: data => new Uint8Array(sign(null, data, own)),
    verify: (peerId, data, signature) => {
      const key = keyOf(peerId)
      return key !== null && signature.length === 64 && verify(null, data, key, signature)
    }
  }
}
