/**
 * What lean mode's two topologies for large vectors (the ring, ring.ts; direct sends, direct.ts)
 * share: the vector cut into segments and frames (plan.ts), this party's masked part of a frame
 * written straight into the frame that goes on the wire, each frame's total stored and hashed,
 * the result hash and the check of every other party's tag over it.
 */
import { ProtocolError, ResultMismatchError, type SimonError } from '../../errors.js'
import type { Outgoing } from '../../machine/types.js'
import { type HELD, sent } from '../../machine/kernel.js'
import { buildFastDataFrame, type LeanDataMessage, type LeanTags } from '../../wire/lean.js'
import { MAX_HOP } from '../../wire/frame.js'
import { concat } from 'uint8arrays/concat'
import { frameIv, u32 } from './crypto.js'
import { LeanBase } from './base.js'
import { RingPlan } from './plan.js'

const RESULT_LABEL = new TextEncoder().encode('simon-p2p/lean/v1/result')

/**
 * A traced message with the hop counter of the messages it depends on (`hop`), not of every
 * message taken so far; an untraced one (no counter) as it is.
 */
export function withHop<M extends { readonly hop?: number }> (m: M, hop: number | undefined): M {
  return hop === undefined || m.hop === undefined ? m : { ...m, hop: Math.min(hop, MAX_HOP) }
}

export abstract class SegmentedLean<V extends Float64Array | bigint[]> extends LeanBase<V> {
  protected plan: RingPlan | undefined
  /** Per frame: this party's part was added (1), total stored (1). */
  protected consumed = new Uint8Array(0)
  protected stored = new Uint8Array(0)
  protected consumedCount = 0
  protected storedCount = 0
  private frameHashes: Array<Uint8Array | undefined> = []
  protected resultHash: Uint8Array | undefined
  protected ownTags: LeanTags | undefined
  /** Per party: its tag over this party's result hash checked out (this party's own slot too, once it has the result). */
  protected verified: Uint8Array
  /** Data that came before this party knew every nonce, taken once it does (takePendingData). */
  protected pendingData: LeanDataMessage[] = []

  constructor (...args: ConstructorParameters<typeof LeanBase<V>>) {
    super(...args)
    this.verified = new Uint8Array(this.parties)
  }

  /** Frames handled so far out of all this party will handle (its part added, and each total stored). */
  get progress (): { done: number, total: number } {
    const frames = this.plan?.frames ?? 0
    if (this._step === 'done') return { done: 2 * frames + 1, total: 2 * frames + 1 }
    return { done: this.consumedCount + this.storedCount, total: 2 * frames + 1 }
  }

  /** A data message: its part added, or its total stored (the ring's or direct sends' rules). */
  protected abstract onData (m: LeanDataMessage): Outgoing[] | typeof HELD

  /** The sum has started: take the data that waited for it. */
  protected takePendingData (): Outgoing[] {
    const pending = this.pendingData
    this.pendingData = []
    return pending.flatMap(m => sent(this.onData(m)))
  }

  protected override forget (): void {
    super.forget()
    this.pendingData = []
  }

  /** The plan of this party's input (called once it is encoded). */
  protected startPlan (): RingPlan {
    const plan = new RingPlan(this.parties, this.shape!.length + 1, this.ops.frameElements)
    this.plan = plan
    this.consumed = new Uint8Array(plan.frames)
    this.stored = new Uint8Array(plan.frames)
    this.frameHashes = new Array(plan.frames).fill(undefined)
    return plan
  }

  /**
   * Write this party's masked input over frame g into `target` (x + its masks with every other
   * party), or, when `target` is the input itself, mask that frame of it in place.
   * @param holder the party that adds this part to its own (direct sends): the masks shared with
   *   it are left out, since it could remove them anyway; for this party itself, none are added
   */
  protected contributeInto (g: number, target: V, holder?: number): void {
    const plan = this.plan!
    const count = plan.frameCount[g]!
    if (target !== this.x) this.ops.copyRange(target, this.x!, plan.frameStart[g]!, count)
    const iv = frameIv(g)
    const offset = target === this.x ? plan.frameStart[g]! : 0
    for (let k = 0; k < this.parties && holder !== this.myself; k++) {
      const keys = this.keys[k]
      if (keys === undefined || k === holder) continue
      this.ops.addKeystream(target, offset, count, this.crypto.keystream(keys.mask, iv), this.myself > k)
    }
    this.consumed[g] = 1
    this.consumedCount++
  }

  /**
   * A data message for frame g, its elements to be written in place: in the fast profile they
   * are a view into the frame already built for the wire (no copy on encode), for one recipient
   * only: the node wipes the frame once it is delivered.
   * @param hop the message's hop counter when traced, if not the kernel's (one past every message taken)
   */
  protected newData (phase: 'reduce' | 'gather', step: number, g: number, hop?: number): { message: LeanDataMessage, elements: V } {
    const count = this.plan!.frameCount[g]!
    const base = { kind: 'lean-data' as const, ...withHop(this.header(), hop), phase, step, frame: g }
    const built = this.x instanceof Float64Array ? buildFastDataFrame(base, count) : undefined
    if (built !== undefined) return { message: { ...base, elements: built.elements, wire: built.wire }, elements: built.elements as V }
    const elements = this.ops.alloc(count)
    return { message: { ...base, elements }, elements }
  }

  /**
   * The elements of a data message for frame g, checked: a frame of this task, of this party's
   * profile and the frame's size, every element in the field.
   * @throws ProtocolError for a frame the task does not have (nothing changes)
   * @returns the elements, or the error the task fails with
   */
  protected frameElements (m: LeanDataMessage): V | SimonError {
    const plan = this.plan
    if (plan === undefined) throw new ProtocolError(`party ${m.from} sent data before this party gave its input`, m.from)
    const g = m.frame
    if (!Number.isSafeInteger(g) || g >= plan.frames) throw new ProtocolError(`party ${m.from} sent frame ${g}; the task has ${plan.frames}`, m.from)
    const fastFrame = m.elements instanceof Float64Array
    if (fastFrame !== (this.x instanceof Float64Array) || m.elements.length !== plan.frameCount[g]) {
      return new ProtocolError(`party ${m.from} sent frame ${g} with ${m.elements.length} elements of another profile or count (expected ${plan.frameCount[g]})`, m.from)
    }
    const elements = m.elements as V
    if (this.ops.findInvalid(elements) >= 0) return new ProtocolError(`party ${m.from} sent an element outside the field`, m.from)
    return elements
  }

  /** The total of frame g: into the result, and hashed. */
  protected storeTotal (g: number, total: V): void {
    this.ops.copyInto(this.x!, total, this.plan!.frameStart[g]!)
    this.frameHashes[g] = this.hash(this.ops.toBytes(total))
    this.stored[g] = 1
    this.storedCount++
  }

  /** The total is complete here: its hash, and this party's tags over it for each neighbour. */
  protected sealResult (): LeanTags {
    const plan = this.plan!
    this.resultHash = this.hash(concat([RESULT_LABEL, this.digest, this.nonceDigest!, u32(plan.frames), ...this.frameHashes as Uint8Array[]]))
    this.ownTags = { party: this.myself, blob: this.tagBlob(this.resultHash) }
    // only neighbours tag for this party (graph.ts; every other party up to 100 parties)
    this.verified.forEach((_, k) => { if (!this.graph!.has(this.myself, k)) this.verified[k] = 1 })
    this._step = 'confirm'
    return this.ownTags
  }

  /** Check party k's tag for this party against this party's own result hash. */
  protected check (k: number, tags: LeanTags): SimonError | undefined {
    if (tags.party !== k) return new ProtocolError(`confirmations out of order (party ${tags.party} at place ${k})`)
    if (!this.graph!.has(this.myself, k)) return undefined
    if (!this.tagMatches(k, tags.blob, this.resultHash!)) return new ResultMismatchError(k)
    this.verified[k] = 1
    return undefined
  }

  /** Every neighbour's tag checked out: decode the total and be done. */
  protected override finish (): Outgoing[] {
    if (this.verified.some(v => v === 0)) return []
    return super.finish()
  }
}
