/**
 * Threshold mode (parameter `threshold` t, n/2 < t < n) as a pure ProtocolMachine: Shamir
 * shares of degree t-1, agreement on one input set, any t partial sums over it give the total.
 * No I/O and no timers: the node calls tick(now) at nextDeadline(). ./README.md has the
 * safety and liveness argument.
 *
 * Steps, at party i:
 *   share    split [input..., samples] with Shamir, send share j to party j; wait until shares
 *            from all n arrived, or share_timeout passed since the input (half of it since
 *            another party's proposal came) and t shares are here
 *   propose  send the set of parties whose shares it holds; wait until proposals from all n
 *            arrived or share_timeout passed since the proposal (the proposal window)
 *   commit   sign a commit, once and for good, to the set agreedSet() picks (once it holds its
 *            shares); wait until t signed commits certify one set W (or commit to W when they do)
 *   partial  if committed to W, reveal the partial sum over W with W's certificate; wait for t
 *   confirm  Lagrange at 0 gives the total; exchange SHA-256(digest, W, total); done with t
 *            matching confirmations. Partial sums beyond t are checked on the way.
 */
import type { AbortMessage, WireMessage } from '../../wire/codec.js'
import type { InputValue } from '../../encoding/fixed-point.js'
import { InconsistentPartialError, InvalidInputError, ProtocolError, ResultMismatchError, TaskAbortedError } from '../../errors.js'
import type { MachineInit, Outgoing } from '../../machine/types.js'
import { WideKernel } from '../../machine/wide.js'
import { sumVectors } from '../mesh/shares.js'
import { digestsEqual } from '../../task/descriptor.js'
import { agreedSet, checkedSet, hurryAt, isDropout, leftOut, partySet, type Agreement, type PartySet } from './agreement.js'
import { Certificates } from './certificate.js'
import { DEFAULT_SHARE_TIMEOUT_S, thresholdOf } from '../../task/parameters.js'
import { findInconsistentPoint, reconstructShamir, splitShamir, type Misfit, type SharePoint } from './shamir.js'

export type ThresholdStep = 'input' | 'share' | 'propose' | 'commit' | 'partial' | 'confirm' | 'done' | 'failed'

/** Abort codes that mean "that party gave up", not "the task is wrong": threshold mode carries on without it. */

const KINDS: ReadonlySet<string> = new Set(['share', 'propose', 'commit', 'set-partial', 'confirm'])

export class ThresholdMachine extends WideKernel<ThresholdStep> {
  protected readonly kinds = KINDS
  protected readonly modeName = 'threshold mode'
  readonly threshold: number
  /** The sharing deadline after input, and the proposal window after the proposal. */
  readonly shareTimeoutMs: number
  private inputAt: number | undefined
  /** shares[j]: party j's share for this party; wiped once the partial sum is revealed. */
  private readonly shares: Array<bigint[] | undefined>
  /** held[j]: party j's share arrived (stays true after the share is wiped). */
  private readonly held: boolean[]
  /** The sharing deadline has passed: propose as soon as t shares are here. */
  private sharingClosed = false
  private proposedAt: number | undefined
  /** When the first proposal of another party came: a party short of shares then proposes half a window later. */
  private otherProposalAt: number | undefined
  /** That half window has passed: propose as soon as t shares are here. */
  private hurried = false
  private readonly proposals: Array<PartySet | undefined>
  /** May commit by the intersection rule: all proposals are in, or the window has passed. */
  private decisionOpen = false
  private commitment: PartySet | undefined
  /** The first commit each party sent this party (what it waits for). */
  private readonly commits: Array<PartySet | undefined>
  /** Every valid signed commit seen, directly or in a certificate: which set, if any, is certified. */
  private readonly certificates: Certificates
  private winner: PartySet | undefined
  private revealed = false
  private readonly partials: Array<{ set: PartySet, elements: bigint[] } | undefined>
  /** Senders of partial sums, in arrival order (this party's own included). */
  private readonly partialOrder: number[] = []
  private checkedPoints = 0
  /** The partial sums at hand disagree: the one named by findInconsistentPoint. */
  private misfit: { misfit: Misfit, compared: number[] } | undefined
  /** The first party whose confirmation differs from ours. */
  private mismatchFrom: number | undefined
  /** Since when something is wrong (a misfit or a mismatch) without the culprit named: wait one window for more partial sums. */
  private suspectSince: number | undefined
  private total: bigint[] | undefined
  private ownHash: Uint8Array | undefined
  private pendingResult: ReturnType<WideKernel['decode']> | undefined
  private readonly confirms: Array<Uint8Array | undefined>
  /** Parties that told us they gave up (their timeout or cancel). */
  private readonly gaveUp = new Set<number>()

  constructor (init: MachineInit) {
    super(init)
    const n = this.parties
    const t = thresholdOf(init.descriptor.parameters)
    if (t === undefined || t <= n / 2 || t >= n) throw new InvalidInputError('parameters.threshold', `threshold mode needs n/2 < t < n, got ${String(t)} for ${n} parties`)
    const seconds = init.descriptor.parameters.share_timeout
    if (init.identity === undefined) throw new InvalidInputError('parameters.threshold', 'threshold mode signs its commits with the identity key, and this node offers no identity signatures')
    this.threshold = t
    this.shareTimeoutMs = (typeof seconds === 'number' ? seconds : DEFAULT_SHARE_TIMEOUT_S) * 1000
    this.certificates = new Certificates(t, init.descriptor.peers, this.digest, init.identity)
    this.shares = new Array(n).fill(undefined)
    this.held = new Array(n).fill(false)
    this.proposals = new Array(n).fill(undefined)
    this.commits = new Array(n).fill(undefined)
    this.partials = new Array(n).fill(undefined)
    this.confirms = new Array(n).fill(undefined)
  }

  /** After done, deliveries (a confirmation others may still need) go on this long, not until the task's deadline. */
  get lingerMs (): number { return this.shareTimeoutMs }
  /** The input set every party agreed on, once t signed commits certify it. */
  get agreedInputs (): readonly number[] | undefined { return this.winner?.members }
  /** The agreed set, whom it leaves out and by whose proposals, and who signed two sets. */
  get agreement (): Agreement | undefined {
    return this.winner === undefined ? undefined : { inputs: this.winner.members, leftOut: leftOut(this.winner, this.proposals), equivocated: this.certificates.equivocators() }
  }

  waitingFor (): { step: string, missing: number[] } {
    const all = Array.from({ length: this.parties }, (_, j) => j)
    const without = (has: (j: number) => boolean): number[] => all.filter(j => !has(j))
    switch (this._step) {
      case 'input': return { step: 'input', missing: [this.myself] }
      case 'share': return { step: 'share', missing: without(j => this.held[j]!) }
      case 'propose': {
        if (!this.decisionOpen) return { step: 'propose', missing: without(j => this.proposals[j] !== undefined) }
        // The window has passed and the set chosen has members whose shares have not come.
        const agreed = agreedSet(this.proposals, this.threshold)
        return { step: 'share', missing: agreed === undefined ? [] : agreed.members.filter(j => !this.held[j]) }
      }
      case 'commit': return { step: 'commit', missing: without(j => this.commits[j] !== undefined) }
      case 'partial': return { step: 'partial', missing: without(j => this.partials[j]?.set.key === this.winner!.key) }
      case 'confirm':
        if (this.suspectSince !== undefined) return { step: 'partial', missing: without(j => this.partials[j]?.set.key === this.winner!.key) }
        return { step: 'confirm', missing: without(j => this.confirms[j] !== undefined) }
      default: return { step: this._step, missing: [] }
    }
  }

  /**
   * Give this party's input: validate, split with Shamir, return the shares to send. The sharing
   * deadline starts at `now`.
   * @throws InvalidInputError before anything is produced
   */
  protected takeInput (value: InputValue, now: number): Outgoing[] {
    const { kind, secret } = this.encodeOwn(value)
    this.inputAt = now
    const split = splitShamir(this.field, secret, this.parties, this.threshold, this.randomBytes)
    const { own, out } = this.deal(kind, split)
    this.shares[this.myself] = own
    this.held[this.myself] = true
    return [...out, ...this.advance(now)]
  }

  protected slot (m: WireMessage): readonly [string, string] {
    switch (m.kind) {
      case 'share': return ['share', 'sent its share']
      case 'propose': return ['propose', 'sent its proposal']
      case 'commit': return ['commit', 'committed to an input set']
      case 'set-partial': return ['partial', 'revealed a partial sum']
      default: return ['confirm', 'sent its confirmation']
    }
  }

  protected take (m: WireMessage, from: number, now: number): Outgoing[] {
    switch (m.kind) {
      case 'share': {
        const error = this.checkElements(m.shape, m.elements, from)
        if (error !== undefined) return this.fail(error)
        this.held[from] = true
        // after the reveal no share is used any more
        if (!this.revealed) this.shares[from] = m.elements
        return this.advance(now)
      }
      case 'propose': {
        this.proposals[from] = checkedSet(m.members, this.parties, from)
        this.otherProposalAt ??= now
        return this.advance(now)
      }
      case 'commit': {
        const set = checkedSet(m.members, this.parties, from)
        if (set.members.length < this.threshold) throw new ProtocolError(`party ${from} committed to ${set.members.length} inputs, fewer than the threshold ${this.threshold}`, from)
        if (!this.certificates.add(from, set, m.signature)) throw new ProtocolError(`party ${from} sent a commit whose signature is not by its identity key`, from)
        this.commits[from] = set
        return this.advance(now)
      }
      case 'set-partial': {
        const set = checkedSet(m.members, this.parties, from)
        const committed = this.commits[from]
        if (committed !== undefined && committed.key !== set.key) throw new ProtocolError(`party ${from} revealed a partial sum over another input set than it committed to`, from)
        this.certificates.check(set, m.certificate, from, this.parties)
        const error = this.checkElements(m.shape, m.elements, from)
        if (error !== undefined) return this.fail(error)
        this.partials[from] = { set, elements: m.elements }
        this.partialOrder.push(from)
        return this.advance(now)
      }
      case 'confirm':
        this.confirms[from] = m.hash
        return this.advance(now)
      default:
        return []
    }
  }

  /** A party that gave up is a party that dropped out: the others may still finish without it. */
  protected override onAbort (m: AbortMessage, sender: number, now: number): Outgoing[] {
    if (!isDropout(m.code)) return this.fail(new TaskAbortedError(sender, m.code, m.reason), false)
    this.gaveUp.add(sender)
    return this.advance(now)
  }

  /** When this party next needs tick(): its sharing deadline, its proposal window, or the wait for one more partial sum. */
  override nextDeadline (): number | undefined {
    if (this.inputAt === undefined || this.finished) return undefined
    if (this.suspectSince !== undefined) return this.suspectSince + this.shareTimeoutMs
    if (this.commitment !== undefined) return undefined
    if (this.proposedAt === undefined) {
      const deadlines = [this.sharingClosed ? undefined : this.inputAt + this.shareTimeoutMs, this.hurried ? undefined : hurryAt(this.otherProposalAt, this.inputAt, this.shareTimeoutMs)]
      const next = deadlines.filter((d): d is number => d !== undefined)
      return next.length === 0 ? undefined : Math.min(...next)
    }
    if (!this.decisionOpen) return this.proposedAt + this.shareTimeoutMs
    return undefined
  }

  override tick (now: number): Outgoing[] {
    if (this.inputAt === undefined || this.finished) return []
    if (this.suspectSince !== undefined && now >= this.suspectSince + this.shareTimeoutMs) return this.failSuspect()
    return this.advance(now)
  }

  /** Move on as far as the messages at hand and the time allow. */
  private advance (now: number): Outgoing[] {
    if (this.inputAt === undefined || this.finished) return []
    const out: Outgoing[] = []
    if (now >= this.inputAt + this.shareTimeoutMs) this.sharingClosed = true
    // half a window after another party's proposal: it may hold a share this party never gets
    if (now >= (hurryAt(this.otherProposalAt, this.inputAt, this.shareTimeoutMs) ?? Infinity)) this.hurried = true
    // A proposal of fewer than t members could never be committed to: wait for t shares.
    if (this.proposedAt === undefined && this.commitment === undefined &&
      (this.held.every(Boolean) || ((this.sharingClosed || this.hurried) && this.held.filter(Boolean).length >= this.threshold))) out.push(...this.propose(now))
    if (this.proposedAt !== undefined && !this.decisionOpen &&
      (this.proposals.every(p => p !== undefined) || now >= this.proposedAt + this.shareTimeoutMs)) this.decisionOpen = true
    this.winner ??= this.certificates.certified
    if (this.commitment === undefined) {
      // Once a set is certified it is the only one that can ever be revealed: join it.
      const choice = this.winner ?? (this.decisionOpen ? agreedSet(this.proposals, this.threshold) : undefined)
      if (choice !== undefined && choice.members.every(j => this.held[j])) {
        out.push(...this.commit(choice))
        this.winner ??= this.certificates.certified
      }
    }
    if (this.winner !== undefined && !this.revealed && this.commitment?.key === this.winner.key) out.push(...this.reveal(this.winner))
    if (this.winner !== undefined && this.total === undefined) out.push(...this.reconstruct(this.winner))
    if (this.total !== undefined) {
      const failure = this.check(now)
      if (failure !== undefined) return [...out, ...failure]
    }
    this.updateStep()
    return out
  }

  private propose (now: number): Outgoing[] {
    const set = partySet(this.held.flatMap((h, j) => (h ? [j] : [])))
    this.proposals[this.myself] = set
    this.proposedAt = now
    return this.broadcast({ kind: 'propose', members: [...set.members] })
  }

  private commit (set: PartySet): Outgoing[] {
    this.commitment = set
    this.commits[this.myself] = set
    const signature = this.certificates.sign(set)
    this.certificates.add(this.myself, set, signature)
    return this.broadcast({ kind: 'commit', members: [...set.members], signature })
  }

  /** The partial sum over the winner's shares; the only one this party will ever reveal. */
  private reveal (winner: PartySet): Outgoing[] {
    const partial = sumVectors(this.field, winner.members.map(j => this.shares[j]!))
    this.revealed = true
    this.shares.fill(undefined)
    this.partials[this.myself] = { set: winner, elements: partial }
    this.partialOrder.push(this.myself)
    const certificate = this.certificates.certificate(winner)!
    return this.broadcast({ kind: 'set-partial', members: [...winner.members], certificate, shape: this.shape!.kind, elements: partial })
  }

  /** With t partial sums over the winner (the first t to arrive): the total, and our confirmation. */
  private reconstruct (winner: PartySet): Outgoing[] {
    const points = this.winnerPoints(winner).slice(0, this.threshold)
    if (points.length < this.threshold) return []
    const total = reconstructShamir(this.field, points)
    this.total = total
    this.pendingResult = this.decode(total, winner.members.length)
    this.ownHash = this.resultHash(`threshold/${winner.key}/`, total)
    this.confirms[this.myself] = this.ownHash
    return this.broadcast({ kind: 'confirm', hash: this.ownHash })
  }

  private winnerPoints (winner: PartySet): SharePoint[] {
    return this.partialOrder.flatMap(j => {
      const p = this.partials[j]
      return p !== undefined && p.set.key === winner.key ? [{ index: j, values: p.elements }] : []
    })
  }

  /**
   * Check the partial sums beyond t against each other, and the confirmations against ours; finish
   * with t matching confirmations when nothing is wrong. A misfit that names its party fails the
   * task at once. A misfit among t + 1 partial sums (any of them could be the wrong one), or a
   * confirmation that differs (some party used a wrong partial sum), waits one proposal window for
   * further partial sums that name the culprit, unless none can come.
   */
  private check (now: number): Outgoing[] | undefined {
    const points = this.winnerPoints(this.winner!)
    if (points.length !== this.checkedPoints) {
      this.checkedPoints = points.length
      const misfit = findInconsistentPoint(this.field, points, this.threshold)
      this.misfit = misfit === undefined ? undefined : { misfit, compared: points.map(p => p.index).sort((a, b) => a - b) }
      if (misfit !== undefined && (misfit.identified || points.length >= this.threshold + 2)) return this.failSuspect()
    }
    let matching = 0
    for (let j = 0; j < this.parties; j++) {
      const h = this.confirms[j]
      if (h === undefined) continue
      if (digestsEqual(h, this.ownHash!)) matching++
      else this.mismatchFrom ??= j
    }
    if (this.misfit !== undefined || this.mismatchFrom !== undefined) {
      const more = Array.from({ length: this.parties }, (_, j) => j).some(j =>
        this.partials[j] === undefined && !this.gaveUp.has(j) && (this.commits[j] === undefined || this.commits[j]!.key === this.winner!.key))
      if (!more) return this.failSuspect()
      this.suspectSince ??= now
      return undefined
    }
    if (matching >= this.threshold) this.succeed(this.pendingResult!)
    return undefined
  }

  /** Fail with the best account of what is wrong: the misfit partial sum if there is one, else the confirmation that differs. */
  private failSuspect (): Outgoing[] {
    if (this.misfit !== undefined) {
      const { misfit, compared } = this.misfit
      return this.fail(new InconsistentPartialError(misfit.index, misfit.identified, compared))
    }
    return this.fail(new ResultMismatchError(this.mismatchFrom!))
  }

  private updateStep (): void {
    if (this.finished) return
    if (this.inputAt === undefined) this._step = 'input'
    else if (this.total !== undefined) this._step = 'confirm'
    else if (this.winner !== undefined) this._step = 'partial'
    else if (this.commitment !== undefined) this._step = 'commit'
    else if (this.proposedAt !== undefined) this._step = 'propose'
    else this._step = 'share'
  }

  /** Drop every share, partial sum and pending total this task still holds. */
  protected forget (): void {
    this.shares.fill(undefined)
    this.partials.fill(undefined)
    this.total?.fill(0n)
    this.pendingResult = undefined
  }
}
