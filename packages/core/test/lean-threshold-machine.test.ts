/**
 * Lean mode with a threshold on the simulator: the sum over the agreed set for 3..9 parties in
 * random delivery orders with parties dropping at random points (between events, and one in the
 * middle of a batch of sends), the "never both" rule over random schedules, and a party dropping at each
 * named step (an aggregator in the middle of its collection among them).
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { InputValue } from '../src/encoding/fixed-point.js'
import type { LtUnmaskMessage } from '../src/wire/lean-threshold.js'
import type { WireMessage } from '../src/wire/codec.js'
import { Collection } from '../src/protocols/lean/collection.js'
import type { LeanThresholdMachine } from '../src/protocols/lean/threshold.js'
import { descriptorFor } from './lean-helpers.js'
import { plainSum } from './machine-cases.js'
import { machinesFor, seededPick, Sim } from './sim.js'

type Machine = LeanThresholdMachine

function simOf (n: number, t: number, inputs: InputValue[], profile: 'wide' | 'fast', seed: string): Sim<Machine> {
  const d = descriptorFor(n, { mode: 'lean', threshold: t, share_timeout: 1, ...(profile === 'fast' ? { profile } : {}) }, `lt-${seed}`)
  return new Sim(machinesFor<Machine>(Array(n).fill(d), { seed }), { inputs })
}

/** Every live party that finished has the plain sum over the one agreed set; all agree on it. */
function assertSafe (sim: Sim<Machine>, inputs: readonly InputValue[]): void {
  let agreed: string | undefined
  sim.machines.forEach((m, i) => {
    if (sim.crashed.has(i) || m.step !== 'done') return
    const w = m.agreedInputs!
    agreed ??= w.join(',')
    assert.equal(w.join(','), agreed, `party ${i} agreed on another set`)
    assert.ok(w.length >= m.threshold)
    assert.deepEqual(m.result, { ...plainSum(w.map(j => inputs[j]!)), inputs: w.length }, `party ${i}`)
  })
  assert.deepEqual(sim.refusals.map(r => `${r.from}->${r.to} ${r.kind}: ${r.error.message}`), [])
}

/** Whether some segment lost both its holders to crashes (liveness condition L4 of README-lean.md). */
function segmentLost (sim: Sim<Machine>): boolean {
  const live = sim.machines.find((m, i) => !sim.crashed.has(i) && m.keySet !== undefined)
  if (live === undefined) return false
  const length = Math.max((live as unknown as { elements: number }).elements, sim.n)
  const c = new Collection(live.keySet!, length, 1 << 15)
  for (let k = 0; k < live.keySet!.length; k++) if (c.holders(k).every(h => sim.crashed.has(h))) return true
  return false
}

/** Which secret each lt-unmask message released for each party: 'b' (self mask) or 's' (private key). */
function releases (sim: Sim<Machine>): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>()
  for (const m of sim.sent) {
    if (m.message.kind !== 'lt-unmask') continue
    const u = m.message as LtUnmaskMessage
    u.keySet.forEach(j => {
      const kinds = out.get(j) ?? new Set<string>()
      kinds.add(u.members.includes(j) ? 'b' : 's')
      out.set(j, kinds)
    })
  }
  return out
}

const scenario = fc.integer({ min: 3, max: 9 }).chain(n => fc.record({
  n: fc.constant(n),
  t: fc.integer({ min: Math.floor(n / 2) + 1, max: n - 1 }),
  length: fc.integer({ min: 1, max: 5 }),
  profile: fc.constantFrom<'wide' | 'fast'>('wide', 'fast'),
  /** Per dropping party: after how many events (between events) it stops. */
  drops: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: n }),
  seed: fc.integer({ min: 0, max: 1 << 30 })
}))

function inputsOf (n: number, length: number, seed: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length }, (_, k) => ((seed + 31 * i + 7 * k) % 2001) - 1000))
}

describe('lean mode with a threshold', () => {
  test('no dropout: every party gets the plain sum of all inputs, wide and fast profiles', () => {
    for (const profile of ['wide', 'fast'] as const) {
      for (const n of [3, 5, 8]) {
        const inputs = inputsOf(n, 4, n)
        const sim = simOf(n, n - 1, inputs, profile, `plain/${profile}/${n}`)
        sim.run(seededPick(n))
        sim.machines.forEach((m, i) => assert.deepEqual(m.result, plainSum(inputs), `party ${i}: ${m.error?.message ?? m.step}`))
      }
    }
  })

  test('3..9 parties, random orders, up to n - t parties dropping between events: the sum over the agreed set at every live party', () => {
    fc.assert(fc.property(scenario, ({ n, t, length, profile, drops, seed }) => {
      const inputs = inputsOf(n, length, seed)
      const sim = simOf(n, t, inputs, profile, `drop/${seed}`)
      const at = new Map(drops.slice(0, n - t).map((events, k) => [(seed + k) % n, events]))
      const pick = seededPick(seed)
      for (let events = 0; events < 1_000_000; events++) {
        for (const [party, when] of at) if (when === events) sim.crash(party)
        if (!sim.step(pick)) break
      }
      assertSafe(sim, inputs)
      if (!segmentLost(sim)) {
        sim.machines.forEach((m, i) => { if (!sim.crashed.has(i)) assert.equal(m.step, 'done', `party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`) })
      }
    }), { numRuns: 60 })
  })

  test('3..9 parties, random orders, one party crashing in the middle of any of its broadcasts (L3): the sum over the agreed set at every live party', () => {
    fc.assert(fc.property(scenario, fc.nat(), ({ n, t, length, profile, seed }, sends) => {
      const inputs = inputsOf(n, length, seed)
      const sim = simOf(n, t, inputs, profile, `mid/${seed}`)
      const victim = seed % n
      // a party sends about 9 (n - 1) messages in all: keys, two proposals, two commits, pieces, shares, a total, a confirmation
      sim.crashAfterSends.set(victim, 1 + (sends % (10 * n)))
      sim.run(seededPick(seed))
      assertSafe(sim, inputs)
      if (!segmentLost(sim)) {
        sim.machines.forEach((m, i) => { if (!sim.crashed.has(i)) assert.equal(m.step, 'done', `party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`) })
      }
    }), { numRuns: 150 })
  })

  test('never both: over random schedules, with crashes in the middle of a broadcast, no party has both its self-mask and its private-key shares released', () => {
    fc.assert(fc.property(scenario, ({ n, t, length, profile, drops, seed }) => {
      const inputs = inputsOf(n, length, seed)
      const sim = simOf(n, t, inputs, profile, `both/${seed}`)
      drops.slice(0, n - t).forEach((sends, k) => sim.crashAfterSends.set((seed + k) % n, 1 + (sends % (4 * n))))
      sim.run(seededPick(seed))
      assertSafe(sim, inputs)
      for (const [j, kinds] of releases(sim)) assert.ok(kinds.size === 1, `party ${j}: both its self mask and its private key released`)
      const sets = new Set(sim.sent.filter(m => m.message.kind === 'lt-unmask').map(m => (m.message as LtUnmaskMessage).members.join(',')))
      assert.ok(sets.size <= 1, `unmasking for ${sets.size} sets`)
    }), { numRuns: 60 })
  })

  const steps = ['keys', 'key-set', 'collect', 'input-set', 'unmask', 'total'] as const
  for (const step of steps) {
    test(`a party that drops at step ${step} (also in the middle of it) does not stop the others`, () => {
      for (const n of [4, 5, 7]) {
        for (let victim = 0; victim < n; victim++) {
          for (const extra of [0, 1, 2]) {
            const inputs = inputsOf(n, 3, victim)
            const sim = simOf(n, n - 1, inputs, 'wide', `step/${step}/${n}/${victim}/${extra}`)
            const pick = seededPick(victim + extra)
            let reached = -1
            for (let events = 0; events < 100_000; events++) {
              const m = sim.machines[victim]!
              if (reached < 0 && m.step === step) reached = events
              if (reached >= 0 && events >= reached + extra * n && !sim.crashed.has(victim)) sim.crash(victim)
              if (!sim.step(pick)) break
            }
            assertSafe(sim, inputs)
            sim.machines.forEach((m, i) => {
              if (i === victim) return
              assert.equal(m.step, 'done', `n ${n}, victim ${victim} at ${step} + ${extra}: party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`)
            })
            const w = sim.machines[(victim + 1) % n]!.agreedInputs!
            // dropped before its pieces went out: left out; after they reached both holders: counted
            if (step === 'keys' && extra === 0 && reached === 0) assert.ok(!w.includes(victim))
          }
        }
      }
    })
  }
})

test('a backup holder that lacks a dead party\'s piece while the primary holder dies after proposing: its late proposal still reaches the others, and W leaves the dead party out', () => {
  // 7 parties, t = 4: segment 0 is held by party 0 (primary) and party 3 (backup). Party 5 dies
  // right after masking; its frame of segment 0 reached party 0 but not party 3. Party 0 dies
  // right after its input-set proposal (which names party 5). Party 3 lacks party 5's piece: if
  // W had party 5 in it, segment 0 would have no holder able to total it.
  for (const profile of ['wide', 'fast'] as const) {
    for (let seed = 0; seed < 10; seed++) {
      const n = 7
      const inputs = inputsOf(n, 3, seed)
      const sim = simOf(n, 4, inputs, profile, `late-backup/${profile}/${seed}`)
      // the plan as party 5 has it (each of the 7 padded elements is a segment of its own)
      const segment = (frame: number): number => new Collection(sim.machines[5]!.keySet!, n, 1 << 15).plan.frameSegment[frame]!
      sim.tamper = ({ from, to, message }) =>
        from === 5 && to === 3 && message.kind === 'lean-data' && message.phase === 'reduce' && segment(message.frame) === 0 ? undefined : message
      const pick = seededPick(seed)
      for (let events = 0; events < 100_000; events++) {
        const five = sim.machines[5] as unknown as { masked: boolean }
        if (!sim.crashed.has(5) && five.masked) sim.crash(5)
        if (!sim.crashed.has(0) && sim.sent.some(m => m.from === 0 && m.message.kind === 'lt-propose' && m.message.round === 'inputs')) sim.crash(0)
        if (!sim.step(pick)) break
      }
      assertSafe(sim, inputs)
      const label = `${profile} seed ${seed}`
      sim.machines.forEach((m, i) => {
        if (i === 0 || i === 5) return
        assert.equal(m.step, 'done', `${label}: party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`)
        assert.ok(!m.agreedInputs!.includes(5), `${label}: party ${i} agreed on ${m.agreedInputs!.join(',')}`)
      })
    }
  }
})

/**
 * Party 0's keys (the key set) or masked pieces (the input set) are slow: held back until 400 ms
 * (0.4 st) after party 4 proposed every party for that round before any other party could know.
 * The others propose half a window after that proposal, so what party 0 sent is still counted.
 */
function hurriedBy (round: 'keys' | 'inputs'): void {
  for (const seed of [0, 1, 2, 3]) {
    const n = 5
    const inputs = inputsOf(n, 3, seed)
    const sim = simOf(n, 4, inputs, 'wide', `hurry-${round}/${seed}`)
    const slowed = (m: WireMessage): boolean => (round === 'keys' ? m.kind === 'lt-keys' : m.kind === 'lean-data' && m.phase === 'reduce')
    const slow: Array<{ to: number, message: WireMessage }> = []
    sim.tamper = ({ from, to, message }) => {
      if (from !== 0 || !slowed(message)) return message
      slow.push({ to, message })
      return undefined
    }
    const pick = seededPick(seed)
    // the pieces: once the key set is certified everywhere; then every other message arrives
    if (round === 'inputs') while (!sim.machines.every(m => m.keySet !== undefined)) assert.ok(sim.step(pick), 'the key set is certified everywhere')
    while (sim.waitingInput.length + sim.queue.length > 0) sim.step(pick)
    const header = { taskId: sim.machines[4]!.descriptor.taskId, digest: sim.machines[4]!.digest, from: 4 }
    for (const to of [0, 1, 2, 3]) sim.inject(to, { ...header, kind: 'lt-propose', round, members: [0, 1, 2, 3, 4] }, sim.peers[4]!)
    sim.runUntil(sim.now + 400, pick)
    sim.tamper = undefined
    for (const { to, message } of slow.splice(0)) sim.inject(to, message, sim.peers[0]!)
    sim.run(pick)
    sim.machines.forEach((m, i) => {
      assert.equal(m.step, 'done', `seed ${seed}: party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`)
      assert.deepEqual(round === 'keys' ? m.keySet : m.agreedInputs, [0, 1, 2, 3, 4], `seed ${seed}: party ${i}`)
      assert.deepEqual(m.result, plainSum(inputs), `seed ${seed}: party ${i}`)
    })
  }
}

test('a party that proposes the input set at once, to hurry the holders: a piece that comes within half a window of that proposal is still counted', () => {
  hurriedBy('inputs')
})

test('a party that proposes the key set at once, to hurry the others: keys that come within half a window of that proposal are still in U1', () => {
  hurriedBy('keys')
})

test('a primary holder that dies in the middle of sending its total, after its backup got it: the backup still sends the total to the parties that lack it, and all finish', () => {
  // 7 parties, t = 4: segment 0 is held by party 0 (primary) and party 3 (backup). Party 0's
  // total reaches the parties in `reached` only (the backup among them), then party 0 dies. The
  // backup must not take the total it got as a sign that everyone got it.
  for (const profile of ['wide', 'fast'] as const) {
    for (const reached of [[3], [3, 1, 2], [3, 6]]) {
      for (let seed = 0; seed < 6; seed++) {
        const n = 7
        const inputs = inputsOf(n, 3, seed)
        const sim = simOf(n, 4, inputs, profile, `primary-mid-total/${profile}/${reached.join('')}/${seed}`)
        // it dies before its confirmation (which can be in the same batch as its total) goes out
        sim.tamper = ({ from, to, message }) =>
          from === 0 && ((message.kind === 'lean-data' && message.phase === 'gather' && !reached.includes(to)) || message.kind === 'confirm') ? undefined : message
        const pick = seededPick(seed)
        for (let events = 0; events < 100_000; events++) {
          if (!sim.crashed.has(0) && sim.sent.some(m => m.from === 0 && m.message.kind === 'lean-data' && m.message.phase === 'gather')) sim.crash(0)
          if (!sim.step(pick)) break
        }
        assertSafe(sim, inputs)
        const label = `${profile}, total to ${reached.join(',')}, seed ${seed}`
        assert.ok(sim.crashed.has(0), `${label}: party 0 sent its total`)
        sim.machines.forEach((m, i) => {
          if (i === 0) return
          assert.equal(m.step, 'done', `${label}: party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`)
          assert.deepEqual(m.agreedInputs, [0, 1, 2, 3, 4, 5, 6], `${label}: party ${i}`)
        })
      }
    }
  }
})

test('a primary holder whose total reached every party but its backup, and that died once it had confirmed: the backup totals the segment itself', () => {
  // 7 parties, t = 4: segment 0 is held by party 0 (primary) and party 3 (backup). Party 0's
  // total reaches everyone but party 3; its confirmation reaches everyone; then it dies. At st
  // after W every other party has confirmed, so the backup has nobody to send the total to, and
  // must still total the segment for itself.
  for (let seed = 0; seed < 8; seed++) {
    const n = 7
    const inputs = inputsOf(n, 3, seed)
    const sim = simOf(n, 4, inputs, 'fast', `primary-confirmed/${seed}`)
    sim.tamper = ({ from, to, message }) => (from === 0 && to === 3 && message.kind === 'lean-data' && message.phase === 'gather' ? undefined : message)
    const pick = seededPick(seed)
    for (let events = 0; events < 100_000; events++) {
      if (!sim.crashed.has(0) && sim.sent.some(m => m.from === 0 && m.message.kind === 'confirm')) sim.crash(0)
      if (!sim.step(pick)) break
    }
    assertSafe(sim, inputs)
    sim.machines.forEach((m, i) => {
      if (i === 0) return
      assert.equal(m.step, 'done', `seed ${seed}: party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`)
    })
  }
})
