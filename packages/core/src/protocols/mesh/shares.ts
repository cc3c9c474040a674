/**
 * Additive secret sharing: n shares, n-1 of them uniform, that add up to the secret mod p.
 * Any n-1 of them are jointly uniform, so they say nothing about the secret.
 */
import type { Field } from '../../field/wide.js'
import { randomElements, type RandomBytes } from '../../field/random.js'

/**
 * Split each element of `secrets` into `parties` additive shares.
 * @returns shares[j][k]: party j's share of element k
 */
export function splitAdditive (field: Field, secrets: readonly bigint[], parties: number, randomBytes: RandomBytes): bigint[][] {
  if (!Number.isSafeInteger(parties) || parties < 1) throw new RangeError(`splitAdditive: parties must be a positive integer, got ${parties}`)
  const length = secrets.length
  const shares: bigint[][] = []
  const last: bigint[] = secrets.map(s => field.reduce(s))
  for (let j = 0; j < parties - 1; j++) {
    const r = randomElements(field, length, randomBytes)
    for (let k = 0; k < length; k++) last[k] = field.sub(last[k]!, r[k]!)
    shares.push(r)
  }
  shares.push(last)
  return shares
}

/** Element-wise sum of equally long vectors mod p. */
export function sumVectors (field: Field, vectors: ReadonlyArray<readonly bigint[]>): bigint[] {
  const first = vectors[0]
  if (first === undefined) return []
  const out = first.slice()
  for (let v = 1; v < vectors.length; v++) {
    const vec = vectors[v]!
    if (vec.length !== out.length) throw new RangeError(`sumVectors: length ${vec.length} differs from ${out.length}`)
    for (let k = 0; k < out.length; k++) out[k] = field.add(out[k]!, vec[k]!)
  }
  return out
}
