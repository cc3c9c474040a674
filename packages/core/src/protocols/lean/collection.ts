/**
 * Who collects what in lean mode with a threshold. The key set U1 = u_0 < ... < u_{m-1} cuts the
 * (padded) vector into m segments, each into frames (RingPlan). Segment k is held by its primary
 * u_k and its backup u_{(k + floor(m/2)) mod m}, so that a holder that dies in the middle of the
 * collection leaves the segment with the other, and the two holders of a segment lie far apart in
 * the order. Every party computes the same plan from U1 and the vector's length alone.
 */
import { RingPlan } from './plan.js'

export class Collection {
  readonly members: readonly number[]
  readonly plan: RingPlan
  private readonly offset: number
  /** Per party: the segments it holds as primary and as backup. */
  private readonly held = new Map<number, { primary: number, backup: number }>()

  /**
   * @param members U1, ascending (at least 2)
   * @param elements the padded vector's length: at least m, so that no segment is empty
   */
  constructor (members: readonly number[], elements: number, frameElements: number) {
    const m = members.length
    if (elements < m) throw new RangeError(`Collection: ${elements} elements for ${m} segments`)
    this.members = members
    this.plan = new RingPlan(m, elements, frameElements)
    this.offset = Math.max(1, Math.floor(m / 2))
    members.forEach((party, k) => this.held.set(party, { primary: k, backup: (k - this.offset + m) % m }))
  }

  /** The primary and the backup holder of segment k. */
  holders (k: number): readonly [number, number] {
    const m = this.members.length
    return [this.members[k]!, this.members[(k + this.offset) % m]!]
  }

  /** The segments `party` holds (none for a party outside U1). */
  segmentsOf (party: number): { primary: number, backup: number } | undefined {
    return this.held.get(party)
  }

  /** Whether `party` holds the segment of frame g. */
  holdsFrame (party: number, g: number): boolean {
    const s = this.segmentsOf(party)
    const k = this.plan.frameSegment[g]!
    return s !== undefined && (s.primary === k || s.backup === k)
  }

  /** The frames of the segments `party` holds. */
  framesHeldBy (party: number): number[] {
    const s = this.segmentsOf(party)
    return s === undefined ? [] : [...this.plan.framesOf(s.primary), ...this.plan.framesOf(s.backup)]
  }
}
