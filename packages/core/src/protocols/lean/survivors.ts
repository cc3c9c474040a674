/**
 * One agreement on a set of parties, as threshold mode agrees on its input set (agreement.ts,
 * certificate.ts there): each party proposes what it holds, commits once (signed) to agreedSet of
 * the proposals when they are all in or its window has passed, and the set is the one t signed
 * commits certify. Lean mode with a threshold runs two of them, each with its own domain tag: the
 * key set U1 and the input set W. Pure: the machine passes the time in.
 *
 * The key set's commits are bound to keys as well as parties: each signs (the set, a hash of its
 * members' keys as the committer holds them), and a certificate is t commits to the same set with
 * the same hash. Parties that hold different keys of one member (a party that restarted mid-task
 * and sent new keys where its first ones had not arrived, or one that sent two sets of keys)
 * never certify together, and every party that goes on with the certified set knows whether the
 * keys it holds are the certified ones (README-lean.md, "Dropouts").
 */
import { equals } from 'uint8arrays/equals'
import { toString } from 'uint8arrays/to-string'
import { ProtocolError } from '../../errors.js'
import type { IdentitySigner } from '../../machine/types.js'
import type { AgreementRound, LtCommitMessage, LtProposeMessage } from '../../wire/lean-threshold.js'
import { agreedSet, checkedSet, hurryAt, partySet, type PartySet } from '../threshold/agreement.js'
import { Certificates, commitPayload } from '../threshold/certificate.js'

const utf8 = new TextEncoder()
const LABELS: Record<AgreementRound, Uint8Array> = {
  keys: utf8.encode('simon-p2p/lean-threshold/v2/commit-keys\n'),
  inputs: utf8.encode('simon-p2p/lean-threshold/v1/commit-inputs\n')
}

/** A set of parties with the hash of its members' keys (the key round's commits are to these). */
export interface KeyedSet extends PartySet {
  readonly keys: Uint8Array
}

/** `set` bound to `keys`: its key names both, so that the certificates count commits to the pair. */
export function keyedSet (set: PartySet, keys: Uint8Array): KeyedSet {
  return { members: set.members, key: `${set.key}|${toString(keys, 'base16')}`, keys }
}

/**
 * What a party signs to commit to `set` in one round of lean mode with a threshold; in the key
 * round, `keys` is the hash of the members' keys (keySetHash).
 */
export function roundCommitPayload (digest: Uint8Array, set: PartySet, round: AgreementRound, keys?: Uint8Array): Uint8Array {
  return commitPayload(digest, keys === undefined ? set : keyedSet(set, keys), LABELS[round])
}

type Body<M> = Omit<M, 'taskId' | 'digest' | 'from'>

export class SurvivorAgreement {
  readonly certificates: Certificates
  readonly proposals: Array<PartySet | undefined>
  /** The first commit each party sent (what this party waits for). */
  readonly commits: Array<PartySet | undefined>
  proposedAt: number | undefined
  /** When the first proposal of another party came. */
  otherProposalAt: number | undefined
  commitment: PartySet | undefined
  private decisionOpen = false

  /**
   * @param keysOf - the key round's: the hash of the keys this party holds of a set's members
   *   (called only for a set whose members' keys it all holds)
   */
  constructor (
    readonly round: AgreementRound,
    private readonly threshold: number,
    private readonly parties: number,
    private readonly myself: number,
    private readonly windowMs: number,
    peers: readonly string[], digest: Uint8Array, identity: IdentitySigner,
    private readonly keysOf?: (set: PartySet) => Uint8Array
  ) {
    this.certificates = new Certificates(threshold, peers, digest, identity, LABELS[round])
    this.proposals = new Array(parties).fill(undefined)
    this.commits = new Array(parties).fill(undefined)
  }

  /** The set t signed commits certify (within the task's bound, the only one that can be); in the key round, a KeyedSet. */
  get certified (): PartySet | undefined { return this.certificates.certified }

  /**
   * In the key round, once a set is certified and this party holds its members' keys: whether
   * they are the certified ones.
   */
  holdsCertifiedKeys (): boolean {
    const certified = this.certified as KeyedSet | undefined
    if (certified === undefined || this.keysOf === undefined) return false
    return equals(this.keysOf(certified), certified.keys)
  }

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
  takeProposal (from: number, members: readonly number[], now: number): void {
    this.proposals[from] = checkedSet(members, this.parties, from)
    this.otherProposalAt ??= now
  }

  /** When this party, waiting since `startedAt`, proposes with what it holds (threshold/agreement.ts, hurryAt). */
  hurryAt (startedAt: number): number | undefined {
    return hurryAt(this.otherProposalAt, startedAt, this.windowMs)
  }

  /**
   * A signed commit from `from` (in the key round, with the hash of the keys it holds of the members).
   * @throws ProtocolError for a set below t, a key round commit without its hash, or a signature not by `from`
   */
  takeCommit (from: number, members: readonly number[], signature: Uint8Array, keys?: Uint8Array): void {
    const set = checkedSet(members, this.parties, from)
    if (set.members.length < this.threshold) throw new ProtocolError(`party ${from} committed to ${set.members.length} parties, fewer than the threshold ${this.threshold}`, from)
    if ((this.keysOf !== undefined) !== (keys !== undefined)) throw new ProtocolError(`party ${from} sent a commit of the ${this.round} round ${keys === undefined ? 'without' : 'with'} a key-set hash`, from)
    if (!this.certificates.add(from, keys === undefined ? set : keyedSet(set, keys), signature)) throw new ProtocolError(`party ${from} sent a commit whose signature is not by its identity key`, from)
    this.commits[from] ??= set
  }

  /**
   * Commit if it is time: once a set is certified, to it; otherwise once the proposals of every
   * party in `expected` are in or the window has passed, to agreedSet of them. Only to a set
   * whose members all pass `holds` (in the key round, to a certified set only with the certified
   * keys); a party commits once, ever.
   */
  decide (now: number, expected: readonly number[], holds: (set: PartySet) => boolean): Body<LtCommitMessage> | undefined {
    if (this.commitment !== undefined) return undefined
    if (this.proposedAt !== undefined && !this.decisionOpen &&
      (expected.every(j => this.proposals[j] !== undefined) || now >= this.proposedAt + this.windowMs)) this.decisionOpen = true
    const certified = this.certified
    const agreed = certified ?? (this.decisionOpen ? agreedSet(this.proposals, this.threshold) : undefined)
    if (agreed === undefined) return undefined
    // the parties alone (a certified set of the key round is keyed: its key names the hash too)
    const choice = partySet(agreed.members)
    if (!holds(choice)) return undefined
    const keys = this.keysOf?.(choice)
    const signed = keys === undefined ? choice : keyedSet(choice, keys)
    if (certified !== undefined && certified.key !== signed.key) return undefined
    this.commitment = choice
    this.commits[this.myself] = choice
    const signature = this.certificates.sign(signed)
    this.certificates.add(this.myself, signed, signature)
    return { kind: 'lt-commit', round: this.round, members: [...choice.members], ...(keys === undefined ? {} : { keys }), signature }
  }

  /** Whether the proposal window has been decided (all proposals in, or passed). */
  get decided (): boolean { return this.decisionOpen }
}
