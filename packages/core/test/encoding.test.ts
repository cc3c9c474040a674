import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  checkFixedPoint, decodeScaled, DEFAULT_FIXED_POINT, encodeInput, encodeScalar, isVectorInput, maxScaled, pow10,
  scaledToDecimal, type FixedPoint
} from '../src/encoding/fixed-point.js'
import { InvalidInputError } from '../src/errors.js'

const FP = DEFAULT_FIXED_POINT
const E12 = 10n ** 12n

/** Asserts an InvalidInputError for `field`. */
function refused (fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`)
    assert.equal(err.name, 'InvalidInputError')
    assert.equal(err.code, 'INVALID_INPUT')
    assert.equal(err.field, field)
    return true
  })
}

describe('fixed point parameters', () => {
  test('defaults are 12 digits before and 12 after', () => {
    assert.deepEqual({ ...FP }, { digitsBefore: 12, digitsAfter: 12 })
    assert.ok(Object.isFrozen(FP))
    assert.equal(maxScaled(FP), 10n ** 24n - 1n)
    assert.equal(maxScaled({ digitsBefore: 3, digitsAfter: 2 }), 99999n)
    assert.equal(pow10(0), 1n)
    assert.equal(pow10(30), 10n ** 30n)
  })

  test('checkFixedPoint accepts 0..1000 and refuses the rest, naming the field', () => {
    checkFixedPoint({ digitsBefore: 0, digitsAfter: 1 })
    checkFixedPoint({ digitsBefore: 1000, digitsAfter: 1000 })
    refused(() => checkFixedPoint({ digitsBefore: -1, digitsAfter: 12 }), 'parameters.digits_before')
    refused(() => checkFixedPoint({ digitsBefore: 1.5, digitsAfter: 12 }), 'parameters.digits_before')
    refused(() => checkFixedPoint({ digitsBefore: 12, digitsAfter: 1001 }), 'parameters.digits_after')
    refused(() => checkFixedPoint({ digitsBefore: 12, digitsAfter: Number.NaN }), 'parameters.digits_after')
    refused(() => checkFixedPoint({ digitsBefore: 0, digitsAfter: 0 }), 'parameters.digits_before')
    refused(() => checkFixedPoint({ digitsBefore: 12, digitsAfter: -3 }, 'p'), 'p.digits_after')
  })
})

describe('encodeScalar', () => {
  test('known answers at the default 12/12', () => {
    assert.equal(encodeScalar('123.456789', FP), 123456789000000n)
    assert.equal(encodeScalar(0, FP), 0n)
    assert.equal(encodeScalar(10, FP), 10n * E12)
    assert.equal(encodeScalar(0.1, FP), 100000000000n)
    assert.equal(encodeScalar(-2.5, FP), -2500000000000n)
    assert.equal(encodeScalar(1e-7, FP), 100000n)
    assert.equal(encodeScalar(1e-12, FP), 1n)
    assert.equal(encodeScalar(123.456789, FP), 123456789000000n)
    assert.equal(encodeScalar(-0, FP), 0n)
    assert.equal(encodeScalar('999999999999.999999999999', FP), 10n ** 24n - 1n)
    assert.equal(encodeScalar('-999999999999.999999999999', FP), -(10n ** 24n - 1n))
  })

  test('out of range values are refused', () => {
    refused(() => encodeScalar(1e21, FP), 'value')
    refused(() => encodeScalar(1e12, FP), 'value')
    refused(() => encodeScalar(-1e12, FP), 'value')
    refused(() => encodeScalar('1000000000000', FP), 'value')
    refused(() => encodeScalar('1e12', FP), 'value')
    refused(() => encodeScalar('1e300', FP), 'value')
    refused(() => encodeScalar(Number.MAX_VALUE, FP), 'value')
    // rounding up past the largest value is out of range too
    refused(() => encodeScalar(999999999999.9999999999999, FP), 'value')
    assert.equal(encodeScalar(999999999999, FP), 999999999999n * E12)
  })

  test('bigints are exact and range checked', () => {
    assert.equal(encodeScalar(5n, FP), 5n * E12)
    assert.equal(encodeScalar(-3n, FP), -3n * E12)
    assert.equal(encodeScalar(E12 - 1n, FP), (E12 - 1n) * E12)
    assert.equal(encodeScalar(-(E12 - 1n), FP), -(E12 - 1n) * E12)
    refused(() => encodeScalar(E12, FP), 'value')
    refused(() => encodeScalar(-E12, FP), 'value')
    refused(() => encodeScalar(1n << 200n, FP), 'value')
    assert.equal(encodeScalar(7n, { digitsBefore: 2, digitsAfter: 0 }), 7n)
  })

  test('decimal strings: signs, exponents, bare points, whitespace', () => {
    assert.equal(encodeScalar('1.5e3', FP), 1500n * E12)
    assert.equal(encodeScalar('1.5E+3', FP), 1500n * E12)
    assert.equal(encodeScalar('-2E-3', FP), -2n * 10n ** 9n)
    assert.equal(encodeScalar('12345e-12', FP), 12345n)
    assert.equal(encodeScalar('0.000001e6', FP), E12)
    assert.equal(encodeScalar('+7', FP), 7n * E12)
    assert.equal(encodeScalar('  42 ', FP), 42n * E12)
    assert.equal(encodeScalar('.5', FP), 5n * 10n ** 11n)
    assert.equal(encodeScalar('5.', FP), 5n * E12)
    assert.equal(encodeScalar('-0', FP), 0n)
    assert.equal(encodeScalar('007.25', FP), 7250000000000n)
    assert.equal(encodeScalar('0e4096', FP), 0n)
    assert.equal(encodeScalar('0e-4096', FP), 0n)
    assert.equal(encodeScalar('0.1000000000000000', FP), 10n ** 11n) // trailing zeros are not excess digits
    assert.equal(encodeScalar('1000e-3', FP), E12)
  })

  test('strings are exact: digits beyond digits_after are refused, not rounded', () => {
    refused(() => encodeScalar('0.0000000000001', FP), 'value')
    refused(() => encodeScalar('1.0000000000005', FP), 'value')
    refused(() => encodeScalar('1e-13', FP), 'value')
    refused(() => encodeScalar('0.5', { digitsBefore: 3, digitsAfter: 0 }, 'x'), 'x')
    assert.equal(encodeScalar('0.000000000001', FP), 1n)
  })

  test('numbers are rounded half away from zero at digits_after', () => {
    assert.equal(encodeScalar(5e-13, FP), 1n)
    assert.equal(encodeScalar(-5e-13, FP), -1n)
    assert.equal(encodeScalar(4.9e-13, FP), 0n)
    assert.equal(encodeScalar(1.5e-12, FP), 2n)
    assert.equal(encodeScalar(2.5e-12, FP), 3n)
    assert.equal(encodeScalar(-2.5e-12, FP), -3n)
    assert.equal(encodeScalar(0.1234567890125, FP), 123456789013n)
    assert.equal(encodeScalar(0.1234567890124, FP), 123456789012n)
    const whole: FixedPoint = { digitsBefore: 3, digitsAfter: 0 }
    assert.equal(encodeScalar(2.5, whole), 3n)
    assert.equal(encodeScalar(-2.5, whole), -3n)
    assert.equal(encodeScalar(0.5, whole), 1n)
    assert.equal(encodeScalar(0.49, whole), 0n)
    assert.equal(encodeScalar(-0.49, whole), 0n)
    assert.equal(encodeScalar(998.5, whole), 999n)
    refused(() => encodeScalar(999.5, whole), 'value')
  })

  test('numbers are read at their shortest decimal form', () => {
    // 0.1 + 0.2 = 0.30000000000000004: 17 digits, rounded at 12
    assert.equal(encodeScalar(0.1 + 0.2, FP), 300000000000n)
    assert.equal(encodeScalar(Math.fround(0.1), FP), 100000001490n)
  })

  test('exponents beyond 4096 are refused, even on zero', () => {
    refused(() => encodeScalar('0e4097', FP), 'value')
    refused(() => encodeScalar('0e-4097', FP), 'value')
    refused(() => encodeScalar('1e9007199254740993', FP), 'value')
  })

  test('non-numbers are refused naming the field', () => {
    const bad: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, undefined, {}, [], true,
      'abc', '', ' ', '.', '-', '+', 'e5', '1e', '1.2.3', '1,5', '0x10', '1_000', 'Infinity', 'NaN', '1e99999', '1e-99999',
      Symbol('x'), () => 1]
    for (const v of bad) {
      refused(() => encodeScalar(v, FP), 'value')
      refused(() => encodeScalar(v, FP, 'inputs.alice'), 'inputs.alice')
    }
  })

  test('a refusal message names the field', () => {
    assert.throws(() => encodeScalar('abc', FP, 'value[7]'), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError)
      assert.match(err.message, /value\[7\]/)
      return true
    })
  })

  test('long junk is refused without echoing all of it', () => {
    const junk = 'x'.repeat(100_000)
    assert.throws(() => encodeScalar(junk, FP), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError)
      assert.equal(err.field, 'value')
      assert.ok(err.message.length < 200)
      return true
    })
  })
})

describe('encodeInput', () => {
  test('a scalar is one value with one sample', () => {
    assert.deepEqual(encodeInput(10, FP), { values: [10n * E12], shape: 'scalar', samples: 1 })
    assert.deepEqual(encodeInput('-1.5', FP), { values: [-1500000000000n], shape: 'scalar', samples: 1 })
    assert.deepEqual(encodeInput(2n, FP), { values: [2n * E12], shape: 'scalar', samples: 1 })
  })

  test('a vector is element-wise, samples = its length', () => {
    assert.deepEqual(encodeInput([1, '2.5', 3n], FP), { values: [E12, 2500000000000n, 3n * E12], shape: 'vector', samples: 3 })
    assert.deepEqual(encodeInput([0], FP), { values: [0n], shape: 'vector', samples: 1 })
  })

  test('typed arrays are vectors', () => {
    assert.deepEqual(encodeInput(new Float64Array([0.5, -1.25]), FP), { values: [5n * 10n ** 11n, -1250000000000n], shape: 'vector', samples: 2 })
    assert.deepEqual(encodeInput(new Int32Array([-3, 7, 2147483647]), FP), { values: [-3n * E12, 7n * E12, 2147483647n * E12], shape: 'vector', samples: 3 })
    assert.deepEqual(encodeInput(new BigInt64Array([-5n, 9n]), FP), { values: [-5n * E12, 9n * E12], shape: 'vector', samples: 2 })
    assert.deepEqual(encodeInput(new Uint8Array([255]), FP), { values: [255n * E12], shape: 'vector', samples: 1 })
    assert.deepEqual(encodeInput(new BigUint64Array([3n]), FP), { values: [3n * E12], shape: 'vector', samples: 1 })
    assert.deepEqual(encodeInput(new Float32Array([0.5]), FP), { values: [5n * 10n ** 11n], shape: 'vector', samples: 1 })
    for (const v of [[], new Float64Array(0), new Int32Array(2), new BigInt64Array(1)]) assert.equal(isVectorInput(v), true)
    for (const v of [1, '1', 1n, {}, null, { length: 1, 0: 1 }]) assert.equal(isVectorInput(v), false)
  })

  test('a bad element is named by its index', () => {
    refused(() => encodeInput([1, 2, 'abc'], FP), 'value[2]')
    refused(() => encodeInput([1, 2, Number.NaN, 4], FP, 'inputs'), 'inputs[2]')
    refused(() => encodeInput([null], FP), 'value[0]')
    refused(() => encodeInput(new Float64Array([1, Number.POSITIVE_INFINITY]), FP), 'value[1]')
    refused(() => encodeInput(new BigInt64Array([1n, 10n ** 12n]), FP), 'value[1]')
    refused(() => encodeInput([[1]], FP), 'value[0]')
    assert.throws(() => encodeInput([0, 0, 0, 'x'], FP), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError)
      assert.match(err.message, /value\[3\]/)
      return true
    })
  })

  test('an empty or too long vector is refused', () => {
    refused(() => encodeInput([], FP), 'value')
    refused(() => encodeInput(new Float64Array(0), FP, 'v'), 'v')
    refused(() => encodeInput([1, 2, 3], FP, 'value', 2), 'value')
    assert.equal(encodeInput([1, 2], FP, 'value', 2).samples, 2)
  })

  test('a bad scalar is refused naming the field', () => {
    refused(() => encodeInput(Number.NaN, FP), 'value')
    refused(() => encodeInput({}, FP, 'x'), 'x')
  })
})

describe('decoding', () => {
  test('scaledToDecimal: exact text without trailing zeros', () => {
    assert.equal(scaledToDecimal(13703703579000000n, FP), '13703.703579')
    assert.equal(scaledToDecimal(0n, FP), '0')
    assert.equal(scaledToDecimal(5n * E12, FP), '5')
    assert.equal(scaledToDecimal(1n, FP), '0.000000000001')
    assert.equal(scaledToDecimal(-1n, FP), '-0.000000000001')
    assert.equal(scaledToDecimal(-2500000000000n, FP), '-2.5')
    assert.equal(scaledToDecimal(10n ** 30n, FP), '1000000000000000000')
    assert.equal(scaledToDecimal(-1234n, { digitsBefore: 5, digitsAfter: 0 }), '-1234')
    assert.equal(scaledToDecimal(1234n, { digitsBefore: 5, digitsAfter: 2 }), '12.34')
  })

  test('the tutorial sum decodes exactly', () => {
    const total = encodeScalar('123.456789', FP) + encodeScalar('1234.56789', FP) + encodeScalar('12345.6789', FP)
    assert.equal(total, 13703703579000000n)
    assert.equal(decodeScaled(total, FP), 13703.703579)
    const asNumbers = encodeScalar(123.456789, FP) + encodeScalar(1234.56789, FP) + encodeScalar(12345.6789, FP)
    assert.equal(decodeScaled(asNumbers, FP), 13703.703579)
  })

  test('negative values', () => {
    assert.equal(decodeScaled(-2500000000000n, FP), -2.5)
    assert.equal(decodeScaled(encodeScalar('-123.456', FP), FP), -123.456)
    assert.equal(decodeScaled(encodeScalar(-7, FP) + encodeScalar(3, FP), FP), -4)
    assert.equal(decodeScaled(0n, FP), 0)
  })

  test('values a number cannot hold exactly come back as strings', () => {
    assert.equal(decodeScaled(10n ** 24n - 1n, FP), '999999999999.999999999999')
    assert.equal(decodeScaled(-(10n ** 24n - 1n), FP), '-999999999999.999999999999')
    assert.equal(decodeScaled(9007199254740993n * E12, FP), '9007199254740993')
    assert.equal(decodeScaled(12345678901123456789012n, FP), '12345678901.123456789012')
    assert.equal(decodeScaled(9007199254740992n * E12, FP), 9007199254740992)
  })

  const fps: FixedPoint[] = [FP, { digitsBefore: 3, digitsAfter: 2 }, { digitsBefore: 5, digitsAfter: 0 }, { digitsBefore: 0, digitsAfter: 6 }]
  const scaledIn = (fp: FixedPoint): fc.Arbitrary<bigint> => fc.bigInt({ min: -maxScaled(fp), max: maxScaled(fp) })

  test('property: encodeScalar(scaledToDecimal(x)) = x within range', () => {
    for (const fp of fps) {
      fc.assert(fc.property(scaledIn(fp), (x) => {
        assert.equal(encodeScalar(scaledToDecimal(x, fp), fp), x)
      }), { numRuns: 200 })
    }
  })

  test('property: decodeScaled is exact, as a number or as the decimal text', () => {
    for (const fp of fps) {
      fc.assert(fc.property(scaledIn(fp), (x) => {
        const d = decodeScaled(encodeScalar(scaledToDecimal(x, fp), fp), fp)
        if (typeof d === 'number') assert.equal(String(d), scaledToDecimal(x, fp))
        else assert.equal(d, scaledToDecimal(x, fp))
        assert.equal(encodeScalar(d, fp), x)
      }), { numRuns: 200 })
    }
  })

  test('property: sums of encoded numbers decode to the sum of the decimals', () => {
    const cents = fc.integer({ min: -99_999_999, max: 99_999_999 })
    fc.assert(fc.property(fc.array(cents, { minLength: 1, maxLength: 10 }), (xs) => {
      const total = xs.reduce((s, c) => s + encodeScalar(c / 100, FP), 0n)
      const exact = xs.reduce((s, c) => s + BigInt(c), 0n) * 10n ** 10n
      assert.equal(total, exact)
      assert.equal(encodeScalar(decodeScaled(total, FP), FP), exact)
    }), { numRuns: 200 })
  })
})
