/**
 * The prime field Z_p with bigint arithmetic. Everything a share touches lives here, so it is
 * small enough to audit: reduce, add, subtract, and the signed view used to decode sums.
 */
import { InvalidInputError } from '../errors.js'

export interface Field {
  /** The prime modulus. */
  readonly p: bigint
  /** Bits in p. */
  readonly bits: number
  /** Bytes that hold any element (big-endian on the wire). */
  readonly bytes: number
  /** x mod p in [0, p). */
  reduce: (x: bigint) => bigint
  add: (a: bigint, b: bigint) => bigint
  sub: (a: bigint, b: bigint) => bigint
  neg: (a: bigint) => bigint
  mul: (a: bigint, b: bigint) => bigint
  /** The representative of x in (-p/2, p/2]: how signed sums are read back. */
  toSigned: (x: bigint) => bigint
}

/** Mersenne primes 2^k - 1 (k from the known list); the default fields are drawn from them. */
export const MERSENNE_EXPONENTS = [61, 89, 107, 127, 521, 607, 1279, 2203, 2281, 3217, 4253, 4423] as const

export function bitLength (x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length
}

/**
 * Create the field Z_p. p must be an odd prime; this checks it with Miller-Rabin on fixed bases,
 * which is deterministic for p < 3.3e24 and a strong probable-prime test beyond.
 * @throws InvalidInputError when p is not a prime above 2
 */
export function createField (p: bigint): Field {
  if (p <= 2n || !isProbablePrime(p)) {
    throw new InvalidInputError('parameters.modulus', `${p} is not an odd prime`)
  }
  const bits = bitLength(p)
  const half = p >> 1n
  const reduce = (x: bigint): bigint => {
    const r = x % p
    return r < 0n ? r + p : r
  }
  return Object.freeze({
    p,
    bits,
    bytes: Math.ceil(bits / 8),
    reduce,
    add: (a: bigint, b: bigint) => { const s = a + b; return s >= p ? s - p : s },
    sub: (a: bigint, b: bigint) => { const d = a - b; return d < 0n ? d + p : d },
    neg: (a: bigint) => (a === 0n ? 0n : p - a),
    mul: (a: bigint, b: bigint) => (a * b) % p,
    toSigned: (x: bigint) => (x > half ? x - p : x)
  })
}

/**
 * The smallest Mersenne prime from MERSENNE_EXPONENTS that holds every signed value of
 * magnitude up to `maxAbs` with room to spare (p > 4 * maxAbs).
 * @throws InvalidInputError when no listed prime is wide enough
 */
export function mersennePrimeFor (maxAbs: bigint): bigint {
  for (const k of MERSENNE_EXPONENTS) {
    const p = (1n << BigInt(k)) - 1n
    if (p > 4n * maxAbs) return p
  }
  throw new InvalidInputError('parameters', `no built-in field holds values up to ${maxAbs}; pass parameters.modulus`)
}

function modPow (base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n
  let b = base % m
  let e = exp
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % m
    b = (b * b) % m
    e >>= 1n
  }
  return result
}

const MR_BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n]

/** Miller-Rabin with the first 13 primes as bases (deterministic below 3.3e24). */
export function isProbablePrime (n: bigint): boolean {
  if (n < 2n) return false
  for (const b of MR_BASES) {
    if (n === b) return true
    if (n % b === 0n) return false
  }
  let d = n - 1n
  let s = 0
  while ((d & 1n) === 0n) { d >>= 1n; s++ }
  outer: for (const a of MR_BASES) {
    let x = modPow(a, d, n)
    if (x === 1n || x === n - 1n) continue
    for (let r = 1; r < s; r++) {
      x = (x * x) % n
      if (x === n - 1n) continue outer
    }
    return false
  }
  return true
}
