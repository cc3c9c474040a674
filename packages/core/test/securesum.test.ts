/**
 * The additive full mesh (SecureSum) on a simulated network (sim.ts): exact sums of scalars,
 * decimals, negatives and vectors in any delivery order; messages that arrive early; waitingFor;
 * a party that tells different parties different partial sums, caught by the confirmations.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { WireMessage } from '../src/wire/codec.js'
import { decodeScaled, DEFAULT_FIXED_POINT, encodeScalar, maxScaled, scaledToDecimal } from '../src/encoding/fixed-point.js'
import { InvalidInputError, ResultMismatchError, TaskAbortedError } from '../src/errors.js'
import type { InputValue } from '../src/encoding/fixed-point.js'
import { SecureSum } from '../src/protocols/mesh/machine.js'
import { canonicalDescriptor, taskDigest } from '../src/task/descriptor.js'
import { fromChoices, Sim, type InFlight } from './sim.js'
import { makeDescriptor, makeParties, runAll, TASK_ID } from './securesum-helpers.js'

describe('SecureSum: the happy path', () => {
  test('three parties sum 10, 7 and 14', () => {
    const parties = runAll([10, 7, 14])
    for (const p of parties) {
      assert.equal(p.step, 'done')
      assert.equal(p.finished, true)
      assert.equal(p.error, undefined)
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
      assert.deepEqual(p.waitingFor(), { step: 'done', missing: [] })
    }
  })

  test('the tutorial decimals sum to 13703.703579', () => {
    for (const p of runAll(['123.456789', '1234.56789', '12345.6789'])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 13703.703579 } })
    }
    for (const p of runAll([123.456789, 1234.56789, 12345.6789])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 13703.703579 } })
    }
  })

  test('negative inputs and a negative total', () => {
    for (const p of runAll([-10, 2.5, '-0.000001'])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: -7.500001 } })
    }
  })

  test('extreme inputs: the field holds n times the largest value', () => {
    const max = '999999999999.999999999999'
    for (const p of runAll([max, max, max])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: '2999999999999.999999999997' } })
    }
    for (const p of runAll([`-${max}`, `-${max}`])) {
      assert.deepEqual(p.result, { inputs: 2, result: { samples: 2, sum: '-1999999999999.999999999998' } })
    }
  })

  test('vectors are summed element-wise, samples = n * length', () => {
    const parties = runAll([[1, 2, 3], new Float64Array([4, 5, 6]), ['7', 8n, 9.5]])
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 9, sum: [12, 15, 18.5] } })
  })

  test('a one-element vector stays a vector', () => {
    for (const p of runAll([[1], [2]])) assert.deepEqual(p.result, { inputs: 2, result: { samples: 2, sum: [3] } })
  })

  test('custom digits and modulus', () => {
    // 4 * 3 * (10^6 - 1) < 100000007, a prime
    const params = { digits_before: 4, digits_after: 2, modulus: '100000007' }
    for (const p of runAll([9999.99, -0.01, 12.345], params)) {
      // 12.345 is rounded half away from zero to 12.35
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 10012.33 } })
    }
  })

  test('a single party sums alone, with nothing to send', () => {
    const [p] = makeParties([makeDescriptor(1)])
    assert.deepEqual(p!.input(42), [])
    assert.equal(p!.step, 'done')
    assert.deepEqual(p!.result, { inputs: 1, result: { samples: 1, sum: 42 } })
  })

  test('input sends one share to every other party, carrying the task digest and description', () => {
    const d = makeDescriptor(4)
    const [p] = makeParties([d])
    const out = p!.input(['1', '2'])
    assert.deepEqual(out.map(o => o.to), [1, 2, 3])
    for (const { message: m } of out) {
      assert.equal(m.kind, 'share')
      assert.ok(m.kind === 'share')
      assert.equal(m.from, 0)
      assert.equal(m.taskId, TASK_ID)
      assert.deepEqual(m.digest, taskDigest(d))
      assert.equal(m.descriptor, canonicalDescriptor(d))
      assert.equal(m.shape, 'vector')
      assert.equal(m.elements.length, 3) // two values and the sample count
      for (const x of m.elements) assert.ok(x >= 0n && x < p!.field.p)
    }
    // the shares are random: no share holds the input in the clear
    const scaled = [encodeScalar('1', DEFAULT_FIXED_POINT), encodeScalar('2', DEFAULT_FIXED_POINT)]
    for (const { message: m } of out) {
      assert.ok(m.kind === 'share')
      assert.notDeepEqual(m.elements.slice(0, 2), scaled)
    }
    assert.equal(p!.hasInput, true)
    assert.equal(p!.step, 'share')
  })

  test('property: 1..7 parties, any delivery order, inputs interleaved with messages', () => {
    const scaledArb = fc.bigInt({ min: -maxScaled(DEFAULT_FIXED_POINT), max: maxScaled(DEFAULT_FIXED_POINT) })
    const taskArb = fc.record({ n: fc.integer({ min: 1, max: 7 }), length: fc.integer({ min: 0, max: 4 }) }).chain(({ n, length }) => fc.record({
      n: fc.constant(n),
      length: fc.constant(length),
      values: fc.array(fc.array(scaledArb, { minLength: Math.max(length, 1), maxLength: Math.max(length, 1) }), { minLength: n, maxLength: n }),
      choices: fc.array(fc.nat(), { maxLength: 400 }),
      seed: fc.string({ maxLength: 8 })
    }))
    fc.assert(fc.property(taskArb, ({ n, length, values, choices, seed }) => {
      const fp = DEFAULT_FIXED_POINT
      // length 0 means scalar inputs; a mix of strings and bigints-as-strings
      const inputs: InputValue[] = values.map(v => (length === 0 ? scaledToDecimal(v[0]!, fp) : v.map(x => scaledToDecimal(x, fp))))
      const totals = values[0]!.map((_, k) => values.reduce((s, v) => s + v[k]!, 0n))
      const expectedSum = length === 0 ? decodeScaled(totals[0]!, fp) : totals.map(t => decodeScaled(t, fp))
      const parties = makeParties(Array.from({ length: n }, () => makeDescriptor(n)), seed)
      const net = new Sim(parties, { inputs })
      net.run(fromChoices(choices))
      assert.deepEqual(net.refusals, [])
      assert.deepEqual(net.inputErrors, [])
      for (const p of parties) {
        assert.equal(p.step, 'done', `party ${p.myself}: ${String(p.error)}`)
        assert.deepEqual(p.result, { inputs: n, result: { samples: n * Math.max(length, 1), sum: expectedSum } })
      }
    }), { numRuns: 60 })
  })
})

describe('SecureSum: order of arrival', () => {
  test('shares arriving before the own input are kept', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Sim(parties)
    net.input(1, 7)
    net.input(2, 14)
    // deliver everything addressed to party 0 while it has no input yet
    while (net.queue.some(m => m.to === 0)) net.deliver(net.queue.findIndex(m => m.to === 0))
    assert.equal(parties[0]!.step, 'input')
    assert.deepEqual(parties[0]!.waitingFor(), { step: 'input', missing: [0] })
    assert.equal(parties[0]!.hasInput, false)
    net.input(0, 10)
    net.run()
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })

  test('partial sums and confirmations arriving early are kept', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Sim(parties)
    net.input(0, 10)
    net.input(1, 7)
    // hold back every message to party 2 and give party 2's input last
    const isFor2 = (m: InFlight): boolean => m.to === 2
    const next = (): number => net.queue.findIndex(m => !isFor2(m))
    while (next() >= 0) net.deliver(next())
    net.input(2, 14)
    while (next() >= 0) net.deliver(next())
    // parties 0 and 1 are waiting for party 2's partial sum now
    assert.deepEqual(parties[0]!.waitingFor(), { step: 'partial', missing: [2] })
    net.run(count => count - 1) // newest first: party 2 sees partials and confirms before shares
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })
})

describe('SecureSum: waitingFor', () => {
  test('reports the missing parties at each step', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const [p0, p1, p2] = parties as [SecureSum, SecureSum, SecureSum]
    const net = new Sim(parties)
    const deliverFirst = (from: number, to: number, kind: WireMessage['kind']): void => {
      const i = net.queue.findIndex(m => m.from === from && m.to === to && m.message.kind === kind)
      assert.ok(i >= 0, `no ${kind} from ${from} to ${to} in flight`)
      net.deliver(i)
    }
    assert.deepEqual(p0.waitingFor(), { step: 'input', missing: [0] })
    assert.deepEqual(p1.waitingFor(), { step: 'input', missing: [1] })
    net.input(0, 10)
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [1, 2] })
    net.input(2, 14)
    deliverFirst(2, 0, 'share')
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [1] })
    net.input(1, 7)
    deliverFirst(1, 0, 'share')
    assert.deepEqual(p0.waitingFor(), { step: 'partial', missing: [1, 2] })
    deliverFirst(0, 1, 'share')
    deliverFirst(2, 1, 'share')
    assert.deepEqual(p1.waitingFor(), { step: 'partial', missing: [0, 2] })
    deliverFirst(1, 0, 'partial')
    assert.deepEqual(p0.waitingFor(), { step: 'partial', missing: [2] })
    deliverFirst(0, 2, 'share')
    deliverFirst(1, 2, 'share')
    assert.deepEqual(p2.waitingFor(), { step: 'partial', missing: [0, 1] })
    deliverFirst(2, 0, 'partial')
    assert.deepEqual(p0.waitingFor(), { step: 'confirm', missing: [1, 2] })
    deliverFirst(0, 2, 'partial')
    deliverFirst(1, 2, 'partial')
    assert.deepEqual(p2.waitingFor(), { step: 'confirm', missing: [0, 1] })
    deliverFirst(2, 0, 'confirm')
    assert.deepEqual(p0.waitingFor(), { step: 'confirm', missing: [1] })
    net.run()
    for (const p of parties) assert.deepEqual(p.waitingFor(), { step: 'done', missing: [] })
  })

  test('a failed party waits for nobody', () => {
    const [p] = makeParties([makeDescriptor(3)])
    p!.fail(new InvalidInputError('value', 'test'))
    assert.deepEqual(p!.waitingFor(), { step: 'failed', missing: [] })
  })
})

describe('SecureSum: a party that tells different parties different partial sums', () => {
  test('a tampered partial sum, seen by one party only, fails the task with ResultMismatchError', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Sim(parties)
    // the partial sum from party 1 to party 2 has one element changed on its way
    const p = parties[2]!.field.p
    let tampered = false
    net.tamper = ({ from, to, message: m }) => {
      if (m.kind !== 'partial' || from !== 1 || to !== 2) return m
      tampered = true
      return { ...m, elements: [(m.elements[0]! + 1n) % p, ...m.elements.slice(1)] }
    }
    ;[10, 7, 14].forEach((v, i) => net.input(i, v))
    net.run()
    assert.ok(tampered)
    assert.deepEqual(net.refusals, [])
    for (const party of parties) {
      assert.equal(party.step, 'failed')
      assert.equal(party.result, undefined)
      assert.ok(party.error instanceof ResultMismatchError || party.error instanceof TaskAbortedError, String(party.error))
    }
    const mismatches = parties.filter(q => q.error instanceof ResultMismatchError)
    assert.ok(mismatches.length >= 1)
    for (const q of mismatches) assert.equal(q.error!.code, 'RESULT_MISMATCH')
    // party 2 disagrees with both others; parties 0 and 1 agree with each other
    const p2Error = parties[2]!.error
    if (p2Error instanceof ResultMismatchError) assert.ok([0, 1].includes(p2Error.party))
    for (const q of parties.slice(0, 2)) if (q.error instanceof ResultMismatchError) assert.equal(q.error.party, 2)
  })

  test('property: a tampered partial sum fails every party in any delivery order', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 200 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 1000 }), (choices, element, delta) => {
      const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
      let tampered = false
      const net = new Sim(parties, {
        inputs: [['1', '2'], ['3', '4'], ['5', '6']],
        tamper: ({ from, to, message: m }) => {
          if (tampered || m.kind !== 'partial' || from !== 0 || to !== 1) return m
          const el = m.elements.slice()
          const k = element % el.length
          el[k] = (el[k]! + BigInt(delta)) % parties[0]!.field.p
          tampered = true
          return { ...m, elements: el }
        }
      })
      net.run(fromChoices(choices))
      assert.ok(tampered)
      for (const party of parties) {
        assert.equal(party.step, 'failed')
        assert.ok(party.error instanceof ResultMismatchError || party.error instanceof TaskAbortedError, String(party.error))
      }
      assert.ok(parties.some(q => q.error instanceof ResultMismatchError))
      assert.deepEqual(net.refusals, [])
    }), { numRuns: 100 })
  })
})
