/**
 * One SecureSum task at this node: drives core's state machine, delivers its messages with
 * retries, and keeps the deadline. Everything it waits for ends by the deadline or an AbortSignal.
 * The time and the network are injected (a Clock, a Messenger), so a test can drive a task alone.
 */
import { setMaxListeners } from 'node:events'
import { defaultLogger } from '@libp2p/logger'
import type { AbortOptions, Logger } from '@libp2p/interface'
import {
  createMachine, InvalidInputError, isVectorInput, modeOf, printable, thresholdOf, SimonError, TaskCancelledError, TaskTimeoutError, taskFingerprint,
  type InputValue, type Outgoing, type ProtocolMachine, type RandomBytes, type Reply, type SecureSumResult,
  type TaskDescriptor, type WireMessage, type Agreement, type IdentitySigner, type LeanCrypto
} from '@simon-p2p/core'
import type { Party } from './network.js'
import { ABORT_DELIVERY_MS, RETRY_BACKOFF_MS } from './constants.js'
import { sleep, systemClock, timeoutSignal, type Clock, type TimerHandle } from './clock.js'
import { abortion, untilAborted } from './abort.js'

/** The log of a task created without one (a test's, say); a service passes its logger's own. */
const defaultLog = defaultLogger().forComponent('simon:task')

/**
 * Carries one frame to a party and returns its reply; throws when it could not be delivered.
 * `signal` is the task's lifetime; one attempt (dial, write, reply) should end within `attemptTimeoutMs`.
 */
export type Messenger = (party: Party, frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs: number) => Promise<Reply>

export interface SecureSumTaskInit {
  readonly descriptor: TaskDescriptor
  readonly parties: readonly Party[]
  readonly myself: number
  readonly randomBytes: RandomBytes
  readonly messenger: Messenger
  /** From this party's input, how long the others have to finish. */
  readonly timeoutMs: number
  readonly attemptTimeoutMs: number
  readonly maxLength?: number
  /** Open a connection to a party early (no frame is sent); optional. */
  readonly connect?: (party: Party) => void
  /**
   * Ask a party for the replies it still holds for this node's frames (a receiver may hold replies
   * to small frames a few milliseconds to send them together); flush() asks. Optional.
   */
  readonly expedite?: (party: Party) => void
  /** Lean mode's key agreement and keystream (see lean-crypto.ts). */
  readonly lean?: LeanCrypto
  /** Identity signatures (threshold mode signs its commits; see identity-signer.ts). */
  readonly identity?: IdentitySigner
  /** Send traced frames (a hop counter in each header), so that `hops` is known. */
  readonly traceHops?: boolean
  /** Called once when the task is done or has failed. */
  readonly onFinish?: (task: SecureSumTask) => void
  /** The time the task runs on (every deadline, retry and timestamp); real time when absent. */
  readonly clock?: Clock
  /** Where the task logs (steps, codes, party indices; never a value); `simon:task` when absent. */
  readonly log?: Logger
}

/**
 * What a task is doing, for progress displays and fault tests: its step as it changes (sent
 * before that step's messages go out), each message another party took, and each message taken
 * here. Never values.
 */
export type TaskProgress =
  | { readonly event: 'step', readonly step: string }
  | { readonly event: 'delivered', readonly kind: string, readonly to: number }
  | { readonly event: 'received', readonly kind: string, readonly from: number }

export interface TaskStatus {
  readonly id: string
  readonly step: string
  /** Parties this one still waits for at its step. */
  readonly missing: number[]
  readonly error?: { name: string, code: string, message: string }
  /** Threshold mode, once agreed: the input set, whom it leaves out by whose proposal, who signed two sets. */
  readonly agreement?: Agreement
}

/** A party that could not be reached: one message probes it; the others wait their turn. */
interface Unreachable {
  /** The delivery whose turn it is to attempt. */
  probe: object
  backoff: number
  readonly queue: Array<{ readonly delivery: object, readonly wake: () => void }>
}

export class SecureSumTask {
  readonly id: string
  readonly descriptor: TaskDescriptor
  readonly parties: readonly Party[]
  readonly myself: number
  private readonly machine: ProtocolMachine
  private tickTimer: TimerHandle
  private readonly init: SecureSumTaskInit
  private readonly clock: Clock
  private readonly log: Logger
  private readonly settled = Promise.withResolvers<SecureSumResult>()
  /** Aborted at the deadline or on cancel: ends every delivery still under way. */
  private readonly lifetime = new AbortController()
  private timer: TimerHandle
  private inputAt = 0
  /** When the task finished (done or failed), on its clock. */
  private finishedAt: number | undefined
  private readonly progressListeners: Array<(event: TaskProgress) => void> = []
  private reportedStep: string | undefined
  /** What a test makes this party send instead of its messages (withhold, intercept). */
  private readonly strategies: Array<(batch: Outgoing[]) => Outgoing[]> = []
  private finishedNotified = false
  private readonly deliveries = new Set<Promise<void>>()
  /** Per party, the deliveries to it still under way. */
  private readonly deliveringTo = new Map<number, number>()
  private givenLength: number | undefined
  /** Parties a message of this task was taken from (not refused), for displays. */
  private readonly seenFrom = new Set<number>()
  /** Parties whose last attempt failed: the message that probes, the back-off, the messages waiting their turn. */
  private readonly unreachable = new Map<number, Unreachable>()

  constructor (init: SecureSumTaskInit) {
    this.init = init
    this.descriptor = init.descriptor
    this.id = init.descriptor.taskId
    this.parties = init.parties
    this.myself = init.myself
    this.clock = init.clock ?? systemClock
    this.log = init.log ?? defaultLog
    this.machine = createMachine({ descriptor: init.descriptor, myself: init.myself, randomBytes: init.randomBytes, maxLength: init.maxLength, lean: init.lean, identity: init.identity, traceHops: init.traceHops })
    this.settled.promise.catch(() => {}) // a failure nobody asked about is not an unhandled rejection
    // every delivery under way (n - 1 per step) listens to the task's lifetime
    setMaxListeners(Infinity, this.lifetime.signal)
  }

  get step (): string { return this.machine.step }
  get finished (): boolean { return this.machine.finished }
  get hasInput (): boolean { return this.machine.hasInput }
  /** Elements of this party's input (1 for a scalar) once given: no frame of this task may carry more (plus its sample count). */
  get inputLength (): number | undefined { return this.givenLength }
  /** The longest vector this task accepts from any party (core's default when undefined). */
  get maxLength (): number | undefined { return this.init.maxLength }
  /** How far a long sum has come, when the mode counts it (lean mode counts frames). */
  get progressCount (): { done: number, total: number } | undefined { return this.machine.progress }
  /**
   * In a task with traced frames (SecureSumServiceInit.traceHops): the longest chain of
   * messages, one after another, that reached this party before its result (0 untraced).
   */
  get hops (): number { return this.machine.hops ?? 0 }
  get digest (): Uint8Array { return this.machine.digest }
  /** The digest's short form (`a1b2-c3d4-e5f6-0718`): parties that show the same one hold the same task; compare it out of band. */
  get fingerprint (): string { return taskFingerprint(this.machine.digest) }
  /**
   * How the task runs, for metrics and logs: 'threshold' (t < n), 'mesh' or 'lean' (once chosen,
   * for mode 'auto'), or 'auto' while mode 'auto' has not chosen yet.
   */
  get mode (): 'threshold' | 'mesh' | 'lean' | 'auto' {
    const params = this.descriptor.parameters
    const threshold = thresholdOf(params)
    if (threshold !== undefined && threshold < this.parties.length) return 'threshold'
    return this.machine.mode ?? modeOf(params)
  }

  /** Milliseconds from this party's input to the task's end, once it has ended after an input. */
  get durationMs (): number | undefined {
    return this.finishedAt === undefined || !this.machine.hasInput ? undefined : this.finishedAt - this.inputAt
  }

  /** Indices of the parties this one has taken a message of this task from, ascending (never values). */
  get partiesSeen (): number[] { return [...this.seenFrom].sort((a, b) => a - b) }
  /** Whether a message of this task is still on its way (a done task's last confirmation, say). */
  get delivering (): boolean { return this.deliveries.size > 0 }

  status (): TaskStatus {
    const { step, missing } = this.machine.waitingFor()
    const e = this.machine.error
    const agreement = this.machine.agreement
    return {
      id: this.id,
      step,
      missing,
      ...(e === undefined ? {} : { error: { name: e.name, code: e.code, message: e.message } }),
      ...(agreement === undefined ? {} : { agreement })
    }
  }

  /**
   * Give this party's input. Validation happens first: a bad value throws and nothing is sent.
   * The deadline starts now.
   * @param value a number, bigint or decimal string, or a vector (array or typed array) of them
   * @throws InvalidInputError naming `value` or `value[i]` for a value the task's parameters cannot hold
   * @example
   * ```ts
   * task.input('1234.56789')
   * task.input(Float64Array.of(0.5, -1, 2)) // a vector: the result is one of the same shape
   * ```
   */
  input (value: InputValue): void {
    this.inputAt = this.clock.now()
    const out = this.machine.input(value, this.inputAt)
    this.givenLength = isVectorInput(value) ? value.length : 1
    this.armDeadline(this.init.timeoutMs)
    this.dispatch(out)
    // open the connections the machine will need now, while the others are still giving input
    for (const j of this.machine.neighbours ?? []) this.init.connect?.(this.parties[j]!)
  }

  /**
   * Fault tests only: never send messages of these kinds (e.g. 'confirm'), as if this party died
   * just before sending them. The task runs on otherwise.
   */
  withhold (kinds: Iterable<string>): void {
    const withheld = new Set(kinds)
    this.intercept(batch => batch.filter(o => !withheld.has(o.message.kind)))
  }

  /**
   * Adversary tests only: every batch of messages this party's machine produces at once passes
   * `strategy`, which returns what to send instead: the messages rewritten, dropped, duplicated,
   * reordered, or others injected. Strategies added later see what earlier ones returned.
   */
  intercept (strategy: (batch: Outgoing[]) => Outgoing[]): void {
    this.strategies.push(strategy)
  }

  /** Be told of the task's progress (see TaskProgress); a listener must not throw. */
  onProgress (listener: (event: TaskProgress) => void): void {
    this.progressListeners.push(listener)
  }

  /**
   * The task's deadline, `ms` from now. While the machine's own schedule still runs (threshold
   * mode's sharing deadline and proposal window) the task can still finish: the deadline then
   * moves to the end of that schedule plus the task's timeout.
   */
  private armDeadline (ms: number): void {
    const at = this.clock.now() + ms
    this.timer = this.clock.setTimeout(() => {
      // Past the deadline a finished task only stops its lingering deliveries (a late confirm).
      if (this.machine.finished) { this.lifetime.abort(); return }
      const own = this.machine.nextDeadline?.()
      const now = this.clock.now()
      if (own !== undefined && own > now) { this.armDeadline(own - now + this.init.timeoutMs); return }
      const { step, missing } = this.machine.waitingFor()
      this.log('task %s timed out at %s waiting for %o', this.id, step, missing)
      this.fail(new TaskTimeoutError(step, missing, Math.round((at - this.inputAt) / 100) / 10))
    }, ms)
  }

  private progress (event: TaskProgress): void {
    for (const listener of this.progressListeners) {
      try { listener(event) } catch (err) { this.log('a progress listener of task %s threw: %s', this.id, (err as Error).message) }
    }
  }

  /** A message from the peer authenticated as `senderPeerId`; the reply says what became of it. */
  receive (message: WireMessage, senderPeerId: string): Reply {
    const { reply, out } = this.take(message, senderPeerId)
    if (reply.status !== 'refused') {
      this.seenFrom.add(message.from)
      this.progress({ event: 'received', kind: message.kind, from: message.from })
    }
    this.dispatch(out)
    return reply
  }

  /** The machine's verdict on one message, as the reply to its sender: the one place that calls machine.receive. */
  private take (message: WireMessage, senderPeerId: string): { reply: Reply, out: Outgoing[] } {
    const { verdict, out } = this.machine.receive(message, senderPeerId, this.clock.now())
    if (verdict.status !== 'refused') return { reply: { status: verdict.status, code: verdict.code, message: '' }, out }
    this.log('task %s refused a %s from %s: %s', this.id, message.kind, senderPeerId, verdict.code)
    return { reply: { status: 'refused', code: verdict.code, message: verdict.error.message }, out }
  }

  /**
   * Wait for the result.
   * @param options `signal` ends the wait (only the wait: the task goes on)
   * @throws the task's typed error when it failed (TaskTimeoutError, TaskAbortedError, DigestMismatchError, ...);
   *   TaskCancelledError when `signal` aborts first; InvalidInputError naming `task` before this party's input
   * @example
   * ```ts
   * const { inputs, result } = await task.result({ signal: AbortSignal.timeout(30_000) })
   * ```
   */
  async result (options: AbortOptions = {}): Promise<SecureSumResult> {
    if (!this.machine.hasInput && !this.machine.finished) {
      throw new InvalidInputError('task', `no input has been given to task ${this.id} at this party yet: call input() first`)
    }
    const { signal } = options
    if (signal === undefined) return this.settled.promise
    return untilAborted(this.settled.promise, signal, () => new TaskCancelledError(`waiting for the result of ${this.id} was aborted`))
  }

  /** The result if the task is done, undefined while it runs; throws the task's error if it failed. */
  peekResult (): SecureSumResult | undefined {
    if (this.machine.error !== undefined) throw this.machine.error
    return this.machine.result
  }

  /** Stop the task here and tell the others. */
  cancel (reason: string): void {
    this.fail(new TaskCancelledError(reason))
  }

  /** Fail here, tell the others (their aborts get a window of their own), and end every other delivery. */
  private fail (error: SimonError): void {
    this.dispatch(this.machine.fail(error))
    this.lifetime.abort()
  }

  /** Release the task: cancel it if it still runs, end lingering deliveries and the deadline timer. */
  dispose (reason: string): void {
    if (!this.machine.finished) this.cancel(reason)
    this.clock.clearTimeout(this.timer)
    this.clock.clearTimeout(this.tickTimer)
    this.lifetime.abort()
  }

  /**
   * Resolves once every message this party sent so far was taken or given up (at the deadline).
   * A one-shot party awaits it before it stops, so the others still get its last confirmation.
   * @param options `signal` ends the wait (the deliveries go on): it rejects with the signal's reason
   */
  async flush (options: AbortOptions = {}): Promise<void> {
    const { signal } = options
    const delivered = async (): Promise<void> => {
      while (this.deliveries.size > 0) {
        // the parties still owe replies: ask for them instead of waiting for them to come in a batch
        for (const to of this.deliveringTo.keys()) this.init.expedite?.(this.parties[to]!)
        await Promise.all([...this.deliveries])
      }
    }
    await (signal === undefined ? delivered() : untilAborted(delivered(), signal, () => signal.reason))
  }

  private dispatch (out: Outgoing[]): void {
    const step = this.machine.step
    if (step !== this.reportedStep) { this.reportedStep = step; this.progress({ event: 'step', step }) }
    const sending = this.strategies.reduce((batch, strategy) => strategy(batch), out)
    for (const o of sending) {
      this.deliveringTo.set(o.to, (this.deliveringTo.get(o.to) ?? 0) + 1)
      const delivery = this.deliver(o).finally(() => {
        this.deliveries.delete(delivery)
        const left = this.deliveringTo.get(o.to)! - 1
        if (left > 0) this.deliveringTo.set(o.to, left)
        else this.deliveringTo.delete(o.to)
      })
      this.deliveries.add(delivery)
    }
    this.settleIfFinished()
    this.scheduleTick()
  }

  /** Wake the machine at the deadline it asks for (threshold mode's sharing deadline, say). */
  private scheduleTick (): void {
    this.clock.clearTimeout(this.tickTimer)
    const at = this.machine.finished ? undefined : this.machine.nextDeadline?.()
    if (at === undefined) return
    this.tickTimer = this.clock.setTimeout(() => this.dispatch(this.machine.tick?.(this.clock.now()) ?? []), Math.max(0, at - this.clock.now()))
  }

  private settleIfFinished (): void {
    if (!this.machine.finished || this.finishedNotified) return
    this.finishedNotified = true
    this.finishedAt = this.clock.now()
    const error = this.machine.error
    // A done task keeps delivering (another party may still need our confirmation) until the
    // deadline; a failed one stops at once.
    if (error !== undefined || this.timer === undefined) { this.clock.clearTimeout(this.timer); this.lifetime.abort() }
    // A machine that needs only some of the others (threshold mode) bounds how long it lingers for the rest.
    const linger = this.machine.lingerMs
    if (error === undefined && linger !== undefined) this.clock.setTimeout(() => this.lifetime.abort(), linger)
    if (error !== undefined) this.settled.reject(error)
    else this.settled.resolve(this.machine.result!)
    this.log('task %s %s', this.id, error === undefined ? 'done' : `failed: ${error.code}`)
    this.init.onFinish?.(this)
  }

  private lifetimeEnded: Promise<never> | undefined

  /** Rejects when `signal` aborts: the task's lifetime has one such promise, raced by every delivery. */
  private ended (signal: AbortSignal): Promise<never> {
    if (signal !== this.lifetime.signal) return abortion(signal)
    return (this.lifetimeEnded ??= abortion(signal))
  }

  /**
   * Deliver one message, retrying with back-off until it is taken or the task's lifetime ends.
   * While a party cannot be reached, one of the messages for it (the probe) attempts, one back-off
   * after another; the others wait their turn: a dead party costs one attempt per back-off (at
   * most one a second), however many messages are queued for it. The probe's turn passes along
   * the queue after each failure, so that no one message that fails blocks the rest; the first
   * attempt that gets through wakes them all.
   */
  private async deliver (o: Outgoing): Promise<void> {
    const party = this.parties[o.to]!
    const frame = this.machine.encode(o.message)
    // An abort is sent after the task ended; give it one attempt window of its own (and no queue).
    const abort = o.message.kind === 'abort'
    const lifetime = abort ? timeoutSignal(this.clock, Math.min(this.init.attemptTimeoutMs, ABORT_DELIVERY_MS)) : this.lifetime.signal
    let backoff = RETRY_BACKOFF_MS.first
    const me = {} // this delivery (a strategy may send one message twice)
    try {
      while (!lifetime.aborted) {
        const down = abort ? undefined : this.unreachable.get(o.to)
        if (down !== undefined && down.probe !== me) {
          await this.turn(down, me, lifetime)
          continue
        }
        try {
          // the messenger bounds each attempt; the task's end stops the wait at once (one listener per task, not per frame)
          const reply = await Promise.race([this.init.messenger(party, frame, lifetime, this.init.attemptTimeoutMs), this.ended(lifetime)])
          if (reply.status === 'refused') this.log('party %d refused our %s for task %s: %s', o.to, o.message.kind, this.id, printable(reply.code))
          this.reached(o.to)
          this.progress({ event: 'delivered', kind: o.message.kind, to: o.to })
          return
        } catch (err) {
          this.log('delivery of %s to party %d for task %s failed (%s), retrying', o.message.kind, o.to, this.id, (err as Error).name)
        }
        if (abort) {
          await sleep(this.clock, backoff, lifetime)
          backoff = Math.min(backoff * 2, RETRY_BACKOFF_MS.cap)
          continue
        }
        const failing = this.unreachable.get(o.to) ?? { probe: me, backoff: RETRY_BACKOFF_MS.first, queue: [] }
        this.unreachable.set(o.to, failing)
        if (failing.probe !== me) continue // another message probes: wait for its turn
        await sleep(this.clock, failing.backoff, lifetime)
        failing.backoff = Math.min(failing.backoff * 2, RETRY_BACKOFF_MS.cap)
        // the next attempt is the longest-waiting message's; this one waits at the back
        const next = failing.queue.shift()
        if (next !== undefined && this.unreachable.get(o.to) === failing) { failing.probe = next.delivery; next.wake() }
      }
    } finally {
      frame.fill(0)
      // a probe that ends without getting through (the task ended) hands its turn on
      const down = this.unreachable.get(o.to)
      if (down?.probe === me) {
        const next = down.queue.shift()
        if (next === undefined) this.unreachable.delete(o.to)
        else { down.probe = next.delivery; next.wake() }
      }
    }
  }

  /** Wait, at the back of `down`'s queue, until it is `delivery`'s turn to probe or an attempt got through (or the lifetime ends). */
  private async turn (down: Unreachable, delivery: object, lifetime: AbortSignal): Promise<void> {
    const woken = Promise.withResolvers<void>()
    down.queue.push({ delivery, wake: woken.resolve })
    await Promise.race([woken.promise, this.ended(lifetime)]).catch(() => {})
  }

  /** An attempt to `party` got through: every message queued for it goes now. */
  private reached (party: number): void {
    const down = this.unreachable.get(party)
    if (down === undefined) return
    this.unreachable.delete(party)
    for (const w of down.queue.splice(0)) w.wake()
  }
}
