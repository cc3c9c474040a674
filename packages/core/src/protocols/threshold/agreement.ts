/**
 * How the parties of a threshold task agree on one input set without a coordinator (the argument
 * is in ./README.md). Pure functions over what one party has heard:
 *   proposal  the parties whose shares a party holds at its sharing deadline (at least t of them)
 *   commit    the one set a party will ever reveal a partial sum for: the intersection of every
 *             proposal it holds when its proposal window closes, or, when that intersection has
 *             fewer than t members, the largest proposal (the lowest index among equals)
 *   winner    the set certified by t signed commits (certificate.ts): within the task's bound on
 *             deviating parties at most one set can be, and partial sums are revealed only for it
 */

import { ProtocolError } from '../../errors.js'

/** A set of party indices, ascending, with a canonical key. */
export interface PartySet {
  readonly members: readonly number[]
  /** The members joined by commas: equal sets have equal keys. */
  readonly key: string
}

export function partySet (members: Iterable<number>): PartySet {
  const sorted = [...new Set(members)].sort((a, b) => a - b)
  return { members: sorted, key: sorted.join(',') }
}

export function intersect (a: PartySet, b: PartySet): PartySet {
  const inB = new Set(b.members)
  return partySet(a.members.filter(j => inB.has(j)))
}

/**
 * When a party that has not proposed yet, and that began waiting at `startedAt`, proposes with
 * what it holds: half a window after another party's proposal came (undefined before one has).
 * That proposer holds something this party may never get (from a party that died in the middle of
 * sending it), and its window closes a whole window after its proposal: this party's proposal,
 * which leaves the dead party out, still reaches it when 2 delta < window / 2.
 */
export function hurryAt (otherProposalAt: number | undefined, startedAt: number, windowMs: number): number | undefined {
  return otherProposalAt === undefined ? undefined : Math.max(otherProposalAt, startedAt) + windowMs / 2
}

/**
 * The set a party commits to once its proposal window has closed, from the proposals it holds
 * (ignoring any of fewer than `threshold` members: no one could commit to those):
 * the intersection of them all, which every proposer holds the shares of; or, when the
 * intersection has fewer than `threshold` members (inputs reached the parties unevenly), the
 * largest proposal, the lowest index among equals. Undefined when there is no proposal to go by.
 * Parties that hold the same proposals choose the same set.
 */
export function agreedSet (proposals: ReadonlyArray<PartySet | undefined>, threshold: number): PartySet | undefined {
  let largest: PartySet | undefined
  let agreed: PartySet | undefined
  for (const p of proposals) {
    if (p === undefined || p.members.length < threshold) continue
    if (largest === undefined || p.members.length > largest.members.length) largest = p
    agreed = agreed === undefined ? p : intersect(agreed, p)
  }
  return agreed !== undefined && agreed.members.length >= threshold ? agreed : largest
}

/**
 * The set that `members` (from party `from`) names.
 * @throws ProtocolError naming a member that is not a party of the task
 */
export function checkedSet (members: readonly number[], parties: number, from: number): PartySet {
  for (const j of members) {
    if (!Number.isSafeInteger(j) || j < 0 || j >= parties) throw new ProtocolError(`party ${from} named party ${j}, which is not on the task's node list`, from)
  }
  return partySet(members)
}

/** What the parties agreed on, as a party saw it: the inputs, whom it leaves out and by whose proposal. */
export interface Agreement {
  readonly inputs: readonly number[]
  /** Each party whose input the agreed set lacks, with the proposers whose proposal lacked it. */
  readonly leftOut: ReadonlyArray<{ readonly party: number, readonly by: readonly number[] }>
  /** Parties that signed commits to two different sets (provably deviating). */
  readonly equivocated: readonly number[]
}

/** For each party the agreed set lacks, the parties whose proposal (as this party holds them) lacked it. */
export function leftOut (agreed: PartySet, proposals: ReadonlyArray<PartySet | undefined>): Agreement['leftOut'] {
  const inAgreed = new Set(agreed.members)
  return proposals.flatMap((_, party) => {
    if (inAgreed.has(party)) return []
    const by = proposals.flatMap((p, k) => (p !== undefined && !p.members.includes(party) ? [k] : []))
    return [{ party, by }]
  })
}

/** Abort codes that mean the sender dropped out (gave up waiting, or was cancelled): a dropout-tolerant machine goes on without it; any other abort fails the task. */
const DROPOUT_CODES: ReadonlySet<string> = new Set(['TIMEOUT', 'CANCELLED'])

export function isDropout (code: string): boolean { return DROPOUT_CODES.has(code) }
