/**
 * How lean mode cuts a vector and moves it around the ring. The M elements (input and sample
 * count) fall into n segments, segment s = [floor(s M / n), floor((s + 1) M / n)), each cut into
 * frames of at most F elements, numbered in order over all segments. Every party computes the
 * same plan from n, M and F alone.
 *
 * Reduce-scatter: at step t (0..n-2) party j sends segment (j - t) mod n to party j + 1, which
 * adds its own part; after the last step party j holds the total of segment (j + 1) mod n.
 * All-gather: at step t party j sends the total of segment (j + 1 - t) mod n on, for n - 1 steps.
 * Each party sends about 2 (n - 1) / n of a vector in all, whatever n.
 *
 * With direct sends (direct.ts) the same segments take one hop each way: every party sends its
 * part of segment s to party s, which adds the n - 1 parts to its own and sends the total to
 * every other party. The same upload, 2 hops instead of 2 (n - 1), but n - 1 connections a party.
 */

/**
 * Up to this many parties lean mode moves a large vector by direct sends, beyond it on the ring.
 * Direct sends take 4 hops whatever n (the ring 2 (n - 1) for the sum alone) but need a
 * connection to every other party, and every party handles frames from n - 1 others. On 2 cores
 * and loopback (docs/bench/2026-12-02-0531-lean-direct-32.jsonl against the ring's in
 * 2026-12-02-0436-lean-ring-ab.jsonl) that per-connection work made 10 and 20 parties slower
 * (CPU per party 91 against 71 ms, 133 against 83 ms) and 3 parties no slower: direct sends for
 * 3 parties, the ring from 4 until a link with real delay shows where the hops cost more.
 */
export const DIRECT_MAX_PARTIES = 3

/** How lean mode moves a large vector among this many parties: every party computes the same. */
export function segmentTopology (parties: number): 'ring' | 'direct' {
  return parties <= DIRECT_MAX_PARTIES ? 'direct' : 'ring'
}

export class RingPlan {
  readonly parties: number
  readonly elements: number
  readonly frameElements: number
  /** Per frame: its segment, first element and element count. */
  readonly frameSegment: Int32Array
  readonly frameStart: Float64Array
  readonly frameCount: Int32Array
  /** Per segment: its first frame and frame count (0 for an empty segment). */
  readonly segmentFirstFrame: Int32Array
  readonly segmentFrames: Int32Array

  constructor (parties: number, elements: number, frameElements: number) {
    if (!Number.isSafeInteger(parties) || parties < 2) throw new RangeError(`RingPlan: parties must be at least 2, got ${parties}`)
    if (!Number.isSafeInteger(elements) || elements < 1) throw new RangeError(`RingPlan: elements must be positive, got ${elements}`)
    if (!Number.isSafeInteger(frameElements) || frameElements < 1) throw new RangeError(`RingPlan: frameElements must be positive, got ${frameElements}`)
    this.parties = parties
    this.elements = elements
    this.frameElements = frameElements
    this.segmentFirstFrame = new Int32Array(parties)
    this.segmentFrames = new Int32Array(parties)
    let frames = 0
    for (let s = 0; s < parties; s++) {
      const length = this.segmentStart(s + 1) - this.segmentStart(s)
      this.segmentFirstFrame[s] = frames
      this.segmentFrames[s] = Math.ceil(length / frameElements)
      frames += this.segmentFrames[s]!
    }
    this.frameSegment = new Int32Array(frames)
    this.frameStart = new Float64Array(frames)
    this.frameCount = new Int32Array(frames)
    for (let s = 0; s < parties; s++) {
      const start = this.segmentStart(s)
      const end = this.segmentStart(s + 1)
      for (let f = 0; f < this.segmentFrames[s]!; f++) {
        const g = this.segmentFirstFrame[s]! + f
        this.frameSegment[g] = s
        this.frameStart[g] = start + f * frameElements
        this.frameCount[g] = Math.min(frameElements, end - start - f * frameElements)
      }
    }
  }

  get frames (): number { return this.frameCount.length }

  segmentStart (s: number): number {
    return Math.floor((s * this.elements) / this.parties)
  }

  /** The frames of segment s, in order. */
  framesOf (s: number): number[] {
    const first = this.segmentFirstFrame[s]!
    return Array.from({ length: this.segmentFrames[s]! }, (_, f) => first + f)
  }

  /** The segment that `sender` sends (and its successor receives) at a step of a phase. */
  segmentAt (sender: number, step: number, phase: 'reduce' | 'gather'): number {
    const s = phase === 'reduce' ? sender - step : sender + 1 - step
    return ((s % this.parties) + this.parties) % this.parties
  }

  /** The segment whose total party j holds after the reduce-scatter. */
  ownedBy (party: number): number {
    return (party + 1) % this.parties
  }
}
