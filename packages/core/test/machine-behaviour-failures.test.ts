/**
 * The behaviour suite of machine-behaviour.test.ts, for failures: aborts (each machine's own
 * promise: the full mesh fails, threshold mode carries on without a party that gave up, lean
 * mode relays the abort along its ring or tree), a party with another digits_after, and messages
 * of another mode.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import type { WireMessage } from '../src/wire/codec.js'
import { DigestMismatchError, ProtocolError, TaskAbortedError, TaskCancelledError, TaskTimeoutError, type SimonError } from '../src/errors.js'
import { canonicalDescriptor } from '../src/task/descriptor.js'
import type { ProtocolMachine } from '../src/machine/types.js'
import { assertRefused } from './helpers.js'
import { assertSum, inputSets, MACHINES, plainSum, stateOf, task, TASK_ID, type MachineCase } from './machine-cases.js'
import { seededPick, type Sim } from './sim.js'

/** Machines that carry on without a party that gave up (TIMEOUT, CANCELLED) and report the agreed set. */
const tolerant = (c: MachineCase): boolean => c.name === 'threshold' || c.name === 'lean-threshold'
type Agreeing = ProtocolMachine & { readonly agreedInputs?: readonly number[], readonly threshold: number }

const FAILURES: ReadonlyArray<readonly [string, () => SimonError]> = [
  ['PROTOCOL_VIOLATION', () => new ProtocolError('test')],
  ['CANCELLED', () => new TaskCancelledError('test')],
  ['TIMEOUT', () => new TaskTimeoutError('share', [1], 10)]
]

/** Whether parties a and b are next to each other in this machine's topology (everyone is, in the mesh and threshold mode). */
function adjacent (c: MachineCase, n: number, a: number, b: number): boolean {
  if (c.name === 'ring') return (a - b + n) % n === 1 || (b - a + n) % n === 1
  if (c.name === 'tree') return (Math.max(a, b) - 1) >> 1 === Math.min(a, b)
  return true
}

/**
 * What a party that had not finished must have become once party k failed with `code` and told
 * its neighbours: the machine's own promise.
 */
function assertAfterAbort (c: MachineCase, sim: Sim, i: number, k: number, code: string): void {
  const m = sim.machines[i]!
  const e = m.error
  if (tolerant(c) && (code === 'TIMEOUT' || code === 'CANCELLED')) {
    // a party that gave up is a dropout: the others finish over the set they agreed on
    const agreed = (m as Agreeing).agreedInputs
    assert.equal(m.step, 'done', `party ${i}: ${String(e)}`)
    assert.ok(agreed !== undefined && agreed.length >= (m as Agreeing).threshold)
    return
  }
  assert.equal(m.step, 'failed', `party ${i} is at ${m.step}`)
  if (c.name === 'mesh' && code === 'TIMEOUT') {
    // another party's deadline: this one fails with a timeout too, naming that party
    assert.ok(e instanceof TaskTimeoutError && e.party === k, `party ${i}: ${String(e)}`)
    return
  }
  assert.ok(e instanceof TaskAbortedError && e.remoteCode === code, `party ${i}: ${String(e)}`)
  if (c.name === 'ring' || c.name === 'tree') {
    // relayed: from a neighbour (or from a party that failed before its input, which tells every party), naming where it started
    assert.ok(adjacent(c, sim.n, i, e.party) || !sim.machines[e.party]!.hasInput, `party ${i} heard from party ${e.party}`)
    assert.match(e.message, new RegExp(`\\(at party ${k}\\)`))
  } else {
    assert.equal(e.party, k)
  }
}

/**
 * Party k (seed % n) fails with `failure` after a seeded number of events (inputs given first, or
 * interleaved with the messages) and tells its neighbours; the others must keep the machine's promise.
 */
function assertAbortKept (c: MachineCase, n: number, code: string, failure: () => SimonError, seed: number, inputsFirst: boolean): void {
  const { inputs } = inputSets(n)[seed % 4]!
  const sim = task(c, inputs, { seed: `abort/${seed}` })
  if (inputsFirst) for (let i = 0; i < n; i++) sim.input(i)
  const pick = seededPick(seed)
  const reference = task(c, inputs)
  reference.run()
  for (let steps = seed % (reference.delivered.length + n); steps > 0 && sim.step(pick); steps--);
  const k = seed % n
  if (sim.machines[k]!.finished) return
  sim.post(k, sim.machines[k]!.fail(failure()))
  sim.run(pick)
  const dropout = tolerant(c) && (code === 'TIMEOUT' || code === 'CANCELLED')
  sim.machines.forEach((m, i) => {
    if (i === k) return
    // a party may finish before the abort reaches it: the abort is then late
    if (m.step === 'done' && !dropout) { if (!tolerant(c)) assert.deepEqual(m.result, plainSum(inputs), `party ${i}`) } else assertAfterAbort(c, sim, i, k, code)
  })
  // a party that failed before its input knows no topology yet (it comes from the input's size): it tells every party
  for (const m of sim.sent) if (m.message.kind === 'abort') assert.ok(adjacent(c, n, m.from, m.to) || !sim.machines[m.from]!.hasInput, `an abort from ${m.from} to ${m.to} (seed ${seed})`)
  if (tolerant(c)) {
    const done = sim.machines.filter(m => m.step === 'done') as Agreeing[]
    for (const m of done) assert.deepEqual(m.result, plainSum(m.agreedInputs!.map(j => inputs[j]!)), `party ${m.myself}`)
  }
  assert.deepEqual(sim.refusals, [])
}

describe('aborts: an abort from any party, at any point', () => {
  for (const c of MACHINES) {
    test(`${c.name}: once every party has given its input, the others keep the machine's promise`, () => {
      for (const n of c.sizes) for (const [code, failure] of FAILURES) for (let seed = 0; seed < 30; seed++) assertAbortKept(c, n, code, failure, seed, true)
    })

    test(`${c.name}: with inputs interleaved, the others keep the machine's promise`, () => {
      for (const n of c.sizes) for (const [code, failure] of FAILURES) for (let seed = 0; seed < 30; seed++) assertAbortKept(c, n, code, failure, seed, false)
    })

    test(`${c.name}: an abort reaches every party, also those that have not given their input`, () => {
      const values = inputSets(4)[0]!.inputs
      const sim = task(c, [values[0], undefined, values[2], undefined])
      sim.run()
      sim.post(0, sim.machines[0]!.fail(new ProtocolError('test')))
      sim.run()
      for (let i = 1; i < 4; i++) {
        const e = sim.machines[i]!.error
        assert.ok(e instanceof TaskAbortedError && e.remoteCode === 'PROTOCOL_VIOLATION', `party ${i}: ${String(e)} at ${sim.machines[i]!.step}`)
      }
    })

    const lean = c.name === 'ring' || c.name === 'tree'
    test(`${c.name}: a party that failed before its input has none, and its input throws the task's error`, () => {
      const sim = task(c, inputSets(c.sizes[0]!)[0]!.inputs.map(() => undefined))
      const aborted = sim.machines[1]!
      const abort: WireMessage = { kind: 'abort', taskId: TASK_ID, digest: aborted.digest, from: 0, code: 'PROTOCOL_VIOLATION', reason: 'test' }
      sim.inject(1, abort, sim.peers[0]!)
      assert.equal(aborted.step, 'failed')
      assert.equal(aborted.hasInput, false)
      assert.throws(() => aborted.input(1, 0), (err: unknown) => err === aborted.error)
    })
  }
})

describe('digest mismatch: a party with another digits_after', () => {
  for (const c of MACHINES) {
    test(`${c.name}: every party fails; the receivers name parameters.digits_after`, () => {
      for (const n of c.sizes) {
        for (let odd = 0; odd < n; odd++) {
          for (let seed = 0; seed < 12; seed++) {
            const { inputs } = inputSets(n)[seed % 4]!
            const sim = task(c, inputs, { seed: `odd/${seed}`, odd: [odd, { digits_after: 6 }] })
            sim.run(seededPick(seed))
            let named = 0
            sim.machines.forEach((m, i) => {
              const e = m.error
              assert.equal(m.step, 'failed', `party ${i} (odd ${odd}) is at ${m.step}`)
              if (e instanceof DigestMismatchError) {
                named++
                assert.equal(e.code, 'DIGEST_MISMATCH')
                assert.ok((i === odd) !== (e.party === odd), `party ${i} blames party ${e.party}; party ${odd} differs`)
                assert.ok(e.differences.some(d => d.startsWith('parameters.digits_after')), e.differences.join('; '))
                assert.match(e.message, /parameters\.digits_after/)
              } else {
                assert.ok(e instanceof TaskAbortedError && e.remoteCode === 'DIGEST_MISMATCH', `party ${i}: ${String(e)}`)
              }
            })
            assert.ok(named >= 1)
            assert.deepEqual(sim.inputErrors, [])
          }
        }
      }
    })
  }
})

const KINDS: Record<MachineCase['name'], readonly string[]> = {
  mesh: ['share', 'partial', 'confirm'],
  threshold: ['share', 'propose', 'commit', 'set-partial', 'confirm'],
  ring: ['lean-nonces', 'lean-data', 'lean-confirm'],
  tree: ['lean-nonces', 'lean-data', 'lean-confirm'],
  direct: ['lean-nonces', 'lean-data', 'lean-confirm'],
  'lean-threshold': ['lt-keys', 'lt-propose', 'lt-commit', 'lt-unmask', 'lean-data', 'confirm']
}
const MODE_NAMES: Record<MachineCase['name'], string> = {
  mesh: 'the additive full mesh', threshold: 'threshold mode', ring: 'lean mode', tree: 'lean mode', direct: 'lean mode', 'lean-threshold': 'lean mode with a threshold'
}

/** One message of every kind this machine has no place for, from party `from`, about this very task. */
function otherModes (c: MachineCase, sim: Sim, from: number): WireMessage[] {
  const descriptor = canonicalDescriptor(sim.machines[from]!.descriptor)
  const header = { taskId: TASK_ID, digest: sim.machines[from]!.digest, from }
  const all: WireMessage[] = [
    { ...header, kind: 'share', shape: 'scalar', descriptor, elements: [1n, 1n] },
    { ...header, kind: 'partial', shape: 'scalar', elements: [1n, 1n] },
    { ...header, kind: 'confirm', hash: new Uint8Array(32) },
    { ...header, kind: 'propose', members: [0, 1] },
    { ...header, kind: 'commit', members: [0, 1], signature: new Uint8Array(64) },
    { ...header, kind: 'set-partial', members: [0, 1], certificate: [], shape: 'scalar', elements: [1n, 1n] },
    { ...header, kind: 'lean-nonces', pass: 'collect', topology: 'tree', descriptor, entries: [{ party: from, nonce: new Uint8Array(16), shape: 'scalar', length: 1, publicKey: new Uint8Array(32), signature: new Uint8Array(64) }] },
    { ...header, kind: 'lean-data', phase: 'reduce', step: 0, frame: 0, elements: [1n, 1n] },
    { ...header, kind: 'lean-confirm', pass: 'collect', tags: [] },
    { ...header, kind: 'lt-keys', descriptor, shape: 'scalar', length: 1, nonce: new Uint8Array(16), publicKey: new Uint8Array(32), selfCommitment: new Uint8Array(32), signature: new Uint8Array(64), shares: [1n, 1n] },
    { ...header, kind: 'lt-propose', round: 'keys', members: [0, 1] },
    { ...header, kind: 'lt-commit', round: 'inputs', members: [0, 1], signature: new Uint8Array(64) },
    { ...header, kind: 'lt-unmask', keySet: [0, 1], members: [0, 1], certificate: [], shares: [1n, 1n] }
  ]
  return all.filter(m => !KINDS[c.name].includes(m.kind))
}

function assertOtherModesRefused (c: MachineCase, sim: Sim): void {
  for (let to = 0; to < sim.n; to++) {
    for (let from = 0; from < sim.n; from++) {
      if (from === to) continue
      for (const message of otherModes(c, sim, from)) {
        const target = sim.machines[to]!
        const before = stateOf(target)
        assertRefused(target, sim.inject(to, message, sim.peers[from]!), (err: unknown) =>
          err instanceof ProtocolError && err.party === from && err.message.includes(`a ${message.kind} message, which has no place in ${MODE_NAMES[c.name]}`))
        assert.equal(stateOf(target), before, `a ${message.kind} changed party ${to}`)
      }
    }
  }
}

describe('a message of another mode is refused, naming the mode', () => {
  for (const c of MACHINES) {
    test(`${c.name}: before the input, during the sum and after the end`, () => {
      const n = c.sizes[c.sizes.length - 1]!
      const { inputs } = inputSets(n)[0]!
      const sim = task(c, inputs)
      assertOtherModesRefused(c, sim)
      for (let i = 0; i < n; i++) sim.input(i)
      sim.step()
      assertOtherModesRefused(c, sim)
      sim.run()
      assertSum(sim, inputs)
      assertOtherModesRefused(c, sim)
      assertSum(sim, inputs)
    })
  }
})
