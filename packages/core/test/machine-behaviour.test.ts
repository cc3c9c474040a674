/**
 * One behaviour suite for the five protocol machines (machine-cases.ts: the full mesh, threshold
 * mode, lean mode's ring and tree) on the simulator (sim.ts): round trips, every order of inputs
 * and messages for 2 parties and thousands for 3, replayed, foreign and late messages. Aborts,
 * digest mismatches and messages of another mode: machine-behaviour-failures.test.ts.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import type { WireMessage } from '../src/wire/codec.js'
import { ProtocolError, TaskCancelledError } from '../src/errors.js'
import type { AutoMachine } from '../src/machine/auto.js'
import { TREE_MAX_ELEMENTS } from '../src/protocols/lean/tree.js'
import { assertRefused } from './helpers.js'
import { assertSum, inputSets, MACHINES, plainSum, stateOf, task, TASK_ID, type MachineCase } from './machine-cases.js'
import { exploreOrders, seededPick, type Delivery, type InFlight, type Sim } from './sim.js'

/** Seeded random orders per machine for 3 parties. */
const ORDERS_3 = 2000

const LATE = { verdict: { status: 'accepted', code: 'LATE' }, out: [] }

const isProtocolError = (err: unknown): boolean => err instanceof ProtocolError && err.name === 'ProtocolError'

/** The outcome of one task with the tutorial's three parties, at every party. */
function results (c: MachineCase, inputs: Parameters<typeof task>[1]): unknown[] {
  const sim = task(c, inputs)
  sim.run()
  return sim.machines.map(m => m.result)
}

describe('round trips: the plain sum, the same at every party', () => {
  for (const c of MACHINES) {
    test(`${c.name}: scalars, decimals, negatives, vectors`, () => {
      for (const n of c.sizes) {
        for (const { name, inputs } of inputSets(n)) {
          const sim = task(c, inputs, { seed: `${name}/${n}` })
          sim.run()
          assertSum(sim, inputs)
        }
      }
      assert.deepEqual(results(c, [10, 7, 14]), Array(3).fill({ inputs: 3, result: { samples: 3, sum: 31 } }))
      assert.deepEqual(results(c, ['123.456789', '1234.56789', '12345.6789']), Array(3).fill({ inputs: 3, result: { samples: 3, sum: 13703.703579 } }))
      assert.deepEqual(results(c, [-10, 2.5, '-0.000001']), Array(3).fill({ inputs: 3, result: { samples: 3, sum: -7.500001 } }))
      assert.deepEqual(results(c, [[1, 2, 3], [4, 5, 6], ['7', 8n, 9.5]]), Array(3).fill({ inputs: 3, result: { samples: 9, sum: [12, 15, 18.5] } }))
    })
  }

  test(`lean mode (createMachine) moves an input of ${TREE_MAX_ELEMENTS} elements by direct sends, exactly`, () => {
    const lean = MACHINES.find(c => c.name === 'tree')!
    const inputs = [0, 1, 2].map(i => Array.from({ length: TREE_MAX_ELEMENTS }, (_, k) => `${(k * 7919 + i) % 2001 - 1000}.${k % 10}`))
    for (let seed = 0; seed < 2; seed++) {
      const sim = task(lean, inputs, { seed: `ring/${seed}` })
      sim.run(seededPick(seed))
      for (const m of sim.machines) assert.equal((m as AutoMachine).chosen, 'direct')
      assertSum(sim, inputs)
    }
  })
})

describe('every order of inputs and messages', () => {
  for (const c of MACHINES) {
    // threshold mode needs n/2 < t < n, so 3 parties at least: the first orders of a depth-first walk
    const n = c.sizes[0]!
    const cap = n === 2 ? Infinity : 300
    test(`${c.name}: ${n === 2 ? 'every order' : `the first ${cap} orders`} for ${n} parties`, () => {
      for (const { inputs } of inputSets(n)) {
        const { orders, exhausted } = exploreOrders(() => task(c, inputs), sim => assertSum(sim, inputs), cap)
        if (cap === Infinity) assert.ok(exhausted)
        assert.ok(orders >= Math.min(cap, 3), `${orders} orders`)
      }
    })
  }

  for (const c of MACHINES) {
    test(`${c.name}: ${ORDERS_3} seeded random orders for 3 parties${c.name === 'threshold' ? ', and 300 for 4' : ''}`, () => {
      const runs: Array<[number, number]> = [[3, ORDERS_3], ...(c.name === 'threshold' ? [[4, 300] as [number, number]] : [])]
      for (const [n, count] of runs) {
        const sets = inputSets(n)
        for (let seed = 0; seed < count; seed++) {
          const { inputs } = sets[seed % sets.length]!
          const sim = task(c, inputs, { seed: `order/${seed}` })
          sim.run(seededPick(seed))
          assertSum(sim, inputs)
        }
      }
    })
  }
})

/** Replay a delivered message to its receiver: refused as a duplicate, nothing changes. */
function assertReplayRefused (sim: Sim, d: Delivery): void {
  const target = sim.machines[d.to]!
  const before = stateOf(target)
  const received = sim.inject(d.to, d.message, sim.peers[d.from]!)
  assertRefused(target, received, (err: unknown) => isProtocolError(err) && (err as ProtocolError).party === d.from && /already/.test((err as Error).message))
  assert.equal(stateOf(target), before, `a replayed ${d.message.kind} changed party ${d.to}`)
}

describe('a replayed message is refused with a ProtocolError and changes nothing', () => {
  for (const c of MACHINES) {
    test(`${c.name}: before and after the end`, () => {
      for (const n of c.sizes) {
        for (let seed = 0; seed < 40; seed++) {
          const { inputs } = inputSets(n)[seed % 4]!
          const sim = task(c, inputs, { seed: `replay/${seed}` })
          const pick = seededPick(seed)
          // after every event, one message taken before is delivered again
          while (sim.step(pick)) {
            const taken = sim.delivered.filter(d => !d.finishedBefore)
            if (taken.length > 0) assertReplayRefused(sim, taken[pick(taken.length)]!)
          }
          assertSum(sim, inputs)
          for (const d of sim.delivered) if (!d.finishedBefore) assertReplayRefused(sim, d)
          assertSum(sim, inputs)
        }
      }
    })

    test(`${c.name}: a message that first came after the end fills its slot, so its replay is refused`, () => {
      const n = c.sizes[0]!
      const sim = task(c, inputSets(n)[0]!.inputs)
      for (let i = 0; i < n; i++) sim.input(i)
      sim.machines[0]!.fail(new TaskCancelledError('test'), false)
      sim.run()
      const late = sim.delivered.filter(d => d.to === 0)
      assert.ok(late.length > 0 && late.every(d => d.verdict.code === 'LATE'))
      for (const d of late) assertReplayRefused(sim, d)
    })
  }
})

/** Forgeries of a message in flight, each refused by its receiver with nothing changed. */
function assertForgeriesRefused (sim: Sim, f: InFlight): void {
  const { from, to, message: m } = f
  const peer = sim.peers
  const forgeries: Array<[string, WireMessage, string]> = [
    ['a peer not on the list', m, '12D3KooWStranger'],
    ['a sender index off the list', { ...m, from: sim.n }, peer[from]!],
    ['another task id', { ...m, taskId: 'another-task' }, peer[from]!],
    ['this party itself', { ...m, from: to }, peer[to]!],
    ['its sender claiming this party\'s index', { ...m, from: to }, peer[from]!]
  ]
  for (let k = 0; k < sim.n; k++) {
    if (k === from || k === to) continue
    forgeries.push([`party ${k} speaking for party ${from}`, m, peer[k]!], [`party ${from} claiming index ${k}`, { ...m, from: k }, peer[from]!])
  }
  if (!('descriptor' in m) && m.kind !== 'abort') forgeries.push(['another digest on a non-first message', { ...m, digest: new Uint8Array(32) }, peer[from]!])
  const target = sim.machines[to]!
  for (const [what, message, senderPeerId] of forgeries) {
    const before = stateOf(target)
    assertRefused(target, sim.inject(to, message, senderPeerId), isProtocolError)
    assert.equal(stateOf(target), before, `${what} (${m.kind}) changed party ${to}`)
  }
}

describe('foreign messages are refused, change nothing, and the sum completes', () => {
  for (const c of MACHINES) {
    test(`${c.name}: forgeries of every message in flight, inputs interleaved`, () => {
      for (const n of c.sizes) {
        for (let seed = 0; seed < 15; seed++) {
          const { inputs } = inputSets(n)[seed % 4]!
          const sim = task(c, inputs, { seed: `foreign/${seed}` })
          const pick = seededPick(seed)
          for (;;) {
            const waiting = sim.waitingInput.length
            const choices = waiting + sim.queue.length
            if (choices === 0) { if (sim.step()) continue; break }
            const k = pick(choices)
            if (k >= waiting) assertForgeriesRefused(sim, sim.queue[k - waiting]!)
            sim.step(() => k)
          }
          assertSum(sim, inputs)
        }
      }
    })

    test(`${c.name}: a message with another digest, another task id or from a stranger, before this party's input`, () => {
      const n = c.sizes[c.sizes.length - 1]!
      const { inputs } = inputSets(n)[3]!
      const reference = task(c, inputs)
      reference.run()
      const sim = task(c, inputs)
      for (const d of reference.delivered) {
        if ('descriptor' in d.message || d.message.kind === 'abort') continue
        const target = sim.machines[d.to]!
        const before = stateOf(target)
        const sender = sim.peers[d.from]!
        assertRefused(target, sim.inject(d.to, { ...d.message, digest: new Uint8Array(32) }, sender), isProtocolError)
        assertRefused(target, sim.inject(d.to, { ...d.message, taskId: 'another-task' }, sender), isProtocolError)
        assertRefused(target, sim.inject(d.to, d.message, '12D3KooWStranger'), isProtocolError)
        assert.equal(stateOf(target), before, `a forged ${d.message.kind} changed party ${d.to}`)
      }
      sim.run()
      assertSum(sim, inputs)
    })
  }
})

describe('late messages are accepted as LATE and change nothing', () => {
  for (const c of MACHINES) {
    test(`${c.name}: messages after the end, aborts after done, messages after a failure`, () => {
      for (const n of c.sizes) {
        for (let seed = 0; seed < 20; seed++) {
          const { inputs } = inputSets(n)[seed % 4]!
          const sim = task(c, inputs, { seed: `late/${seed}` })
          sim.run(seededPick(seed))
          assertSum(sim, inputs)
          // what reached a party after it was done (threshold mode's surplus partial sums, say)
          for (const d of sim.delivered) if (d.finishedBefore) assert.deepEqual(d.verdict, LATE.verdict, `${d.message.kind} to party ${d.to}`)
          for (let to = 0; to < n; to++) {
            for (let from = 0; from < n; from++) {
              if (from === to) continue
              const target = sim.machines[to]!
              const before = stateOf(target)
              const abort: WireMessage = { kind: 'abort', taskId: TASK_ID, digest: target.digest, from, code: 'PROTOCOL_VIOLATION', reason: 'late' }
              assert.deepEqual(sim.inject(to, abort, sim.peers[from]!), LATE)
              assert.equal(stateOf(target), before)
            }
          }
          assertSum(sim, inputs, plainSum(inputs))
        }
        // a party that failed without telling anyone: whatever comes after is late
        const sim = task(c, inputSets(n)[3]!.inputs)
        for (let i = 0; i < n; i++) sim.input(i)
        const error = new ProtocolError('test')
        sim.machines[0]!.fail(error, false)
        sim.run()
        const toZero = sim.delivered.filter(d => d.to === 0)
        assert.ok(toZero.length > 0)
        for (const d of toZero) assert.deepEqual(d.verdict, LATE.verdict, `${d.message.kind} from party ${d.from}`)
        assert.equal(sim.machines[0]!.error, error)
        assert.equal(sim.machines[0]!.result, undefined)
      }
    })
  }
})
