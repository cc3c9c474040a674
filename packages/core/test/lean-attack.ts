/**
 * Test-only (not a test file): what an attacker does with the logged frames of a lean ring sum (or one with direct sends)
 * and key material it got hold of, and the static scheme lean mode had before ephemeral keys,
 * as an attacker with an identity key file would still compute it. Used by the forward-secrecy
 * suite here and by test/adversary/lean-stolen-key.test.ts over libp2p.
 */
import { createHash } from 'node:crypto'
import { decodeMessage, type WireMessage } from '../src/wire/codec.js'
import type { LeanDataMessage, LeanNoncesMessage } from '../src/wire/lean.js'
import { FAST_FRAME_ELEMENTS, fastVectors } from '../src/field/vectors.js'
import { frameIv, nonceHash, pairKeys, type LeanCrypto } from '../src/protocols/lean/crypto.js'
import { RingPlan } from '../src/protocols/lean/plan.js'
import { fixedPointOf, resolveParameters } from '../src/task/parameters.js'
import { aesKeystream, rawEphemeral, x25519, x25519PublicKey, type EphemeralRecord } from './lean-helpers.js'

const P = (1n << 255n) - 19n

function modPow (b: bigint, e: bigint): bigint {
  let r = 1n
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if ((e & 1n) === 1n) r = (r * b) % P
  return r
}

/** The X25519 private key an Ed25519 seed maps to: the first half of SHA-512(seed) (libsodium's crypto_sign_ed25519_sk_to_curve25519). */
export function montgomerySecret (seed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(seed).digest().subarray(0, 32))
}

/** The X25519 public key an Ed25519 public key maps to: u = (1 + y) / (1 - y) (RFC 7748 section 4.1). */
export function montgomeryPublic (edPublic: Uint8Array): Uint8Array {
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? edPublic[i]! & 0x7f : edPublic[i]!)
  let u = ((1n + y) * modPow((1n - y + P) % P, P - 2n)) % P
  const out = new Uint8Array(32)
  for (let b = 0; b < 32; b++) { out[b] = Number(u & 0xffn); u >>= 8n }
  return out
}

/** The static pair secret of the old scheme: X25519 of one party's identity seed and the other's Ed25519 public key. */
export function staticPairSecret (seed: Uint8Array, peerEdPublic: Uint8Array): Uint8Array {
  return x25519(montgomerySecret(seed), montgomeryPublic(peerEdPublic))
}

/**
 * The old scheme as a LeanCrypto: its "ephemeral" key is the party's static identity key mapped
 * to X25519, the same in every task, so the pair secrets are the static ones. For control runs
 * that show an attack which fails on ephemeral keys succeeds on static ones.
 */
export function staticLeanCrypto (self: string, seed: Uint8Array, record?: (r: EphemeralRecord) => void): LeanCrypto {
  return {
    keystream: aesKeystream,
    ephemeral: () => rawEphemeral(self, montgomerySecret(seed), record),
    sha256: data => new Uint8Array(createHash('sha256').update(data).digest())
  }
}

/** What the log of one ring sum (or one with direct sends) gives away in the clear: the digest, every nonce, and each frame of party `target`'s masked input. */
export interface LoggedRing {
  readonly parties: number
  readonly digest: Uint8Array
  readonly nonces: Uint8Array[]
  /** The ephemeral public keys the nonce gather carried, in party order. */
  readonly publicKeys: Uint8Array[]
  readonly plan: RingPlan
  /** Direct sends: each party's entry came on its own, and target's parts went to each segment's holder. */
  readonly direct: boolean
  /** Party target's reduce frames of step 0 (ring: y_target on its own segment; direct: its parts of the others'), by frame index. */
  readonly masked: Map<number, Float64Array>
}

/**
 * Read a log of frames (any order, duplicates allowed) of one fast-profile ring sum, or one with direct sends.
 * @throws when the log holds no full nonce list, or none of target's masked frames
 */
export function readLog (frames: ReadonlyArray<Uint8Array | WireMessage>, target: number): LoggedRing {
  // an empty frame is a sender's ask for its replies (no message): nothing to read
  const messages = frames.filter(f => !(f instanceof Uint8Array) || f.length > 0).map(f => f instanceof Uint8Array ? decodeMessage(f) : f)
  const all = messages.filter((m): m is LeanNoncesMessage => m.kind === 'lean-nonces')
  const distributed = all.find(m => m.pass === 'distribute')
  // direct sends: every party's own entry, each in a message of its own
  const own = new Map(all.filter(m => m.topology === 'direct').map(m => [m.entries[0]!.party, m.entries[0]!]))
  const entries = distributed?.entries ?? [...own.keys()].sort((a, b) => a - b).map(k => own.get(k)!)
  if (entries.length === 0 || entries.some((e, k) => e.party !== k) || (distributed === undefined && entries.length < 2)) throw new Error('readLog: no full nonce list in the log')
  const parties = entries.length
  const plan = new RingPlan(parties, entries[0]!.length + 1, FAST_FRAME_ELEMENTS)
  const masked = new Map<number, Float64Array>()
  for (const m of messages) {
    if (m.kind === 'lean-data' && m.from === target && m.phase === 'reduce' && m.step === 0) masked.set(m.frame, Float64Array.from((m as LeanDataMessage).elements as Float64Array))
  }
  if (masked.size === 0) throw new Error(`readLog: no masked frame of party ${target} in the log`)
  return { parties, digest: all[0]!.digest, nonces: entries.map(e => e.nonce), publicKeys: entries.map(e => e.publicKey), plan, direct: distributed === undefined, masked }
}

/**
 * Strip party target's masks from its logged frames with the pair secrets given (secrets[k]
 * for the pair {target, k}; a missing one leaves that mask on), as the machine added them: on
 * the ring target's own segment, with direct sends its part of `holder`'s segment (the masks
 * shared with the holder were never added).
 * @returns target's segment as recovered, and where it starts in the vector
 */
export function stripMasks (log: LoggedRing, target: number, secrets: ReadonlyArray<Uint8Array | undefined>, holder = log.direct ? (target + 1) % log.parties : target): { start: number, elements: Float64Array } {
  const nh = nonceHash(log.nonces)
  const frames = log.plan.framesOf(holder)
  const start = log.plan.frameStart[frames[0]!]!
  const out = new Float64Array(frames.reduce((s, g) => s + log.plan.frameCount[g]!, 0))
  for (const g of frames) {
    const y = Float64Array.from(log.masked.get(g) ?? [])
    if (y.length !== log.plan.frameCount[g]) throw new Error(`stripMasks: frame ${g} of party ${target} is not in the log`)
    secrets.forEach((secret, k) => {
      if (secret === undefined || k === target || (log.direct && k === holder)) return
      const keys = pairKeys(secret, log.digest, nh, target, k)
      // the machine added m_tk for k > t and subtracted m_kt for k < t: undo it
      fastVectors.addKeystream(y, 0, y.length, aesKeystream(keys.mask, frameIv(g)), k > target)
    })
    out.set(y, log.plan.frameStart[g]! - start)
  }
  return { start, elements: out }
}

/** Party input as the machine encodes it in the fast profile (the input, then its sample count). */
export function encodedInput (input: Float64Array | number[], parties: number): Float64Array {
  return fastVectors.encode(input, fixedPointOf(resolveParameters({ profile: 'fast' }, parties)), 1 << 24).elements
}

/** How many elements of `recovered` equal the encoded input at their places. */
export function matchingElements (recovered: { start: number, elements: Float64Array }, encoded: Float64Array): number {
  let same = 0
  for (let i = 0; i < recovered.elements.length; i++) if (recovered.elements[i] === encoded[recovered.start + i]) same++
  return same
}

/** The X25519 public key of the static scheme for an identity seed (what the old scheme would have put in a nonce entry). */
export function staticPublicKey (seed: Uint8Array): Uint8Array {
  return x25519PublicKey(montgomerySecret(seed))
}
