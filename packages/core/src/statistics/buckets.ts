/**
 * Labels without declared categories: each party adds its counts into a fixed number of hashed
 * buckets, and each bucket carries, besides its count c, the sums of c * label and c * hash(label)
 * (label as an integer, labels.ts; hash a 64-bit digest). The secure sum of the bucket vectors
 * reveals, for a bucket that one label fell into, that label and its total count; a bucket that
 * two labels fell into is detected (its c * label / c is no label whose hash matches) and the
 * round is repeated with more buckets and another hash. What the sum of a collided bucket shows
 * (a total count and two weighted sums of its labels) follows from the final histogram.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { fromString } from 'uint8arrays'
import { InvalidInputError } from '../errors.js'
import { integerToLabel, labelToInteger } from './labels.js'

/** Buckets in the first round. */
export const INITIAL_BUCKETS = 64
/** The most buckets a round may have (3 elements each). */
export const MAX_BUCKETS = 1 << 14
/** The most rounds of a labels stage: past MAX_BUCKETS a round repeats at that size with another hash. */
export const MAX_LABEL_ROUNDS = 8
/** Elements per bucket: count, count * label, count * hash. */
export const BUCKET_ELEMENTS = 3

function digest64 (tag: string, salt: Uint8Array, label: string): bigint {
  const head = fromString(tag)
  const body = fromString(label)
  const bytes = new Uint8Array(head.length + salt.length + 1 + body.length)
  bytes.set(head, 0)
  bytes.set(salt, head.length)
  bytes[head.length + salt.length] = 0x0a
  bytes.set(body, head.length + salt.length + 1)
  const h = sha256(bytes)
  let x = 0n
  for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(h[i]!)
  return x
}

/** The 64-bit check value of a label (the same in every round). */
export function labelHash (label: string, salt: Uint8Array): bigint {
  return digest64('simon-p2p/statistics/label-hash/v1\n', salt, label)
}

/** The bucket a label falls into in round `round` of `buckets` buckets. */
export function bucketOf (label: string, salt: Uint8Array, round: number, buckets: number): number {
  return Number(digest64(`simon-p2p/statistics/bucket/v1\n${round}\n`, salt, label) % BigInt(buckets))
}

/**
 * One party's bucket vector for a round.
 * @param counts this party's count of each label
 * @param salt the task's (its digest): every party hashes alike
 */
export function bucketVector (counts: ReadonlyMap<string, number>, salt: Uint8Array, round: number, buckets: number): bigint[] {
  const out: bigint[] = new Array(BUCKET_ELEMENTS * buckets).fill(0n)
  for (const [label, count] of counts) {
    const b = BUCKET_ELEMENTS * bucketOf(label, salt, round, buckets)
    const c = BigInt(count)
    out[b] = out[b]! + c
    out[b + 1] = out[b + 1]! + c * labelToInteger(label)
    out[b + 2] = out[b + 2]! + c * labelHash(label, salt)
  }
  return out
}

export type BucketReading =
  | { readonly complete: true, readonly counts: Map<string, bigint> }
  | { readonly complete: false, readonly occupied: number, readonly collided: number }

/** Read the totals of a round: every label with its count, or how many buckets collided. */
export function readBuckets (totals: readonly bigint[], salt: Uint8Array, buckets: number): BucketReading {
  if (totals.length !== BUCKET_ELEMENTS * buckets) throw new InvalidInputError('buckets', `expected ${BUCKET_ELEMENTS * buckets} totals, got ${totals.length}`)
  const counts = new Map<string, bigint>()
  let occupied = 0
  let collided = 0
  for (let b = 0; b < buckets; b++) {
    const [c, weighted, hashes] = [totals[3 * b]!, totals[3 * b + 1]!, totals[3 * b + 2]!]
    if (c === 0n && weighted === 0n && hashes === 0n) continue
    occupied++
    const label = c > 0n && weighted % c === 0n ? integerToLabel(weighted / c) : undefined
    if (label === undefined || labelHash(label, salt) * c !== hashes || counts.has(label)) {
      collided++
    } else {
      counts.set(label, c)
    }
  }
  return collided === 0 ? { complete: true, counts } : { complete: false, occupied, collided }
}

/**
 * Buckets for the next round: at least four times as many, and enough that the labels seen so
 * far (at least one per occupied bucket, two per collided one) collide with probability below 1/8;
 * at most MAX_BUCKETS, where a round repeats at that size with another hash (40 labels collide in
 * 16384 buckets about 5% of the time: a third round alone would fail one such task in 200).
 * @param round the round just read (0 for the first)
 * @returns undefined once MAX_LABEL_ROUNDS rounds were tried
 */
export function nextBucketCount (buckets: number, occupied: number, collided: number, round: number): number | undefined {
  if (round + 1 >= MAX_LABEL_ROUNDS) return undefined
  const labels = occupied + collided
  let next = buckets * 4
  while (next < MAX_BUCKETS && next < 4 * labels * labels) next *= 2
  return Math.min(next, MAX_BUCKETS)
}
