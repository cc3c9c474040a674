/**
 * Lean mode for small inputs: the same pairwise masks as on the ring, moved along a binary tree
 * (party j's parent is (j - 1) / 2, its children 2j + 1 and 2j + 2) so that a sum takes
 * about 6 log2(n) hops instead of 6 n: nonces up to the root and back down, masked inputs summed
 * up to the root and the total back down, confirmation tags up and down. Each party uploads its
 * subtree's sum once and the total to at most two children: at most 3 times its input. Tags are
 * routed: every party's k tags (one per neighbour of the masking graph, graph.ts) go up to the
 * root, which turns them into one inbox per party (its neighbours' tags for it); each inbox goes
 * down only into the subtree that holds its party. Used when the input (with its sample count)
 * has at most TREE_MAX_ELEMENTS elements.
 */
import type { WireMessage } from '../../wire/codec.js'
import type { InputValue } from '../../encoding/fixed-point.js'
import { ProtocolError, ResultMismatchError, type SimonError } from '../../errors.js'
import { HELD, sent } from '../../machine/kernel.js'
import type { Outgoing } from '../../machine/types.js'
import { LeanBase, type LeanMachineInit, type LeanStep } from './base.js'
import type { LeanConfirmMessage, LeanDataMessage, LeanEntry, LeanNoncesMessage, LeanTags } from '../../wire/lean.js'
import { concat } from 'uint8arrays/concat'
import { frameIv, TAG_BYTES } from './crypto.js'
import { digestsEqual } from '../../task/descriptor.js'
import type { VectorOps } from '../../field/vectors.js'

/** The largest input (elements with the sample count) lean mode moves along the tree. */
export const TREE_MAX_ELEMENTS = 4096

const RESULT_LABEL = new TextEncoder().encode('simon-p2p/lean/v1/tree-result')

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

/** The child of `me` whose subtree holds party k (k in me's subtree, k != me). */
function childToward (me: number, k: number): number {
  let c = k
  while (c > me && (c - 1) >> 1 !== me) c = (c - 1) >> 1
  return c
}

export class TreeMachine<V extends Float64Array | bigint[] = Float64Array | bigint[]> extends LeanBase<V> {
  protected readonly topology = 'tree'
  /** The parent and the children, who pass an abort on through the tree. */
  protected readonly adjacent: readonly number[]
  private readonly parent: number | undefined
  private readonly children: number[]

  /** Per child: what came up from its subtree (nonce entries, partial sum, tags). */
  private readonly upNonces = new Map<number, LeanEntry[]>()
  private readonly upData = new Map<number, V>()
  private readonly upTags = new Map<number, LeanTags[]>()
  private sentUp = { nonces: false, data: false, tags: false }
  private held: Array<{ m: LeanNoncesMessage, from: number }> = []
  private resultHash: Uint8Array | undefined
  private ownTags: LeanTags | undefined

  constructor (init: LeanMachineInit, ops?: VectorOps<V>) {
    super(init, ops)
    this.parent = init.myself === 0 ? undefined : (init.myself - 1) >> 1
    this.children = [2 * init.myself + 1, 2 * init.myself + 2].filter(c => c < this.parties)
    this.adjacent = [...(this.parent === undefined ? [] : [this.parent]), ...this.children]
  }

  /** The tree sends to the parent (children connect to this party themselves). */
  get neighbours (): readonly number[] { return this.parent === undefined ? [] : [this.parent] }
  get progress (): { done: number, total: number } {
    const order: LeanStep[] = ['input', 'nonces', 'sum', 'confirm', 'done']
    return { done: Math.max(0, order.indexOf(this._step)), total: order.length - 1 }
  }

  waitingFor (): { step: LeanStep, missing: number[] } {
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

  protected takeInput (value: InputValue): Outgoing[] {
    this.prepareInput(value, Math.min(this.maxLength, TREE_MAX_ELEMENTS - 1))
    this._step = 'nonces'
    const out = this.maybeNoncesUp()
    const held = this.held
    this.held = []
    for (const h of held) out.push(...sent(this.take(h.m, h.from)))
    return out
  }

  protected slot (m: WireMessage): readonly [string, string] {
    if (m.kind === 'lean-nonces') return m.pass === 'collect' ? ['nonces/up', 'sent its nonces'] : ['nonces/down', 'handed down the nonces']
    if (m.kind === 'lean-data') return m.phase === 'reduce' ? ['sum/up', "sent its subtree's sum"] : ['sum/down', 'handed down the total']
    return (m as LeanConfirmMessage).pass === 'collect' ? ['tags/up', 'sent its confirmations'] : ['tags/down', 'handed down confirmations']
  }

  /** A message from a child (on its way up) or the parent (on its way down), checked by the kernel. */
  protected take (m: WireMessage, from: number): Outgoing[] | typeof HELD {
    if (m.kind !== 'lean-nonces' && m.kind !== 'lean-data' && m.kind !== 'lean-confirm') return []
    const upward = m.kind === 'lean-data' ? m.phase === 'reduce' : m.pass === 'collect'
    if (upward && !this.children.includes(from)) throw new ProtocolError(`party ${from} is not a child of this party in the tree`, from)
    if (!upward && from !== this.parent) throw new ProtocolError(`party ${from} is not this party's parent in the tree`, from)
    if (this._step === 'input') {
      if (!upward || m.kind !== 'lean-nonces') throw new ProtocolError(`party ${from} sent a ${m.kind} before this party gave its input`, from)
      this.held.push({ m, from })
      return HELD
    }
    switch (m.kind) {
      case 'lean-nonces': return this.onNonces(m)
      case 'lean-data': return this.onData(m)
      case 'lean-confirm': return this.onConfirm(m)
    }
  }


  /** Own entry and every child's subtree in: pass them up (the root hands the full list down). */
  private maybeNoncesUp (): Outgoing[] {
    if (this.sentUp.nonces || this.upNonces.size < this.children.length) return []
    this.sentUp.nonces = true
    const list = [this.ownEntry(), ...[...this.upNonces.values()].flat()].sort((a, b) => a.party - b.party)
    if (this.parent !== undefined) return [this.noncesTo(this.parent, 'collect', list)]
    return [...this.children.map(c => this.noncesTo(c, 'distribute', list)), ...this.startSum(list)]
  }

  private onNonces (m: LeanNoncesMessage): Outgoing[] {
    if (m.topology !== 'tree') throw new ProtocolError(`party ${m.from} runs lean mode on a ${m.topology}, this party on a tree: the inputs differ in size`, m.from)
    if (m.pass === 'collect') {
      const expected = subtree(m.from, this.parties)
      if (m.entries.length !== expected.length || m.entries.some((e, i) => e.party !== expected[i])) {
        throw new ProtocolError(`party ${m.from} sent nonces of parties ${m.entries.map(e => e.party).join(', ')}, not of its subtree`, m.from)
      }
      const error = this.entriesError(m.entries, m.from)
      if (error !== undefined) return this.fail(error)
      this.upNonces.set(m.from, m.entries)
      return this.maybeNoncesUp()
    }
    if (!this.sentUp.nonces) throw new ProtocolError(`party ${m.from} handed down nonces out of turn`, m.from)
    if (m.entries.length !== this.parties || m.entries.some((e, i) => e.party !== i)) throw new ProtocolError(`party ${m.from} handed down ${m.entries.length} nonces, not one per party in order`, m.from)
    const error = this.ownNonceError(m.entries, m.from) ?? this.entriesError(m.entries, m.from)
    if (error !== undefined) return this.fail(error)
    return [...this.children.map(c => this.noncesTo(c, 'distribute', m.entries)), ...this.startSum(m.entries)]
  }

  /** All nonces known: derive the pair keys and mask this party's input (the root's entries came from its children). */
  private startSum (entries: LeanEntry[]): Outgoing[] {
    const error = this.deriveKeys(entries, k => this.parent ?? childToward(this.myself, k))
    if (error !== undefined) return this.fail(error)
    const count = (this.x as { length: number }).length
    const iv = frameIv(0)
    for (const k of this.graph!.neighbours(this.myself)) {
      this.ops.addKeystream(this.x!, 0, count, this.crypto.keystream(this.keys[k]!.mask, iv), this.myself > k)
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
      if (this._step !== 'sum') throw new ProtocolError(`party ${m.from} sent its subtree's sum out of turn`, m.from)
      this.upData.set(m.from, elements)
      return this.maybeDataUp()
    }
    if (this._step !== 'sum' || !this.sentUp.data) throw new ProtocolError(`party ${m.from} handed down the total out of turn`, m.from)
    this.ops.copyInto(this.x!, elements, 0)
    return [...this.children.map(c => this.data(c, 'gather', elements)), ...this.finishSum()]
  }

  private finishSum (): Outgoing[] {
    this.resultHash = this.hash(concat([RESULT_LABEL, this.digest, this.nonceDigest!, this.hash(this.ops.toBytes(this.x!))]))
    this.ownTags = { party: this.myself, blob: this.tagBlob(this.resultHash) }
    this._step = 'confirm'
    return this.maybeTagsUp()
  }

  private maybeTagsUp (): Outgoing[] {
    if (this._step !== 'confirm' || this.sentUp.tags || this.upTags.size < this.children.length) return []
    this.sentUp.tags = true
    const list = [this.ownTags!, ...[...this.upTags.values()].flat()].sort((a, b) => a.party - b.party)
    this.upTags.clear()
    if (this.parent !== undefined) return [this.confirmTo(this.parent, 'collect', list)]
    return this.handDown(this.inboxes(list))
  }

  /**
   * At the root, from every party's tags (party order): per party, in party order, the tags its
   * neighbours made for it, in the order of its neighbours.
   */
  private inboxes (senders: LeanTags[]): LeanTags[] {
    const graph = this.graph!
    return senders.map(({ party: r }) => {
      const blob = new Uint8Array(this.tagBlobBytes)
      graph.neighbours(r).forEach((s, i) => {
        const at = graph.indexOf(s, r) * TAG_BYTES
        blob.set(senders[s]!.blob.subarray(at, at + TAG_BYTES), i * TAG_BYTES)
      })
      return { party: r, blob }
    })
  }

  /** The inboxes of this party's subtree: check its own, hand each child those of its subtree, and be done. */
  private handDown (inboxes: LeanTags[]): Outgoing[] {
    const error = this.inboxError(inboxes.find(t => t.party === this.myself)!.blob)
    if (error !== undefined) return this.fail(error)
    const down = this.children.map(c => {
      const below = new Set(subtree(c, this.parties))
      return this.confirmTo(c, 'distribute', inboxes.filter(t => below.has(t.party)))
    })
    return [...down, ...this.finish()]
  }

  /** Each neighbour's tag for this party, over this party's own result hash. */
  private inboxError (blob: Uint8Array): SimonError | undefined {
    const neighbours = this.graph!.neighbours(this.myself)
    for (let i = 0; i < neighbours.length; i++) {
      const k = neighbours[i]!
      if (!digestsEqual(blob.subarray(i * TAG_BYTES, (i + 1) * TAG_BYTES), this.expectedTag(k, this.resultHash!))) return new ResultMismatchError(k)
    }
    return undefined
  }

  private onConfirm (m: LeanConfirmMessage): Outgoing[] {
    if (m.tags.some(t => t.blob.length !== this.tagBlobBytes)) throw new ProtocolError(`party ${m.from} sent confirmation entries of the wrong size`, m.from)
    if (m.pass === 'collect') {
      const expected = subtree(m.from, this.parties)
      if (m.tags.length !== expected.length || m.tags.some((t, i) => t.party !== expected[i])) {
        throw new ProtocolError(`party ${m.from} sent confirmations of parties ${m.tags.map(t => t.party).join(', ')}, not of its subtree`, m.from)
      }
      if (this._step !== 'confirm') throw new ProtocolError(`party ${m.from} sent confirmations out of turn`, m.from)
      this.upTags.set(m.from, m.tags)
      return this.maybeTagsUp()
    }
    if (this._step !== 'confirm' || !this.sentUp.tags) throw new ProtocolError(`party ${m.from} handed down confirmations out of turn`, m.from)
    const expected = subtree(this.myself, this.parties)
    if (m.tags.length !== expected.length || m.tags.some((t, i) => t.party !== expected[i])) {
      throw new ProtocolError(`party ${m.from} handed down confirmations for parties ${m.tags.map(t => t.party).join(', ')}, not for this party's subtree in order`, m.from)
    }
    return this.handDown(m.tags)
  }

  protected override forget (): void {
    super.forget()
    this.upData.clear()
    this.held = []
  }
}
