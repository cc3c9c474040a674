/**
 * An in-memory network of threshold machines with a virtual clock (test helper, not a test file).
 * Messages go through the wire codec; a crashed party neither sends nor receives; every partial
 * sum that leaves any party is recorded, so tests can check that only one set was ever revealed.
 */
import assert from 'node:assert/strict'
import { decodeMessage, encodeMessage, type WireMessage } from '../src/wire/codec.js'
import type { InputValue } from '../src/encoding/fixed-point.js'
import { ProtocolError, type SimonError } from '../src/errors.js'
import type { Outgoing } from '../src/machine/types.js'
import { type TaskDescriptor } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'
import { ThresholdMachine } from '../src/protocols/threshold/machine.js'
import { seededRandomBytes } from './helpers.js'

export const TASK_ID = 'threshold-task-0001'
export const peerIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWThreshold${i}`)

export function thresholdDescriptor (n: number, params: Record<string, unknown>): TaskDescriptor {
  return { taskId: TASK_ID, microprotocol: 'SecureSum', parameters: resolveParameters(params, n), peers: peerIds(n) }
}

interface InFlight { readonly from: number, readonly to: number, readonly message: WireMessage }

/** Rewrites a party's outgoing messages (a misbehaving party); return undefined to drop one. */
export type Tamper = (o: Outgoing) => Outgoing | undefined

export class Sim {
  now = 0
  readonly queue: InFlight[] = []
  readonly parties: ThresholdMachine[]
  readonly crashed = new Set<number>()
  readonly refusals: SimonError[] = []
  /** Every partial sum that left a party: sender and the set it covers. */
  readonly revealed: Array<{ from: number, key: string }> = []
  readonly tamper = new Map<number, Tamper>()
  /** A party to crash after it has sent this many messages (the rest of that batch is lost). */
  readonly crashAfterSends = new Map<number, number>()
  private readonly sent = new Map<number, number>()

  constructor (readonly descriptor: TaskDescriptor, seed = 'sim') {
    this.parties = descriptor.peers.map((_, i) => new ThresholdMachine({ descriptor, myself: i, randomBytes: seededRandomBytes(`${seed}/${i}`) }))
  }

  get n (): number { return this.parties.length }

  post (from: number, out: Outgoing[]): void {
    const party = this.parties[from]!
    for (const original of out) {
      if (this.crashed.has(from)) return
      const o = this.tamper.get(from)?.(original) ?? (this.tamper.has(from) ? undefined : original)
      if (o === undefined) continue
      assert.equal(o.message.from, from)
      assert.notEqual(o.to, from)
      const message = decodeMessage(encodeMessage(o.message, party.field.bytes))
      if (message.kind === 'set-partial') this.revealed.push({ from, key: message.members.join(',') })
      this.queue.push({ from, to: o.to, message })
      const count = (this.sent.get(from) ?? 0) + 1
      this.sent.set(from, count)
      if (this.crashAfterSends.get(from) === count) this.crash(from)
    }
  }

  crash (i: number): void { this.crashed.add(i) }

  input (i: number, value: InputValue): void {
    if (this.crashed.has(i)) return
    this.post(i, this.parties[i]!.input(value, this.now))
  }

  deliver (index = 0): void {
    const [m] = this.queue.splice(index, 1)
    assert.ok(m !== undefined)
    if (this.crashed.has(m.to)) return
    const party = this.parties[m.to]!
    const { verdict, out } = party.receive(m.message, this.descriptor.peers[m.from]!, this.now)
    // a refusal that leaves the task going on; one that failed it shows on party.error
    if (verdict.status === 'refused' && verdict.error !== party.error) this.refusals.push(verdict.error)
    this.post(m.to, out)
  }

  /** The earliest deadline of a live party, if any. */
  nextDeadline (): number | undefined {
    let at: number | undefined
    this.parties.forEach((p, i) => {
      if (this.crashed.has(i)) return
      const d = p.nextDeadline()
      if (d !== undefined && (at === undefined || d < at)) at = d
    })
    return at
  }

  /** Move the clock to `at` and tick every live party whose deadline has come. */
  advanceTo (at: number): void {
    this.now = Math.max(this.now, at)
    this.parties.forEach((p, i) => {
      if (this.crashed.has(i)) return
      const d = p.nextDeadline()
      if (d !== undefined && d <= this.now) this.post(i, p.tick(this.now))
    })
  }

  /**
   * A synchronous network: deliver everything in flight (in the order `pick` chooses) before the
   * clock moves to the next deadline; until nothing is in flight and no deadline is left.
   */
  runSynchronous (pick: (count: number) => number = () => 0, maxSteps = 1_000_000): void {
    for (let steps = 0; steps < maxSteps; steps++) {
      if (this.queue.length > 0) { this.deliver(pick(this.queue.length)); continue }
      const at = this.nextDeadline()
      if (at === undefined) return
      this.advanceTo(at)
    }
    assert.fail('the simulation did not settle')
  }

  /** Like runSynchronous, but only for deadlines up to `at`; the clock then stands at `at`. */
  runUntil (at: number, pick: (count: number) => number = () => 0): void {
    for (;;) {
      if (this.queue.length > 0) { this.deliver(pick(this.queue.length)); continue }
      const d = this.nextDeadline()
      if (d === undefined || d > at) break
      this.advanceTo(d)
    }
    this.now = Math.max(this.now, at)
  }

  /** Keys of the sets that any partial sum covered. */
  revealedSets (): Set<string> { return new Set(this.revealed.map(r => r.key)) }
}
