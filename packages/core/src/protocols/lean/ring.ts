/**
 * Lean mode as a pure state machine: pairwise masks from key agreement, partial sums moved
 * around a ring. Each party talks only to its ring neighbours (j - 1 and j + 1), and uploads
 * about twice its input whatever the number of parties.
 *
 *   nonces   a ring gather of one fresh 16-byte nonce (and the input's shape) per party:
 *            collected 0 -> 1 -> ... -> n-1, then handed on n-1 -> 0 -> ... -> n-2
 *   keys     per pair {i, j} of the masking graph (graph.ts: all pairs up to 100 parties):
 *            HKDF(X25519 of their ephemeral keys, digest, all nonces); each ephemeral key
 *            travels with the nonces, signed by its party's identity key
 *   sum      y_j = x_j + sum_{k > j} PRG(k_jk) - sum_{k < j} PRG(k_kj), computed frame by frame
 *            as the ring needs it; ring reduce-scatter then all-gather of the y_j (plan.ts)
 *   confirm  a ring gather of HMAC tags over the result hash, one per ordered pair of
 *            neighbours: a party is done once each neighbour's tag over its own hash checks out
 *
 * The y_j are distributed exactly as the full mesh's partial sums (the masks are an additive
 * sharing of zero, uniform given the total), so the ring reveals no more than the full mesh;
 * see README-lean.md for the argument.
 */
import type { WireMessage } from '../../wire/codec.js'
import type { InputValue } from '../../encoding/fixed-point.js'
import { ProtocolError, SimonError } from '../../errors.js'
import { HELD, sent } from '../../machine/kernel.js'
import type { Outgoing } from '../../machine/types.js'
import type { LeanMachineInit, LeanStep } from './base.js'
import type { LeanConfirmMessage, LeanDataMessage, LeanEntry, LeanNoncesMessage } from '../../wire/lean.js'
import { SegmentedLean } from './segmented.js'
import type { VectorOps } from '../../field/vectors.js'

export type { LeanMachineInit, LeanStep } from './base.js'

export class LeanMachine<V extends Float64Array | bigint[] = Float64Array | bigint[]> extends SegmentedLean<V> {
  protected readonly topology = 'ring'
  /** Both ring neighbours, who pass an abort on around the ring. */
  protected readonly adjacent: readonly number[]
  private readonly pred: number
  private readonly succ: number

  private entries: LeanEntry[] | undefined
  private collectSeen = false
  private collectHeld: LeanNoncesMessage | undefined
  private confirmCollectSeen = false
  private confirmHeld: LeanConfirmMessage | undefined

  constructor (init: LeanMachineInit, ops?: VectorOps<V>) {
    super(init, ops)
    const n = this.parties
    this.pred = (init.myself + n - 1) % n
    this.succ = (init.myself + 1) % n
    this.adjacent = [...new Set([this.pred, this.succ])]
  }

  /** Lean mode sends only to its ring successor (its predecessor connects to it). */
  get neighbours (): readonly number[] { return [this.succ] }

  waitingFor (): { step: LeanStep, missing: number[] } {
    const n = this.parties
    const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k)
    switch (this._step) {
      case 'input': return { step: 'input', missing: [this.myself] }
      case 'nonces':
        // before the collect pass reaches this party, all parties before it; after, all after it
        if (!this.collectSeen && this.myself > 0) return { step: 'nonces', missing: range(0, this.myself) }
        return { step: 'nonces', missing: range(this.myself + 1, n) }
      case 'sum': return { step: 'sum', missing: [this.pred] }
      case 'confirm': {
        const missing: number[] = []
        this.verified.forEach((v, k) => { if (v === 0 && k !== this.myself) missing.push(k) })
        return { step: 'confirm', missing }
      }
      default: return { step: this._step, missing: [] }
    }
  }

  /**
   * Take this party's input and start the nonce gather.
   * @throws InvalidInputError before anything is produced
   */
  protected takeInput (value: InputValue): Outgoing[] {
    this.prepareInput(value, this.maxLength)
    this.startPlan()
    this._step = 'nonces'
    const out: Outgoing[] = []
    if (this.myself === 0) out.push(this.noncesTo(this.succ, 'collect', [this.ownEntry()]))
    const held = this.collectHeld
    this.collectHeld = undefined
    if (held !== undefined) out.push(...sent(this.onNonces(held)))
    return out
  }

  protected slot (m: WireMessage): readonly [string, string] {
    if (m.kind === 'lean-data') return [`${m.phase}/${m.frame}`, `sent frame ${m.frame} of the ${m.phase} phase`]
    if (m.kind === 'lean-nonces') return [`nonces/${m.pass}`, m.pass === 'collect' ? 'sent its nonces' : 'sent the nonces of all parties']
    const pass = (m as LeanConfirmMessage).pass
    return [`confirm/${pass}`, pass === 'collect' ? 'sent its confirmation' : 'handed on all confirmations']
  }

  /** A message from the ring predecessor (the kernel has checked who sent it). */
  protected take (m: WireMessage, from: number): Outgoing[] | typeof HELD {
    if (from !== this.pred) throw new ProtocolError(`party ${from} is not this party's ring predecessor (party ${this.pred})`, from)
    switch (m.kind) {
      case 'lean-nonces': return this.onNonces(m)
      case 'lean-data': return this.onData(m)
      case 'lean-confirm': return this.onConfirm(m)
      default: return []
    }
  }

  /** Entries on the ring come in party order. */
  private orderError (entries: readonly LeanEntry[], from: number): SimonError | undefined {
    const k = entries.findIndex((e, place) => e.party !== place)
    return k < 0 ? undefined : new ProtocolError(`party ${from} sent nonces out of order (party ${entries[k]!.party} at place ${k})`, from)
  }

  private onNonces (m: LeanNoncesMessage): Outgoing[] | typeof HELD {
    const n = this.parties
    if (m.topology !== 'ring') throw new ProtocolError(`party ${m.from} runs lean mode on a ${m.topology}, this party on a ring: the inputs differ in size`, m.from)
    if (m.pass === 'collect') {
      if (this.myself === 0) throw new ProtocolError('party 0 starts the nonce collection and receives none', m.from)
      if (m.entries.length !== this.myself) throw new ProtocolError(`party ${m.from} sent ${m.entries.length} nonces at the collect pass, expected ${this.myself}`, m.from)
      if (this.x === undefined) { this.collectHeld = m; return HELD }
      this.collectSeen = true
      const error = this.orderError(m.entries, m.from) ?? this.entriesError(m.entries, m.from)
      if (error !== undefined) return this.fail(error)
      const list = [...m.entries, this.ownEntry()]
      if (this.myself < n - 1) return [this.noncesTo(this.succ, 'collect', list)]
      this.entries = list
      return [this.noncesTo(this.succ, 'distribute', list), ...this.startSum()]
    }
    if (this.myself === n - 1) throw new ProtocolError(`party ${n - 1} ends the nonce collection and receives no distribution`, m.from)
    if (this.x === undefined || (this.myself > 0 && !this.collectSeen)) {
      throw new ProtocolError(`party ${m.from} sent the nonces of all parties before this party gave its own`, m.from)
    }
    if (m.entries.length !== n) throw new ProtocolError(`party ${m.from} sent ${m.entries.length} nonces at the distribute pass, expected ${n}`, m.from)
    const error = this.ownNonceError(m.entries, m.from) ?? this.orderError(m.entries, m.from) ?? this.entriesError(m.entries, m.from)
    if (error !== undefined) return this.fail(error)
    this.entries = m.entries
    const out: Outgoing[] = this.succ !== n - 1 ? [this.noncesTo(this.succ, 'distribute', m.entries)] : []
    return [...out, ...this.startSum()]
  }

  /** All nonces known: derive the pair keys, send this party's own segment, take what waited. */
  private startSum (): Outgoing[] {
    const error = this.deriveKeys(this.entries!, () => this.pred)
    if (error !== undefined) return this.fail(error)
    this._step = 'sum'
    const plan = this.plan!
    const out: Outgoing[] = []
    for (const g of plan.framesOf(this.myself)) {
      const data = this.newData('reduce', 0, g)
      this.contributeInto(g, data.elements)
      out.push({ to: this.succ, message: data.message })
    }
    out.push(...this.takePendingData())
    return out
  }

  protected onData (m: LeanDataMessage): Outgoing[] | typeof HELD {
    const checked = this.frameElements(m)
    const plan = this.plan!
    const n = this.parties
    const g = m.frame
    if (m.step > n - 2) throw new ProtocolError(`party ${m.from} sent ${m.phase} step ${m.step}; the ring has ${n - 1} steps`, m.from)
    const segment = plan.segmentAt(m.from, m.step, m.phase)
    if (plan.frameSegment[g] !== segment) {
      throw new ProtocolError(`party ${m.from} sent frame ${g} at ${m.phase} step ${m.step}, where segment ${segment} belongs`, m.from)
    }
    if (checked instanceof SimonError) return this.fail(checked)
    const elements = checked
    if (this._step === 'nonces') { this.pendingData.push(m); return HELD }
    if (this._step !== 'sum') throw new ProtocolError(`party ${m.from} sent frame ${g} after the sum was complete`, m.from)
    const out: Outgoing[] = []
    if (m.phase === 'reduce') {
      // at the last step the sum is the total of the segment this party holds: hand it round
      const last = m.step + 1 === n - 1
      const next = last ? this.newData('gather', 0, g) : this.newData('reduce', m.step + 1, g)
      this.contributeInto(g, next.elements)
      this.ops.addInto(next.elements, elements, 0)
      if (last) this.storeTotal(g, next.elements)
      out.push({ to: this.succ, message: next.message })
    } else {
      if (this.consumed[g] !== 1) return this.fail(new ProtocolError(`party ${m.from} sent the total of frame ${g} before this party added its part`, m.from))
      this.storeTotal(g, elements)
      if (m.step + 1 < n - 1) {
        const next = this.newData('gather', m.step + 1, g)
        this.ops.copyInto(next.elements, elements, 0)
        out.push({ to: this.succ, message: next.message })
      }
    }
    if (this.storedCount === plan.frames) out.push(...this.finishSum())
    return out
  }

  /** The total is complete here: hash it, tag the hash for every other party, start the confirm gather. */
  private finishSum (): Outgoing[] {
    const tags = this.sealResult()
    const out: Outgoing[] = []
    if (this.myself === 0) out.push(this.confirmTo(this.succ, 'collect', [tags]))
    const held = this.confirmHeld
    this.confirmHeld = undefined
    if (held !== undefined) out.push(...sent(this.onConfirm(held)))
    return out
  }

  private onConfirm (m: LeanConfirmMessage): Outgoing[] | typeof HELD {
    const n = this.parties
    if (m.tags.some(t => t.blob.length !== this.tagBlobBytes)) throw new ProtocolError(`party ${m.from} sent confirmation entries of the wrong size`, m.from)
    if (m.pass === 'collect') {
      if (this.myself === 0) throw new ProtocolError('party 0 starts the confirmation and receives no collect pass', m.from)
      if (m.tags.length !== this.myself) throw new ProtocolError(`party ${m.from} sent ${m.tags.length} confirmations at the collect pass, expected ${this.myself}`, m.from)
      if (this._step !== 'confirm') { this.confirmHeld = m; return HELD }
      this.confirmCollectSeen = true
      for (let k = 0; k < m.tags.length; k++) {
        const error = this.check(k, m.tags[k]!)
        if (error !== undefined) return this.fail(error)
      }
      const list = [...m.tags, this.ownTags!]
      if (this.myself < n - 1) return [this.confirmTo(this.succ, 'collect', list)]
      return [this.confirmTo(this.succ, 'distribute', list), ...this.finish()]
    }
    if (this.myself === n - 1) throw new ProtocolError(`party ${n - 1} ends the confirmation and receives no distribution`, m.from)
    if (this._step !== 'confirm' || (this.myself > 0 && !this.confirmCollectSeen)) {
      throw new ProtocolError(`party ${m.from} handed on all confirmations before this party gave its own`, m.from)
    }
    if (m.tags.length !== n) throw new ProtocolError(`party ${m.from} sent ${m.tags.length} confirmations at the distribute pass, expected ${n}`, m.from)
    for (let k = this.myself + 1; k < n; k++) {
      const error = this.check(k, m.tags[k]!)
      if (error !== undefined) return this.fail(error)
    }
    const out: Outgoing[] = this.succ !== n - 1 ? [this.confirmTo(this.succ, 'distribute', m.tags)] : []
    return [...out, ...this.finish()]
  }

  protected override forget (): void {
    super.forget()
    this.collectHeld = undefined
    this.confirmHeld = undefined
  }
}
