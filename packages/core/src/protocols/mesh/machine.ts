/**
 * The SecureSum protocol as a pure state machine: it takes the local input and the messages of
 * other parties, and answers with the messages to send. No I/O, no clock, no randomness of its
 * own (RandomBytes is injected). The node layer moves the bytes and keeps the deadlines.
 *
 * Rounds, for n parties, all needed:
 *   share    party i splits [input..., samples] into n additive shares, sends share j to party j
 *   partial  with one share from every party, party j sends the element-wise sum to every party
 *   reveal   with all n partial sums, each party adds them up and decodes the total
 *   confirm  parties exchange SHA-256(digest, total); all must match
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { WireMessage } from '../../wire/codec.js'
import { decodeScaled, encodeInput, type InputValue, type Shape } from '../../encoding/fixed-point.js'
import {
  InvalidInputError, ProtocolError, ResultMismatchError, SimonError, TaskAbortedError,
  TaskTimeoutError
} from '../../errors.js'
import type { Field } from '../../field/wide.js'
import type { RandomBytes } from '../../field/random.js'
import { authenticatedSender, checkClaim, descriptionMismatch } from '../../machine/envelope.js'
import { splitAdditive, sumVectors } from './shares.js'
import {
  canonicalDescriptor, partiesWith, digestsEqual, fieldOf, fixedPointOf,
  taskDigest, type TaskDescriptor
} from '../../task/descriptor.js'

export type Sum = number | string
export interface SecureSumResult {
  /** How many parties' inputs the total holds. */
  readonly inputs: number
  readonly result: {
    /** Total sample count: 1 per scalar input, the length per vector input. */
    readonly samples: number
    /**
     * The exact total: a number when it reads back exactly, otherwise a decimal string; element-wise
     * for vectors. In the fast profile a typed-array input gets a Float64Array (every total of that
     * profile reads back exactly).
     */
    readonly sum: Sum | Sum[] | Float64Array
  }
}

/** A message for party `to`. */
export interface Outgoing { readonly to: number, readonly message: WireMessage }

export type Step = 'input' | 'share' | 'partial' | 'confirm' | 'done' | 'failed'

export interface SecureSumInit {
  readonly descriptor: TaskDescriptor
  readonly myself: number
  readonly randomBytes: RandomBytes
  /** The longest vector accepted, from this party or any other. */
  readonly maxLength?: number
}

export const DEFAULT_MAX_LENGTH = 1 << 24

/** Every slot filled (deliberately not a type predicate: the slots are cleared again later). */
function complete (slots: ReadonlyArray<unknown>): boolean {
  return slots.every(s => s !== undefined)
}

export class SecureSum {
  readonly descriptor: TaskDescriptor
  readonly digest: Uint8Array
  readonly myself: number
  readonly parties: number
  readonly field: Field
  private readonly canonical: string
  private readonly randomBytes: RandomBytes
  private readonly maxLength: number

  private inputGiven = false
  private shape: { kind: Shape, length: number } | undefined
  private shares: Array<bigint[] | undefined>
  private partials: Array<bigint[] | undefined>
  private confirms: Array<Uint8Array | undefined>
  private ownHash: Uint8Array | undefined
  private pendingResult: SecureSumResult | undefined
  private _step: Step = 'input'
  private _result: SecureSumResult | undefined
  private _error: SimonError | undefined

  constructor (init: SecureSumInit) {
    const n = partiesWith(init.descriptor, init.myself)
    this.descriptor = init.descriptor
    this.canonical = canonicalDescriptor(init.descriptor)
    this.digest = taskDigest(init.descriptor)
    this.myself = init.myself
    this.parties = n
    this.field = fieldOf(init.descriptor.parameters)
    this.randomBytes = init.randomBytes
    this.maxLength = init.maxLength ?? DEFAULT_MAX_LENGTH
    this.shares = new Array(n).fill(undefined)
    this.partials = new Array(n).fill(undefined)
    this.confirms = new Array(n).fill(undefined)
  }

  get step (): Step { return this._step }
  get result (): SecureSumResult | undefined { return this._result }
  get error (): SimonError | undefined { return this._error }
  get finished (): boolean { return this._step === 'done' || this._step === 'failed' }
  get hasInput (): boolean { return this.inputGiven }

  /** The step this party is at and the parties it still waits for there. */
  waitingFor (): { step: Step, missing: number[] } {
    const missingIn = (slots: Array<unknown>): number[] => slots.flatMap((v, i) => (v === undefined ? [i] : []))
    switch (this._step) {
      case 'input': return { step: 'input', missing: [this.myself] }
      case 'share': return { step: 'share', missing: missingIn(this.shares) }
      case 'partial': return { step: 'partial', missing: missingIn(this.partials) }
      case 'confirm': return { step: 'confirm', missing: missingIn(this.confirms) }
      default: return { step: this._step, missing: [] }
    }
  }

  /**
   * Give this party's input: validate and encode it, split it, and return the shares to send.
   * @throws InvalidInputError before anything is produced, when the value is not acceptable
   */
  input (value: InputValue): Outgoing[] {
    if (this.inputGiven) throw new InvalidInputError('value', 'this party has already given its input to the task')
    if (this.finished) throw this._error ?? new InvalidInputError('task', 'the task is already finished')
    const encoded = encodeInput(value, fixedPointOf(this.descriptor.parameters), 'value', this.maxLength)
    const shapeError = this.checkShape(encoded.shape, encoded.values.length, this.myself)
    if (shapeError !== undefined) throw new InvalidInputError('value', shapeError)
    this.inputGiven = true
    this.shape = { kind: encoded.shape, length: encoded.values.length }
    const secret = [...encoded.values, BigInt(encoded.samples)]
    const split = splitAdditive(this.field, secret, this.parties, this.randomBytes)
    this._step = 'share'
    const out: Outgoing[] = []
    for (let j = 0; j < this.parties; j++) {
      if (j === this.myself) continue
      out.push({ to: j, message: { kind: 'share', taskId: this.descriptor.taskId, digest: this.digest, from: this.myself, shape: encoded.shape, descriptor: this.canonical, elements: split[j]! } })
    }
    this.shares[this.myself] = split[this.myself]
    return [...out, ...this.advance()]
  }

  /**
   * Take a message from the peer authenticated as `senderPeerId`.
   * @returns the messages to send in response (possibly none)
   * @throws ProtocolError when the message is refused (wrong sender, second message for a slot,
   *   wrong length); the task itself goes on
   */
  receive (m: WireMessage, senderPeerId: string): Outgoing[] {
    const from = m.from
    // Who the sender is, by its authenticated PeerId; the index in the frame is only its claim.
    const sender = authenticatedSender(this.descriptor, this.myself, m, senderPeerId)
    // A listed peer whose description differs (other parameters, another order of nodes) is
    // told apart from an impostor: its share carries its description, and we name the difference.
    if (m.kind === 'share' && !digestsEqual(m.digest, this.digest)) return this.fail(descriptionMismatch(this.descriptor, m.descriptor, sender))
    // An abort is honoured whatever digest or index it carries: a listed party may end the task
    // anyway, and a party whose description differs must still hear why the others gave up.
    if (m.kind === 'abort') {
      if (this.finished) return []
      // Another party's deadline passed: this party cannot finish either, for the same kind of
      // reason. It fails with a timeout naming whom it still waits for itself, not with an abort
      // that names only the party whose deadline happened to pass first.
      if (m.code === 'TIMEOUT') {
        const { step, missing } = this.waitingFor()
        return this.fail(new TaskTimeoutError(step, missing, undefined, { party: sender, reason: m.reason }), false)
      }
      return this.fail(new TaskAbortedError(sender, m.code, m.reason), false)
    }
    checkClaim(m, sender, senderPeerId, this.digest)
    if (this._step === 'failed') return []

    switch (m.kind) {
      case 'share': {
        if (m.descriptor !== this.canonical) throw new ProtocolError(`party ${from} sent a task description whose digest does not match it`, from)
        // Past the share step every share was used and its slot cleared: any share now is a second one.
        const sharesUsed = this._step === 'partial' || this._step === 'confirm' || this._step === 'done'
        if (this.shares[from] !== undefined || sharesUsed) throw new ProtocolError(`party ${from} already sent its share`, from)
        const error = this.checkElements(m.shape, m.elements, from)
        if (error !== undefined) return this.fail(error)
        this.shares[from] = m.elements
        return this.advance()
      }
      case 'partial': {
        const partialsUsed = this._step === 'confirm' || this._step === 'done'
        if (this.partials[from] !== undefined || partialsUsed) throw new ProtocolError(`party ${from} already sent its partial sum`, from)
        const error = this.checkElements(m.shape, m.elements, from)
        if (error !== undefined) return this.fail(error)
        this.partials[from] = m.elements
        return this.advance()
      }
      case 'confirm':
        if (this.confirms[from] !== undefined) throw new ProtocolError(`party ${from} already sent its confirmation`, from)
        this.confirms[from] = m.hash
        return this.advance()
      default:
        throw new ProtocolError(`a ${m.kind} message has no place in the additive full mesh`, from)
    }
  }

  /**
   * Fail the task here and tell every other party why.
   * @param notify whether to send aborts (not when the failure came from another party's abort)
   */
  fail (error: SimonError, notify = true): Outgoing[] {
    if (this.finished) return []
    this._error = error
    this._step = 'failed'
    this.forget()
    if (!notify) return []
    return this.broadcast({ kind: 'abort', code: error.code, reason: error.message })
  }

  private broadcast (body: { kind: 'partial', shape: Shape, elements: bigint[] } | { kind: 'confirm', hash: Uint8Array } | { kind: 'abort', code: string, reason: string }): Outgoing[] {
    const out: Outgoing[] = []
    const header = { taskId: this.descriptor.taskId, digest: this.digest, from: this.myself }
    for (let j = 0; j < this.parties; j++) {
      if (j !== this.myself) out.push({ to: j, message: { ...header, ...body } as WireMessage })
    }
    return out
  }

  /** Shape and length must be the same at all parties; the extra element is the sample count. */
  private checkShape (kind: Shape, length: number, from: number): string | undefined {
    if (this.shape === undefined) return undefined
    if (this.shape.kind !== kind || this.shape.length !== length) {
      const describe = (k: Shape, l: number): string => (k === 'scalar' ? 'a scalar' : `a vector of ${l} elements`)
      return `party ${from} has ${describe(kind, length)}, the task has ${describe(this.shape.kind, this.shape.length)}`
    }
    return undefined
  }

  private checkElements (shape: Shape, elements: bigint[], from: number): SimonError | undefined {
    const length = elements.length - 1
    if (length < 1 || length > this.maxLength || (shape === 'scalar' && length !== 1)) {
      return new ProtocolError(`party ${from} sent ${elements.length} elements for a ${shape}`, from)
    }
    const shapeError = this.checkShape(shape, length, from)
    if (shapeError !== undefined) return new ProtocolError(shapeError, from)
    for (const x of elements) {
      if (x >= this.field.p) return new ProtocolError(`party ${from} sent an element outside the field`, from)
    }
    this.shape ??= { kind: shape, length }
    return undefined
  }

  /** Move on as far as the messages at hand allow. */
  private advance (): Outgoing[] {
    const out: Outgoing[] = []
    if (this._step === 'share' && complete(this.shares)) {
      const partial = sumVectors(this.field, this.shares as bigint[][])
      this.shares.fill(undefined)
      this.partials[this.myself] = partial
      this._step = 'partial'
      out.push(...this.broadcast({ kind: 'partial', shape: this.shape!.kind, elements: partial }))
    }
    if (this._step === 'partial' && complete(this.partials)) {
      const total = sumVectors(this.field, this.partials as bigint[][])
      this.partials.fill(undefined)
      this.pendingResult = this.decode(total)
      this.ownHash = this.resultHash(total)
      this.confirms[this.myself] = this.ownHash
      this._step = 'confirm'
      out.push(...this.broadcast({ kind: 'confirm', hash: this.ownHash }))
    }
    if (this._step === 'confirm') {
      for (let j = 0; j < this.parties; j++) {
        const h = this.confirms[j]
        if (h !== undefined && !digestsEqual(h, this.ownHash!)) return [...out, ...this.fail(new ResultMismatchError(j))]
      }
      if (complete(this.confirms)) {
        this._result = this.pendingResult
        this._step = 'done'
        this.forget()
      }
    }
    return out
  }

  private decode (total: bigint[]): SecureSumResult {
    const fp = fixedPointOf(this.descriptor.parameters)
    const samples = Number(this.field.toSigned(total[total.length - 1]!))
    const values = total.slice(0, -1).map(x => decodeScaled(this.field.toSigned(x), fp))
    return { inputs: this.parties, result: { samples, sum: this.shape!.kind === 'scalar' ? values[0]! : values } }
  }

  private resultHash (total: bigint[]): Uint8Array {
    const text = `${total.map(x => x.toString(16)).join(',')}`
    const bytes = new TextEncoder().encode(text)
    const buf = new Uint8Array(this.digest.length + bytes.length)
    buf.set(this.digest)
    buf.set(bytes, this.digest.length)
    return sha256(buf)
  }

  /** Drop every share and partial sum this task still holds. */
  private forget (): void {
    this.shares.fill(undefined)
    this.partials.fill(undefined)
    this.pendingResult = this._step === 'done' ? undefined : this.pendingResult
  }
}
