/**
 * The in-memory network every core machine test runs on (a helper, not a test file): one machine
 * per party, of any mode; every message through the wire codec (encoded by the sender's machine,
 * decoded at the receiver); each sender authenticated as the PeerId at its index; a virtual clock
 * that drives the machines' deadlines; crashes; a tamper hook; delivery orders chosen by a pick
 * function; refusals, verdicts and bytes recorded.
 */
import assert from 'node:assert/strict'
import { decodeMessage, encodeMessage, type WireMessage } from '../src/wire/codec.js'
import type { InputValue } from '../src/encoding/fixed-point.js'
import { createMachine } from '../src/machine/create.js'
import type { SimonError } from '../src/errors.js'
import type { LeanCrypto } from '../src/protocols/lean/crypto.js'
import type { IdentitySigner, MachineInit, Outgoing, ProtocolMachine, Received, Verdict } from '../src/machine/types.js'
import type { TaskDescriptor } from '../src/task/descriptor.js'
import { fieldOf } from '../src/task/parameters.js'
import { seededRandomBytes } from './helpers.js'
import { testLeanCrypto } from './lean-helpers.js'
import { testIdentity } from './identity-helpers.js'

/** A message on its way: the frame the sender's machine encoded, and what the receiver decodes of it. */
export interface InFlight {
  readonly from: number
  readonly to: number
  readonly frame: Uint8Array
  readonly message: WireMessage
}

/** A message handed to its receiver, with the receiver's verdict. */
export interface Delivery extends InFlight {
  readonly verdict: Verdict
  /** The receiver had finished (done or failed) before this message came. */
  readonly finishedBefore: boolean
}

/** A refusal that left the task going on (one that failed it shows on the machine's error). */
export interface Refusal {
  readonly from: number
  readonly to: number
  readonly kind: string
  readonly code: string
  readonly error: SimonError
}

/** Rewrites a message as it leaves its sender (a misbehaving party); undefined drops it. */
export type Tamper = (m: { readonly from: number, readonly to: number, readonly message: WireMessage }) => WireMessage | undefined

/** Chooses the next event out of `count` (staged inputs first, then the queue): an index below count. */
export type Pick = (count: number) => number

export const fifo: Pick = () => 0
export const lifo: Pick = count => count - 1

/** The choices of a list in turn (modulo the count), then the first event. */
export function fromChoices (choices: readonly number[]): Pick {
  let k = 0
  return count => (choices[k++] ?? 0) % count
}

/** A deterministic PRNG in [0, 1): 32 bits at a time from the seeded byte stream of the tests. */
export function prng (seed: number): () => number {
  const bytes = seededRandomBytes(`prng/${seed}`)
  return () => new DataView(bytes(4).buffer).getUint32(0) / 4294967296
}

/** Uniformly random choices from a seeded PRNG. */
export function seededPick (seed: number): Pick {
  const next = prng(seed)
  return count => Math.floor(next() * count)
}

export interface SimOptions {
  /** The true PeerId of each party (default: the first machine's node list). */
  readonly peers?: readonly string[]
  /** Inputs that `run` gives, interleaved with deliveries (undefined: that party gives none). */
  readonly inputs?: ReadonlyArray<InputValue | undefined>
  readonly tamper?: Tamper
}

export class Sim<M extends ProtocolMachine = ProtocolMachine> {
  /** The virtual clock, in ms. */
  now = 0
  readonly peers: readonly string[]
  readonly queue: InFlight[] = []
  /** Every message that left a party (after the tamper hook). */
  readonly sent: InFlight[] = []
  readonly delivered: Delivery[] = []
  readonly refusals: Refusal[] = []
  /** Errors thrown by inputs that `run` gave. */
  readonly inputErrors: Array<{ party: number, error: unknown }> = []
  /** Parties that neither send nor receive (nor tick, nor take input) any more. */
  readonly crashed = new Set<number>()
  /** A party to crash after it has sent this many messages (the rest of that batch is lost). */
  readonly crashAfterSends = new Map<number, number>()
  /** Total frame bytes each party has sent. */
  readonly sentBytes: number[]
  /** Parties whose staged input `run` has still to give. */
  readonly waitingInput: number[] = []
  tamper: Tamper | undefined
  private readonly staged: Array<InputValue | undefined>
  private readonly sends: number[]

  constructor (readonly machines: M[], options: SimOptions = {}) {
    machines.forEach((m, i) => assert.equal(m.myself, i, `the machine at ${i} is party ${m.myself}`))
    this.peers = options.peers ?? machines[0]!.descriptor.peers
    this.tamper = options.tamper
    this.sentBytes = machines.map(() => 0)
    this.sends = machines.map(() => 0)
    this.staged = machines.map((_, i) => options.inputs?.[i])
    this.staged.forEach((v, i) => { if (v !== undefined) this.waitingInput.push(i) })
  }

  get n (): number { return this.machines.length }

  /**
   * Send what party `from` asked to send: tampered, encoded by its machine, addressed by the PeerId
   * its own node list has at `to`.
   */
  post (from: number, out: readonly Outgoing[]): void {
    const machine = this.machines[from]!
    for (const o of out) {
      if (this.crashed.has(from)) return
      assert.equal(o.message.from, from, `party ${from} sends as party ${o.message.from}`)
      const to = this.peers.indexOf(machine.descriptor.peers[o.to]!)
      assert.ok(to >= 0 && to !== from, `party ${from} sends to its own index ${o.to}, or to a peer off the list`)
      let frame = machine.encode(o.message)
      if (this.tamper !== undefined) {
        const original = decodeMessage(frame)
        const message = this.tamper({ from, to, message: original })
        if (message === undefined) continue
        if (message !== original) frame = machine.encode(message)
      }
      this.enqueue({ from, to, frame })
      this.sentBytes[from]! += frame.length
      const count = ++this.sends[from]!
      if (this.crashAfterSends.get(from) === count) this.crash(from)
    }
  }

  crash (i: number): void { this.crashed.add(i) }

  /** Party i's input now (its staged input by default); a crashed party gives none. */
  input (i: number, value: InputValue | undefined = this.staged[i]): void {
    const at = this.waitingInput.indexOf(i)
    if (at >= 0) this.waitingInput.splice(at, 1)
    if (this.crashed.has(i)) return
    assert.ok(value !== undefined, `no input for party ${i}`)
    this.post(i, this.machines[i]!.input(value, this.now))
  }

  /** Hand queue[index] to its receiver (dropped if it crashed); the verdict is recorded. */
  deliver (index = 0): Received | undefined {
    const [m] = this.queue.splice(index, 1)
    assert.ok(m !== undefined, `nothing in flight at ${index}`)
    if (this.crashed.has(m.to)) return undefined
    const machine = this.machines[m.to]!
    const finishedBefore = machine.finished
    const received = machine.receive(m.message, this.peers[m.from]!, this.now)
    const { verdict } = received
    this.delivered.push({ ...m, verdict, finishedBefore })
    if (verdict.status === 'refused' && verdict.error !== machine.error) {
      this.refusals.push({ from: m.from, to: m.to, kind: m.message.kind, code: verdict.code, error: verdict.error })
    }
    this.post(m.to, received.out)
    return received
  }

  /**
   * Hand party `to` a message of the test's own (a replay, a forgery) from the peer `senderPeerId`,
   * through the codec (encoded at the width of the receiver's field, without asking its machine,
   * which a message it did not make must not touch). What it answers is sent on; the verdict is
   * returned, not recorded.
   */
  inject (to: number, message: WireMessage, senderPeerId: string): Received {
    const machine = this.machines[to]!
    const frame = encodeMessage(message, fieldOf(machine.descriptor.parameters).bytes)
    const received = machine.receive(decodeMessage(frame), senderPeerId, this.now)
    this.post(to, received.out)
    return received
  }

  /** The earliest deadline of a live party, if any. */
  nextDeadline (): number | undefined {
    let at: number | undefined
    this.machines.forEach((p, i) => {
      if (this.crashed.has(i)) return
      const d = p.nextDeadline()
      if (d !== undefined && (at === undefined || d < at)) at = d
    })
    return at
  }

  /** Move the clock to `at` and tick every live party whose deadline has come. */
  advanceTo (at: number): void {
    this.now = Math.max(this.now, at)
    this.machines.forEach((p, i) => {
      if (this.crashed.has(i)) return
      const d = p.nextDeadline()
      if (d !== undefined && d <= this.now) this.post(i, p.tick(this.now))
    })
  }

  /**
   * One event: a staged input or a delivery, as `pick` chooses among them; when there is none, the
   * clock moves to the next deadline. False once nothing is left to happen.
   */
  step (pick: Pick = fifo): boolean {
    const choices = this.waitingInput.length + this.queue.length
    if (choices > 0) {
      const c = pick(choices)
      assert.ok(Number.isInteger(c) && c >= 0 && c < choices, `pick chose ${c} of ${choices}`)
      if (c < this.waitingInput.length) this.giveStaged(this.waitingInput[c]!)
      else this.deliver(c - this.waitingInput.length)
      return true
    }
    const at = this.nextDeadline()
    if (at === undefined) return false
    this.advanceTo(at)
    return true
  }

  /**
   * A synchronous network: every input and message (in the order `pick` chooses) before the clock
   * moves to the next deadline; until nothing is in flight and no deadline is left.
   */
  run (pick: Pick = fifo, maxSteps = 1_000_000): void {
    for (let steps = 0; steps < maxSteps; steps++) if (!this.step(pick)) return
    assert.fail('the simulation did not settle')
  }

  /** Like run, but only for deadlines up to `at`; the clock then stands at `at`. */
  runUntil (at: number, pick: Pick = fifo): void {
    for (;;) {
      if (this.waitingInput.length + this.queue.length > 0) { this.step(pick); continue }
      const d = this.nextDeadline()
      if (d === undefined || d > at) break
      this.advanceTo(d)
    }
    this.now = Math.max(this.now, at)
  }

  /** Frame bytes party i has sent in messages of these kinds. */
  bytesSent (i: number, kinds: readonly string[]): number {
    return this.sent.reduce((s, m) => s + (m.from === i && kinds.includes(m.message.kind) ? m.frame.length : 0), 0)
  }

  private enqueue (m: { from: number, to: number, frame: Uint8Array }): void {
    let message: WireMessage | undefined
    // decoded when the receiver first looks at it
    const inFlight: InFlight = { ...m, get message () { return (message ??= decodeMessage(m.frame)) } }
    this.queue.push(inFlight)
    this.sent.push(inFlight)
  }

  private giveStaged (i: number): void {
    if (this.machines[i]!.finished) { this.waitingInput.splice(this.waitingInput.indexOf(i), 1); return }
    try {
      this.input(i)
    } catch (error) {
      this.inputErrors.push({ party: i, error })
    }
  }
}

/** How `machinesFor` builds the machine at one party (createMachine by default). */
export type MakeMachine<M extends ProtocolMachine> = (init: MachineInit & { readonly lean: LeanCrypto, readonly identity: IdentitySigner }) => M

/**
 * One machine per descriptor (party i holds descriptors[i]), with seeded randomness and, unless
 * `withLean` is false, lean mode's test crypto.
 */
export function machinesFor<M extends ProtocolMachine = ProtocolMachine> (descriptors: readonly TaskDescriptor[],
  options: { seed?: string, withLean?: boolean, make?: MakeMachine<M> } = {}): M[] {
  return descriptors.map((descriptor, myself) => {
    const lean = testLeanCrypto(descriptor.peers[myself]!)
    const identity = testIdentity(descriptor.peers[myself]!)
    const init = { descriptor, myself, randomBytes: seededRandomBytes(`${options.seed ?? 'sim'}/${myself}`), lean, identity }
    if (options.make !== undefined) return options.make(init)
    return createMachine(options.withLean === false ? { descriptor, myself, randomBytes: init.randomBytes, identity } : init) as M
  })
}

/**
 * Run a fresh simulation once per order of events (depth first over every choice `step` offers),
 * until `cap` orders have run; `check` sees each settled simulation.
 * @returns how many orders ran, and whether that was every order
 */
export function exploreOrders (build: () => Sim, check: (sim: Sim) => void, cap = Infinity): { orders: number, exhausted: boolean } {
  let orders = 0
  // replay a prefix, then take the first choice; every later position with other choices
  // becomes a new prefix to explore
  const stack: number[][] = [[]]
  while (stack.length > 0 && orders < cap) {
    const prefix = stack.pop()!
    const sim = build()
    const counts: number[] = []
    sim.run(c => { const k = counts.length; counts.push(c); return k < prefix.length ? prefix[k]! : 0 })
    orders++
    check(sim)
    for (let i = counts.length - 1; i >= prefix.length; i--) {
      for (let alt = counts[i]! - 1; alt >= 1; alt--) stack.push([...prefix, ...Array<number>(i - prefix.length).fill(0), alt])
    }
  }
  return { orders, exhausted: stack.length === 0 }
}
