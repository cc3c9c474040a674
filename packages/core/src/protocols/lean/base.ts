/**
 * What lean mode's two topologies (the ring, ring.ts; the tree, tree.ts) share: the task's
 * setup, taking the input, this party's ephemeral key and its signature, the masking graph
 * (graph.ts: every other party, or k neighbours above 100 parties), checking the neighbours'
 * keys and agreeing a secret with each, the pairwise keys from the nonces, the confirmation tags,
 * failing, and forgetting every secret. The topologies differ only in whom they send what, and when.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import type { AbortMessage } from '../../wire/codec.js'
import type { LeanConfirmMessage, LeanEntry, LeanNoncesMessage, LeanTags, RingPass, Topology } from '../../wire/lean.js'
import type { InputValue, Shape } from '../../encoding/fixed-point.js'
import { isTypedInput } from '../../encoding/fast.js'
import { ProtocolError, TaskAbortedError, type SimonError } from '../../errors.js'
import { fastVectors, isFastModulus, wideVectors, type VectorOps } from '../../field/vectors.js'
import { Kernel } from '../../machine/kernel.js'
import type { IdentitySigner, MachineInit, Outgoing } from '../../machine/types.js'
import { describeShape } from '../../machine/wide.js'
import { digestsEqual } from '../../task/descriptor.js'
import { neighboursOf } from '../../task/parameters.js'
import {
  checkPeers, confirmTag, ephemeralStatement, nonceHash, NONCE_BYTES, pairKeys, portableHmac, TAG_BYTES,
  type EphemeralKey, type Hmac, type LeanCrypto, type PairKeys
} from './crypto.js'
import { graphSeed, MaskGraph, neighbourCount } from './graph.js'

export type LeanStep = 'input' | 'nonces' | 'sum' | 'confirm' | 'done' | 'failed'

export interface LeanMachineInit extends MachineInit {
  readonly lean: LeanCrypto
  /** Signs this party's ephemeral key and checks the others' (lean mode's only authentication of them). */
  readonly identity: IdentitySigner
}

const KINDS: ReadonlySet<string> = new Set(['lean-nonces', 'lean-data', 'lean-confirm'])

export abstract class LeanBase<V extends Float64Array | bigint[]> extends Kernel<LeanStep> {
  protected readonly kinds = KINDS
  protected readonly modeName = 'lean mode'
  protected readonly ops: VectorOps<V>
  protected readonly elementBytes: number
  protected readonly crypto: LeanCrypto
  protected readonly identity: IdentitySigner
  protected readonly hash: (data: Uint8Array) => Uint8Array
  protected readonly mac: Hmac
  protected shape: { kind: Shape, length: number } | undefined
  protected typedInput = false
  /** The encoded input; it becomes the total, in place. */
  protected x: V | undefined
  /** This task's X25519 key pair, from the input until every pair secret is agreed. */
  protected ephemeral: EphemeralKey | undefined
  protected ownPublicKey: Uint8Array | undefined
  protected ownSignature: Uint8Array | undefined
  /** Per other party: the ephemeral key its signature checked out for, and the secret agreed with it. */
  protected peerKeys: Array<Uint8Array | undefined> = []
  protected secrets: Array<Uint8Array | undefined> = []
  protected keys: Array<PairKeys | undefined> = []
  protected ownNonce: Uint8Array | undefined
  protected nonceDigest: Uint8Array | undefined
  /** k, how many parties each party masks with (graph.ts): n - 1 unless the graph is sparse. */
  protected readonly degree: number
  /** Whom this task pairs, from the nonces on (deriveKeys). */
  protected graph: MaskGraph | undefined

  constructor (init: LeanMachineInit, ops?: VectorOps<V>) {
    super(init)
    this.ops = ops ?? (isFastModulus(init.descriptor.parameters.modulus) ? fastVectors : wideVectors(this.field)) as unknown as VectorOps<V>
    this.elementBytes = this.field.bytes
    this.crypto = init.lean
    this.identity = init.identity
    this.hash = init.lean.sha256 ?? (data => nobleSha256(data))
    this.mac = init.lean.hmacSha256 ?? portableHmac
    this.degree = neighbourCount(this.parties, neighboursOf(init.descriptor.parameters))
  }

  /** Whether only some pairs mask (graph.ts): the signatures are then checked once all nonces are known, for neighbours only. */
  protected get sparse (): boolean {
    return this.degree < this.parties - 1
  }

  /** Fail here, and tell the neighbours, who pass it on. */
  protected override announce (error: SimonError): Outgoing[] {
    return this.aborts(error.code, `(at party ${this.myself}) ${error.message}`, -1)
  }

  /** Another party gave up: fail, and pass the abort on to the neighbours it did not come from. */
  protected override onAbort (m: AbortMessage, sender: number): Outgoing[] {
    this.fail(new TaskAbortedError(sender, m.code, m.reason), false)
    return this.aborts(m.code, m.reason, sender)
  }

  /** How this machine moves sums: the topology its nonce messages name. */
  protected abstract readonly topology: Topology
  /** The parties next to this one, who pass an abort on. */
  protected abstract readonly adjacent: readonly number[]

  /** An abort for every adjacent party but `except`. */
  protected aborts (code: string, reason: string, except: number): Outgoing[] {
    const message: AbortMessage = { kind: 'abort', ...this.header(), code, reason }
    return this.adjacent.filter(j => j !== except).map(j => ({ to: j, message }))
  }

  /** This party's entry in the nonce gather. */
  protected ownEntry (): LeanEntry {
    return { party: this.myself, nonce: this.ownNonce!, shape: this.shape!.kind, length: this.shape!.length, publicKey: this.ownPublicKey!, signature: this.ownSignature! }
  }

  protected noncesTo (to: number, pass: RingPass, entries: LeanEntry[]): Outgoing {
    const message: LeanNoncesMessage = { kind: 'lean-nonces', ...this.header(), pass, topology: this.topology, descriptor: this.canonical, entries }
    return { to, message }
  }

  protected confirmTo (to: number, pass: RingPass, tags: LeanTags[]): Outgoing {
    const message: LeanConfirmMessage = { kind: 'lean-confirm', ...this.header(), pass, tags }
    return { to, message }
  }

  /**
   * The first entry (of another party) whose input has another shape than this party's, or whose
   * ephemeral key its party has not signed for this task, or allows no key agreement, as an error.
   * Agrees the secret with each key the first time its signature checks out (on a sparse graph
   * deriveKeys does that, for the neighbours only).
   */
  protected entriesError (entries: readonly LeanEntry[], from: number): SimonError | undefined {
    const own = this.shape!
    for (const e of entries) {
      if (e.party === this.myself) continue
      if (e.shape !== own.kind || e.length !== own.length) {
        return new ProtocolError(`party ${e.party} has ${describeShape(e.shape, e.length)}, this party has ${describeShape(own.kind, own.length)}`, from)
      }
      if (this.sparse) continue
      const error = this.agreeWith(e, from)
      if (error !== undefined) return error
    }
    return undefined
  }

  /** Check e's signature over its ephemeral key and agree the pair secret with it, unless already done for this key. */
  private agreeWith (e: LeanEntry, from: number): SimonError | undefined {
    const known = this.peerKeys[e.party]
    if (known !== undefined && digestsEqual(known, e.publicKey)) return undefined
    if (this.ephemeral === undefined) return new ProtocolError(`party ${from} sent a new key of party ${e.party} after this party's keys were derived`, from)
    const statement = ephemeralStatement(this.digest, e.party, e.nonce, e.publicKey)
    if (!this.identity.verify(this.descriptor.peers[e.party]!, statement, e.signature)) {
      const via = from === e.party ? '' : ` (handed on by party ${from})`
      return new ProtocolError(`the ephemeral key of party ${e.party}${via} does not carry party ${e.party}'s signature for this task`, from)
    }
    let secret: Uint8Array
    try {
      secret = this.ephemeral.agree(e.publicKey)
    } catch (err) {
      return new ProtocolError(`the ephemeral key of party ${e.party} allows no key agreement: ${(err as Error).message}`, e.party)
    }
    this.secrets[e.party]?.fill(0)
    this.secrets[e.party] = secret
    this.peerKeys[e.party] = e.publicKey
    return undefined
  }

  /** Whether the full list handed on by `from` holds this party's own nonce and key, as an error if not. */
  protected ownNonceError (entries: readonly LeanEntry[], from: number): SimonError | undefined {
    const mine = entries[this.myself]!
    if (digestsEqual(mine.nonce, this.ownNonce!) && digestsEqual(mine.publicKey, this.ownPublicKey!)) return undefined
    return new ProtocolError(`the nonces handed on by party ${from} do not hold this party's own nonce and ephemeral key`, from)
  }

  /**
   * Encode this party's input, draw its nonce and this task's ephemeral key, and sign the key.
   * @throws InvalidInputError before anything is produced, also naming `network.nodes[k]` for a
   *   peer lean mode cannot serve
   */
  protected prepareInput (value: InputValue, maxLength: number): void {
    const encoded = this.ops.encode(value, this.fp, maxLength)
    checkPeers(this.crypto, this.descriptor.peers, this.myself)
    this.x = encoded.elements
    this.typedInput = isTypedInput(value)
    this.shape = { kind: encoded.shape, length: encoded.length }
    this.ownNonce = this.randomBytes(NONCE_BYTES).slice()
    this.ephemeral = this.crypto.ephemeral()
    this.ownPublicKey = this.ephemeral.publicKey
    this.ownSignature = this.identity.sign(ephemeralStatement(this.digest, this.myself, this.ownNonce, this.ownPublicKey))
  }

  /**
   * All entries known, in party order (entry k handed on by party handedBy(k)): the masking graph, and the pair
   * keys with each neighbour (on a sparse graph only now are the neighbours' signatures checked
   * and their secrets agreed); the secrets and the ephemeral key are then wiped.
   * @returns the first neighbour's key that fails, as an error
   */
  protected deriveKeys (entries: readonly LeanEntry[], handedBy: (party: number) => number): SimonError | undefined {
    this.nonceDigest = nonceHash(entries.map(e => e.nonce))
    this.graph = this.sparse ? new MaskGraph(this.parties, this.degree, graphSeed(this.digest, this.nonceDigest, this.hash), this.hash) : new MaskGraph(this.parties, this.degree)
    const neighbours = this.graph.neighbours(this.myself)
    if (this.sparse) {
      for (const k of neighbours) {
        const error = this.agreeWith(entries[k]!, handedBy(k))
        if (error !== undefined) return error
      }
    }
    this.keys = new Array(this.parties).fill(undefined)
    for (const k of neighbours) {
      const secret = this.secrets[k]
      if (secret === undefined) return new ProtocolError(`no key of party ${k} came with the nonces`, k)
      this.keys[k] = pairKeys(secret, this.digest, this.nonceDigest, this.myself, k, this.mac)
    }
    this.wipeAgreement()
    return undefined
  }

  /** Wipe the ephemeral key and the pair secrets agreed with it. */
  private wipeAgreement (): void {
    this.ephemeral?.wipe()
    this.ephemeral = undefined
    for (const s of this.secrets) s?.fill(0)
    this.secrets = []
  }

  /** The bytes of one party's tags: one per neighbour. */
  protected get tagBlobBytes (): number {
    return this.degree * TAG_BYTES
  }

  /** This party's tags over its result hash, one per neighbour, in party order. */
  protected tagBlob (resultHash: Uint8Array): Uint8Array {
    const blob = new Uint8Array(this.tagBlobBytes)
    this.graph!.neighbours(this.myself).forEach((k, i) => blob.set(this.expectedTag(k, resultHash), i * TAG_BYTES))
    return blob
  }

  /** The tag over `resultHash` under the key this party shares with neighbour k. */
  protected expectedTag (k: number, resultHash: Uint8Array): Uint8Array {
    return confirmTag(this.keys[k]!.tag, resultHash, this.mac)
  }

  /** Whether party k's blob holds the right tag for this party over this party's result hash (false for a non-neighbour). */
  protected tagMatches (k: number, blob: Uint8Array, resultHash: Uint8Array): boolean {
    const i = this.graph!.indexOf(k, this.myself)
    if (i < 0) return false
    return digestsEqual(blob.subarray(i * TAG_BYTES, (i + 1) * TAG_BYTES), this.expectedTag(k, resultHash))
  }

  /** Decode the total and be done. */
  protected finish (): Outgoing[] {
    const { samples, sum } = this.ops.decode(this.x!, this.fp, this.shape!.kind, this.typedInput)
    // a Float64Array sum is the total's own buffer, decoded in place: hand it over, do not wipe it
    if (sum === this.x || (sum instanceof Float64Array && sum.buffer === (this.x as Float64Array).buffer)) this.x = undefined
    this.succeed({ inputs: this.parties, result: { samples, sum } })
    return []
  }

  /** Drop the input, the total and every key this task still holds. */
  protected forget (): void {
    if (this.x instanceof Float64Array) this.x.fill(0)
    this.x = undefined
    this.wipeAgreement()
    for (const k of this.keys) { k?.mask.fill(0); k?.tag.fill(0) }
    this.keys = []
  }
}
