/** Lean mode's frames (kinds 16..18): round trips through decodeMessage, and every truncation refused. */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CodecError } from '../src/errors.js'
import { decodeMessage, encodeMessage, type WireMessage } from '../src/wire/codec.js'
import { FAST_PRIME } from '../src/field/fast.js'
import { RingPlan } from '../src/protocols/lean/plan.js'
import { buildFastDataFrame } from '../src/wire/lean.js'

const digest = new Uint8Array(32).fill(7)
const header = { taskId: 'task-λ', digest, from: 3 }
const nonce = (b: number): Uint8Array => new Uint8Array(16).fill(b)

const fastElements = fc.array(fc.integer({ min: 0, max: FAST_PRIME - 1 }), { maxLength: 40 }).map(xs => Float64Array.from(xs))
const wideElements = fc.array(fc.bigInt({ min: 0n, max: (1n << 89n) - 2n }), { maxLength: 20 })

const messages: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.record({
    pass: fc.constantFrom('collect' as const, 'distribute' as const),
    descriptor: fc.string({ maxLength: 80 }),
    topology: fc.constantFrom('ring' as const, 'tree' as const, 'direct' as const),
    entries: fc.array(fc.record({
      party: fc.nat(),
      nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      shape: fc.constantFrom('scalar' as const, 'vector' as const),
      length: fc.nat(),
      publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      signature: fc.uint8Array({ minLength: 64, maxLength: 64 })
    }).map(e => ({ ...e })), { maxLength: 6 })
  }).map(b => ({ kind: 'lean-nonces' as const, ...header, ...b })),
  fc.record({
    phase: fc.constantFrom('reduce' as const, 'gather' as const),
    step: fc.nat({ max: 1000 }),
    frame: fc.nat({ max: 1 << 20 }),
    elements: fc.oneof(fastElements, wideElements)
  }).map(b => ({ kind: 'lean-data' as const, ...header, ...b })),
  fc.record({
    pass: fc.constantFrom('collect' as const, 'distribute' as const),
    tags: fc.integer({ min: 0, max: 5 }).chain(n => fc.array(fc.record({ party: fc.nat(), blob: fc.uint8Array({ minLength: 16 * 3, maxLength: 16 * 3 }) }).map(t => ({ ...t })), { minLength: n, maxLength: n }))
  }).map(b => ({ kind: 'lean-confirm' as const, ...header, ...b }))
)

describe('lean frames', () => {
  test('fast data frames built in place are the frames encodeMessage writes, elements 8-byte aligned', () => {
    for (const taskId of ['t', 'task-λ', 'x'.repeat(100)]) {
      const base = { kind: 'lean-data' as const, taskId, digest, from: 1, phase: 'gather' as const, step: 3, frame: 9 }
      const built = buildFastDataFrame(base, 3)!
      built.elements.set([5, 6, FAST_PRIME - 1])
      assert.equal(built.elements.byteOffset % 8, 0)
      assert.deepEqual(built.wire, encodeMessage({ ...base, elements: Float64Array.of(5, 6, FAST_PRIME - 1) }, 12))
      assert.equal(encodeMessage({ ...base, elements: built.elements, wire: built.wire }, 12), built.wire)
    }
  })

  test('round trip through encodeMessage and decodeMessage', () => {
    fc.assert(fc.property(messages, m => {
      const decoded = decodeMessage(encodeMessage(m, 12))
      if (m.kind === 'lean-data' && m.elements instanceof Float64Array) {
        assert.ok(decoded.kind === 'lean-data' && decoded.elements instanceof Float64Array)
        assert.deepEqual([...decoded.elements], [...m.elements])
        assert.deepEqual({ ...decoded, elements: [] }, { ...m, elements: [] })
      } else {
        assert.deepEqual(decoded, m)
      }
    }), { numRuns: 300 })
  })

  test('every truncation and every extra byte is refused', () => {
    const samples: WireMessage[] = [
      { kind: 'lean-nonces', ...header, pass: 'collect', topology: 'tree', descriptor: '{"v":1}', entries: [{ party: 4, nonce: nonce(1), shape: 'vector', length: 9, publicKey: new Uint8Array(32).fill(2), signature: new Uint8Array(64).fill(3) }] },
      { kind: 'lean-data', ...header, phase: 'gather', step: 2, frame: 5, elements: Float64Array.of(1, 2, FAST_PRIME - 1) },
      { kind: 'lean-data', ...header, phase: 'reduce', step: 0, frame: 0, elements: [1n, 2n] },
      { kind: 'lean-confirm', ...header, pass: 'distribute', tags: [{ party: 0, blob: new Uint8Array(32) }, { party: 2, blob: new Uint8Array(32) }] }
    ]
    for (const m of samples) {
      const frame = encodeMessage(m, 12)
      for (let cut = 0; cut < frame.length; cut++) assert.throws(() => decodeMessage(frame.subarray(0, cut)), CodecError)
      const padded = new Uint8Array(frame.length + 1)
      padded.set(frame)
      assert.throws(() => decodeMessage(padded), CodecError)
    }
  })

  test('a nonce entry carries a 32-byte ephemeral key and a 64-byte signature, or is not encoded', () => {
    const entry = { party: 1, nonce: nonce(1), shape: 'vector' as const, length: 9, publicKey: new Uint8Array(32), signature: new Uint8Array(64) }
    const m = (e: typeof entry): WireMessage => ({ kind: 'lean-nonces', ...header, pass: 'collect', topology: 'ring', descriptor: '{}', entries: [e] })
    assert.ok(encodeMessage(m(entry), 12).length > 0)
    for (const [bad, what] of [[{ ...entry, publicKey: new Uint8Array(31) }, /ephemeral key of 31 bytes/], [{ ...entry, signature: new Uint8Array(65) }, /signature of 65 bytes/], [{ ...entry, signature: new Uint8Array(0) }, /signature of 0 bytes/]] as const) {
      assert.throws(() => encodeMessage(m(bad), 12), (err: unknown) => err instanceof CodecError && what.test(err.message))
    }
  })

  test('limits and unknown codes are refused', () => {
    const data = encodeMessage({ kind: 'lean-data', ...header, phase: 'reduce', step: 0, frame: 0, elements: Float64Array.of(1, 2, 3) }, 12)
    assert.throws(() => decodeMessage(data, { maxElements: 2, maxElementBytes: 640 }), /exceed the limit/)
    // the format byte: after the header (version, kind, id length, id, digest, sender) and phase, step, frame
    const at = 3 + new TextEncoder().encode(header.taskId).length + 32 + 4 + 1 + 4 + 4
    const bad = data.slice(); bad[at] = 9
    assert.throws(() => decodeMessage(bad), /unknown element format/)
    const kind = data.slice(); kind[1] = 31
    assert.throws(() => decodeMessage(kind), /unknown message kind 31/)
  })
})

describe('the ring plan', () => {
  test('segments and frames cover every element once, in order', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 300 }), (n, m, f) => {
      const plan = new RingPlan(n, m, f)
      let next = 0
      for (let s = 0; s < n; s++) {
        for (const g of plan.framesOf(s)) {
          assert.equal(plan.frameSegment[g], s)
          assert.equal(plan.frameStart[g], next)
          assert.ok(plan.frameCount[g]! >= 1 && plan.frameCount[g]! <= f)
          next += plan.frameCount[g]!
        }
        assert.equal(next, plan.segmentStart(s + 1))
      }
      assert.equal(next, m)
    }), { numRuns: 300 })
  })

  test('a segment passes every party once in each phase and ends at its owner', () => {
    for (const n of [2, 3, 5, 8]) {
      const plan = new RingPlan(n, 100, 7)
      for (let s = 0; s < n; s++) {
        // reduce: sent by s at step 0, by s + t at step t; the receiver of the last step owns it
        for (let t = 0; t <= n - 2; t++) assert.equal(plan.segmentAt((s + t) % n, t, 'reduce'), s)
        const owner = (s + n - 1) % n
        assert.equal(plan.ownedBy(owner), s)
        for (let t = 0; t <= n - 2; t++) assert.equal(plan.segmentAt((owner + t) % n, t, 'gather'), s)
      }
    }
  })
})
