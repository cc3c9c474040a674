/**
 * The messages between `simon bench` and its worker processes (over the IPC channel of
 * child_process.fork). A worker hosts one or more parties, each a SimonNode of its own.
 */

export interface BenchCase {
  /** Inputs: vectors of `length` elements, or a scalar when length is 0. */
  readonly length: number
  readonly parties: number
  readonly seed: number
}

export type ToWorker =
  | { readonly type: 'keys', readonly parties: number[] }
  /** `listen`: the address to listen on (default /ip4/127.0.0.1/tcp/0); `linkDevice`: the host's link, whose counter 'link' reads. */
  | { readonly type: 'start', readonly allow: string[], readonly frameElements: number, readonly listen?: string, readonly linkDevice?: string }
  | { readonly type: 'prepare', readonly case: BenchCase }
  /** One sum: secure (with these task parameters) or plain; each party in `drops` stops its node when its task enters that step. */
  | { readonly type: 'run', readonly id: string, readonly kind: 'secure' | 'plain', readonly parameters: Record<string, unknown>, readonly nodes: string[], readonly microprotocol?: string, readonly drops?: readonly Drop[] }
  /** `count` sums one after the other, for latency. */
  | { readonly type: 'loop', readonly id: string, readonly kind: 'secure' | 'plain', readonly parameters: Record<string, unknown>, readonly nodes: string[], readonly count: number }
  /** The bytes the worker's host link has sent so far (all headers), when it has a host of its own. */
  | { readonly type: 'link' }
  | { readonly type: 'stop' }

/** A party that drops out of a sum: its node stops (every connection cut) when its task enters `step`. */
export interface Drop { readonly party: number, readonly step: string }

/** One party's view of one sum: wall-clock ms (performance.timeOrigin + performance.now()). */
export interface PartyRun {
  readonly party: number
  readonly inputAt: number
  readonly resultAt: number
  readonly bytesSent: number
  /** Sum of the result's elements, to check against the inputs. */
  readonly check: number
  readonly mode?: string
  /** The parties whose inputs the sum holds, when the mode agrees on a set (lean mode with a threshold). */
  readonly agreed?: readonly number[]
  /** This party dropped out (its node was stopped at its drop step). */
  readonly dropped?: boolean
  /** CPU time of the worker process during the sum (shared by the parties it hosts). */
  readonly cpuMs?: number
  /** The longest chain of messages, one after another, that reached this party before its result (hop counters). */
  readonly hops?: number
}

export type FromWorker =
  | { readonly type: 'keys', readonly peerIds: string[] }
  | { readonly type: 'started', readonly multiaddrs: string[] }
  | { readonly type: 'prepared', readonly checks: number[] }
  | { readonly type: 'ran', readonly id: string, readonly runs: PartyRun[] }
  | { readonly type: 'looped', readonly id: string, readonly runs: PartyRun[][] }
  | { readonly type: 'link', readonly bytesSent: number }
  | { readonly type: 'stopped', readonly maxRssMB: number }
  | { readonly type: 'error', readonly message: string }

/** A deterministic PRNG (mulberry32): the same inputs in every run. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Party `party`'s input: values in (-1000, 1000) with three decimals. */
export function benchInput (c: BenchCase, party: number): Float64Array | number {
  const next = prng(c.seed * 7919 + party)
  const value = (): number => Math.round((next() * 2 - 1) * 1e6) / 1e3
  if (c.length === 0) return value()
  const v = new Float64Array(c.length)
  for (let k = 0; k < c.length; k++) v[k] = value()
  return v
}

/** The sum of a value's elements (a scalar is its own sum). */
export function elementSum (v: ArrayLike<number> | number): number {
  if (typeof v === 'number') return v
  let s = 0
  for (let k = 0; k < v.length; k++) s += v[k]!
  return s
}

/**
 * The plain baseline of a statistics case: what Simon's accumulators compute in the clear, in
 * float64 (count, sums of powers 1..6, of ln x and of 1 / x, minimum, maximum), for the parties to
 * exchange unprotected.
 */
export function plainStatistics (v: Float64Array): Float64Array {
  const out = new Float64Array(11)
  out[0] = v.length
  out[9] = Infinity
  out[10] = -Infinity
  for (let k = 0; k < v.length; k++) {
    const x = v[k]!
    let p = x
    for (let j = 1; j <= 6; j++) { out[j]! += p; p *= x }
    if (x > 0) out[7]! += Math.log(x)
    if (x !== 0) out[8]! += 1 / x
    if (x < out[9]!) out[9] = x
    if (x > out[10]!) out[10] = x
  }
  return out
}
