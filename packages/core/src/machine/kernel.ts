/**
 * The kernel under every protocol machine: what the full mesh, threshold mode and lean mode's
 * ring and tree all do, written once. A machine extends it and keeps only what differs: how it
 * takes its input (`takeInput`), what it does with each message of its own kinds (`take`), what
 * an abort means to it (`onAbort`), and whom it tells when it fails (`announce`).
 *
 * The policy for every message, in this order:
 *   foreign    a sender not on the list, another task id, a message from this party itself:
 *              refused, nothing changes
 *   mismatch   a listed party's first message (it carries its task description) with another
 *              digest: the task fails, naming each field that differs (DigestMismatchError)
 *   abort      honoured from any listed party whatever digest or index it carries (a party whose
 *              description differs must still hear why the others gave up); late ones are LATE
 *   claim      the sender speaks only for its own index and this task's digest: else refused
 *   kind       a kind that has no place in this mode is refused
 *   duplicate  each message fills one slot of its sender (the machine's `slot` names it: a kind,
 *              a pass, a frame); a second message for a slot is refused, before and after the end
 *   late       once this party is done or failed, any other message is accepted as LATE and
 *              changes nothing (others may still be finishing: a threshold party's surplus
 *              partial sums, say)
 *   machine    `take` refuses an out-of-place message by throwing a SimonError (nothing changes),
 *              holds one it cannot use yet (HELD), or fails the task, in which case the message
 *              is refused with the task's error
 */
import type { WireMessage, AbortMessage } from '../wire/codec.js'
import { encodeMessage } from '../wire/codec.js'
import { MAX_HOP } from '../wire/frame.js'
import type { FixedPoint, InputValue } from '../encoding/fixed-point.js'
import { InvalidInputError, ProtocolError, SimonError, TaskAbortedError } from '../errors.js'
import type { Field } from '../field/wide.js'
import type { RandomBytes } from '../field/random.js'
import { canonicalDescriptor, digestsEqual, partiesWith, taskDigest, type TaskDescriptor } from '../task/descriptor.js'
import { fieldOf, fixedPointOf } from '../task/parameters.js'
import { authenticatedSender, checkClaim, descriptionMismatch } from './envelope.js'
import { DEFAULT_MAX_LENGTH, type MachineInit, type Outgoing, type ProtocolMachine, type Received, type SecureSumResult, type Verdict } from './types.js'

/** What `take` returns for a message it keeps until this party can use it. */
export const HELD: unique symbol = Symbol('held')

/** The messages of a `take` that may have held its message: none when it did. */
export function sent (out: Outgoing[] | typeof HELD): Outgoing[] {
  return out === HELD ? [] : out
}

const OK: Verdict = { status: 'accepted', code: 'OK' }
const LATE: Received = { verdict: { status: 'accepted', code: 'LATE' }, out: [] }
const HELD_VERDICT: Received = { verdict: { status: 'held', code: 'HELD' }, out: [] }

function refused (error: SimonError, out: Outgoing[] = []): Received {
  return { verdict: { status: 'refused', code: error.code, error }, out }
}

/** The message body without the header every message carries. */
export type Body<M extends WireMessage = WireMessage> = M extends WireMessage ? Omit<M, 'taskId' | 'digest' | 'from'> : never

export abstract class Kernel<S extends string = string> implements ProtocolMachine {
  readonly descriptor: TaskDescriptor
  readonly digest: Uint8Array
  readonly myself: number
  readonly parties: number
  readonly field: Field
  protected readonly canonical: string
  protected readonly fp: FixedPoint
  protected readonly randomBytes: RandomBytes
  protected readonly maxLength: number

  protected _step: S | 'input' | 'done' | 'failed' = 'input'
  protected _result: SecureSumResult | undefined
  protected _error: SimonError | undefined
  /** The slots (sender/name) of every message taken or held, for the duplicate rule. */
  private readonly filled = new Set<string>()
  private inputGiven = false
  private readonly traceHops: boolean
  /** The highest hop counter of the messages taken so far, and the one at this party's result. */
  private hopsIn = 0
  private hopsAtResult: number | undefined

  /** The message kinds this mode takes (besides abort, which every mode takes). */
  protected abstract readonly kinds: ReadonlySet<string>
  /** The mode's name in errors, e.g. 'the additive full mesh'. */
  protected abstract readonly modeName: string

  constructor (init: MachineInit) {
    this.parties = partiesWith(init.descriptor, init.myself)
    this.descriptor = init.descriptor
    this.canonical = canonicalDescriptor(init.descriptor)
    this.digest = taskDigest(init.descriptor)
    this.myself = init.myself
    this.field = fieldOf(init.descriptor.parameters)
    this.fp = fixedPointOf(init.descriptor.parameters)
    this.randomBytes = init.randomBytes
    this.maxLength = init.maxLength ?? DEFAULT_MAX_LENGTH
    this.traceHops = init.traceHops === true
  }

  get step (): S | 'input' | 'done' | 'failed' { return this._step }
  get result (): SecureSumResult | undefined { return this._result }
  get error (): SimonError | undefined { return this._error }
  get finished (): boolean { return this._step === 'done' || this._step === 'failed' }
  /** Whether this party has given its input (a task that failed before it has none). */
  get hasInput (): boolean { return this.inputGiven }
  /** The longest chain of traced messages that reached this party before its result (so far, before it). */
  get hops (): number { return this.hopsAtResult ?? this.hopsIn }

  /**
   * Give this party's input.
   * @throws InvalidInputError before anything is produced: a second input, a finished task, a bad value
   */
  input (value: InputValue, now = 0): Outgoing[] {
    if (this.hasInput) throw new InvalidInputError('value', 'this party has already given its input to the task')
    if (this.finished) throw this._error ?? new InvalidInputError('task', 'the task is already finished')
    const out = this.takeInput(value, now)
    this.inputGiven = true
    return out
  }

  /** A message from the peer authenticated as `senderPeerId`, under the policy above. */
  receive (m: WireMessage, senderPeerId: string, now = 0): Received {
    let sender: number
    try {
      sender = authenticatedSender(this.descriptor, this.myself, m, senderPeerId)
    } catch (err) {
      return refused(err as SimonError)
    }
    const theirs = 'descriptor' in m ? m.descriptor : undefined
    if (theirs !== undefined && !digestsEqual(m.digest, this.digest)) {
      if (this.finished) return LATE
      const error = descriptionMismatch(this.descriptor, theirs, sender)
      return refused(error, this.fail(error))
    }
    if (m.kind === 'abort') return this.finished ? LATE : { verdict: OK, out: this.onAbort(m, sender, now) }
    try {
      checkClaim(m, sender, senderPeerId, this.digest)
    } catch (err) {
      return refused(err as SimonError)
    }
    if (!this.kinds.has(m.kind)) {
      return refused(new ProtocolError(`party ${sender} sent a ${m.kind} message, which has no place in ${this.modeName} (does it run another mode?)`, sender))
    }
    const [name, what] = this.slot(m)
    const slot = `${sender}/${name}`
    if (this.filled.has(slot)) return refused(new ProtocolError(`party ${sender} already ${what}`, sender))
    if (this.finished) { this.filled.add(slot); return LATE }
    if (theirs !== undefined && theirs !== this.canonical) {
      return refused(new ProtocolError(`party ${sender} sent a task description whose digest does not match it`, sender))
    }
    if (m.hop !== undefined && m.hop > this.hopsIn) this.hopsIn = m.hop
    let out: Outgoing[] | typeof HELD
    try {
      out = this.take(m, sender, now)
    } catch (err) {
      if (err instanceof SimonError) return refused(err)
      throw err
    }
    this.filled.add(slot)
    if (out === HELD) return HELD_VERDICT
    if (this._step === 'failed') return refused(this._error!, out)
    return { verdict: OK, out }
  }

  /**
   * Fail here and tell the others why.
   * @param notify whether to send aborts (not when the failure came from another party's abort)
   */
  fail (error: SimonError, notify = true): Outgoing[] {
    if (this.finished) return []
    this._error = error
    this._step = 'failed'
    this.forget()
    return notify ? this.announce(error) : []
  }

  /** Done: the result is this party's, and every secret behind it is dropped. */
  protected succeed (result: SecureSumResult): void {
    this.hopsAtResult = this.hopsIn
    this._result = result
    this._step = 'done'
    this.forget()
  }

  encode (message: WireMessage): Uint8Array { return encodeMessage(message, this.field.bytes) }

  abstract waitingFor (): { step: string, missing: number[] }

  nextDeadline (): number | undefined { return undefined }

  tick (_now: number): Outgoing[] { return [] }

  /** Validate and take the input (the kernel has checked it is the first, on a running task). */
  protected abstract takeInput (value: InputValue, now: number): Outgoing[]

  /**
   * The slot a message of this mode's kinds fills at its sender, and what a second one for it is
   * said to have done: ['share', 'sent its share'], ['reduce/7', 'sent frame 7 of the reduce phase'].
   */
  protected abstract slot (m: WireMessage): readonly [name: string, what: string]

  /** A message of one of this mode's kinds, from `sender`, checked by the kernel. */
  protected abstract take (m: WireMessage, sender: number, now: number): Outgoing[] | typeof HELD

  /** Drop every secret this task still holds (shares, partial sums, keys, the input). */
  protected abstract forget (): void

  /** Another party gave up: by default this party fails too, naming it. */
  protected onAbort (m: AbortMessage, sender: number, _now: number): Outgoing[] {
    return this.fail(new TaskAbortedError(sender, m.code, m.reason), false)
  }

  /** The aborts that tell the others of this party's failure: by default, to every other party. */
  protected announce (error: SimonError): Outgoing[] {
    return this.broadcast({ kind: 'abort', code: error.code, reason: error.message })
  }

  /** The common header of this party's next message: traced, one hop past every message taken so far. */
  protected header (): { taskId: string, digest: Uint8Array, from: number, hop?: number } {
    const header = { taskId: this.descriptor.taskId, digest: this.digest, from: this.myself }
    return this.traceHops ? { ...header, hop: Math.min(this.hopsIn + 1, MAX_HOP) } : header
  }

  /** One message, the same to every other party (or to each of `to`). */
  protected broadcast (body: Body, to?: readonly number[]): Outgoing[] {
    const message = { ...this.header(), ...body } as WireMessage
    if (to !== undefined) return to.map(j => ({ to: j, message }))
    const out: Outgoing[] = []
    for (let j = 0; j < this.parties; j++) if (j !== this.myself) out.push({ to: j, message })
    return out
  }
}
