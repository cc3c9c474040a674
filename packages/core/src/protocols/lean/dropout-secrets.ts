/**
 * The two secrets of a party in lean mode with a threshold, and their Shamir shares: its X25519
 * private key s (whose pair secrets mask its input against every other party) and its self-mask
 * key b (AES-128: PRG(b) masks its input once more). Both are shared with degree t - 1 over
 * 2^521 - 1, so that any t parties can reconstruct either; the protocol releases b for the
 * parties of the agreed set W and s for the others (README-lean.md, "Dropouts"). A reconstructed
 * secret is checked against what its party signed: E = X25519(s, 9), and the commitment H(b).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import type { RandomBytes } from '../../field/random.js'
import { createField, type Field } from '../../field/wide.js'
import { digestsEqual } from '../../task/descriptor.js'
import { reconstructShamir, splitShamir, type SharePoint } from '../threshold/shamir.js'
import { u32, type EphemeralKey, type LeanCrypto } from './crypto.js'

/** The field of the shares: a 32-byte secret is one element. */
export const SHARING_FIELD: Field = createField((1n << 521n) - 1n)

export const PRIVATE_KEY_BYTES = 32
export const SELF_KEY_BYTES = 16

const utf8 = new TextEncoder()
const COMMITMENT_LABEL = utf8.encode('simon-p2p/lean-threshold/v1/self-mask')
const KEYS_LABEL = utf8.encode('simon-p2p/lean-threshold/v1/keys')
const KEY_SET_LABEL = utf8.encode('simon-p2p/lean-threshold/v1/key-set')

/** One party's secrets for one task. */
export interface DropoutSecrets {
  readonly privateKey: Uint8Array
  readonly selfKey: Uint8Array
  readonly key: EphemeralKey
}

/** Draw a party's two secrets from the task's randomness; the key pair comes from `crypto`. */
export function drawSecrets (randomBytes: RandomBytes, ephemeralFrom: NonNullable<LeanCrypto['ephemeralFrom']>): DropoutSecrets {
  const privateKey = randomBytes(PRIVATE_KEY_BYTES).slice()
  const selfKey = randomBytes(SELF_KEY_BYTES).slice()
  return { privateKey, selfKey, key: ephemeralFrom(privateKey) }
}

export function bytesToElement (b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + toString(b, 'base16'))
}

/** The element as `size` big-endian bytes; undefined when it does not fit (a wrong reconstruction). */
export function elementToBytes (x: bigint, size: number): Uint8Array | undefined {
  const hex = x.toString(16)
  if (hex.length > size * 2) return undefined
  return fromString(hex.padStart(size * 2, '0'), 'base16')
}

/** shares[j] = [party j's share of s, party j's share of b]. */
export function splitSecrets (secrets: DropoutSecrets, parties: number, threshold: number, randomBytes: RandomBytes): bigint[][] {
  return splitShamir(SHARING_FIELD, [bytesToElement(secrets.privateKey), bytesToElement(secrets.selfKey)], parties, threshold, randomBytes)
}

/** SHA-256 over a domain tag, the task digest, the party and its self-mask key. */
export function selfMaskCommitment (digest: Uint8Array, party: number, selfKey: Uint8Array): Uint8Array {
  return sha256(concat([COMMITMENT_LABEL, digest, u32(party), selfKey]))
}

/** What party `party` signs over its keys: a domain tag, the digest, its index, nonce, public key and self-mask commitment. */
export function keysStatement (digest: Uint8Array, party: number, nonce: Uint8Array, publicKey: Uint8Array, commitment: Uint8Array): Uint8Array {
  return concat([KEYS_LABEL, digest, u32(party), nonce, publicKey, commitment])
}

/** The signed parts of one party's keys (what keysStatement covers, less the digest). */
export interface SignedKeys {
  readonly nonce: Uint8Array
  readonly publicKey: Uint8Array
  readonly selfCommitment: Uint8Array
}

/**
 * SHA-256 over a domain tag, the digest, and for each member in ascending order its index, nonce,
 * public key and self-mask commitment: what a key round commit binds (two parties that hold
 * different keys of one member get different hashes).
 */
export function keySetHash (digest: Uint8Array, members: readonly number[], keysOf: (party: number) => SignedKeys): Uint8Array {
  const parts: Uint8Array[] = [KEY_SET_LABEL, digest]
  for (const j of members) {
    const k = keysOf(j)
    parts.push(u32(j), k.nonce, k.publicKey, k.selfCommitment)
  }
  return sha256(concat(parts))
}

/** One secret from t points (index = the share holder's party index). */
function reconstruct (points: ReadonlyArray<{ index: number, value: bigint }>, size: number): Uint8Array | undefined {
  const shares: SharePoint[] = points.map(p => ({ index: p.index, values: [p.value] }))
  return elementToBytes(reconstructShamir(SHARING_FIELD, shares)[0]!, size)
}

/** Party `party`'s self-mask key from t shares, if it matches its signed commitment. */
export function reconstructSelfKey (points: ReadonlyArray<{ index: number, value: bigint }>, digest: Uint8Array, party: number, commitment: Uint8Array): Uint8Array | undefined {
  const key = reconstruct(points, SELF_KEY_BYTES)
  return key !== undefined && digestsEqual(selfMaskCommitment(digest, party, key), commitment) ? key : undefined
}

/** A party's key pair from t shares of its private key, if its public half is the one it signed. */
export function reconstructKey (points: ReadonlyArray<{ index: number, value: bigint }>, publicKey: Uint8Array,
  ephemeralFrom: NonNullable<LeanCrypto['ephemeralFrom']>): EphemeralKey | undefined {
  const privateKey = reconstruct(points, PRIVATE_KEY_BYTES)
  if (privateKey === undefined) return undefined
  const key = ephemeralFrom(privateKey)
  privateKey.fill(0)
  if (digestsEqual(key.publicKey, publicKey)) return key
  key.wipe()
  return undefined
}
