/**
 * Threshold mode's machine on a simulated network (sim.ts): the sum with every party up, in any
 * delivery order; parties that drop out, give up or come late; slow networks; refused messages.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { InputValue } from '../src/encoding/fixed-point.js'
import { DigestMismatchError, InvalidInputError, ProtocolError, TaskAbortedError } from '../src/errors.js'
import { createMachine } from '../src/machine/create.js'
import { canonicalDescriptor, taskDigest } from '../src/task/descriptor.js'
import { ThresholdMachine } from '../src/protocols/threshold/machine.js'
import { assertRefused, seededRandomBytes, taken } from './helpers.js'
import type { Sim } from './sim.js'
import { testIdentity } from './identity-helpers.js'
import { assertAllDone, certificateOf, params, signedBy, peerIds, revealedSets, sim, ST, TASK_ID, thresholdDescriptor, values } from './threshold-helpers.js'

describe('threshold machine: createMachine', () => {
  test('threshold < n gets the threshold machine, t = n the full mesh', () => {
    const d = thresholdDescriptor(5, params(3))
    assert.ok(createMachine({ descriptor: d, myself: 0, randomBytes: seededRandomBytes(0), identity: testIdentity(d.peers[0]!) }) instanceof ThresholdMachine)
    // its commits are signed: without identity signatures it refuses before anything is sent
    assert.throws(() => createMachine({ descriptor: d, myself: 0, randomBytes: seededRandomBytes(0) }), (e: unknown) => e instanceof InvalidInputError && e.field === 'parameters.threshold')
    const full = thresholdDescriptor(5, params(5))
    assert.equal(full.parameters.threshold, undefined)
    assert.ok(!(createMachine({ descriptor: full, myself: 0, randomBytes: seededRandomBytes(0) }) instanceof ThresholdMachine))
  })
})

describe('threshold machine: every party up', () => {
  test('5 parties, t = 3: the exact sum at all, before any deadline', () => {
    const s = sim(5, 3)
    const vs = values(5)
    vs.forEach((v, i) => s.input(i, v))
    s.run()
    assert.equal(s.now, 0, 'no deadline was needed')
    assertAllDone(s, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], vs)
    assert.deepEqual(revealedSets(s), new Set(['0,1,2,3,4']))
  })

  test('the fast profile (Float64Array in, p = 2^52 - 47) runs in threshold mode too', () => {
    const s = sim(4, 3, 'fast', { profile: 'fast' })
    ;[new Float64Array([1.5, 2]), new Float64Array([1, -1]), new Float64Array([0.25, 0]), new Float64Array([3, 3])].forEach((v, i) => s.input(i, v))
    s.run()
    for (const p of s.machines) assert.deepEqual(p.result, { inputs: 4, result: { samples: 8, sum: Float64Array.from([5.75, 4]) } })
  })

  test('decimals, negatives and vectors, element-wise', () => {
    const s = sim(4, 3)
    const inputs: InputValue[] = [['123.456789', -1], [1234.56789, 2], ['12345.6789', '-0.5'], [0, 0.25]]
    inputs.forEach((v, i) => s.input(i, v))
    s.run()
    for (const p of s.machines) assert.deepEqual(p.result, { inputs: 4, result: { samples: 8, sum: [13703.703579, 0.75] } })
  })

  test('property: any delivery order, any t, the exact sum at all', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 8 }).chain(n => fc.record({
      n: fc.constant(n),
      t: fc.integer({ min: Math.floor(n / 2) + 1, max: n - 1 }),
      vs: fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: n, maxLength: n }),
      order: fc.array(fc.nat(), { maxLength: 400 }),
      seed: fc.string()
    })), ({ n, t, vs, order, seed }) => {
      const s = sim(n, t, seed)
      vs.forEach((v, i) => s.input(i, v))
      let k = 0
      s.run(count => (order[k++] ?? 0) % count)
      const all = vs.map((_, j) => j)
      assertAllDone(s, all, all, vs)
    }), { numRuns: 100 })
  })
})

describe('threshold machine: parties that drop out', () => {
  test('a party that never arrives is left out after the sharing deadline and the proposal window', () => {
    const s = sim(5, 3)
    const vs = values(5)
    vs.forEach((v, i) => { if (i !== 2) s.input(i, v) })
    s.run()
    assertAllDone(s, [0, 1, 3, 4], [0, 1, 3, 4], vs)
    assert.equal(s.now, 2 * ST)
    assert.deepEqual(s.machines[2]!.waitingFor(), { step: 'input', missing: [2] })
  })

  test('a party that drops out after its shares went out: the sum goes on, and its input counts', () => {
    const s = sim(5, 3)
    const vs = values(5)
    s.crashAfterSends.set(1, 4) // its four shares, then nothing
    vs.forEach((v, i) => s.input(i, v))
    s.run()
    assert.ok(s.crashed.has(1))
    assertAllDone(s, [0, 2, 3, 4], [0, 1, 2, 3, 4], vs)
  })

  test('n - t parties drop out after sharing (20 parties, t = 11, 6 down): the exact sum at the 14', () => {
    const s = sim(20, 11)
    const vs = values(20)
    const down = [0, 3, 7, 8, 15, 19]
    for (const d of down) s.crashAfterSends.set(d, 19)
    vs.forEach((v, i) => s.input(i, v))
    s.run()
    const up = vs.map((_, j) => j).filter(j => !down.includes(j))
    assertAllDone(s, up, vs.map((_, j) => j), vs)
  })

  test('a party that drops out between its partial sum and its confirmation does not stop the others', () => {
    const s = sim(5, 3)
    const vs = values(5)
    // 4 shares, 4 proposals, 4 commits, 4 partial sums: then it is gone, before its confirmation
    s.crashAfterSends.set(4, 16)
    vs.forEach((v, i) => s.input(i, v))
    s.run()
    assert.ok(s.crashed.has(4))
    assertAllDone(s, [0, 1, 2, 3], [0, 1, 2, 3, 4], vs)
  })

  test('fewer than t parties arrive: no one proposes (a proposal of fewer than t could never be agreed), and the parties waited for are named at the share step', () => {
    const s = sim(5, 3)
    s.input(3, 1)
    s.input(4, 2)
    s.run()
    for (const i of [3, 4]) {
      assert.equal(s.machines[i]!.step, 'share')
      assert.deepEqual(s.machines[i]!.waitingFor(), { step: 'share', missing: [0, 1, 2] })
      assert.equal(s.machines[i]!.nextDeadline(), undefined)
    }
    assert.deepEqual(revealedSets(s), new Set())
  })

  test('fewer than t parties stay up after sharing: they wait at the commit step, naming the parties gone', () => {
    const s = sim(5, 3)
    for (const d of [0, 1, 2]) s.crashAfterSends.set(d, 4)
    values(5).forEach((v, i) => s.input(i, v))
    s.run()
    for (const i of [3, 4]) {
      assert.equal(s.machines[i]!.finished, false)
      assert.deepEqual(s.machines[i]!.waitingFor(), { step: 'commit', missing: [0, 1, 2] })
    }
    assert.deepEqual(revealedSets(s), new Set(), 'two commits are not t: nothing is revealed')
  })

  test('a party that gives up (timeout abort) is a dropout: the others carry on', () => {
    const s = sim(4, 3)
    const vs = values(4)
    vs.forEach((v, i) => s.input(i, v))
    // party 3 times out before anything was delivered and tells the others
    s.crash(3)
    const abort = { kind: 'abort' as const, taskId: TASK_ID, digest: s.machines[3]!.digest, from: 3, code: 'TIMEOUT', reason: 'timed out' }
    for (const i of [0, 1, 2]) s.post(i, taken(s.machines[i]!, s.machines[i]!.receive(abort, peerIds(4)[3]!, 0)))
    s.run()
    assertAllDone(s, [0, 1, 2], [0, 1, 2, 3], vs)
  })

  test('any other abort fails the task', () => {
    const s = sim(4, 3)
    s.input(0, 1)
    const abort = { kind: 'abort' as const, taskId: TASK_ID, digest: s.machines[0]!.digest, from: 1, code: 'INVALID_INPUT', reason: 'bad' }
    taken(s.machines[0]!, s.machines[0]!.receive(abort, peerIds(4)[1]!, 0))
    assert.ok(s.machines[0]!.error instanceof TaskAbortedError)
  })

  test('a late party (input after the others agreed) joins their set: its input is left out, the sum is the same everywhere', () => {
    const s = sim(5, 3)
    const vs = values(5)
    vs.forEach((v, i) => { if (i !== 0) s.input(i, v) })
    s.run()
    s.input(0, vs[0]!)
    s.run()
    assertAllDone(s, [0, 1, 2, 3, 4], [1, 2, 3, 4], vs)
  })
})

describe('threshold machine: slow networks', () => {
  test('property: every share arrives after every sharing deadline, in any order: each party proposes once it holds t, and all get the same exact sum', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 8 }).chain(n => fc.record({
      n: fc.constant(n),
      t: fc.integer({ min: Math.floor(n / 2) + 1, max: n - 1 }),
      order: fc.array(fc.nat(), { maxLength: 800 }),
      seed: fc.string()
    })), ({ n, t, order, seed }) => {
      const s = sim(n, t, seed)
      const vs = values(n)
      vs.forEach((v, i) => s.input(i, v))
      // the sharing deadlines pass with nothing delivered: no one may propose with fewer than t shares
      s.advanceTo(ST)
      for (const p of s.machines) assert.equal(p.step, 'share')
      let k = 0
      s.run(count => (order[k++] ?? 0) % count)
      const results = s.machines.map(p => JSON.stringify(p.result))
      assert.equal(new Set(results).size, 1, results.join(' | '))
      const members = s.machines[0]!.agreedInputs!
      assert.ok(members.length >= t)
      assertAllDone(s, vs.map((_, j) => j), [...members], vs)
    }), { numRuns: 200 })
  })
})

describe('threshold machine: refused messages', () => {
  function started (): { s: Sim<ThresholdMachine>, p: ThresholdMachine, header: { taskId: string, digest: Uint8Array } } {
    const s = sim(5, 3)
    const p = s.machines[0]!
    p.input(1, 0)
    return { s, p, header: { taskId: TASK_ID, digest: p.digest } }
  }
  const peer = peerIds(5)

  test('a second proposal, commit, partial sum or confirmation from one party', () => {
    const { p, header } = started()
    const propose = { ...header, kind: 'propose' as const, from: 1, members: [0, 1, 2] }
    taken(p, p.receive(propose, peer[1]!, 0))
    assertRefused(p, p.receive(propose, peer[1]!, 0), (e: unknown) => e instanceof ProtocolError && /already sent its proposal/.test(e.message))
    const commit = { ...header, kind: 'commit' as const, from: 1, members: [0, 1, 2], signature: signedBy(header.digest, 1, [0, 1, 2]) }
    taken(p, p.receive(commit, peer[1]!, 0))
    assertRefused(p, p.receive({ ...commit, members: [1, 2, 3], signature: signedBy(header.digest, 1, [1, 2, 3]) }, peer[1]!, 0), /already committed/)
    const certificate = certificateOf(header.digest, [0, 1, 2], [1, 2, 3])
    const partial = { ...header, kind: 'set-partial' as const, from: 1, members: [0, 1, 2], certificate, shape: 'scalar' as const, elements: [1n, 1n] }
    taken(p, p.receive(partial, peer[1]!, 0))
    assertRefused(p, p.receive(partial, peer[1]!, 0), /already revealed a partial sum/)
    const confirm = { ...header, kind: 'confirm' as const, from: 1, hash: new Uint8Array(32) }
    taken(p, p.receive(confirm, peer[1]!, 0))
    assertRefused(p, p.receive(confirm, peer[1]!, 0), /already sent its confirmation/)
  })

  test('a commit to fewer than t inputs, a party index off the list, a partial sum over another set than committed', () => {
    const { p, header } = started()
    assertRefused(p, p.receive({ ...header, kind: 'commit', from: 1, members: [0, 1], signature: signedBy(header.digest, 1, [0, 1]) }, peer[1]!, 0), /fewer than the threshold 3/)
    assertRefused(p, p.receive({ ...header, kind: 'propose', from: 1, members: [0, 5] }, peer[1]!, 0), /party 5, which is not on the task's node list/)
    taken(p, p.receive({ ...header, kind: 'commit', from: 2, members: [0, 1, 2], signature: signedBy(header.digest, 2, [0, 1, 2]) }, peer[2]!, 0))
    assertRefused(p, p.receive({ ...header, kind: 'set-partial', from: 2, members: [0, 1, 3], certificate: certificateOf(header.digest, [0, 1, 3], [1, 3, 4]), shape: 'scalar', elements: [1n, 1n] }, peer[2]!, 0), /another input set than it committed to/)
  })

  test('a full-mesh partial, a sender that is not who it claims, another digest', () => {
    const { p, header } = started()
    assertRefused(p, p.receive({ ...header, kind: 'partial', from: 1, shape: 'scalar', elements: [1n, 1n] }, peer[1]!, 0), /no place in threshold mode/)
    assertRefused(p, p.receive({ ...header, kind: 'propose', from: 1, members: [] }, peer[2]!, 0), /is party 2 and may not speak for party 1/)
    assertRefused(p, p.receive({ ...header, digest: new Uint8Array(32), kind: 'propose', from: 1, members: [] }, peer[1]!, 0), /another task digest/)
  })

  test('a share from a party whose threshold differs fails the task with the difference named', () => {
    const mine = thresholdDescriptor(5, params(3))
    const theirs = thresholdDescriptor(5, params(4))
    const p = new ThresholdMachine({ descriptor: mine, myself: 0, randomBytes: seededRandomBytes(0), identity: testIdentity(mine.peers[0]!) })
    const out = taken(p, p.receive({ kind: 'share', taskId: TASK_ID, digest: taskDigest(theirs), from: 1, shape: 'scalar', descriptor: canonicalDescriptor(theirs), elements: [1n, 1n] }, peer[1]!, 0))
    assert.ok(p.error instanceof DigestMismatchError)
    // max_deviating follows the threshold by default (2t - n - 1): it differs too
    assert.deepEqual(p.error.differences, ['parameters.max_deviating: 0 here, 2 at party 1', 'parameters.threshold: 3 here, 4 at party 1'])
    assert.equal(out.length, 4, 'the others are told')
  })

  test('input is validated before anything is produced; a second input is refused', () => {
    const p = new ThresholdMachine({ descriptor: thresholdDescriptor(5, params(3)), myself: 0, randomBytes: seededRandomBytes(0), identity: testIdentity(peerIds(5)[0]!) })
    assert.throws(() => p.input('abc', 0), InvalidInputError)
    assert.equal(p.hasInput, false)
    assert.equal(p.input(1, 0).length, 4)
    assert.throws(() => p.input(1, 0), /already given its input/)
  })

  test('the machine refuses a descriptor that is not threshold mode', () => {
    assert.throws(() => new ThresholdMachine({ descriptor: thresholdDescriptor(5, {}), myself: 0, randomBytes: seededRandomBytes(0) }), /n\/2 < t < n/)
  })
})
