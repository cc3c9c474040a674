/**
 * How the parties of a threshold task agree on one input set without a coordinator (the argument
 * is in ./README.md). Pure functions over what one party has heard:
 *   proposal  the parties whose shares a party holds at its sharing deadline (at least t of them)
 *   commit    the one set a party will ever reveal a partial sum for: the intersection of every
 *             proposal it holds when its proposal window closes, or, when that intersection has
 *             fewer than t members, the largest proposal (the lowest index among equals)
 *   winner    a set named by t commits; since t > n/2 and each party commits once, at most one
 *             set can ever be named by t commits, and partial sums are revealed only for it
 */

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

/** The set that at least `threshold` commits name, if one does (at most one can, for t > n/2). */
export function winningSet (commits: ReadonlyArray<PartySet | undefined>, threshold: number): PartySet | undefined {
  const counts = new Map<string, { set: PartySet, count: number }>()
  for (const c of commits) {
    if (c === undefined) continue
    const entry = counts.get(c.key) ?? { set: c, count: 0 }
    entry.count++
    counts.set(c.key, entry)
    if (entry.count >= threshold) return entry.set
  }
  return undefined
}
