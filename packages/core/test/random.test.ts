import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createField } from '../src/field/wide.js'
import { randomElements, type RandomBytes } from '../src/field/random.js'
import { P127, P61, seededRandomBytes } from './helpers.js'

const FIELDS = [P127, P61, 13n, 251n /* 8 bits: the top byte is a whole byte */, 257n, 65521n,
  18446744073709551557n /* largest 64-bit prime */].map(createField)

describe('randomElements', () => {
  test('property: always count elements in [0, p)', () => {
    fc.assert(fc.property(fc.constantFrom(...FIELDS), fc.nat({ max: 40 }), fc.string(), (F, count, seed) => {
      const xs = randomElements(F, count, seededRandomBytes(seed))
      assert.equal(xs.length, count)
      for (const x of xs) {
        assert.equal(typeof x, 'bigint')
        assert.ok(x >= 0n && x < F.p, `${x} outside [0, ${F.p})`)
      }
    }), { numRuns: 200 })
  })

  test('deterministic for a seeded RandomBytes, different for another seed', () => {
    const F = FIELDS[0]!
    const a = randomElements(F, 8, seededRandomBytes('a'))
    const a2 = randomElements(F, 8, seededRandomBytes('a'))
    const b = randomElements(F, 8, seededRandomBytes('b'))
    assert.deepEqual(a, a2)
    assert.notDeepEqual(a, b)
    assert.equal(new Set(a).size, 8)
  })

  test('reads big-endian bits(p) bits per element (known answer)', () => {
    const F = createField(P127)
    const bytes = new Uint8Array(16)
    bytes[0] = 0x81 // the top bit is masked off: 2^127 and up cannot be drawn
    bytes[15] = 0x05
    const xs = randomElements(F, 1, () => bytes.slice())
    assert.deepEqual(xs, [(1n << 120n) + 5n])
  })

  test('zero elements asks for no randomness', () => {
    let calls = 0
    assert.deepEqual(randomElements(FIELDS[0]!, 0, (n) => { calls++; return new Uint8Array(n) }), [])
    assert.equal(calls, 0)
  })

  test('rejection: an all-0xff draw is p itself for a Mersenne prime and is drawn again', () => {
    const F = createField(P127)
    const requests: number[] = []
    const rest = seededRandomBytes('after-rejection')
    const source: RandomBytes = (n) => {
      requests.push(n)
      return requests.length === 1 ? new Uint8Array(n).fill(0xff) : rest(n)
    }
    const xs = randomElements(F, 3, source)
    assert.deepEqual(requests, [48, 48])
    // the second draw is used as is (after masking the top bit)
    const replay = seededRandomBytes('after-rejection')(48)
    const expected = [0, 1, 2].map(k => {
      const chunk = replay.slice(k * 16, (k + 1) * 16)
      chunk[0] = chunk[0]! & 0x7f
      return BigInt('0x' + Buffer.from(chunk).toString('hex'))
    })
    assert.deepEqual(xs, expected)
    for (const x of xs) assert.ok(x < F.p)
  })

  test('rejection: only the refused elements are drawn again', () => {
    const F = createField(P127)
    const requests: number[] = []
    const source: RandomBytes = (n) => {
      requests.push(n)
      const b = new Uint8Array(n)
      if (requests.length === 1) {
        b.fill(0xff, 0, 16) // element 0: p, refused
        b[31] = 7 // element 1: 7
      } else {
        b[15] = 9
      }
      return b
    }
    assert.deepEqual(randomElements(F, 2, source), [7n, 9n])
    assert.deepEqual(requests, [32, 16])
  })

  test('rejection for a small prime: draws >= p are refused, never reduced', () => {
    const F = createField(13n)
    const draws = [[13, 14, 15, 12], [255, 0xfd, 0xfe]] // masked to 15, 13, 14: all refused
    const requests: number[] = []
    let i = 0
    const source: RandomBytes = (n) => {
      requests.push(n)
      const d = draws[i++] ?? [3, 3, 3]
      return Uint8Array.from(d.slice(0, n))
    }
    assert.deepEqual(randomElements(F, 4, source), [12n, 3n, 3n, 3n])
    assert.deepEqual(requests, [4, 3, 3])
  })

  test('wipes the random bytes it used', () => {
    const F = createField(P127)
    const buffers: Uint8Array[] = []
    const rng = seededRandomBytes('wipe')
    randomElements(F, 4, (n) => { const b = rng(n); buffers.push(b); return b })
    assert.ok(buffers.length > 0)
    for (const b of buffers) assert.ok(b.every(x => x === 0))
  })

  test('roughly uniform over p = 13 (chi-square, fixed seed)', () => {
    const F = createField(13n)
    const N = 13_000
    const counts = new Array<number>(13).fill(0)
    for (const x of randomElements(F, N, seededRandomBytes('uniformity'))) counts[Number(x)]!++
    const expected = N / 13
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
    // 12 degrees of freedom: P(chi2 > 40) < 1e-4. A modulo-reduced draw (0..15 mod 13) scores ~1500.
    assert.ok(chi2 < 40, `chi-square ${chi2.toFixed(1)} for counts ${counts.join(', ')}`)
    assert.ok(counts.every(c => c > 0))
  })
})
