/**
 * Noise's crypto (@chainsafe/libp2p-noise's own default) with its X25519 moved off DER: the
 * default exports every new key pair as DER and hands node:crypto both keys as DER (PKCS#8, SPKI)
 * on every agreement, and OpenSSL's DER encoders and decoders are slow here (a key pair 152 µs,
 * an agreement 470 µs). Here a key pair crosses as JWK (45 µs), its private key stays the
 * KeyObject it was made as (an agreement with it 49 µs), and only a private key made elsewhere is
 * imported, as JWK. A handshake makes one key pair and three agreements at each end; a
 * 1,000-party sum makes about a thousand handshakes.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

type Key = Parameters<ICryptoInterface['generateX25519SharedKey']>[0]

/** The private key bytes of each pair made here -> the KeyObject they came from and a copy of them (dropped with the bytes). */
const madeHere = new WeakMap<Uint8Array, { readonly key: KeyObject, readonly raw: Uint8Array }>()

/** The KeyObject `bytes` were exported from, while they still hold what it holds. */
function keyMadeHere (bytes: Key): KeyObject | undefined {
  if (!(bytes instanceof Uint8Array)) return undefined
  const made = madeHere.get(bytes)
  return made !== undefined && Buffer.compare(made.raw, bytes) === 0 ? made.key : undefined
}

function bytesOf (key: Key): Uint8Array {
  return key instanceof Uint8Array ? key : key.subarray()
}

function base64url (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/** A fresh X25519 key pair from OpenSSL, as the raw 32 bytes of each half. */
function x25519KeyPair (): { publicKey: Uint8Array, privateKey: Uint8Array } {
  const { privateKey } = generateKeyPairSync('x25519')
  const { d, x } = privateKey.export({ format: 'jwk' })
  const raw = Buffer.from(d!, 'base64url')
  madeHere.set(raw, { key: privateKey, raw: Buffer.from(raw) })
  return { publicKey: Buffer.from(x!, 'base64url'), privateKey: raw }
}

/** X25519 (RFC 7748) of a raw private key and a raw public key, 32 bytes each. */
function x25519SharedKey (privateKey: Key, publicKey: Key): Uint8Array {
  // node:crypto derives the public half from `d`
  const own = keyMadeHere(privateKey) ??
    createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(bytesOf(privateKey)), x: '' }, format: 'jwk' })
  return diffieHellman({ privateKey: own, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(bytesOf(publicKey)) }, format: 'jwk' }) })
}

/** What `noise({ crypto })` takes: the default, with the key pairs and agreement above. */
export const noiseCrypto: ICryptoInterface = { ...defaultCrypto, generateX25519KeyPair: x25519KeyPair, generateX25519SharedKey: x25519SharedKey }
