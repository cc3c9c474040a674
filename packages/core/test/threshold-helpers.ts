/**
 * What the threshold machine's suites share (a helper, not a test file): the task, a simulation of
 * its parties (sim.ts), and the checks on their results and on the partial sums they revealed.
 */
import assert from 'node:assert/strict'
import type { TaskDescriptor } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'
import { ThresholdMachine } from '../src/protocols/threshold/machine.js'
import { commitPayload } from '../src/protocols/threshold/certificate.js'
import { partySet } from '../src/protocols/threshold/agreement.js'
import type { SignedCommit } from '../src/wire/codec.js'
import { testIdentity } from './identity-helpers.js'
import { machinesFor, Sim } from './sim.js'

export const TASK_ID = 'threshold-task-0001'
export const peerIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWThreshold${i}`)

export function thresholdDescriptor (n: number, params: Record<string, unknown>): TaskDescriptor {
  return { taskId: TASK_ID, microprotocol: 'SecureSum', parameters: resolveParameters(params, n), peers: peerIds(n) }
}

export const ST = 1000 // share_timeout of 1 s, in the virtual clock's ms
export const params = (t: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ threshold: t, share_timeout: ST / 1000, ...extra })

/** n threshold machines with threshold t, on one simulated network. */
export function sim (n: number, t: number, seed = 'sim', extra: Record<string, unknown> = {}): Sim<ThresholdMachine> {
  const d = thresholdDescriptor(n, params(t, extra))
  return new Sim(machinesFor(d.peers.map(() => d), { seed, make: init => new ThresholdMachine(init) }))
}

export const values = (n: number): number[] => Array.from({ length: n }, (_, i) => 10 * (i + 1) + i)
export const sumOf = (vs: number[], members: number[]): number => members.reduce((s, j) => s + vs[j]!, 0)

export function assertAllDone (s: Sim<ThresholdMachine>, live: number[], inputs: number[], vs: number[]): void {
  for (const i of live) {
    const p = s.machines[i]!
    assert.equal(p.step, 'done', `party ${i} is at ${p.step}: ${p.error?.message ?? JSON.stringify(p.waitingFor())}`)
    assert.deepEqual(p.result, { inputs: inputs.length, result: { samples: inputs.length, sum: sumOf(vs, inputs) } })
    assert.deepEqual(p.agreedInputs, inputs)
  }
  assert.deepEqual(s.refusals, [])
}

/** Every partial sum that left any party: its sender and the set it covers. */
export function revealed (s: Sim): Array<{ from: number, key: string }> {
  return s.sent.flatMap(m => (m.message.kind === 'set-partial' ? [{ from: m.from, key: m.message.members.join(',') }] : []))
}

/** Keys of the sets that any partial sum covered. */
export function revealedSets (s: Sim): Set<string> { return new Set(revealed(s).map(r => r.key)) }

/** Party `from`'s signed commit to `members`, as its identity key signs it (test identities). */
export function signedBy (digest: Uint8Array, from: number, members: number[], peers = peerIds(Math.max(from + 1, 5))): Uint8Array {
  return testIdentity(peers[from]!).sign(commitPayload(digest, partySet(members)))
}

/** A certificate for `members`: the signed commits of `signers`. */
export function certificateOf (digest: Uint8Array, members: number[], signers: number[], peers?: string[]): SignedCommit[] {
  return signers.map(party => ({ party, signature: signedBy(digest, party, members, peers) }))
}
