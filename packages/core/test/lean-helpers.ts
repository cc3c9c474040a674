/**
 * Test-only helpers for lean mode (not a test file itself): a LeanCrypto from node:crypto whose
 * ephemeral X25519 keys come from a seeded stream and can be recorded (tests only!), X25519 from
 * raw private bytes, and PeerId-shaped names for a task's parties. The network they run on is sim.ts.
 */
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto'
import type { EphemeralKey, LeanCrypto } from '../src/protocols/lean/crypto.js'
import { seededRandomBytes } from './helpers.js'
import type { TaskDescriptor } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'

const ZEROS = new Uint8Array(1 << 21)

/** AES-128-CTR keystream, as the node layer has it. */
export function aesKeystream (key: Uint8Array, iv: Uint8Array): (length: number) => Uint8Array {
  const cipher = createCipheriv('aes-128-ctr', key, iv)
  return (length: number) => {
    let out = new Uint8Array(0)
    while (out.length < length) {
      const chunk = cipher.update(ZEROS.subarray(0, Math.min(ZEROS.length, length - out.length)))
      const next = new Uint8Array(out.length + chunk.length)
      next.set(out); next.set(chunk, out.length)
      out = next
    }
    return out
  }
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
const fromB64url = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'))

/**
 * X25519 private and public KeyObjects from raw bytes, through JWK (node's DER import costs ten
 * times as much); node derives the public half from `d` whatever `x` says, so `x` may be empty.
 */
function x25519Keys (privateKey: Uint8Array, publicKey = ''): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(privateKey), x: publicKey }, format: 'jwk' })
}

/** The X25519 public key of a 32-byte private key (clamped as RFC 7748 says). */
export function x25519PublicKey (privateKey: Uint8Array): Uint8Array {
  return fromB64url(createPublicKey(x25519Keys(privateKey)).export({ format: 'jwk' }).x!)
}

/** X25519 of a 32-byte private key and a 32-byte public key; throws for a low-order point. */
export function x25519 (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 32) throw new Error(`x25519: a public key of ${publicKey.length} bytes`)
  const theirs = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(publicKey) }, format: 'jwk' })
  return new Uint8Array(diffieHellman({ privateKey: x25519Keys(privateKey), publicKey: theirs }))
}

/**
 * x25519, remembered: the seeded test keys recur in every simulation of a suite (thousands of
 * delivery orders), so each agreement is computed once. Returns a copy (the machine wipes it).
 */
const agreed = new Map<string, Uint8Array>()
function cachedX25519 (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const key = b64url(privateKey) + b64url(publicKey)
  let secret = agreed.get(key)
  if (secret === undefined) {
    secret = x25519(privateKey, publicKey)
    if (agreed.size > 100_000) agreed.clear()
    agreed.set(key, secret)
  }
  return secret.slice()
}

const publics = new Map<string, Uint8Array>()
function cachedPublicKey (privateKey: Uint8Array): Uint8Array {
  const key = b64url(privateKey)
  let pub = publics.get(key)
  if (pub === undefined) {
    pub = x25519PublicKey(privateKey)
    if (publics.size > 100_000) publics.clear()
    publics.set(key, pub)
  }
  return pub.slice()
}

/** One ephemeral key a test LeanCrypto made, as a recorder sees it. */
export interface EphemeralRecord {
  readonly owner: string
  readonly publicKey: Uint8Array
  /** The private bytes the key itself holds: wipe zeroes them. */
  readonly privateKey: Uint8Array
  /** A copy taken when the key was made (what an attacker would need, and the machine does not keep). */
  readonly kept: Uint8Array
  /** Every secret agree returned, as returned (the machine is to wipe them). */
  readonly secrets: Uint8Array[]
  wiped: boolean
}

/** An ephemeral key over raw private bytes; `record` sees it. */
export function rawEphemeral (owner: string, privateKey: Uint8Array, record?: (r: EphemeralRecord) => void): EphemeralKey {
  const r: EphemeralRecord = { owner, publicKey: cachedPublicKey(privateKey), privateKey, kept: privateKey.slice(), secrets: [], wiped: false }
  record?.(r)
  return {
    publicKey: r.publicKey,
    agree: theirs => {
      if (r.wiped) throw new Error('the ephemeral key has been wiped')
      const secret = cachedX25519(privateKey, theirs)
      r.secrets.push(secret)
      return secret
    },
    wipe: () => { privateKey.fill(0); r.wiped = true }
  }
}

/**
 * A LeanCrypto for the party named `self`: ephemeral X25519 keys from a stream seeded by the
 * name (the same keys in every run: tests only!), each shown to `record` if given.
 */
export function testLeanCrypto (self: string, record?: (r: EphemeralRecord) => void): LeanCrypto {
  const random = seededRandomBytes(`ephemeral/${self}`)
  return {
    keystream: aesKeystream,
    ephemeral: () => rawEphemeral(self, random(32), record),
    ephemeralFrom: privateKey => rawEphemeral(self, privateKey.slice(), record),
    sha256: data => new Uint8Array(createHash('sha256').update(data).digest())
  }
}

/** PeerId-shaped names for n parties. */
export function peerNames (n: number): string[] {
  return Array.from({ length: n }, (_, i) => `12D3KooWtestpeer${String(i).padStart(4, '0')}`)
}

export function descriptorFor (n: number, parameters: unknown, taskId = 'lean-task'): TaskDescriptor {
  return { taskId, microprotocol: 'SecureSum', parameters: resolveParameters(parameters, n), peers: peerNames(n) }
}

/** A keystream reader over fixed bytes, read in order. */
export function keystreamReader (bytes: Uint8Array): (length: number) => Uint8Array {
  let at = 0
  return (length: number) => {
    if (at + length > bytes.length) throw new Error(`keystream exhausted at ${at} + ${length}`)
    const out = bytes.slice(at, at + length)
    at += length
    return out
  }
}
