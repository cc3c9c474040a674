/**
 * Test-only identity signatures (not a test file): an Ed25519 key per peer name, derived from the
 * name, so that every machine of a simulation can check every other party's signatures.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { IdentitySigner } from '../src/machine/types.js'

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_BYTES = 12
interface TestKey { readonly privateKey: KeyObject, readonly publicKey: KeyObject, readonly seed: Uint8Array, readonly raw: Uint8Array }
const keys = new Map<string, TestKey>()

/** The key pair of a peer name (its seed is SHA-256 of the name: tests only!). */
function keyOf (peer: string): TestKey {
  let key = keys.get(peer)
  if (key === undefined) {
    const seed = createHash('sha256').update(`test-identity/${peer}`).digest()
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
    const publicKey = createPublicKey(privateKey)
    const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_BYTES))
    key = { privateKey, publicKey, seed: new Uint8Array(seed), raw }
    keys.set(peer, key)
  }
  return key
}

/** The identity "key file" of a peer name: its Ed25519 seed (the secret) and public key, 32 bytes each. */
export function testIdentityKeys (peer: string): { readonly seed: Uint8Array, readonly publicKey: Uint8Array } {
  const key = keyOf(peer)
  return { seed: key.seed.slice(), publicKey: key.raw.slice() }
}

/**
 * Signatures and verdicts, remembered: Ed25519 signs deterministically, and the seeded
 * simulations of a suite (thousands of delivery orders) sign and check the same statements over
 * and over, so each is computed once. Keyed by everything the answer depends on.
 */
const remembered = new Map<string, Uint8Array | boolean>()
function remember<T extends Uint8Array | boolean> (key: string, compute: () => T): T {
  let value = remembered.get(key) as T | undefined
  if (value === undefined) {
    value = compute()
    if (remembered.size > 200_000) remembered.clear()
    remembered.set(key, value)
  }
  return (value instanceof Uint8Array ? value.slice() : value) as T
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The identity signatures of the party named `self`, checking anyone's by their name. */
export function testIdentity (self: string): IdentitySigner {
  return {
    sign: data => remember(`s|${self}|${hex(data)}`, () => new Uint8Array(sign(null, data, keyOf(self).privateKey))),
    verify: (peer, data, signature) => remember(`v|${peer}|${hex(data)}|${hex(signature)}`, () => verify(null, data, keyOf(peer).publicKey, signature))
  }
}
