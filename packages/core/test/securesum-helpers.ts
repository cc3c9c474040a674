/**
 * What the full mesh's suites share (a helper, not a test file): the task, its parties' machines
 * for a simulated network (sim.ts), and assertions on the errors they fail with or refuse with.
 */
import assert from 'node:assert/strict'
import { SimonError } from '../src/errors.js'
import type { InputValue } from '../src/encoding/fixed-point.js'
import { SecureSum } from '../src/protocols/mesh/machine.js'
import type { TaskDescriptor } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'
import type { Received } from '../src/machine/types.js'
import { assertRefused, seededRandomBytes } from './helpers.js'
import { Sim } from './sim.js'

export const TASK_ID = 'a1b2c3d4-0000-4000-8000-secure-sum'
export const peerIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWParty${i}`)

export function makeDescriptor (n: number, params: Record<string, unknown> = {}, peers = peerIds(n)): TaskDescriptor {
  return { taskId: TASK_ID, microprotocol: 'SecureSum', parameters: resolveParameters(params, n), peers }
}

export function makeParties (descriptors: TaskDescriptor[], seed = 'parties'): SecureSum[] {
  return descriptors.map((descriptor, i) => new SecureSum({ descriptor, myself: i, randomBytes: seededRandomBytes(`${seed}/${i}`) }))
}

/** Run a whole task, inputs first, messages in order. */
export function runAll (inputs: InputValue[], params: Record<string, unknown> = {}, seed = 'run'): SecureSum[] {
  const parties = makeParties(inputs.map(() => makeDescriptor(inputs.length, params)), seed)
  const net = new Sim(parties)
  inputs.forEach((v, i) => net.input(i, v))
  net.run()
  assert.deepEqual(net.refusals, [])
  return parties
}

export function assertError (party: SecureSum, cls: new (...args: never[]) => SimonError, check: (err: SimonError) => void = () => {}): void {
  assert.equal(party.step, 'failed', `party ${party.myself} is at ${party.step}`)
  assert.ok(party.error instanceof cls, `party ${party.myself} failed with ${String(party.error)}`)
  assert.equal(party.error.name, cls.name)
  assert.equal(party.result, undefined)
  check(party.error)
}

export function namedError (name: string, props: Record<string, unknown>): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof SimonError, `expected ${name}, got ${String(err)}`)
    assert.equal(err.name, name)
    for (const [k, v] of Object.entries(props)) assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, k)
    return true
  }
}

export function throwsNamed (fn: () => unknown, name: string, props: Record<string, unknown> = {}): void {
  assert.throws(fn, namedError(name, props))
}

/** A refusal that leaves the task going on, with an error of this name and these properties. */
export function refusedNamed (party: SecureSum, received: Received, name: string, props: Record<string, unknown> = {}): void {
  assertRefused(party, received, namedError(name, props))
}
