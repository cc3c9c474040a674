/**
 * Test-only helpers shared by the core suites (not a test file itself: the runner globs *.test.ts).
 */
import assert from 'node:assert/strict'
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

/** What a machine's receive gives: the verdict on the message and what to send. */
interface Taken {
  readonly verdict: { readonly status: string, readonly error?: Error }
  readonly out: unknown[]
}

/** Whether `received` refused its message while the task went on (the machine did not fail of it). */
function refusedOnly (machine: { readonly error?: Error }, received: Taken): boolean {
  return received.verdict.status === 'refused' && machine.error !== received.verdict.error
}

/**
 * The messages a receive produced, asserting that its message was taken: accepted, held, or
 * refused because it made the task fail (the task's own error, then on `machine.error`).
 */
export function taken<T extends Taken> (machine: { readonly error?: Error }, received: T): T['out'] {
  assert.ok(!refusedOnly(machine, received), `refused: ${String(received.verdict.error)}`)
  return received.out
}

/**
 * Assert that `received` is a refusal that leaves the task going on, with an error that passes
 * `check` exactly as `assert.throws` would check a thrown one.
 */
export function assertRefused (machine: { readonly error?: Error }, received: Taken, check?: RegExp | ((err: unknown) => boolean) | object): void {
  assert.ok(refusedOnly(machine, received), `expected a refusal, got ${received.verdict.status}${machine.error === undefined ? '' : ` and task error ${String(machine.error)}`}`)
  assert.deepEqual(received.out, [], 'a refusal sends nothing')
  if (check !== undefined) assert.throws(() => { throw received.verdict.error }, check as RegExp)
}
