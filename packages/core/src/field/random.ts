/**
 * Uniform field elements from injected random bytes. The engine never reaches for a random
 * source itself: callers pass the platform CSPRNG (node:crypto randomFillSync) or, in tests,
 * a deterministic one.
 */
import type { Field } from './wide.js'

/** Fills and returns `length` random bytes. Must be a CSPRNG outside tests. */
export type RandomBytes = (length: number) => Uint8Array

/**
 * `count` independent elements uniform in [0, p), by rejection sampling: draw bits(p) bits,
 * keep the draw when it is below p. No modulo bias; for a Mersenne prime a draw is refused with
 * probability 2^-bits.
 */
export function randomElements (field: Field, count: number, randomBytes: RandomBytes): bigint[] {
  const width = field.bytes
  const topMask = (1 << (field.bits - (width - 1) * 8)) - 1
  const out: bigint[] = new Array(count)
  let filled = 0
  while (filled < count) {
    const need = count - filled
    const buf = randomBytes(need * width)
    for (let k = 0; k < need; k++) {
      const off = k * width
      buf[off] = buf[off]! & topMask
      let x = 0n
      for (let b = 0; b < width; b++) x = (x << 8n) | BigInt(buf[off + b]!)
      if (x < field.p) out[filled++] = x
    }
    buf.fill(0)
  }
  return out
}
