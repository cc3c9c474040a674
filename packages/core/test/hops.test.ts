/**
 * Hop counters (MachineInit.traceHops): traced frames carry one in their header, each party's
 * next message carries one more than the highest it has taken, and `hops` at the result is the
 * longest chain of messages, one after another, that reached the party. Untraced frames stay
 * byte for byte those of wire version 1, and tracing changes no result.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { decodeMessage, encodeMessage, type WireMessage } from '../src/wire/codec.js'
import { HOP_FLAG, MAX_HOP } from '../src/wire/frame.js'
import { buildFastDataFrame, decodeLeanMessage } from '../src/wire/lean.js'
import { CodecError } from '../src/errors.js'
import { MACHINES, task, type MachineCase } from './machine-cases.js'

const digest = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const header = { taskId: 'task-λ', digest, from: 258 }
const isCodecError = (e: unknown): boolean => e instanceof CodecError

describe('traced frames', () => {
  test('carry the hop after the sender index, flagged in the kind byte, and decode to it', () => {
    const plain: WireMessage = { kind: 'confirm', ...header, hash: new Uint8Array(32).fill(0xab) }
    const traced: WireMessage = { ...plain, hop: 513 }
    const a = encodeMessage(plain, 16)
    const b = encodeMessage(traced, 16)
    assert.equal(b.length, a.length + 2)
    assert.equal(b[1], a[1]! | HOP_FLAG)
    const at = 3 + 'task-λ'.length + 1 + 32 + 4
    assert.deepEqual([...b.subarray(at, at + 2)], [2, 1])
    assert.deepEqual(decodeMessage(b), traced)
    assert.deepEqual(decodeMessage(a), plain)
    assert.equal('hop' in decodeMessage(a), false)
  })

  test('a fast lean data frame keeps its elements aligned with the longer header', () => {
    const built = buildFastDataFrame({ kind: 'lean-data', ...header, hop: 7, phase: 'reduce', step: 1, frame: 2 }, 3)
    assert.ok(built !== undefined, 'no fast frame on this platform')
    assert.equal(built.elements.byteOffset % 8, 0)
    built.elements.set([1, 2, 3])
    const m = decodeLeanMessage(built.wire, { maxElements: 10 })
    assert.equal(m.hop, 7)
    assert.deepEqual([...(m as { elements: Float64Array }).elements], [1, 2, 3])
  })

  test('a hop of 0 is refused when read, one outside [1, MAX_HOP] when written', () => {
    const frame = encodeMessage({ kind: 'confirm', ...header, hop: 1, hash: new Uint8Array(32) }, 16)
    const at = 3 + 'task-λ'.length + 1 + 32 + 4
    frame[at + 1] = 0
    assert.throws(() => decodeMessage(frame), isCodecError)
    for (const hop of [0, MAX_HOP + 1, 1.5]) {
      assert.throws(() => encodeMessage({ kind: 'confirm', ...header, hop, hash: new Uint8Array(32) }, 16), isCodecError, `hop ${hop}`)
    }
  })
})

/** The most hops at any party when every party gives its input first and messages go first in, first out. */
const EXPECTED: Record<MachineCase['name'], (n: number) => number> = {
  // share, partial, confirm: the full mesh's three rounds
  mesh: () => 3,
  // share, propose, commit, set-partial, confirm
  threshold: () => 5,
  // nonce collect (n - 1) and the hand-on to party 0, the reduce-scatter and all-gather
  // (2 (n - 1)), the confirmation collect and distribute; see README.md, Benchmark
  ring: n => ({ 2: 6, 3: 10, 4: 18, 5: 23 })[n]!,
  tree: n => ({ 2: 6, 3: 6, 4: 12, 5: 12 })[n]!,
  // each party's nonce to every other, the segment parts to their holders, the totals back,
  // the tags to every other: constant in n, the lower bound of this message pattern
  direct: () => 4,
  // keys, U1's proposal and commit, the masked segments to their holders, W's proposal and commit,
  // unmask, the segment totals, confirm (README-lean.md, Dropouts): constant in n
  'lean-threshold': () => 9
}

describe('hops in every mode', () => {
  for (const c of MACHINES) {
    for (const n of c.name === 'threshold' || c.name === 'lean-threshold' ? [3, 4, 5] : [2, 3, 4, 5]) {
      test(`${c.name}, ${n} parties: the longest chain, and the same result as untraced`, () => {
        const inputs = Array.from({ length: n }, (_, i) => [i + 1, 2.5, -3])
        const traced = task({ ...c, make: init => c.make({ ...init, traceHops: true }) }, inputs)
        traced.run()
        const untraced = task(c, inputs)
        untraced.run()
        assert.ok(traced.machines.every(m => m.step === 'done'))
        assert.deepEqual(traced.machines.map(m => m.result), untraced.machines.map(m => m.result))
        assert.equal(Math.max(...traced.machines.map(m => m.hops ?? 0)), EXPECTED[c.name](n))
        assert.ok(untraced.machines.every(m => (m.hops ?? 0) === 0))
        assert.ok(untraced.sent.every(s => (s.frame[1]! & HOP_FLAG) === 0 && s.message.hop === undefined))
        // each traced message carries one more than the most its sender had taken before it: never 0, never above the result's count
        assert.ok(traced.sent.every(s => s.message.hop !== undefined && s.message.hop >= 1))
      })
    }
  }
})

describe('hops on a sparse masking graph', () => {
  test('the tree with 4 neighbours per party takes as many hops as with the complete graph: 6 per level (12 parties: 18)', () => {
    const tree = MACHINES.find(c => c.name === 'tree')!
    const inputs = Array.from({ length: 12 }, (_, i) => [i + 1, 2.5])
    const hops = [{}, { neighbours: 4 }].map(extra => {
      const sim = task({ ...tree, parameters: n => ({ ...tree.parameters(n), ...extra }), make: init => tree.make({ ...init, traceHops: true }) }, inputs)
      sim.run()
      assert.ok(sim.machines.every(m => m.step === 'done'))
      return Math.max(...sim.machines.map(m => m.hops ?? 0))
    })
    assert.deepEqual(hops, [18, 18])
  })
})
