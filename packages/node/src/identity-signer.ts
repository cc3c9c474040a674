/**
 * Identity signatures for core's machines (threshold mode's signed commits): Ed25519 with this
 * node's identity key, checked against the key each PeerId carries. node:crypto does the
 * arithmetic (native, about 50 µs a verification here); public keys are parsed once per peer.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import type { IdentitySigner } from '@simon-p2p/core'
import { BoundedMap } from './bounded-map.js'
import { ed25519KeyOf } from './lean-crypto.js'

/** DER prefixes of an Ed25519 private key (PKCS#8, then the 32-byte seed) and public key (SPKI, then 32 bytes). */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')

/** The identity signatures of a node with this key; undefined when the key is not Ed25519. */
export function nodeIdentitySigner (privateKey: PrivateKey, maxCachedPeers = 4096): IdentitySigner | undefined {
  if (privateKey.type !== 'Ed25519') return undefined
  // libp2p's raw Ed25519 private key is the seed (32 bytes) then the public key (32 bytes)
  const own = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, privateKey.raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' })
  const keys = new BoundedMap<string, KeyObject | null>(maxCachedPeers)
  const keyOf = (peerId: string): KeyObject | null => {
    let key = keys.get(peerId)
    if (key === undefined) {
      const raw = ed25519KeyOf(peerId)
      key = raw === null ? null : createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' })
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
