/**
 * What lean mode's two topologies (the ring, machine.ts; the tree, tree.ts) share: the task's
 * setup, taking the input, the pairwise keys from the nonces, the confirmation tags, failing,
 * and forgetting every secret. The topologies differ only in whom they send what, and when.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { encodeMessage, type WireMessage } from '../../wire/codec.js'
import type { FixedPoint, InputValue, Shape } from '../../encoding/fixed-point.js'
import { InvalidInputError, type SimonError } from '../../errors.js'
import type { RandomBytes } from '../../field/random.js'
import type { Outgoing, SecureSumResult } from '../mesh/machine.js'
import { canonicalDescriptor, partiesWith, fieldOf, fixedPointOf, taskDigest, type TaskDescriptor } from '../../task/descriptor.js'
import { encodeLeanMessage } from '../../wire/lean.js'
import {
  agreeSecrets, bytesEqual, confirmTag, nonceHash, NONCE_BYTES, pairKeys, portableHmac, TAG_BYTES,
  type Hmac, type LeanCrypto, type PairKeys
} from './crypto.js'
import { isTypedInput } from '../../encoding/fast.js'
import { fastVectors, isFastModulus, wideVectors, type VectorOps } from '../../field/vectors.js'

export type LeanStep = 'input' | 'nonces' | 'sum' | 'confirm' | 'done' | 'failed'

export interface LeanMachineInit {
  readonly descriptor: TaskDescriptor
  readonly myself: number
  readonly randomBytes: RandomBytes
  readonly lean: LeanCrypto
  readonly maxLength?: number
}

export function describeShape (shape: Shape, length: number): string {
  return shape === 'scalar' ? 'a scalar' : `a vector of ${length} elements`
}

export abstract class LeanBase<V extends Float64Array | bigint[]> {
  readonly descriptor: TaskDescriptor
  readonly digest: Uint8Array
  readonly myself: number
  readonly parties: number
  protected readonly canonical: string
  protected readonly ops: VectorOps<V>
  protected readonly elementBytes: number
  protected readonly fp: FixedPoint
  protected readonly crypto: LeanCrypto
  protected readonly hash: (data: Uint8Array) => Uint8Array
  protected readonly mac: Hmac
  protected readonly randomBytes: RandomBytes

  protected _step: LeanStep = 'input'
  protected _result: SecureSumResult | undefined
  protected _error: SimonError | undefined
  protected shape: { kind: Shape, length: number } | undefined
  protected typedInput = false
  /** The encoded input; it becomes the total, in place. */
  protected x: V | undefined
  protected secrets: Array<Uint8Array | undefined> = []
  protected keys: Array<PairKeys | undefined> = []
  protected ownNonce: Uint8Array | undefined
  protected nonceDigest: Uint8Array | undefined

  constructor (init: LeanMachineInit, ops?: VectorOps<V>) {
    const n = partiesWith(init.descriptor, init.myself)
    this.descriptor = init.descriptor
    this.canonical = canonicalDescriptor(init.descriptor)
    this.digest = taskDigest(init.descriptor)
    this.myself = init.myself
    this.parties = n
    const field = fieldOf(init.descriptor.parameters)
    this.ops = ops ?? (isFastModulus(init.descriptor.parameters.modulus) ? fastVectors : wideVectors(field)) as unknown as VectorOps<V>
    this.elementBytes = field.bytes
    this.fp = fixedPointOf(init.descriptor.parameters)
    this.crypto = init.lean
    this.hash = init.lean.sha256 ?? (data => nobleSha256(data))
    this.mac = init.lean.hmacSha256 ?? portableHmac
    this.randomBytes = init.randomBytes
  }

  get step (): LeanStep { return this._step }
  get result (): SecureSumResult | undefined { return this._result }
  get error (): SimonError | undefined { return this._error }
  get finished (): boolean { return this._step === 'done' || this._step === 'failed' }

  /** Fail here, and tell the neighbours, who pass it on. */
  fail (error: SimonError, notify = true): Outgoing[] {
    if (this.finished) return []
    this._error = error
    this._step = 'failed'
    this.forget()
    if (!notify) return []
    return this.aborts(error.code, `(at party ${this.myself}) ${error.message}`, -1)
  }

  encode (message: WireMessage): Uint8Array {
    if (message.kind === 'lean-nonces' || message.kind === 'lean-data' || message.kind === 'lean-confirm') {
      return encodeLeanMessage(message, this.elementBytes)
    }
    return encodeMessage(message, this.elementBytes)
  }

  /** An abort for every neighbour but `except`. */
  protected abstract aborts (code: string, reason: string, except: number): Outgoing[]

  protected header (): { taskId: string, digest: Uint8Array, from: number } {
    return { taskId: this.descriptor.taskId, digest: this.digest, from: this.myself }
  }

  /**
   * Encode this party's input, agree a secret with every other party and draw its nonce.
   * @throws InvalidInputError before anything is produced; key agreement fails here too, before sending
   */
  protected takeInput (value: InputValue, maxLength: number): void {
    if (this.hasInput) throw new InvalidInputError('value', 'this party has already given its input to the task')
    if (this.finished) throw this._error ?? new InvalidInputError('task', 'the task is already finished')
    const encoded = this.ops.encode(value, this.fp, maxLength)
    this.secrets = agreeSecrets(this.crypto, this.descriptor.peers, this.myself)
    this.x = encoded.elements
    this.typedInput = isTypedInput(value)
    this.shape = { kind: encoded.shape, length: encoded.length }
    this.ownNonce = this.randomBytes(NONCE_BYTES).slice()
  }

  abstract get hasInput (): boolean

  /** All nonces known: the pair keys from the secrets, which are then wiped. */
  protected deriveKeys (nonces: Uint8Array[]): void {
    this.nonceDigest = nonceHash(nonces)
    this.keys = this.secrets.map((secret, k) => secret === undefined ? undefined : pairKeys(secret, this.digest, this.nonceDigest!, this.myself, k, this.mac))
    for (const s of this.secrets) s?.fill(0)
    this.secrets = []
  }

  /** This party's tags over its result hash, one per other party, in party order. */
  protected tagBlob (resultHash: Uint8Array): Uint8Array {
    const blob = new Uint8Array((this.parties - 1) * TAG_BYTES)
    let at = 0
    for (let k = 0; k < this.parties; k++) {
      const keys = this.keys[k]
      if (keys === undefined) continue
      blob.set(confirmTag(keys.tag, resultHash, this.mac), at)
      at += TAG_BYTES
    }
    return blob
  }

  /** Whether party k's blob holds the right tag for this party over this party's result hash. */
  protected tagMatches (k: number, blob: Uint8Array, resultHash: Uint8Array): boolean {
    const at = (this.myself < k ? this.myself : this.myself - 1) * TAG_BYTES
    return bytesEqual(blob.subarray(at, at + TAG_BYTES), confirmTag(this.keys[k]!.tag, resultHash, this.mac))
  }

  /** Decode the total and be done. */
  protected finish (): Outgoing[] {
    const { samples, sum } = this.ops.decode(this.x!, this.fp, this.shape!.kind, this.typedInput)
    this._result = { inputs: this.parties, result: { samples, sum } }
    this._step = 'done'
    // a Float64Array sum is the total's own buffer, decoded in place: hand it over, do not wipe it
    if (sum === this.x || (sum instanceof Float64Array && sum.buffer === (this.x as Float64Array).buffer)) this.x = undefined
    this.forget()
    return []
  }

  /** Drop the input, the total and every key this task still holds. */
  protected forget (): void {
    if (this.x instanceof Float64Array) this.x.fill(0)
    this.x = undefined
    for (const s of this.secrets) s?.fill(0)
    this.secrets = []
    for (const k of this.keys) { k?.mask.fill(0); k?.tag.fill(0) }
    this.keys = []
  }
}
