/** The fast profile's encoding (same values as the exact decimal path) and its parameters. */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { encodeInput, type FixedPoint } from '../src/encoding/fixed-point.js'
import { InvalidInputError } from '../src/errors.js'
import { canonicalDescriptor, taskDigest } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'
import { FAST_PRIME, FAST_PRIME_BIGINT } from '../src/field/fast.js'
import { decodeFastTotal, encodeFastInput } from '../src/encoding/fast.js'
import { FAST_FIXED_POINT } from '../src/task/parameters.js'

const RUNS = { numRuns: 400 }

/** The exact path's field elements for the same input (sample count last). */
function reference (value: unknown, fp: FixedPoint): number[] {
  const e = encodeInput(value, fp)
  return [...e.values.map(x => Number(((x % FAST_PRIME_BIGINT) + FAST_PRIME_BIGINT) % FAST_PRIME_BIGINT)), e.samples]
}

const fixedPoints = fc.record({ digitsBefore: fc.integer({ min: 0, max: 8 }), digitsAfter: fc.integer({ min: 0, max: 7 }) })
  .filter(fp => fp.digitsBefore + fp.digitsAfter >= 1)

function refusal (fn: () => unknown): InvalidInputError {
  try { fn() } catch (err) {
    assert.ok(err instanceof InvalidInputError, `an InvalidInputError, got ${String(err)}`)
    return err
  }
  assert.fail('expected InvalidInputError')
}

describe('fast encoding gives the exact path\'s values', () => {
  test('for numbers in range, at any digits', () => {
    fc.assert(fc.property(fixedPoints, fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }), (fp, unit) => {
      const limit = 10 ** fp.digitsBefore * 0.999999
      const xs = unit.map(u => u * limit)
      let expected: number[]
      try {
        expected = reference(xs, fp)
      } catch (err) {
        // rounding took an element out of range: the fast path refuses the same element
        const field = (err as InvalidInputError).field
        assert.equal(refusal(() => encodeFastInput(xs, fp)).field, field)
        assert.equal(refusal(() => encodeFastInput(Float64Array.from(xs), fp)).field, field)
        return
      }
      assert.deepEqual([...encodeFastInput(xs, fp).elements], expected)
      assert.deepEqual([...encodeFastInput(Float64Array.from(xs), fp).elements], expected)
    }), RUNS)
  })

  test('for decimals with few digits, the usual inputs', () => {
    const decimal = fc.tuple(fc.integer({ min: -999_999, max: 999_999 }), fc.integer({ min: 0, max: 8 })).map(([m, e]) => m / 10 ** e)
    fc.assert(fc.property(fc.array(decimal, { minLength: 1, maxLength: 30 }), xs => {
      assert.deepEqual([...encodeFastInput(xs, FAST_FIXED_POINT).elements], reference(xs, FAST_FIXED_POINT))
    }), RUNS)
  })

  test('on rounding boundaries (half away from zero, from the shortest decimal)', () => {
    const cases: Array<[number, FixedPoint]> = [
      [1.005, { digitsBefore: 3, digitsAfter: 2 }], [-1.005, { digitsBefore: 3, digitsAfter: 2 }],
      [2.5, { digitsBefore: 3, digitsAfter: 0 }], [-2.5, { digitsBefore: 3, digitsAfter: 0 }],
      [0.125, { digitsBefore: 1, digitsAfter: 2 }], [1.0000005, FAST_FIXED_POINT], [-0.0000005, FAST_FIXED_POINT],
      [999999.9999994, FAST_FIXED_POINT], [0.1 + 0.2, FAST_FIXED_POINT], [4.35, { digitsBefore: 2, digitsAfter: 1 }]
    ]
    for (const [x, fp] of cases) assert.deepEqual([...encodeFastInput(x, fp).elements], reference(x, fp), `${x} at ${JSON.stringify(fp)}`)
  })

  test('for strings, bigints and typed arrays', () => {
    const fp = FAST_FIXED_POINT
    const mixed = ['123.456789', '-0.000001', 42n, -7, '1e3']
    assert.deepEqual([...encodeFastInput(mixed, fp).elements], reference(mixed, fp))
    assert.deepEqual([...encodeFastInput(Int32Array.of(-5, 999_999, 0), fp).elements], reference([-5, 999_999, 0], fp))
    assert.deepEqual([...encodeFastInput(BigInt64Array.of(-5n, 999_999n), fp).elements], reference([-5n, 999_999n], fp))
    assert.deepEqual([...encodeFastInput(Float32Array.of(0.1, -2.5), fp).elements], reference([Math.fround(0.1), -2.5], fp))
    assert.deepEqual([...encodeFastInput(Uint8Array.of(1, 255), fp).elements], reference([1, 255], fp))
    const scalar = encodeFastInput('3.25', fp)
    assert.equal(scalar.shape, 'scalar')
    assert.deepEqual([...scalar.elements], [3_250_000, 1])
  })
})

describe('fast encoding refuses bad inputs before anything is produced', () => {
  const fp = FAST_FIXED_POINT
  test('out of range, naming the element', () => {
    assert.equal(refusal(() => encodeFastInput([1, 2, 1_000_000], fp)).field, 'value[2]')
    assert.equal(refusal(() => encodeFastInput(Float64Array.of(0, -1e6), fp)).field, 'value[1]')
    assert.equal(refusal(() => encodeFastInput(1e300, fp)).field, 'value')
    assert.equal(refusal(() => encodeFastInput([10n ** 7n], fp)).field, 'value[0]')
    // rounds up to 10^6
    assert.equal(refusal(() => encodeFastInput([999_999.9999996], fp)).field, 'value[0]')
  })

  test('not numbers', () => {
    for (const bad of [NaN, Infinity, -Infinity]) assert.equal(refusal(() => encodeFastInput(Float64Array.of(1, bad), fp)).field, 'value[1]')
    assert.equal(refusal(() => encodeFastInput([1, 'abc'], fp)).field, 'value[1]')
    assert.equal(refusal(() => encodeFastInput([1, null], fp)).field, 'value[1]')
    assert.equal(refusal(() => encodeFastInput(['1.0000001'], fp)).field, 'value[0]')
    assert.equal(refusal(() => encodeFastInput({}, fp)).field, 'value')
  })

  test('empty or too long vectors', () => {
    assert.match(refusal(() => encodeFastInput(new Float64Array(0), fp)).message, /empty/)
    assert.match(refusal(() => encodeFastInput(new Float64Array(11), fp, 'value', 10)).message, /longer than the limit/)
  })
})

describe('fast totals decode to the exact decimals', () => {
  test('as numbers, a number[] or a Float64Array in place', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -(10 ** 14), max: 10 ** 14 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 8 }), (scaled, after) => {
      const fp = { digitsBefore: 14 - after, digitsAfter: after }
      const total = Float64Array.from([...scaled.map(s => s < 0 ? s + FAST_PRIME : s), scaled.length])
      const expected = scaled.map(s => Number(`${s}e-${after}`))
      const asArray = decodeFastTotal(Float64Array.from(total), fp, 'vector')
      assert.deepEqual(asArray.sum, expected)
      assert.equal(asArray.samples, scaled.length)
      const typed = decodeFastTotal(total, fp, 'vector', true)
      assert.ok(typed.sum instanceof Float64Array)
      assert.deepEqual([...typed.sum], expected)
      for (const [k, x] of expected.entries()) assert.equal(String(x), String(Number(`${scaled[k]}e-${after}`)))
    }), RUNS)
  })

  test('a scalar total is a number, and -0 reads 0', () => {
    assert.equal(decodeFastTotal(Float64Array.of(FAST_PRIME - 5, 3), { digitsBefore: 3, digitsAfter: 1 }, 'scalar').sum, -0.5)
    assert.ok(Object.is(decodeFastTotal(Float64Array.of(0, 3), FAST_FIXED_POINT, 'scalar').sum, 0))
  })
})

describe('profile and mode parameters', () => {
  test('the fast profile: modulus 2^52 - 47, digits 6 + 6 by default', () => {
    const p = resolveParameters({ profile: 'fast' }, 3)
    assert.deepEqual(p, { digits_before: 6, digits_after: 6, modulus: String(FAST_PRIME), profile: 'fast' })
    assert.deepEqual(resolveParameters({ profile: 'fast', mode: 'lean', digits_after: 3, digits_before: 9 }, 100),
      { digits_before: 9, digits_after: 3, modulus: String(FAST_PRIME), profile: 'fast', mode: 'lean' })
  })

  test('defaults are not kept: passing them and passing nothing give the same task', () => {
    const plain = resolveParameters({}, 3)
    assert.deepEqual(resolveParameters({ profile: 'wide', mode: 'auto' }, 3), plain)
    assert.deepEqual(Object.keys(plain).sort(), ['digits_after', 'digits_before', 'modulus'])
    const d = (parameters: object): string => canonicalDescriptor({ taskId: 't', microprotocol: 'SecureSum', parameters: resolveParameters(parameters, 3), peers: ['a', 'b', 'c'] })
    assert.equal(d({}), d({ mode: 'auto' }))
    assert.notDeepEqual(taskDigest({ taskId: 't', microprotocol: 'SecureSum', parameters: resolveParameters({ mode: 'lean' }, 3), peers: ['a'] }),
      taskDigest({ taskId: 't', microprotocol: 'SecureSum', parameters: resolveParameters({ mode: 'mesh' }, 3), peers: ['a'] }))
  })

  test('totals must stay below 10^15: refused when they could not', () => {
    assert.equal(refusal(() => resolveParameters({ profile: 'fast', digits_before: 9, digits_after: 6 }, 3)).field, 'parameters.digits_before')
    assert.equal(refusal(() => resolveParameters({ profile: 'fast', digits_before: 6, digits_after: 6 }, 1001)).field, 'parameters.digits_before')
    resolveParameters({ profile: 'fast', digits_before: 6, digits_after: 6 }, 1000)
  })

  test('unknown profiles, modes and a foreign modulus are refused', () => {
    assert.equal(refusal(() => resolveParameters({ profile: 'turbo' }, 3)).field, 'parameters.profile')
    assert.equal(refusal(() => resolveParameters({ mode: 'ring' }, 3)).field, 'parameters.mode')
    assert.equal(refusal(() => resolveParameters({ mode: 1 }, 3)).field, 'parameters.mode')
    assert.equal(refusal(() => resolveParameters({ profile: 'fast', modulus: '2305843009213693951' }, 3)).field, 'parameters.modulus')
    resolveParameters({ profile: 'fast', modulus: String(FAST_PRIME) }, 3)
  })
})
