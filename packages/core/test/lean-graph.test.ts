/**
 * Lean mode's masking graph (src/protocols/lean/graph.ts): symmetric, k-regular, the same from
 * the same seed, complete up to the cutoff; the lemma behind its bound (a disconnected honest
 * subgraph needs two long coalition runs), the bound's table; the `neighbours` parameter.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import {
  COMPLETE_UP_TO, graphSeed, halfDegreeFor, log2DisconnectionBound, MaskGraph, neighbourCount, seededPermutation
} from '../src/protocols/lean/graph.js'
import { InvalidInputError } from '../src/errors.js'
import { resolveParameters } from '../src/task/parameters.js'
import { taskDigest } from '../src/task/descriptor.js'
import { peerNames } from './lean-helpers.js'

const seedOf = (label: string): Uint8Array => new Uint8Array(createHash('sha256').update(label).digest())

/** The connected components of the subgraph of `graph` on `members`, as a count. */
function components (graph: MaskGraph, members: readonly number[]): number {
  const inside = new Set(members)
  const seen = new Set<number>()
  let count = 0
  for (const start of members) {
    if (seen.has(start)) continue
    count++
    const stack = [start]
    seen.add(start)
    while (stack.length > 0) {
      const j = stack.pop()!
      for (const k of graph.neighbours(j)) if (inside.has(k) && !seen.has(k)) { seen.add(k); stack.push(k) }
    }
  }
  return count
}

describe('the masking graph', () => {
  test('symmetric, k-regular, no self-loops, indexOf agrees with the neighbour list', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 300 }), fc.integer({ min: 1, max: 40 }), fc.string(), (n, h, label) => {
      const graph = new MaskGraph(n, 2 * h, seedOf(label))
      const k = graph.complete ? n - 1 : 2 * h
      assert.equal(graph.degree, k)
      assert.equal(graph.complete, 2 * h >= n - 1)
      for (let j = 0; j < n; j++) {
        const list = graph.neighbours(j)
        assert.equal(list.length, k, `party ${j} has ${list.length} neighbours`)
        assert.equal(new Set(list).size, k)
        assert.ok(!list.includes(j))
        assert.deepEqual([...list], [...list].sort((a, b) => a - b))
        list.forEach((i, at) => {
          assert.ok(graph.has(i, j) && graph.has(j, i), `${i} ~ ${j} both ways`)
          assert.equal(graph.indexOf(j, i), at)
        })
        const others = Array.from({ length: n }, (_, i) => i).filter(i => i !== j && !list.includes(i))
        for (const i of others) { assert.ok(!graph.has(j, i)); assert.equal(graph.indexOf(j, i), -1) }
      }
    }), { numRuns: 60 })
  })

  test('the same seed gives the same graph, another seed (almost always) another', () => {
    const n = 500
    const a = new MaskGraph(n, 10, seedOf('one'))
    const b = new MaskGraph(n, 10, seedOf('one'))
    const c = new MaskGraph(n, 10, seedOf('two'))
    let differ = 0
    for (let j = 0; j < n; j++) {
      assert.deepEqual(a.neighbours(j), b.neighbours(j))
      if (a.neighbours(j).join() !== c.neighbours(j).join()) differ++
    }
    assert.ok(differ > n / 2, `${differ} of ${n} neighbour lists differ between two seeds`)
    const p = seededPermutation(n, seedOf('one'))
    assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i))
    assert.deepEqual(p, seededPermutation(n, seedOf('one')))
  })

  test('the permutation is unbiased enough to see: each of the 6 orders of 3 parties comes up about equally often', () => {
    // 3 parties, 6 orders: each should come up about 1/6 of the time over 6000 seeds
    const counts = new Map<string, number>()
    for (let s = 0; s < 6000; s++) {
      const key = [...seededPermutation(3, seedOf(`s${s}`))].join()
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    assert.equal(counts.size, 6)
    for (const [order, c] of counts) assert.ok(c > 850 && c < 1150, `order ${order} came ${c} times of 6000`)
  })

  test('the seed binds the task digest and the nonces', () => {
    const d1 = seedOf('digest 1')
    const d2 = seedOf('digest 2')
    const nonces = seedOf('nonces')
    assert.notDeepEqual(graphSeed(d1, nonces), graphSeed(d2, nonces))
    assert.notDeepEqual(graphSeed(d1, nonces), graphSeed(d1, seedOf('other nonces')))
    assert.deepEqual(graphSeed(d1, nonces), graphSeed(d1, nonces))
  })

  test('complete at or below the cutoff, sparse above it', () => {
    for (let n = 2; n <= COMPLETE_UP_TO; n++) assert.equal(neighbourCount(n), n - 1)
    for (const n of [COMPLETE_UP_TO + 1, 128, 500, 1000, 1024]) {
      const k = neighbourCount(n)
      assert.ok(k < n - 1 && k % 2 === 0, `n = ${n}: k = ${k}`)
    }
    assert.ok(new MaskGraph(COMPLETE_UP_TO, neighbourCount(COMPLETE_UP_TO)).complete)
    assert.equal(new MaskGraph(2, 1).neighbours(0).join(), '1')
    assert.throws(() => new MaskGraph(20, 5, seedOf('x')), RangeError)
    assert.throws(() => new MaskGraph(20, 4), RangeError)
  })
})

describe('the bound on a disconnected honest subgraph', () => {
  test('the lemma: whenever the honest parties are disconnected, at least two gaps between honest places hold h or more coalition parties', () => {
    let disconnected = 0
    fc.assert(fc.property(fc.integer({ min: 4, max: 60 }), fc.integer({ min: 1, max: 6 }), fc.string(), fc.double({ min: 0.1, max: 0.9, noNaN: true }), (n, h, label, gamma) => {
      fc.pre(2 * h < n - 1)
      const graph = new MaskGraph(n, 2 * h, seedOf(label))
      const order = seededPermutation(n, seedOf(label))
      const coalition = new Set(Array.from({ length: n }, (_, i) => i).filter(i => (i * 2654435761 % 1000) / 1000 < gamma))
      const honest = Array.from({ length: n }, (_, i) => i).filter(i => !coalition.has(i))
      fc.pre(honest.length >= 2)
      // the gaps: coalition parties between circularly consecutive honest places
      const places = [...order].map((party, p) => coalition.has(party) ? -1 : p).filter(p => p >= 0)
      const gaps = places.map((p, i) => ((places[(i + 1) % places.length]! - p + n) % n || n) - 1)
      const long = gaps.filter(g => g >= h).length
      if (components(graph, honest) > 1) { disconnected++; assert.ok(long >= 2, `disconnected with ${long} long gap(s)`) }
      if (long <= 1) assert.equal(components(graph, honest), 1)
    }), { numRuns: 400 })
    assert.ok(disconnected > 10, `only ${disconnected} disconnected cases came up`)
  })

  test('the bound falls with h and rises with n and gamma', () => {
    assert.ok(log2DisconnectionBound(1000, 31, 0.5) < log2DisconnectionBound(1000, 30, 0.5))
    assert.ok(log2DisconnectionBound(2000, 30, 0.5) > log2DisconnectionBound(1000, 30, 0.5))
    assert.ok(log2DisconnectionBound(1000, 30, 0.6) > log2DisconnectionBound(1000, 30, 0.5))
    let previous = 0
    for (let n = 2; n <= 20_000; n += 37) {
      const h = halfDegreeFor(n)
      assert.ok(h >= previous, `h(${n}) = ${h} after ${previous}`)
      assert.ok(log2DisconnectionBound(n, h, 0.5) <= -40)
      if (h > 1) assert.ok(log2DisconnectionBound(n, h - 1, 0.5) > -40, `h(${n}) = ${h} is not the smallest`)
      previous = h
    }
    assert.throws(() => log2DisconnectionBound(10, 2, 1), RangeError)
  })

  test('the table of README-lean.md: k at 128, 1,000 and 10,000 parties, and the bound at other coalitions', () => {
    assert.deepEqual([101, 128, 1000, 10_000].map(n => neighbourCount(n)), [54, 54, 60, 66])
    assert.equal(Math.round(log2DisconnectionBound(1000, 30, 1 / 3)), -76)
    assert.equal(Math.round(log2DisconnectionBound(1000, 30, 2 / 3)), -16)
    assert.ok(log2DisconnectionBound(1000, 30, 0.85) > 0, 'at 85% the bound says nothing')
  })
})

describe('the neighbours parameter', () => {
  const n = 12
  test('an even integer of at least 2, bound into the digest only when given', () => {
    assert.equal(resolveParameters({ mode: 'lean', neighbours: 4 }, n).neighbours, 4)
    assert.equal('neighbours' in resolveParameters({ mode: 'lean' }, n), false)
    const digest = (parameters: object): string => Buffer.from(taskDigest({ taskId: 't', microprotocol: 'SecureSum', parameters: resolveParameters(parameters, n), peers: peerNames(n) })).toString('hex')
    assert.notEqual(digest({ mode: 'lean', neighbours: 4 }), digest({ mode: 'lean' }))
    assert.notEqual(digest({ mode: 'lean', neighbours: 4 }), digest({ mode: 'lean', neighbours: 6 }))
    assert.equal(resolveParameters({ neighbours: 4 }, n).neighbours, 4, 'auto keeps it for when it picks lean mode')
    assert.equal(neighbourCount(n, 4), 4)
    assert.equal(neighbourCount(n, 40), n - 1, 'k of n - 1 or more is the complete graph')
  })

  test('anything else is refused naming parameters.neighbours', () => {
    const refused = (parameters: object, reason: RegExp): void => {
      assert.throws(() => resolveParameters(parameters, n), (e: unknown) => e instanceof InvalidInputError && e.field === 'parameters.neighbours' && reason.test(e.message))
    }
    for (const k of [3, 0, -2, 1.5, '4', true]) refused({ mode: 'lean', neighbours: k }, /even integer/)
    refused({ mode: 'lean', threshold: 9, neighbours: 4 }, /threshold/)
    refused({ threshold: 9, neighbours: 4 }, /threshold/)
    refused({ mode: 'mesh', neighbours: 4 }, /mesh/)
  })
})
