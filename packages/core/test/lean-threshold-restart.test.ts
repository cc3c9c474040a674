/**
 * Lean mode with a threshold: a party that restarts mid-task with the same identity (a new
 * process: fresh secrets, fresh keys) after some or all of its first keys went out. Its second
 * keys are refused where the first are held and taken where they are not, and the new process
 * goes on from there with whatever reaches it. Whatever the split, no party may end with a wrong
 * total: the key set U1 is certified over the keys its members sent, so parties that hold other
 * keys of one member never certify together, and a party whose keys of U1 are not the certified
 * ones (the new process, when its first keys are the certified ones) neither masks nor unmasks:
 * it only watches, and gets the result if the totals and confirmations reach it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InputValue } from '../src/encoding/fixed-point.js'
import type { LeanThresholdMachine } from '../src/protocols/lean/threshold.js'
import { descriptorFor } from './lean-helpers.js'
import { plainSum } from './machine-cases.js'
import { machinesFor, seededPick, Sim } from './sim.js'

type Machine = LeanThresholdMachine

const N = 6
const T = 4
const VICTIM = 2

function inputsOf (seed: number): number[][] {
  return Array.from({ length: N }, (_, i) => [10 ** i, ((seed + 37 * i) % 2001) - 1000, i])
}

/**
 * Party VICTIM gives its input and its first keys reach the parties in `reached`; then it
 * restarts: a new machine (other randomness) with the same index and input, which every
 * message still in flight to VICTIM reaches, and the task runs to its end in the order `seed` picks.
 */
function restart (reached: readonly number[], seed: number, profile: 'wide' | 'fast'): { sim: Sim<Machine>, inputs: number[][], fresh: Machine } {
  const d = descriptorFor(N, { mode: 'lean', threshold: T, share_timeout: 1, ...(profile === 'fast' ? { profile } : {}) }, `restart-${seed}-${profile}`)
  const inputs = inputsOf(seed)
  const sim = new Sim(machinesFor<Machine>(Array(N).fill(d), { seed: `restart/${seed}` }), { inputs })
  sim.input(VICTIM)
  // the first keys: to the parties in `reached`; the rest are lost with the first process
  const keys = sim.queue.splice(0)
  for (const m of keys) if (reached.includes(m.to)) sim.queue.push(m)
  while (sim.queue.length > 0) sim.deliver(0)
  const fresh = machinesFor<Machine>(Array(N).fill(d), { seed: `restart/${seed}/again` })[VICTIM]!
  sim.machines[VICTIM] = fresh
  sim.waitingInput.push(VICTIM)
  sim.run(seededPick(seed))
  return { sim, inputs, fresh }
}

/** Every party that ended with a result has the exact sum over the agreed set, the same set everywhere; returns that set. */
function assertNoWrongTotal (sim: Sim<Machine>, inputs: readonly InputValue[], label: string): readonly number[] | undefined {
  let agreed: readonly number[] | undefined
  sim.machines.forEach((m, i) => {
    if (m.step !== 'done') return
    const w = m.agreedInputs!
    agreed ??= w
    assert.equal(w.join(','), agreed.join(','), `${label}: party ${i} agreed on another set`)
    assert.deepEqual(m.result, { ...plainSum(w.map(j => inputs[j]!)), inputs: w.length }, `${label}: party ${i}`)
  })
  return agreed
}

test('a party restarted after its first keys reached every other party: the others finish with the exact sum without it; the new process neither masks nor unmasks, and gets the result', () => {
  for (const profile of ['wide', 'fast'] as const) {
    for (let seed = 0; seed < 40; seed++) {
      const { sim, inputs, fresh } = restart([0, 1, 3, 4, 5], seed, profile)
      const label = `${profile} seed ${seed}`
      const agreed = assertNoWrongTotal(sim, inputs, label)
      sim.machines.forEach((m, i) => { assert.equal(m.step, 'done', `${label}: party ${i} at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`) })
      assert.deepEqual(agreed, [0, 1, 3, 4, 5], label)
      const kinds = new Set(sim.sent.filter(m => m.from === VICTIM).map(m => m.message.kind))
      assert.ok(!kinds.has('lean-data') && !kinds.has('lt-unmask'), `${label}: the new process sent ${[...kinds].join(', ')}`)
      assert.equal(fresh.keySet?.join(','), '0,1,2,3,4,5', `${label}: the key set holds the restarted party's first keys`)
    }
  }
})

test('a party restarted after its first keys reached only some parties: whatever the split and order, no party ends with a wrong total', () => {
  // t = 4 of 6: the keys that four parties hold are certified. The first keys reached k parties,
  // the second the other 5 - k and the new process itself: k <= 2, the second keys are certified
  // and the new process's input is in the sum; k = 3, neither, and no one gets a result; k = 4,
  // the first keys, the new process and the one party that holds its second keys only watch,
  // and the sum has the other four, unless those two hold the same segment (here: parties 2 and
  // 5), which then has no holder (liveness L4 of README-lean.md) and no one gets a result
  const splits: Array<[number[], 'counted' | 'left out' | 'no result']> = [
    [[0], 'counted'], [[3, 5], 'counted'], [[0, 1], 'counted'],
    [[0, 1, 3], 'no result'], [[1, 4, 5], 'no result'],
    [[0, 1, 4, 5], 'left out'], [[1, 3, 4, 5], 'left out'], [[0, 1, 3, 4], 'no result']
  ]
  for (const [reached, expected] of splits) {
    for (let seed = 0; seed < 10; seed++) {
      const { sim, inputs } = restart(reached, seed, seed % 2 === 0 ? 'wide' : 'fast')
      const label = `first keys to ${reached.join(',')}, seed ${seed}`
      const agreed = assertNoWrongTotal(sim, inputs, label)
      const outcome = agreed === undefined ? 'no result' : agreed.includes(VICTIM) ? 'counted' : 'left out'
      assert.equal(outcome, expected, label)
      if (expected !== 'no result') sim.machines.forEach((m, i) => assert.equal(m.step, 'done', `${label}: party ${i} at ${m.step}`))
    }
  }
})
