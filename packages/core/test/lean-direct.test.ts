/**
 * Lean mode's direct sends (protocols/lean/direct.ts) in memory: exact sums for random party
 * counts, lengths, frame sizes and delivery orders; what each party sends and to whom; bad
 * frames refused or failing the task, naming their sender.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DirectMachine } from '../src/protocols/lean/direct.js'
import { RingPlan } from '../src/protocols/lean/plan.js'
import { fastVectors, wideVectors, type VectorOps } from '../src/field/vectors.js'
import { fieldOf } from '../src/task/parameters.js'
import { ProtocolError, ResultMismatchError } from '../src/errors.js'
import type { InputValue, SecureSumResult, TaskDescriptor } from '../src/index.js'
import type { LeanDataMessage } from '../src/wire/lean.js'
import type { WireMessage } from '../src/wire/codec.js'
import { descriptorFor } from './lean-helpers.js'
import { machinesFor, prng, Sim, type Tamper } from './sim.js'

const FAST_PRIME = 4503599627370449

/** Every party's DirectMachine, with frames of `frameElements` elements. */
function network (descriptor: TaskDescriptor, inputs: readonly InputValue[], options: { frameElements?: number, tamper?: Tamper, seed?: string, wide?: boolean } = {}): Sim {
  const machines = machinesFor(descriptor.peers.map(() => descriptor), {
    seed: options.seed ?? 'direct',
    make: init => {
      const ops = (options.wide === true ? wideVectors(fieldOf(init.descriptor.parameters)) : fastVectors) as unknown as VectorOps<Float64Array | bigint[]>
      return new DirectMachine(init, options.frameElements === undefined ? ops : { ...ops, frameElements: options.frameElements })
    }
  })
  return new Sim(machines, { inputs, tamper: options.tamper })
}

function results (sim: Sim): SecureSumResult[] {
  return sim.machines.map((m, i) => {
    assert.equal(m.error, undefined, `party ${i} failed: ${m.error?.message ?? ''}`)
    assert.equal(m.step, 'done')
    return m.result!
  })
}

/** Integer inputs, so the expected total is exact in doubles. */
function integerInputs (n: number, length: number, seed: number): number[][] {
  const next = prng(seed)
  return Array.from({ length: n }, () => Array.from({ length }, () => Math.round((next() * 2 - 1) * 1e5)))
}

describe('direct sends give the exact sum', () => {
  test('random party counts, lengths, frame sizes, profiles and delivery orders (fast-check)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), fc.integer({ min: 0, max: 1 << 30 }),
      (n, length, frameElements, wide, seed) => {
        const inputs = integerInputs(n, length, seed)
        const expected = inputs[0]!.map((_, k) => inputs.reduce((s, x) => s + x[k]!, 0))
        const sim = network(descriptorFor(n, wide ? { mode: 'lean' } : { mode: 'lean', profile: 'fast' }, `fc-${seed}`), inputs, { frameElements, wide, seed: `fc${seed}` })
        const pick = prng(seed)
        sim.run(c => Math.floor(pick() * c))
        assert.deepEqual(sim.inputErrors, [])
        assert.deepEqual(sim.refusals, [])
        for (const r of results(sim)) {
          assert.equal(r.inputs, n)
          assert.equal(r.result.samples, n * length)
          assert.deepEqual((r.result.sum as unknown[]).map(Number), expected)
        }
      }), { numRuns: 60 })
  })
})

describe('what direct sends send', () => {
  test('segment parts go only to their holder, totals only from it; each party uploads about 2 (n - 1) / n of its input', () => {
    for (const n of [3, 5, 8]) {
      const length = 6000
      const frameElements = 512
      const sim = network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), integerInputs(n, length, n), { frameElements })
      const plan = new RingPlan(n, length + 1, frameElements)
      sim.run()
      results(sim)
      for (const e of sim.sent) {
        if (e.message.kind !== 'lean-data') continue
        const segment = plan.frameSegment[e.message.frame]!
        if (e.message.phase === 'reduce') assert.equal(e.to, segment, `a part of segment ${segment} went to party ${e.to}`)
        else assert.equal(e.from, segment, `the total of segment ${segment} came from party ${e.from}`)
      }
      for (let i = 0; i < n; i++) {
        const ratio = sim.bytesSent(i, ['lean-data']) / (8 * (length + 1))
        const own = (plan.segmentStart(i + 1) - plan.segmentStart(i)) / (length + 1)
        // the others' segments once (1 - own), this party's segment to the n - 1 others; frame headers besides
        const expected = (1 - own) + (n - 1) * own
        assert.ok(ratio >= expected && ratio <= expected * 1.1, `party ${i} of ${n} sent ${ratio.toFixed(3)} x its input in data (expected ${expected.toFixed(3)})`)
        assert.ok(ratio <= 2.1, `party ${i} of ${n} sent ${ratio.toFixed(3)} x its input`)
      }
    }
  })
})

/** A 4-party sum where `tamper` may rewrite messages; the parties' errors and the refusals. */
function tampered (tamper: Tamper): Sim {
  const sim = network(descriptorFor(4, { profile: 'fast', mode: 'lean' }), integerInputs(4, 12, 7), { frameElements: 2, tamper })
  sim.run()
  return sim
}

/** Rewrite the first lean-data message of `phase` from `from`, once. */
function onceData (from: number, phase: 'reduce' | 'gather', change: (m: LeanDataMessage) => WireMessage): { tamper: Tamper, done: () => boolean } {
  let done = false
  return {
    tamper: e => {
      const m = e.message
      if (done || e.from !== from || m.kind !== 'lean-data' || m.phase !== phase) return m
      done = true
      return change(m)
    },
    done: () => done
  }
}

describe('bad frames', () => {
  test('a part sent to a party that does not hold its segment is refused, naming the sender', () => {
    const sim = network(descriptorFor(4, { profile: 'fast', mode: 'lean' }), integerInputs(4, 12, 3), { frameElements: 2 })
    for (let i = 0; i < 4; i++) sim.input(i)
    let posted = false
    while (sim.queue.length > 0) {
      const e = sim.queue[0]!
      if (!posted && e.message.kind === 'lean-data' && e.message.phase === 'reduce') {
        posted = true
        const to = (e.to + 1) % 4 === e.from ? (e.to + 2) % 4 : (e.to + 1) % 4
        sim.post(e.from, [{ to, message: e.message }])
      }
      sim.deliver(0)
    }
    assert.ok(posted)
    results(sim)
    assert.equal(sim.refusals.length, 1)
    const r = sim.refusals[0]!
    assert.ok(r.error instanceof ProtocolError && r.error.party === r.from)
    assert.match(r.error.message, /which holds segment/)
  })

  test('a total from a party that does not hold the segment, or a second copy of a frame, is refused', () => {
    const sim = network(descriptorFor(3, { profile: 'fast', mode: 'lean' }), integerInputs(3, 9, 4), { frameElements: 2 })
    for (let i = 0; i < 3; i++) sim.input(i)
    let forged = false
    let copied = false
    while (sim.queue.length > 0) {
      const e = sim.queue[0]!
      if (!forged && e.message.kind === 'lean-data' && e.message.phase === 'gather') {
        forged = true
        // the third party hands on the holder's total as if it held the segment
        const other = [0, 1, 2].find(j => j !== e.from && j !== e.to)!
        sim.post(other, [{ to: e.to, message: { ...e.message, from: other } }])
      }
      if (!copied && e.message.kind === 'lean-data' && e.message.phase === 'reduce') {
        copied = true
        sim.queue.push({ ...e })
      }
      sim.deliver(0)
    }
    results(sim)
    assert.deepEqual(sim.refusals.map(r => r.code), ['PROTOCOL_VIOLATION', 'PROTOCOL_VIOLATION'])
    for (const r of sim.refusals) assert.ok(r.error instanceof ProtocolError && r.error.party === r.from)
    assert.ok(sim.refusals.some(r => /which party \d holds/.test(r.error.message)))
    assert.ok(sim.refusals.some(r => /already sent frame/.test(r.error.message)))
  })

  test('a frame with a step, an element outside the field, or the wrong count fails or is refused, naming the sender', () => {
    const cases: Array<[string, (m: LeanDataMessage) => WireMessage, RegExp]> = [
      ['step', m => ({ ...m, step: 1 }), /direct sends have one step/],
      ['outside the field', m => ({ ...m, elements: Float64Array.from(m.elements as Float64Array, (x, k) => k === 0 ? FAST_PRIME : x) }), /outside the field/],
      ['count', m => ({ ...m, elements: (m.elements as Float64Array).subarray(1) }), /elements of another profile or count/]
    ]
    for (const [name, change, pattern] of cases) {
      const once = onceData(1, 'reduce', change)
      const sim = tampered(once.tamper)
      assert.ok(once.done(), name)
      const errors = [...sim.refusals.map(r => r.error), ...sim.machines.map(m => m.error)].filter(e => e !== undefined)
      const named = errors.find(e => e instanceof ProtocolError && pattern.test(e.message))
      assert.ok(named instanceof ProtocolError && named.party === 1, `${name}: ${errors.map(e => e.message).join('; ')}`)
      // whatever became of the task, no party finished with another total
      for (const m of sim.machines) if (m.step === 'done') assert.equal(m.result!.inputs, 4)
    }
  })

  test('an altered total is caught by the confirmation; no party finishes with it', () => {
    const inputs = integerInputs(4, 12, 7)
    const expected = inputs[0]!.map((_, k) => inputs.reduce((s, x) => s + x[k]!, 0))
    const once = onceData(2, 'gather', m => ({ ...m, elements: Float64Array.from(m.elements as Float64Array, (x, k) => k === 0 ? (x + 1) % FAST_PRIME : x) }))
    const sim = tampered(once.tamper)
    assert.ok(once.done())
    assert.ok(sim.machines.some(m => m.error instanceof ResultMismatchError))
    for (const m of sim.machines) {
      if (m.step === 'done') assert.deepEqual((m.result!.result.sum as unknown[]).map(Number), expected)
      else assert.equal(m.step, 'failed')
    }
  })

  test('a nonce message with another party\'s entry, or on another topology, is refused naming the sender', () => {
    for (const change of [
      (m: WireMessage) => m.kind === 'lean-nonces' ? { ...m, entries: m.entries.map(e => ({ ...e, party: (e.party + 1) % 3 })) } : m,
      (m: WireMessage) => m.kind === 'lean-nonces' ? { ...m, topology: 'ring' as const } : m
    ]) {
      let done = false
      const sim = network(descriptorFor(3, { profile: 'fast', mode: 'lean' }), integerInputs(3, 5, 1), {
        tamper: e => { if (done || e.from !== 0 || e.to !== 1) return e.message; done = true; return change(e.message) }
      })
      sim.run()
      assert.ok(done)
      const r = sim.refusals.find(x => x.to === 1)
      assert.ok(r !== undefined && r.error instanceof ProtocolError && r.error.party === 0, String(r?.error))
      assert.notEqual(sim.machines[1]!.step, 'done', 'party 1 lacks party 0\'s nonce')
    }
  })
})
