/**
 * Threshold mode's safety on a simulated network (sim.ts): whatever the order, the delays and the
 * crashes, only one input set is ever revealed, and every party that finishes has the sum over
 * it; partial sums beyond t are checked, and a wrong one is named by index.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InconsistentPartialError, ResultMismatchError, TaskAbortedError } from '../src/errors.js'
import type { ThresholdMachine } from '../src/protocols/threshold/machine.js'
import type { WireMessage } from '../src/wire/codec.js'
import type { Sim } from './sim.js'
import { assertAllDone, revealed, revealedSets, sim, ST, sumOf, values } from './threshold-helpers.js'

/** Give party i its value at inputAt[i] on the virtual clock, delivering in the order `order` picks, and run to the end. */
function runWithInputsAt (s: Sim<ThresholdMachine>, inputAt: readonly number[], vs: readonly number[], order: readonly number[]): void {
  const pending = inputAt.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at)
  let k = 0
  const pick = (count: number): number => (order[k++] ?? 0) % count
  while (pending.length > 0) {
    s.runUntil(pending[0]!.at, pick)
    const { i } = pending.shift()!
    s.input(i, vs[i]!)
  }
  s.run(pick)
}

describe('threshold machine: only one input set is ever revealed', () => {
  /**
   * An asynchronous network with crashes: messages are delivered in any order and the clock
   * jumps to deadlines at random moments (so messages can be late by any amount); parties give
   * their inputs at random times; up to n - 1 parties crash after a random number of messages
   * sent (mid-broadcast included).
   */
  const scenario = fc.integer({ min: 3, max: 7 }).chain(n => fc.record({
    n: fc.constant(n),
    t: fc.integer({ min: Math.floor(n / 2) + 1, max: n - 1 }),
    inputAt: fc.array(fc.integer({ min: 0, max: 3 * ST }), { minLength: n, maxLength: n }),
    crashAfter: fc.array(fc.option(fc.integer({ min: 0, max: 6 * n }), { freq: 2 }), { minLength: n, maxLength: n }),
    choices: fc.array(fc.nat(), { maxLength: 600 }),
    seed: fc.string()
  }))

  test('property: all partial sums that leave any party cover one set; every party that finishes has the sum over it', () => {
    fc.assert(fc.property(scenario, ({ n, t, inputAt, crashAfter, choices, seed }) => {
      const s = sim(n, t, seed)
      const vs = values(n)
      crashAfter.forEach((c, i) => { if (c === 0) s.crash(i); else if (c !== null) s.crashAfterSends.set(i, c) })
      const pending = inputAt.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at)
      let k = 0
      for (let steps = 0; steps < 20_000; steps++) {
        const c = choices[k++] ?? 0
        const deadline = s.nextDeadline()
        const nextInput = pending[0]?.at
        const timeMoves = deadline !== undefined || nextInput !== undefined
        if (s.queue.length > 0 && (!timeMoves || c % 3 !== 0)) { s.deliver(c % s.queue.length); continue }
        if (!timeMoves) break
        if (nextInput !== undefined && (deadline === undefined || nextInput <= deadline)) {
          s.now = Math.max(s.now, nextInput)
          const { i } = pending.shift()!
          s.input(i, vs[i]!)
        } else {
          s.advanceTo(deadline!)
        }
      }
      const sets = revealedSets(s)
      assert.ok(sets.size <= 1, `partial sums over ${sets.size} sets: ${[...sets].join(' | ')}`)
      for (let j = 0; j < n; j++) assert.ok(revealed(s).filter(r => r.from === j).length <= n - 1, `party ${j} revealed one partial sum, at most once to each other party`)
      const finished = s.machines.filter(p => p.step === 'done')
      if (finished.length > 0) {
        const members = [...sets][0]!.split(',').map(Number)
        assert.ok(members.length >= t)
        for (const p of finished) assert.deepEqual(p.result, { inputs: members.length, result: { samples: members.length, sum: sumOf(vs, members) } })
      }
      for (const p of s.machines) assert.ok(p.error === undefined, `party ${p.myself}: ${p.error?.message}`)
      assert.deepEqual(s.refusals, [])
    }), { numRuns: 300 })
  })

  test('property (liveness): with inputs within share_timeout of each other and every message on time, every party that stays up gets the sum over all who shared', () => {
    // Crashes happen between broadcasts (before a party's next batch of messages), never in the middle of one.
    const scenarioSync = fc.integer({ min: 3, max: 8 }).chain(n => fc.integer({ min: Math.floor(n / 2) + 1, max: n - 1 }).chain(t => fc.record({
      n: fc.constant(n),
      t: fc.constant(t),
      inputAt: fc.array(fc.integer({ min: 0, max: ST / 2 }), { minLength: n, maxLength: n }),
      // crash after 0 (before input) .. 5 batches: shares, proposal, commit, partial, confirm
      crashBatch: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n - t, maxLength: n - t }),
      down: fc.shuffledSubarray(Array.from({ length: n }, (_, j) => j), { minLength: n - t, maxLength: n - t }),
      order: fc.array(fc.nat(), { maxLength: 800 }),
      seed: fc.string()
    })))
    fc.assert(fc.property(scenarioSync, ({ n, inputAt, crashBatch, down, order, seed }) => {
      const s = sim(n, n - down.length, seed)
      const vs = values(n)
      down.forEach((d, k) => {
        if (crashBatch[k] === 0) s.crash(d)
        else s.crashAfterSends.set(d, crashBatch[k]! * (n - 1))
      })
      runWithInputsAt(s, inputAt, vs, order)
      const up = vs.map((_, j) => j).filter(j => !s.crashed.has(j))
      const shared = vs.map((_, j) => j).filter(j => !down.includes(j) || crashBatch[down.indexOf(j)]! >= 1)
      assertAllDone(s, up, shared, vs)
    }), { numRuns: 200 })
  })

  test('property (liveness, A4): one party crashing in the middle of any of its broadcasts, inputs within share_timeout / 2: every party that stays up gets the sum over one set, which holds every up party', () => {
    const scenarioMid = fc.integer({ min: 3, max: 8 }).chain(n => fc.record({
      n: fc.constant(n),
      t: fc.integer({ min: Math.floor(n / 2) + 1, max: n - 1 }),
      inputAt: fc.array(fc.integer({ min: 0, max: ST / 2 }), { minLength: n, maxLength: n }),
      victim: fc.integer({ min: 0, max: n - 1 }),
      // within one of its five broadcasts (shares, proposal, commit, partial, confirm) of n - 1 messages each
      sends: fc.integer({ min: 1, max: 5 * (n - 1) - 1 }),
      order: fc.array(fc.nat(), { maxLength: 800 }),
      seed: fc.string()
    }))
    fc.assert(fc.property(scenarioMid, ({ n, t, inputAt, victim, sends, order, seed }) => {
      const s = sim(n, t, seed)
      const vs = values(n)
      s.crashAfterSends.set(victim, sends)
      runWithInputsAt(s, inputAt, vs, order)
      const up = vs.map((_, j) => j).filter(j => !s.crashed.has(j))
      const w = s.machines[up[0]!]!.agreedInputs ?? []
      assert.ok(up.every(j => w.includes(j)), `agreed ${w.join(',')}`)
      assertAllDone(s, up, [...w], vs)
    }), { numRuns: 200 })
  })
})

describe('threshold machine: partial sums beyond t are checked', () => {
  const tamperPartial = (s: Sim<ThresholdMachine>, party: number): void => {
    s.tamper = ({ from, message: m }) => (from === party && m.kind === 'set-partial'
      ? { ...m, elements: [s.machines[party]!.field.add(m.elements[0]!, 1n), ...m.elements.slice(1)] }
      : m)
  }

  test('one wrong partial sum among n = 5 (t = 3) fails the task at every party, naming that index', () => {
    for (const bad of [0, 2, 4]) {
      const s = sim(5, 3, `bad${bad}`)
      tamperPartial(s, bad)
      values(5).forEach((v, i) => s.input(i, v))
      s.run()
      for (const p of s.machines) {
        if (p.myself === bad) continue
        assert.ok(p.error instanceof InconsistentPartialError, `party ${p.myself}: ${String(p.error)} at ${p.step}`)
        assert.equal(p.error.party, bad)
        assert.equal(p.error.identified, true)
        assert.equal(p.error.code, 'INCONSISTENT_PARTIAL')
        assert.equal(p.result, undefined)
      }
    }
  })

  test('t + 1 partial sums that disagree: the party waits one window for another, then names the index the documented rule gives', () => {
    // n = 5, t = 3: party 1 never arrives, party 4 sends a wrong partial sum; 4 partial sums exist
    const s = sim(5, 3, 'tplus1')
    tamperPartial(s, 4)
    values(5).forEach((v, i) => { if (i !== 1) s.input(i, v) })
    s.run()
    for (const i of [0, 2, 3]) {
      const e = s.machines[i]!.error
      assert.ok(e instanceof InconsistentPartialError, `party ${i}: ${String(e)}`)
      assert.equal(e.party, 4)
      assert.equal(e.identified, false)
      assert.deepEqual(e.compared, [0, 2, 3, 4])
    }
  })

  test('a dealer that sends one party a share off its polynomial: the partial sums disagree, and the check names the receiver (not the dealer)', () => {
    const s = sim(5, 3, 'bad-dealer')
    s.tamper = ({ from, to, message: m }) => (from === 2 && m.kind === 'share' && to === 4
      ? { ...m, elements: [s.machines[2]!.field.add(m.elements[0]!, 1n), ...m.elements.slice(1)] }
      : m)
    values(5).forEach((v, i) => s.input(i, v))
    s.run()
    for (const p of s.machines) {
      if (p.myself === 4) continue
      assert.ok(p.error instanceof InconsistentPartialError, `party ${p.myself}: ${String(p.error)}`)
      assert.equal(p.error.party, 4)
      assert.equal(p.error.identified, true)
    }
  })

  test('a party that tells different parties different partial sums: caught by the check or by the confirmations', () => {
    const s = sim(5, 3, 'equivocate')
    let count = 0
    s.tamper = ({ from, message: m }) => (from === 2 && m.kind === 'set-partial' && count++ % 2 === 0
      ? { ...m, elements: m.elements.map(x => s.machines[2]!.field.add(x, 1n)) }
      : m)
    values(5).forEach((v, i) => s.input(i, v))
    s.run()
    for (const p of s.machines) {
      if (p.myself === 2) continue
      assert.ok(p.error instanceof InconsistentPartialError || p.error instanceof ResultMismatchError || p.error instanceof TaskAbortedError, `party ${p.myself}: ${String(p.error)}`)
    }
  })
})

test('a party that proposes at once, to hurry the others: shares that come within half a window of that proposal still count', () => {
  for (const seed of ['a', 'b', 'c', 'd']) {
    const n = 5
    const s = sim(n, 4, seed)
    const vs = values(n)
    // party 0's shares are slow: held back until 400 ms (0.4 st) after the early proposal
    const slow: Array<{ to: number, message: WireMessage }> = []
    s.tamper = ({ from, to, message }) => {
      // party 4's own proposal is the early one below
      if (from === 4 && message.kind === 'propose') return undefined
      if (from !== 0 || message.kind !== 'share') return message
      slow.push({ to, message })
      return undefined
    }
    vs.forEach((v, i) => s.input(i, v))
    while (s.queue.length > 0) s.step()
    // party 4 names every party before any other could know
    const header = { taskId: s.machines[4]!.descriptor.taskId, digest: s.machines[4]!.digest, from: 4 }
    for (const to of [0, 1, 2, 3]) s.inject(to, { ...header, kind: 'propose', members: [0, 1, 2, 3, 4] }, s.peers[4]!)
    s.runUntil(s.now + 400)
    for (const { to, message } of slow.splice(0)) s.inject(to, message, s.peers[0]!)
    s.run()
    assertAllDone(s, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], vs)
  }
})
