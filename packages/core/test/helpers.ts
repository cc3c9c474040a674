/**
 * Test-only helpers shared by the core suites (not a test file itself: the runner globs *.test.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { RandomBytes } from '../src/field/random.js'

/**
 * A deterministic RandomBytes: SHA-256 of (seed, block counter), concatenated. Same seed, same
 * bytes; never use outside tests.
 */
export function seededRandomBytes (seed: string | number): RandomBytes {
  const prefix = new TextEncoder().encode(`test-prng/${String(seed)}/`)
  let counter = 0
  let pool = new Uint8Array(0)
  let used = 0
  const refill = (): void => {
    const block = new Uint8Array(prefix.length + 8)
    block.set(prefix)
    new DataView(block.buffer).setBigUint64(prefix.length, BigInt(counter++))
    pool = sha256(block)
    used = 0
  }
  return (length: number): Uint8Array => {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) {
      if (used === pool.length) refill()
      out[i] = pool[used++]!
    }
    return out
  }
}

/** 2^k - 1 */
export function mersenne (k: number): bigint {
  return (1n << BigInt(k)) - 1n
}

export const P61 = mersenne(61)
export const P89 = mersenne(89)
export const P127 = mersenne(127)
