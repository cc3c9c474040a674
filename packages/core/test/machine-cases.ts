/**
 * The six protocol machines as cases of one behaviour suite (a helper, not a test file): how each
 * is built for a task, its parameters, and the party counts it runs with.
 *   mesh       createMachine, mode 'mesh': the additive full mesh
 *   threshold  createMachine, threshold t = n - 1 < n, a 1 s share_timeout on the virtual clock
 *   ring       lean mode's ring (LeanMachine) with 2-element frames, so small inputs take many frames
 *   tree       createMachine, mode 'lean', small inputs: lean mode's tree behind the auto machine
 *   direct     lean mode's direct sends (DirectMachine) with 2-element frames, as the ring
 *   lean-threshold  createMachine, mode 'lean' with threshold t = n - 1: lean mode that survives dropouts
 */
import assert from 'node:assert/strict'
import { decodeScaled, DEFAULT_FIXED_POINT, encodeInput, type InputValue } from '../src/encoding/fixed-point.js'
import { wideVectors } from '../src/field/vectors.js'
import { createMachine } from '../src/machine/create.js'
import type { ProtocolMachine, SecureSumResult } from '../src/machine/types.js'
import { LeanMachine } from '../src/protocols/lean/ring.js'
import { DirectMachine } from '../src/protocols/lean/direct.js'
import type { TaskDescriptor } from '../src/task/descriptor.js'
import { fieldOf, resolveParameters } from '../src/task/parameters.js'
import { machinesFor, Sim, type MakeMachine, type Tamper } from './sim.js'

export type MachineName = 'mesh' | 'threshold' | 'ring' | 'tree' | 'direct' | 'lean-threshold'

export interface MachineCase {
  readonly name: MachineName
  /** The party counts the suite runs this machine with (threshold mode needs n >= 3). */
  readonly sizes: readonly number[]
  /** The caller's parameters of a task of n parties in this mode. */
  readonly parameters: (n: number) => Record<string, unknown>
  readonly make: MakeMachine<ProtocolMachine>
}

/** The share_timeout of threshold cases, in the virtual clock's ms. */
export const SHARE_TIMEOUT_MS = 1000

/** Frames of this many elements on the test ring: a 3-element vector and its sample count take two. */
export const RING_FRAME_ELEMENTS = 2

export const MACHINES: readonly MachineCase[] = [
  { name: 'mesh', sizes: [2, 3], parameters: () => ({ mode: 'mesh' }), make: init => createMachine(init) },
  {
    name: 'threshold',
    sizes: [3, 4],
    parameters: n => ({ threshold: n - 1, share_timeout: SHARE_TIMEOUT_MS / 1000 }),
    make: init => createMachine(init)
  },
  {
    name: 'ring',
    sizes: [2, 3],
    parameters: () => ({ mode: 'lean' }),
    make: init => new LeanMachine(init, { ...wideVectors(fieldOf(init.descriptor.parameters)), frameElements: RING_FRAME_ELEMENTS })
  },
  { name: 'tree', sizes: [2, 3], parameters: () => ({ mode: 'lean' }), make: init => createMachine(init) },
  {
    name: 'direct',
    sizes: [2, 3],
    parameters: () => ({ mode: 'lean' }),
    make: init => new DirectMachine(init, { ...wideVectors(fieldOf(init.descriptor.parameters)), frameElements: RING_FRAME_ELEMENTS })
  },
  {
    name: 'lean-threshold',
    sizes: [3, 4],
    parameters: n => ({ mode: 'lean', threshold: n - 1, share_timeout: SHARE_TIMEOUT_MS / 1000 }),
    make: init => createMachine(init)
  }
]

export const TASK_ID = 'behaviour-task'
export const peersOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWBehaviour${i}`)

export function descriptorOf (c: MachineCase, n: number, extra: Record<string, unknown> = {}): TaskDescriptor {
  return { taskId: TASK_ID, microprotocol: 'SecureSum', parameters: resolveParameters({ ...c.parameters(n), ...extra }, n), peers: peersOf(n) }
}

export interface TaskOptions {
  readonly seed?: string
  readonly tamper?: Tamper
  /** Another parameter at one party: [party, parameters it adds]. */
  readonly odd?: readonly [number, Record<string, unknown>]
}

/** One task of this machine for these inputs (given by `run`, interleaved with the messages). */
export function task (c: MachineCase, inputs: ReadonlyArray<InputValue | undefined>, options: TaskOptions = {}): Sim {
  const n = inputs.length
  const d = descriptorOf(c, n)
  const descriptors = inputs.map((_, i) => (options.odd?.[0] === i ? descriptorOf(c, n, options.odd[1]) : d))
  return new Sim(machinesFor(descriptors, { seed: options.seed ?? c.name, make: c.make }), { inputs, tamper: options.tamper, peers: d.peers })
}

/** The inputs of the round trips for n parties: scalars, decimals, negatives, vectors (n <= 4). */
export function inputSets (n: number): Array<{ name: string, inputs: InputValue[] }> {
  const sets: Array<[string, InputValue[]]> = [
    ['scalars', [10, 7, 14, 3]],
    ['decimals', ['123.456789', '1234.56789', '12345.6789', '0.000001']],
    ['negatives', [-10, 2.5, '-0.000001', -3]],
    ['vectors', [[1, 2, 3], new Float64Array([4, 5, 6]), ['7', 8n, 9.5], [-1, 0, '0.25']]]
  ]
  return sets.map(([name, inputs]) => ({ name, inputs: inputs.slice(0, n) }))
}

/** What every party of a task must report for these inputs: their exact total, element-wise. */
export function plainSum (inputs: readonly InputValue[]): SecureSumResult {
  const encoded = inputs.map(v => encodeInput(v, DEFAULT_FIXED_POINT))
  const totals = encoded[0]!.values.map((_, k) => encoded.reduce((s, e) => s + e.values[k]!, 0n))
  const sum = totals.map(t => decodeScaled(t, DEFAULT_FIXED_POINT))
  const samples = encoded.reduce((s, e) => s + e.samples, 0)
  return { inputs: inputs.length, result: { samples, sum: encoded[0]!.shape === 'scalar' ? sum[0]! : sum } }
}

/** Every party done with `expected` (the plain sum by default); nothing refused, no input thrown. */
export function assertSum (sim: Sim, inputs: readonly InputValue[], expected: SecureSumResult = plainSum(inputs)): void {
  sim.machines.forEach((m, i) => {
    assert.equal(m.step, 'done', `party ${i} is at ${m.step}: ${m.error?.message ?? JSON.stringify(m.waitingFor())}`)
    assert.deepEqual(m.result, expected, `party ${i}`)
  })
  assert.deepEqual(sim.refusals, [])
  assert.deepEqual(sim.inputErrors, [])
}

/** What can be seen of a machine from outside, to tell that a message changed nothing. */
export function stateOf (m: ProtocolMachine): string {
  const seen = { step: m.step, finished: m.finished, hasInput: m.hasInput, waiting: m.waitingFor(), deadline: m.nextDeadline(), result: m.result, error: m.error?.message, progress: m.progress }
  return JSON.stringify(seen, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Float64Array ? [...v] : v))
}
