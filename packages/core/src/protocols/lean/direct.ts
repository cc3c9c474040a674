/**
 * Lean mode for large vectors among few parties (plan.ts, DIRECT_MAX_PARTIES): the ring's masks,
 * segments and frames, each moved in one hop instead of around the ring.
 *
 *   nonces   every party sends its entry (nonce, shape, signed ephemeral key) to every other
 *   keys     as on the ring (base.ts), once all n entries are in
 *   sum      party j sends segment s of its input to party s, masked with the pair masks of
 *            every pair {j, k} with k != s (those shared with s are left out: s could remove
 *            them); party s adds the n - 1 parts to its own (unmasked: it never leaves s but
 *            inside the total) and sends the segment's total to every other party
 *   confirm  every party sends its tags over its result hash to every other party; a party is
 *            done once every other party's tag over its own result hash has checked out
 *
 * What party s sees is a function of what it would see with every mask (those it leaves out it
 * knows), which is segment s of the ring's y_j: a part of what the full mesh shows every party;
 * see README-lean.md. 4 hops whatever n; each party uploads about 2 (n - 1) / n of its input,
 * as on the ring, and draws masks over (n - 1) (n - 2) / n vectors where the ring draws n - 1
 * (3 parties: a third).
 */
import type { AbortMessage, WireMessage } from '../../wire/codec.js'
import type { InputValue } from '../../encoding/fixed-point.js'
import { ProtocolError, SimonError, TaskAbortedError } from '../../errors.js'
import { HELD, sent } from '../../machine/kernel.js'
import type { Outgoing } from '../../machine/types.js'
import type { LeanMachineInit, LeanStep } from './base.js'
import type { LeanConfirmMessage, LeanDataMessage, LeanEntry, LeanNoncesMessage } from '../../wire/lean.js'
import { SegmentedLean, withHop } from './segmented.js'
import type { VectorOps } from '../../field/vectors.js'

export class DirectMachine<V extends Float64Array | bigint[] = Float64Array | bigint[]> extends SegmentedLean<V> {
  protected readonly topology = 'direct'
  /** Every other party: each is told of a failure directly. */
  protected readonly adjacent: readonly number[]

  private readonly entries: Array<LeanEntry | undefined>
  private entryCount = 0
  /** Messages that came before this party could use them: nonces before its input, data before its keys, tags before its result. */
  private heldNonces: LeanNoncesMessage[] = []
  private heldTags: LeanConfirmMessage[] = []
  /** Per frame of this party's segment: the parts of the others added so far. */
  private parts = new Int32Array(0)
  /** Per party: its frames taken (its parts of this party's segment, and the totals of its own). */
  private framesFrom: Int32Array
  /**
   * Hop counters of what each message depends on (traced runs): the nonces; per frame of this
   * party's segment, its parts; the totals. The others' messages of the same round come in
   * any order, and none of them is a hop on the way to another.
   */
  private nonceHop = 0
  private partHop = new Int32Array(0)
  private totalHop = 0

  constructor (init: LeanMachineInit, ops?: VectorOps<V>) {
    super(init, ops)
    this.adjacent = Array.from({ length: this.parties }, (_, j) => j).filter(j => j !== init.myself)
    this.entries = new Array(this.parties).fill(undefined)
    this.framesFrom = new Int32Array(this.parties)
  }

  /** Connections to open at input: to every party after this one (those before connect to it). */
  get neighbours (): readonly number[] { return this.adjacent.filter(j => j > this.myself) }

  waitingFor (): { step: LeanStep, missing: number[] } {
    switch (this._step) {
      case 'input': return { step: 'input', missing: [this.myself] }
      case 'nonces': return { step: 'nonces', missing: this.adjacent.filter(j => this.entries[j] === undefined) }
      case 'sum': {
        const plan = this.plan!
        const own = plan.segmentFrames[this.myself]!
        return { step: 'sum', missing: this.adjacent.filter(j => this.framesFrom[j]! < own + plan.segmentFrames[j]!) }
      }
      case 'confirm': return { step: 'confirm', missing: this.adjacent.filter(j => this.verified[j] === 0) }
      default: return { step: this._step, missing: [] }
    }
  }

  /**
   * Take this party's input and send its entry to every other party.
   * @throws InvalidInputError before anything is produced
   */
  protected takeInput (value: InputValue): Outgoing[] {
    this.prepareInput(value, this.maxLength)
    const plan = this.startPlan()
    this.parts = new Int32Array(plan.frames)
    this.partHop = new Int32Array(plan.frames)
    this._step = 'nonces'
    this.entries[this.myself] = this.ownEntry()
    this.entryCount = 1
    const message = withHop(this.noncesTo(-1, 'collect', [this.entries[this.myself]!]).message, 1)
    const out: Outgoing[] = this.adjacent.map(to => ({ to, message }))
    const held = this.heldNonces
    this.heldNonces = []
    for (const m of held) out.push(...sent(this.onNonces(m)))
    return out
  }

  protected slot (m: WireMessage): readonly [string, string] {
    if (m.kind === 'lean-data') return [`${m.phase}/${m.frame}`, `sent frame ${m.frame} of the ${m.phase} phase`]
    if (m.kind === 'lean-nonces') return ['nonces', 'sent its nonce']
    return ['confirm', 'sent its confirmation']
  }

  protected take (m: WireMessage, from: number): Outgoing[] | typeof HELD {
    switch (m.kind) {
      case 'lean-nonces': return this.onNonces(m)
      case 'lean-data': return this.onData(m)
      case 'lean-confirm': return this.onConfirm(m)
      default: return []
    }
  }

  /** Each party sends its own entry, once, to this party. */
  private onNonces (m: LeanNoncesMessage): Outgoing[] | typeof HELD {
    if (m.topology !== 'direct') throw new ProtocolError(`party ${m.from} runs lean mode on a ${m.topology}, this party with direct sends: the inputs differ in size`, m.from)
    if (m.pass !== 'collect' || m.entries.length !== 1 || m.entries[0]!.party !== m.from) {
      throw new ProtocolError(`party ${m.from} sent ${m.entries.length} nonces (${m.pass}); with direct sends each party sends its own only`, m.from)
    }
    if (this.x === undefined) { this.heldNonces.push(m); return HELD }
    const error = this.entriesError(m.entries, m.from)
    if (error !== undefined) return this.fail(error)
    this.entries[m.from] = m.entries[0]
    this.entryCount++
    this.nonceHop = Math.max(this.nonceHop, m.hop ?? 0)
    return this.entryCount === this.parties ? this.startSum() : []
  }

  /**
   * All nonces known: derive the pair keys, mask this party's own segment in place, send every
   * other party its segment of the masked input, and take what waited.
   */
  private startSum (): Outgoing[] {
    // every entry came from its own party: it handed it on itself
    const error = this.deriveKeys(this.entries as LeanEntry[], k => k)
    if (error !== undefined) return this.fail(error)
    this._step = 'sum'
    const plan = this.plan!
    const n = this.parties
    // this party's own part of its own segment leaves it only inside the total: no masks
    for (const g of plan.framesOf(this.myself)) this.contributeInto(g, this.x!, this.myself)
    const out: Outgoing[] = []
    // frame by frame, every holder in turn (starting after this party), so that all links start at once
    const most = Math.max(...plan.segmentFrames)
    for (let f = 0; f < most; f++) {
      for (let d = 1; d < n; d++) {
        const s = (this.myself + d) % n
        if (f >= plan.segmentFrames[s]!) continue
        const g = plan.segmentFirstFrame[s]! + f
        const data = this.newData('reduce', 0, g, Math.max(this.nonceHop, 1) + 1)
        this.contributeInto(g, data.elements, s)
        out.push({ to: s, message: data.message })
      }
    }
    out.push(...this.takePendingData())
    return out
  }

  protected onData (m: LeanDataMessage): Outgoing[] | typeof HELD {
    const checked = this.frameElements(m)
    const plan = this.plan!
    const g = m.frame
    const segment = plan.frameSegment[g]!
    if (m.step !== 0) throw new ProtocolError(`party ${m.from} sent ${m.phase} step ${m.step}; direct sends have one step`, m.from)
    if (m.phase === 'reduce' && segment !== this.myself) {
      throw new ProtocolError(`party ${m.from} sent its part of frame ${g} (segment ${segment}) to this party, which holds segment ${this.myself}`, m.from)
    }
    if (m.phase === 'gather' && segment !== m.from) {
      throw new ProtocolError(`party ${m.from} sent the total of frame ${g} (segment ${segment}), which party ${segment} holds`, m.from)
    }
    if (checked instanceof SimonError) return this.fail(checked)
    if (this._step === 'nonces') { this.pendingData.push(m); return HELD }
    if (this._step !== 'sum') throw new ProtocolError(`party ${m.from} sent frame ${g} after the sum was complete`, m.from)
    this.framesFrom[m.from]!++
    const out: Outgoing[] = []
    if (m.phase === 'reduce') {
      this.ops.addInto(this.x!, checked, plan.frameStart[g]!)
      this.partHop[g] = Math.max(this.partHop[g]!, m.hop ?? 0)
      if (++this.parts[g]! === this.parties - 1) {
        const hop = Math.max(this.partHop[g]!, this.nonceHop) + 1
        this.totalHop = Math.max(this.totalHop, hop)
        // the frame's total: this party's own part and the n - 1 others, handed to everyone, a
        // frame of its own for each (the node wipes a frame once it is delivered)
        for (const to of this.adjacent) {
          const total = this.newData('gather', 0, g, hop)
          this.ops.copyRange(total.elements, this.x!, plan.frameStart[g]!, plan.frameCount[g]!)
          out.push({ to, message: total.message })
        }
        this.storeTotal(g, (out[0]!.message as LeanDataMessage).elements as V)
      }
    } else {
      this.totalHop = Math.max(this.totalHop, m.hop ?? 0)
      this.storeTotal(g, checked)
    }
    if (this.storedCount === plan.frames) out.push(...this.finishSum())
    return out
  }

  /** The total is complete here: send this party's tags to every other party, check those that came. */
  private finishSum (): Outgoing[] {
    const message = withHop(this.confirmTo(-1, 'collect', [this.sealResult()]).message, this.totalHop + 1)
    const out: Outgoing[] = this.adjacent.map(to => ({ to, message }))
    const held = this.heldTags
    this.heldTags = []
    for (const m of held) {
      out.push(...sent(this.onConfirm(m)))
      if (this._step === 'failed') break
    }
    return out
  }

  private onConfirm (m: LeanConfirmMessage): Outgoing[] | typeof HELD {
    if (m.pass !== 'collect' || m.tags.length !== 1 || m.tags[0]!.party !== m.from) {
      throw new ProtocolError(`party ${m.from} sent ${m.tags.length} confirmations (${m.pass}); with direct sends each party sends its own only`, m.from)
    }
    if (m.tags[0]!.blob.length !== this.tagBlobBytes) throw new ProtocolError(`party ${m.from} sent confirmation entries of the wrong size`, m.from)
    if (this._step === 'input') throw new ProtocolError(`party ${m.from} sent its confirmation before this party gave its input`, m.from)
    if (this._step !== 'confirm') { this.heldTags.push(m); return HELD }
    const error = this.check(m.from, m.tags[0]!)
    if (error !== undefined) return this.fail(error)
    return this.finish()
  }

  /** Another party gave up and told every party itself: fail, and pass nothing on. */
  protected override onAbort (m: AbortMessage, sender: number): Outgoing[] {
    return this.fail(new TaskAbortedError(sender, m.code, m.reason), false)
  }

  protected override forget (): void {
    super.forget()
    this.heldNonces = []
    this.heldTags = []
  }
}
