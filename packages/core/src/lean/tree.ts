/**
 * Lean mode for small inputs: the same pairwise masks as on the ring, moved along a binary tree
 * (party j's parent is (j - 1) / 2, its children 2j + 1 and 2j + 2) so that a sum takes
 * about 6 log2(n) hops instead of 6 n: nonces up to the root and back down, masked inputs summed
 * up to the root and the total back down, confirmation tags up and down. Each party uploads its
 * subtree's sum once and the total to at most two children: at most 3 times its input. Used
 * when the input (with its sample count) has at most TREE_MAX_ELEMENTS elements.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { encodeMessage, type AbortMessage, type WireMessage } from '../codec.js'
import type { FixedPoint, InputValue, Shape } from '../encoding.js'
import { authenticatedSender, checkClaim, descriptionMismatch } from '../envelope.js'
import {
  InvalidInputError, ProtocolError, ResultMismatchError, TaskAbortedError, type SimonError
} from '../errors.js'
import type { RandomBytes } from '../random.js'
import type { Outgoing, SecureSumResult } from '../securesum.js'
import { DEFAULT_MAX_LENGTH } from '../securesum.js'
import {
  canonicalDescriptor, digestsEqual, fieldOf, fixedPointOf,
  taskDigest, type TaskDescriptor
} from '../task.js'
import {
  encodeLeanMessage, type LeanConfirmMessage, type LeanDataMessage, type LeanEntry, type LeanNoncesMessage,
  type LeanTags, type RingPass
} from './codec.js'
import {
  agreeSecrets, bytesEqual, concatBytes, confirmTag, frameIv, nonceHash, NONCE_BYTES, pairKeys, portableHmac,
  TAG_BYTES, type Hmac, type LeanCrypto, type PairKeys
} from './crypto.js'
import { isTypedInput } from './fast-encoding.js'
import { fastVectors, isFastModulus, wideVectors, type VectorOps } from './vectors.js'

/** The largest input (elements with the sample count) lean mode moves along the tree. */
export const TREE_MAX_ELEMENTS = 4096

export interface TreeMachineInit {
  readonly descriptor: TaskDescriptor
  readonly myself: number
  readonly randomBytes: RandomBytes
  readonly lean: LeanCrypto
  readonly maxLength?: number
}

type Step = 'input' | 'nonces' | 'sum' | 'confirm' | 'done' | 'failed'

const RESULT_LABEL = new TextEncoder().encode('simon-p2p/lean/v1/tree-result')

function describeShape (shape: Shape, length: number): string {
  return shape === 'scalar' ? 'a scalar' : `a vector of ${length} elements`
}

/** The parties of the subtree rooted at `root`, ascending. */
function subtree (root: number, n: number): number[] {
  const out: number[] = []
  const stack = [root]
  while (stack.length > 0) {
    const j = stack.pop()!
    if (j >= n) continue
    out.push(j)
    stack.push(2 * j + 1, 2 * j + 2)
  }
  return out.sort((a, b) => a - b)
}

export class TreeMachine<V extends Float64Array | bigint[] = Float64Array | bigint[]> {
  readonly descriptor: TaskDescriptor
  readonly digest: Uint8Array
  readonly myself: number
  readonly parties: number
  private readonly canonical: string
  private readonly ops: VectorOps<V>
  private readonly elementBytes: number
  private readonly fp: FixedPoint
  private readonly crypto: LeanCrypto
  private readonly hash: (data: Uint8Array) => Uint8Array
  private readonly mac: Hmac
  private readonly randomBytes: RandomBytes
  private readonly maxLength: number
  private readonly parent: number | undefined
  private readonly children: number[]

  private _step: Step = 'input'
  private _result: SecureSumResult | undefined
  private _error: SimonError | undefined
  private shape: { kind: Shape, length: number } | undefined
  private typedInput = false
  private x: V | undefined
  private secrets: Array<Uint8Array | undefined> = []
  private keys: Array<PairKeys | undefined> = []
  private ownNonce: Uint8Array | undefined
  private nonceDigest: Uint8Array | undefined
  /** Per child: what came up from its subtree (nonce entries, partial sum, tags). */
  private readonly upNonces = new Map<number, LeanEntry[]>()
  private readonly upData = new Map<number, V>()
  private readonly upTags = new Map<number, LeanTags[]>()
  private downNonces = false
  private sentUp = { nonces: false, data: false, tags: false }
  private held: Array<{ m: WireMessage, peer: string }> = []
  private resultHash: Uint8Array | undefined
  private ownTags: LeanTags | undefined

  constructor (init: TreeMachineInit, ops?: VectorOps<V>) {
    const n = init.descriptor.peers.length
    if (!Number.isSafeInteger(init.myself) || init.myself < 0 || init.myself >= n) {
      throw new InvalidInputError('network.myself', `must be an index from 0 to ${n - 1}, got ${String(init.myself)}`)
    }
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
    this.maxLength = Math.min(init.maxLength ?? DEFAULT_MAX_LENGTH, TREE_MAX_ELEMENTS - 1)
    this.parent = init.myself === 0 ? undefined : (init.myself - 1) >> 1
    this.children = [2 * init.myself + 1, 2 * init.myself + 2].filter(c => c < n)
  }

  get step (): Step { return this._step }
  get result (): SecureSumResult | undefined { return this._result }
  get error (): SimonError | undefined { return this._error }
  get finished (): boolean { return this._step === 'done' || this._step === 'failed' }
  get hasInput (): boolean { return this._step !== 'input' }
  /** The tree sends to the parent (children connect to this party themselves). */
  get neighbours (): readonly number[] { return this.parent === undefined ? [] : [this.parent] }
  get progress (): { done: number, total: number } {
    const order: Step[] = ['input', 'nonces', 'sum', 'confirm', 'done']
    return { done: Math.max(0, order.indexOf(this._step)), total: order.length - 1 }
  }

  waitingFor (): { step: Step, missing: number[] } {
    const up = (got: Map<number, unknown>): number[] => this.children.filter(c => !got.has(c))
    const orParent = (missing: number[], sent: boolean): number[] => (missing.length > 0 || !sent || this.parent === undefined ? missing : [this.parent])
    switch (this._step) {
      case 'input': return { step: 'input', missing: [this.myself] }
      case 'nonces': return { step: 'nonces', missing: orParent(up(this.upNonces), this.sentUp.nonces) }
      case 'sum': return { step: 'sum', missing: orParent(up(this.upData), this.sentUp.data) }
      case 'confirm': return { step: 'confirm', missing: orParent(up(this.upTags), this.sentUp.tags) }
      default: return { step: this._step, missing: [] }
    }
  }

  input (value: InputValue): Outgoing[] {
    if (this.hasInput) throw new InvalidInputError('value', 'this party has already given its input to the task')
    if (this.finished) throw this._error ?? new InvalidInputError('task', 'the task is already finished')
    const encoded = this.ops.encode(value, this.fp, this.maxLength)
    this.secrets = agreeSecrets(this.crypto, this.descriptor.peers, this.myself)
    this.x = encoded.elements
    this.typedInput = isTypedInput(value)
    this.shape = { kind: encoded.shape, length: encoded.length }
    this.ownNonce = this.randomBytes(NONCE_BYTES).slice()
    this._step = 'nonces'
    const out = this.maybeNoncesUp()
    const held = this.held
    this.held = []
    for (const h of held) out.push(...this.receive(h.m, h.peer))
    return out
  }

  receive (m: WireMessage, senderPeerId: string): Outgoing[] {
    const from = m.from
    const sender = authenticatedSender(this.descriptor, this.myself, m, senderPeerId)
    if (m.kind === 'lean-nonces' && !digestsEqual(m.digest, this.digest)) return this.fail(descriptionMismatch(this.descriptor, m.descriptor, sender))
    if (m.kind === 'abort') {
      if (this.finished) return []
      this.fail(new TaskAbortedError(sender, m.code, m.reason), false)
      return this.aborts(m.code, m.reason, sender)
    }
    checkClaim(m, sender, senderPeerId, this.digest)
    if (this._step === 'failed') return []
    if (m.kind !== 'lean-nonces' && m.kind !== 'lean-data' && m.kind !== 'lean-confirm') {
      throw new ProtocolError(`party ${from} sent a ${m.kind} message, which has no place in lean mode (does it run another mode?)`, from)
    }
    const upward = m.kind === 'lean-data' ? m.phase === 'reduce' : m.pass === 'collect'
    if (upward && !this.children.includes(from)) throw new ProtocolError(`party ${from} is not a child of this party in the tree`, from)
    if (!upward && from !== this.parent) throw new ProtocolError(`party ${from} is not this party's parent in the tree`, from)
    if (this._step === 'input') {
      if (!upward || m.kind !== 'lean-nonces') throw new ProtocolError(`party ${from} sent a ${m.kind} before this party gave its input`, from)
      if (this.held.some(h => h.m.from === from)) throw new ProtocolError(`party ${from} already sent its nonces`, from)
      this.held.push({ m, peer: senderPeerId })
      return []
    }
    switch (m.kind) {
      case 'lean-nonces': return this.onNonces(m)
      case 'lean-data': return this.onData(m)
      case 'lean-confirm': return this.onConfirm(m)
    }
  }

  fail (error: SimonError, notify = true): Outgoing[] {
    if (this.finished) return []
    this._error = error
    this._step = 'failed'
    this.forget()
    if (!notify) return []
    return this.aborts(error.code, `(at party ${this.myself}) ${error.message}`, -1)
  }

  encode (message: WireMessage): Uint8Array {
    if (message.kind === 'lean-nonces' || message.kind === 'lean-data' || message.kind === 'lean-confirm') return encodeLeanMessage(message, this.elementBytes)
    return encodeMessage(message, this.elementBytes)
  }

  private header (): { taskId: string, digest: Uint8Array, from: number } {
    return { taskId: this.descriptor.taskId, digest: this.digest, from: this.myself }
  }

  private aborts (code: string, reason: string, except: number): Outgoing[] {
    const message: AbortMessage = { kind: 'abort', ...this.header(), code, reason }
    const to = new Set([...(this.parent === undefined ? [] : [this.parent]), ...this.children])
    to.delete(except)
    return [...to].map(j => ({ to: j, message }))
  }

  private nonces (to: number, pass: RingPass, entries: LeanEntry[]): Outgoing {
    const message: LeanNoncesMessage = { kind: 'lean-nonces', ...this.header(), pass, topology: 'tree', descriptor: this.canonical, entries }
    return { to, message }
  }

  private shapeError (entries: readonly LeanEntry[], from: number): SimonError | undefined {
    const own = this.shape!
    for (const e of entries) {
      if (e.party !== this.myself && (e.shape !== own.kind || e.length !== own.length)) {
        return new ProtocolError(`party ${e.party} has ${describeShape(e.shape, e.length)}, this party has ${describeShape(own.kind, own.length)}`, from)
      }
    }
    return undefined
  }

  /** Own entry and every child's subtree in: pass them up (the root hands the full list down). */
  private maybeNoncesUp (): Outgoing[] {
    if (this.sentUp.nonces || this.upNonces.size < this.children.length) return []
    this.sentUp.nonces = true
    const own: LeanEntry = { party: this.myself, nonce: this.ownNonce!, shape: this.shape!.kind, length: this.shape!.length }
    const list = [own, ...[...this.upNonces.values()].flat()].sort((a, b) => a.party - b.party)
    if (this.parent !== undefined) return [this.nonces(this.parent, 'collect', list)]
    return [...this.children.map(c => this.nonces(c, 'distribute', list)), ...this.startSum(list)]
  }

  private onNonces (m: LeanNoncesMessage): Outgoing[] {
    if (m.descriptor !== this.canonical) throw new ProtocolError(`party ${m.from} sent a task description whose digest does not match it`, m.from)
    if (m.topology !== 'tree') throw new ProtocolError(`party ${m.from} runs lean mode on a ${m.topology}, this party on a tree: the inputs differ in size`, m.from)
    if (m.pass === 'collect') {
      if (this.upNonces.has(m.from)) throw new ProtocolError(`party ${m.from} already sent its nonces`, m.from)
      const expected = subtree(m.from, this.parties)
      if (m.entries.length !== expected.length || m.entries.some((e, i) => e.party !== expected[i])) {
        throw new ProtocolError(`party ${m.from} sent nonces of parties ${m.entries.map(e => e.party).join(', ')}, not of its subtree`, m.from)
      }
      const error = this.shapeError(m.entries, m.from)
      if (error !== undefined) return this.fail(error)
      this.upNonces.set(m.from, m.entries)
      return this.maybeNoncesUp()
    }
    if (this.downNonces || !this.sentUp.nonces) throw new ProtocolError(`party ${m.from} handed down nonces out of turn`, m.from)
    if (m.entries.length !== this.parties || m.entries.some((e, i) => e.party !== i)) throw new ProtocolError(`party ${m.from} handed down ${m.entries.length} nonces, not one per party in order`, m.from)
    if (!bytesEqual(m.entries[this.myself]!.nonce, this.ownNonce!)) {
      return this.fail(new ProtocolError(`the nonces handed down by party ${m.from} do not hold this party's own nonce`, m.from))
    }
    const error = this.shapeError(m.entries, m.from)
    if (error !== undefined) return this.fail(error)
    this.downNonces = true
    return [...this.children.map(c => this.nonces(c, 'distribute', m.entries)), ...this.startSum(m.entries)]
  }

  /** All nonces known: derive the pair keys and mask this party's input. */
  private startSum (entries: LeanEntry[]): Outgoing[] {
    this.nonceDigest = nonceHash(entries.map(e => e.nonce))
    this.keys = this.secrets.map((secret, k) => secret === undefined ? undefined : pairKeys(secret, this.digest, this.nonceDigest!, this.myself, k, this.mac))
    for (const s of this.secrets) s?.fill(0)
    this.secrets = []
    const count = (this.x as { length: number }).length
    const iv = frameIv(0)
    for (let k = 0; k < this.parties; k++) {
      const keys = this.keys[k]
      if (keys !== undefined) this.ops.addKeystream(this.x!, 0, count, this.crypto.keystream(keys.mask, iv), this.myself > k)
    }
    this._step = 'sum'
    return this.maybeDataUp()
  }

  private data (to: number, phase: 'reduce' | 'gather', elements: V): Outgoing {
    const message: LeanDataMessage = { kind: 'lean-data', ...this.header(), phase, step: 0, frame: 0, elements }
    return { to, message }
  }

  /** Own masked input and every child's subtree sum in: pass the sum up (the root has the total). */
  private maybeDataUp (): Outgoing[] {
    if (this._step !== 'sum' || this.sentUp.data || this.upData.size < this.children.length) return []
    this.sentUp.data = true
    for (const part of this.upData.values()) this.ops.addInto(this.x!, part, 0)
    this.upData.clear()
    if (this.parent !== undefined) return [this.data(this.parent, 'reduce', this.ops.slice(this.x!, 0, (this.x as { length: number }).length))]
    return [...this.children.map(c => this.data(c, 'gather', this.x!)), ...this.finishSum()]
  }

  private onData (m: LeanDataMessage): Outgoing[] {
    const count = (this.x as { length: number }).length
    if (m.frame !== 0 || m.step !== 0) throw new ProtocolError(`party ${m.from} sent frame ${m.frame} step ${m.step}; the tree moves one frame`, m.from)
    if ((m.elements instanceof Float64Array) !== (this.x instanceof Float64Array) || m.elements.length !== count) {
      return this.fail(new ProtocolError(`party ${m.from} sent ${m.elements.length} elements of another profile or count (expected ${count})`, m.from))
    }
    const elements = m.elements as V
    if (this.ops.findInvalid(elements) >= 0) return this.fail(new ProtocolError(`party ${m.from} sent an element outside the field`, m.from))
    if (m.phase === 'reduce') {
      if (this.upData.has(m.from) || this.sentUp.data) throw new ProtocolError(`party ${m.from} already sent its subtree's sum`, m.from)
      if (this._step !== 'sum') throw new ProtocolError(`party ${m.from} sent its subtree's sum out of turn`, m.from)
      this.upData.set(m.from, elements)
      return this.maybeDataUp()
    }
    if (this._step !== 'sum' || !this.sentUp.data) throw new ProtocolError(`party ${m.from} handed down the total out of turn`, m.from)
    this.ops.copyInto(this.x!, elements, 0)
    return [...this.children.map(c => this.data(c, 'gather', elements)), ...this.finishSum()]
  }

  private finishSum (): Outgoing[] {
    this.resultHash = this.hash(concatBytes([RESULT_LABEL, this.digest, this.nonceDigest!, this.hash(this.ops.toBytes(this.x!))]))
    const blob = new Uint8Array((this.parties - 1) * TAG_BYTES)
    let at = 0
    for (let k = 0; k < this.parties; k++) {
      const keys = this.keys[k]
      if (keys === undefined) continue
      blob.set(confirmTag(keys.tag, this.resultHash, this.mac), at)
      at += TAG_BYTES
    }
    this.ownTags = { party: this.myself, blob }
    this._step = 'confirm'
    return this.maybeTagsUp()
  }

  private confirm (to: number, pass: RingPass, tags: LeanTags[]): Outgoing {
    const message: LeanConfirmMessage = { kind: 'lean-confirm', ...this.header(), pass, tags }
    return { to, message }
  }

  private maybeTagsUp (): Outgoing[] {
    if (this._step !== 'confirm' || this.sentUp.tags || this.upTags.size < this.children.length) return []
    this.sentUp.tags = true
    const list = [this.ownTags!, ...[...this.upTags.values()].flat()].sort((a, b) => a.party - b.party)
    this.upTags.clear()
    if (this.parent !== undefined) return [this.confirm(this.parent, 'collect', list)]
    const error = this.checkAll(list)
    if (error !== undefined) return this.fail(error)
    return [...this.children.map(c => this.confirm(c, 'distribute', list)), ...this.finish()]
  }

  /** Every other party's tag for this party, over its own result hash. */
  private checkAll (list: LeanTags[]): SimonError | undefined {
    for (const t of list) {
      if (t.party === this.myself) continue
      const at = (this.myself < t.party ? this.myself : this.myself - 1) * TAG_BYTES
      if (!bytesEqual(t.blob.subarray(at, at + TAG_BYTES), confirmTag(this.keys[t.party]!.tag, this.resultHash!, this.mac))) return new ResultMismatchError(t.party)
    }
    return undefined
  }

  private onConfirm (m: LeanConfirmMessage): Outgoing[] {
    if (m.tags.some(t => t.blob.length !== (this.parties - 1) * TAG_BYTES)) throw new ProtocolError(`party ${m.from} sent confirmation entries of the wrong size`, m.from)
    if (m.pass === 'collect') {
      if (this.upTags.has(m.from) || this.sentUp.tags) throw new ProtocolError(`party ${m.from} already sent its confirmations`, m.from)
      const expected = subtree(m.from, this.parties)
      if (m.tags.length !== expected.length || m.tags.some((t, i) => t.party !== expected[i])) {
        throw new ProtocolError(`party ${m.from} sent confirmations of parties ${m.tags.map(t => t.party).join(', ')}, not of its subtree`, m.from)
      }
      if (this._step !== 'confirm') throw new ProtocolError(`party ${m.from} sent confirmations out of turn`, m.from)
      this.upTags.set(m.from, m.tags)
      return this.maybeTagsUp()
    }
    if (this._step !== 'confirm' || !this.sentUp.tags) throw new ProtocolError(`party ${m.from} handed down confirmations out of turn`, m.from)
    if (m.tags.length !== this.parties || m.tags.some((t, i) => t.party !== i)) throw new ProtocolError(`party ${m.from} handed down ${m.tags.length} confirmations, not one per party in order`, m.from)
    const error = this.checkAll(m.tags)
    if (error !== undefined) return this.fail(error)
    return [...this.children.map(c => this.confirm(c, 'distribute', m.tags)), ...this.finish()]
  }

  private finish (): Outgoing[] {
    const { samples, sum } = this.ops.decode(this.x!, this.fp, this.shape!.kind, this.typedInput)
    this._result = { inputs: this.parties, result: { samples, sum } }
    this._step = 'done'
    if (sum instanceof Float64Array && sum.buffer === (this.x as Float64Array).buffer) this.x = undefined
    this.forget()
    return []
  }

  private forget (): void {
    if (this.x instanceof Float64Array) this.x.fill(0)
    this.x = undefined
    for (const s of this.secrets) s?.fill(0)
    this.secrets = []
    for (const k of this.keys) { k?.mask.fill(0); k?.tag.fill(0) }
    this.keys = []
    this.upData.clear()
    this.held = []
  }
}
