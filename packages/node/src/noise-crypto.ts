/**
 * Noise's crypto (@chainsafe/libp2p-noise's own default) with its X25519 agreement moved to JWK
 * keys: the default hands node:crypto both keys as DER (PKCS#8, SPKI) on every agreement, and
 * OpenSSL's DER decoders make that about 470 µs here, against about 80 µs as JWK. A handshake
 * makes three agreements at each end; a 1,000-party sum makes about a thousand handshakes.
 */
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

type Key = Parameters<ICryptoInterface['generateX25519SharedKey']>[0]

function base64url (key: Key): string {
  const bytes = key instanceof Uint8Array ? key : key.subarray()
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/** X25519 (RFC 7748) of a raw private key and a raw public key, 32 bytes each. */
function x25519SharedKey (privateKey: Key, publicKey: Key): Uint8Array {
  return diffieHellman({
    // node:crypto derives the public half from `d`
    privateKey: createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(privateKey), x: '' }, format: 'jwk' }),
    publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(publicKey) }, format: 'jwk' })
  })
}

/** What `noise({ crypto })` takes: the default, with the agreement above. */
export const noiseCrypto: ICryptoInterface = { ...defaultCrypto, generateX25519SharedKey: x25519SharedKey }
