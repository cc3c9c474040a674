/**
 * Whom each party of lean mode pairs with: the masking graph. Up to COMPLETE_UP_TO parties every
 * party pairs with every other (the complete graph). Above, as in SecAgg+ (Bell et al. 2020), a
 * party pairs with k = 2h neighbours only: those within h places of it on a circle (the circulant,
 * or Harary, graph C_n(1..h)) over a permutation of the parties that every party derives alike
 * from a seed hashed over the task digest and all parties' nonces. The graph is symmetric by
 * construction and k-regular; h is the smallest for which the honest parties' subgraph stays
 * connected except with probability 2^-40 against a coalition of half the parties
 * (README-lean.md, "Many parties: a sparse masking graph", has the argument).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { u32 } from './crypto.js'

/** Up to this many parties lean mode keeps the complete graph: every party pairs with every other. */
export const COMPLETE_UP_TO = 100
/** The chosen graph leaves the honest parties connected except with probability at most 2^-GRAPH_SECURITY_BITS... */
export const GRAPH_SECURITY_BITS = 40
/** ...against a coalition of this fraction of the parties, fixed independently of the permutation. */
export const GRAPH_COALITION = 0.5

const SEED_LABEL = new TextEncoder().encode('simon-p2p/lean/v1/mask-graph')

/**
 * log2 of the bound on the probability that the honest parties' subgraph of C_n(1..h), over a
 * uniformly random permutation, is disconnected, for a coalition of gamma n parties fixed
 * independently of it: (n (n - 1) / 2) gamma^(2h).
 * @throws RangeError for n < 2, h < 1 or gamma outside (0, 1)
 */
export function log2DisconnectionBound (n: number, h: number, gamma: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`log2DisconnectionBound: n must be at least 2, got ${n}`)
  if (!Number.isSafeInteger(h) || h < 1) throw new RangeError(`log2DisconnectionBound: h must be a positive integer, got ${h}`)
  if (!(gamma > 0 && gamma < 1)) throw new RangeError(`log2DisconnectionBound: gamma must lie in (0, 1), got ${gamma}`)
  return Math.log2(n * (n - 1) / 2) + 2 * h * Math.log2(gamma)
}

/** The smallest h whose bound is at most 2^-bits, for n parties and a coalition of gamma n. */
export function halfDegreeFor (n: number, gamma = GRAPH_COALITION, bits = GRAPH_SECURITY_BITS): number {
  log2DisconnectionBound(n, 1, gamma)
  return Math.max(1, Math.ceil((Math.log2(n * (n - 1) / 2) + bits) / (2 * -Math.log2(gamma))))
}

/**
 * How many parties each party pairs with, k: n - 1 (the complete graph) up to COMPLETE_UP_TO
 * parties, or when 2h reaches n - 1; 2 halfDegreeFor(n) otherwise. A task's `neighbours`
 * parameter (even, at least 2) replaces the default, again capped at the complete graph.
 */
export function neighbourCount (n: number, requested?: number): number {
  if (requested !== undefined) return Math.min(requested, n - 1)
  if (n <= COMPLETE_UP_TO) return n - 1
  return Math.min(2 * halfDegreeFor(n), n - 1)
}

/** The seed of a task's permutation: SHA-256 over a domain tag, the task digest and the hash of all nonces. */
export function graphSeed (digest: Uint8Array, nonceDigest: Uint8Array, hash: (data: Uint8Array) => Uint8Array = sha256): Uint8Array {
  return hash(concat([SEED_LABEL, digest, nonceDigest]))
}

/**
 * A permutation of 0..n-1 from a seed alone: Fisher-Yates, each draw an unbiased integer from
 * 32-bit words of SHA-256(seed || u32 counter) by rejection. O(n) words, about n / 8 hashes.
 */
export function seededPermutation (n: number, seed: Uint8Array, hash: (data: Uint8Array) => Uint8Array = sha256): Int32Array {
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  let block: Uint8Array = new Uint8Array(0)
  let view = new DataView(block.buffer)
  let at = 0
  let counter = 0
  const word = (): number => {
    if (at === block.length) {
      block = hash(concat([seed, u32(counter++)]))
      view = new DataView(block.buffer, block.byteOffset, block.byteLength)
      at = 0
    }
    const w = view.getUint32(at)
    at += 4
    return w
  }
  for (let i = n - 1; i > 0; i--) {
    const range = i + 1
    const limit = Math.floor(2 ** 32 / range) * range
    let w = word()
    while (w >= limit) w = word()
    const j = w % range
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return order
}

/** One task's masking graph: who pairs with whom. */
export class MaskGraph {
  readonly parties: number
  /** k, the neighbours of each party (n - 1 when complete). */
  readonly degree: number
  readonly complete: boolean
  private readonly half: number
  /** Per party: its place on the circle; per place: its party (both empty when complete). */
  private readonly place: Int32Array
  private readonly order: Int32Array
  private readonly lists: Array<readonly number[] | undefined>

  /**
   * @param degree k: even, or at least n - 1 for the complete graph
   * @param seed the permutation's seed (graphSeed); not needed for the complete graph
   * @throws RangeError for fewer than 2 parties, an odd k below n - 1, or a sparse graph without a seed
   */
  constructor (parties: number, degree: number, seed?: Uint8Array, hash?: (data: Uint8Array) => Uint8Array) {
    if (!Number.isSafeInteger(parties) || parties < 2) throw new RangeError(`MaskGraph: parties must be at least 2, got ${parties}`)
    if (!Number.isSafeInteger(degree) || degree < 1) throw new RangeError(`MaskGraph: degree must be a positive integer, got ${degree}`)
    this.parties = parties
    this.complete = degree >= parties - 1
    this.degree = this.complete ? parties - 1 : degree
    this.half = this.degree >> 1
    this.lists = new Array(parties).fill(undefined)
    if (this.complete) {
      this.place = new Int32Array(0)
      this.order = new Int32Array(0)
      return
    }
    if (degree % 2 !== 0) throw new RangeError(`MaskGraph: a sparse graph has an even degree, got ${degree} for ${parties} parties`)
    if (seed === undefined) throw new RangeError('MaskGraph: a sparse graph needs a seed')
    this.order = seededPermutation(parties, seed, hash)
    this.place = new Int32Array(parties)
    this.order.forEach((party, p) => { this.place[party] = p })
  }

  /** Whether parties i and j pair (never a party with itself). */
  has (i: number, j: number): boolean {
    if (i === j) return false
    if (this.complete) return true
    const d = Math.abs(this.place[i]! - this.place[j]!)
    return Math.min(d, this.parties - d) <= this.half
  }

  /** Party j's neighbours, ascending. */
  neighbours (j: number): readonly number[] {
    let list = this.lists[j]
    if (list === undefined) {
      if (this.complete) {
        list = Array.from({ length: this.parties - 1 }, (_, i) => i < j ? i : i + 1)
      } else {
        const n = this.parties
        const p = this.place[j]!
        const around: number[] = []
        for (let d = 1; d <= this.half; d++) around.push(this.order[(p + d) % n]!, this.order[(p - d + n) % n]!)
        list = around.sort((a, b) => a - b)
      }
      this.lists[j] = list
    }
    return list
  }

  /** Where `neighbour` stands among j's neighbours (ascending), or -1 if the two do not pair. */
  indexOf (j: number, neighbour: number): number {
    if (!this.has(j, neighbour)) return -1
    if (this.complete) return neighbour < j ? neighbour : neighbour - 1
    const list = this.neighbours(j)
    let lo = 0
    let hi = list.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid]! < neighbour) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
