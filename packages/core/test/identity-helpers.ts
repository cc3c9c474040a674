/**
 * Test-only identity signatures (not a test file): an Ed25519 key per peer name, derived from the
 * name, so that every machine of a simulation can check every other party's signatures.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { IdentitySigner } from '../src/machine/types.js'

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const keys = new Map<string, { readonly privateKey: KeyObject, readonly publicKey: KeyObject }>()

/** The key pair of a peer name (its seed is SHA-256 of the name: tests only!). */
function keyOf (peer: string): { readonly privateKey: KeyObject, readonly publicKey: KeyObject } {
  let key = keys.get(peer)
  if (key === undefined) {
    const seed = createHash('sha256').update(`test-identity/${peer}`).digest()
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
    key = { privateKey, publicKey: createPublicKey(privateKey) }
    keys.set(peer, key)
  }
  return key
}

/** The identity signatures of the party named `self`, checking anyone's by their name. */
export function testIdentity (self: string): IdentitySigner {
  return {
    sign: data => new Uint8Array(sign(null, data, keyOf(self).privateKey)),
    verify: (peer, data, signature) => verify(null, data, keyOf(peer).publicKey, signature)
  }
}
