/**
 * One agreement on a set of parties, as threshold mode agrees on its input set (agreement.ts,
 * certificate.ts there): each party proposes what it holds, commits once (signed) to agreedSet of
 * the proposals when they are all in or its window has passed, and the set is the one t signed
 * commits certify. Lean mode with a threshold runs two of them, each with its own domain tag: the
 * key set U1 and the input set W. Pure: the machine passes the time in.
 */
import { ProtocolError } from '../../errors.js'
import type { IdentitySigner } from '../../machine/types.js'
import type { AgreementRound, LtCommitMessage, LtProposeMessage } from '../../wire/lean-threshold.js'
import { agreedSet, checkedSet, type PartySet } from '../threshold/agreement.js'
import { Certificates, commitPayload } from '../threshold/certificate.js'

const utf8 = new TextEncoder()
const LABELS: Record<AgreementRound, Uint8Array> = {
  keys: utf8.encode('simon-p2p/lean-threshold/v1/commit-keys\n'),
  inputs: utf8.encode('simon-p2p/lean-threshold/v1/commit-inputs\n')
}

/** What a party signs to commit to `set` in one round of lean mode with a threshold. */
export function roundCommitPayload (digest: Uint8Array, set: PartySet, round: AgreementRound): Uint8Array {
  return commitPayload(digest, set, LABELS[round])
}

type Body<M> = Omit<M, 'taskId' | 'digest' | 'from'>

export class SurvivorAgreement {
  readonly certificates: Certificates
  readonly proposals: Array<PartySet | undefined>
  /** The first commit each party sent (what this party waits for). */
  readonly commits: Array<PartySet | undefined>
  proposedAt: number | undefined
  commitment: PartySet | undefined
  private decisionOpen = false

  constructor (
    readonly round: AgreementRound,
    private readonly threshold: number,
    private readonly parties: number,
    private readonly myself: number,
    private readonly windowMs: number,
    peers: readonly string[], digest: Uint8Array, identity: IdentitySigner
  ) {
    this.certificates = new Certificates(threshold, peers, digest, identity, LABELS[round])
    this.proposals = new Array(parties).fill(undefined)
    this.commits = new Array(parties).fill(undefined)
  }

  /** The set t signed commits certify (within the task's bound, the only one that can be). */
  get certified (): PartySet | undefined { return this.certificates.certified }

  /** When the proposal window closes; undefined before the proposal or once decided. */
  get windowEnd (): number | undefined {
    return this.proposedAt === undefined || this.decisionOpen ? undefined : this.proposedAt + this.windowMs
  }

  propose (members: readonly number[], now: number): Body<LtProposeMessage> {
    const set = checkedSet(members, this.parties, this.myself)
    this.proposals[this.myself] = set
    this.proposedAt = now
    return { kind: 'lt-propose', round: this.round, members: [...set.members] }
  }

  /** A proposal from `from`. @throws ProtocolError naming a party off the list */
  takeProposal (from: number, members: readonly number[]): void {
    this.proposals[from] = checkedSet(members, this.parties, from)
  }

  /** A signed commit from `from`. @throws ProtocolError for a set below t or a signature not by `from` */
  takeCommit (from: number, members: readonly number[], signature: Uint8Array): void {
    const set = checkedSet(members, this.parties, from)
    if (set.members.length < this.threshold) throw new ProtocolError(`party ${from} committed to ${set.members.length} parties, fewer than the threshold ${this.threshold}`, from)
    if (!this.certificates.add(from, set, signature)) throw new ProtocolError(`party ${from} sent a commit whose signature is not by its identity key`, from)
    this.commits[from] ??= set
  }

  /**
   * Commit if it is time: once a set is certified, to it; otherwise once the proposals of every
   * party in `expected` are in or the window has passed, to agreedSet of them. Only to a set
   * whose members all pass `holds`; a party commits once, ever.
   */
  decide (now: number, expected: readonly number[], holds: (set: PartySet) => boolean): Body<LtCommitMessage> | undefined {
    if (this.commitment !== undefined) return undefined
    if (this.proposedAt !== undefined && !this.decisionOpen &&
      (expected.every(j => this.proposals[j] !== undefined) || now >= this.proposedAt + this.windowMs)) this.decisionOpen = true
    const choice = this.certified ?? (this.decisionOpen ? agreedSet(this.proposals, this.threshold) : undefined)
    if (choice === undefined || !holds(choice)) return undefined
    this.commitment = choice
    this.commits[this.myself] = choice
    const signature = this.certificates.sign(choice)
    this.certificates.add(this.myself, choice, signature)
    return { kind: 'lt-commit', round: this.round, members: [...choice.members], signature }
  }

  /** Whether the proposal window has been decided (all proposals in, or passed). */
  get decided (): boolean { return this.decisionOpen }
}
