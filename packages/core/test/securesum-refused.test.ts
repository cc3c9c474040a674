/**
 * The full mesh refuses what it must not take: invalid input before anything is sent, and
 * messages from the wrong peer, for another task, from itself, or a second time.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import type { WireMessage } from '../src/wire/codec.js'
import { InvalidInputError, ProtocolError } from '../src/errors.js'
import type { InputValue } from '../src/encoding/fixed-point.js'
import { SecureSum } from '../src/protocols/mesh/machine.js'
import type { Outgoing } from '../src/machine/types.js'
import { seededRandomBytes, taken } from './helpers.js'
import { Sim, type InFlight } from './sim.js'
import { assertError, makeDescriptor, makeParties, refusedNamed, runAll, TASK_ID, throwsNamed } from './securesum-helpers.js'

describe('SecureSum: invalid input', () => {
  test('is refused before anything is produced', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const p = parties[0]!
    const bad: Array<[unknown, string]> = [[Number.NaN, 'value'], ['abc', 'value'], [null, 'value'], [[1, 'x'], 'value[1]'],
      [[], 'value'], ['1e12', 'value'], ['0.0000000000001', 'value'], [{}, 'value']]
    for (const [value, field] of bad) {
      let out: Outgoing[] | undefined
      throwsNamed(() => { out = p.input(value as InputValue) }, 'InvalidInputError', { field, code: 'INVALID_INPUT' })
      assert.equal(out, undefined)
      assert.equal(p.step, 'input')
      assert.equal(p.hasInput, false)
      assert.deepEqual(p.waitingFor(), { step: 'input', missing: [0] })
    }
    // the party can still take a good input afterwards and finish
    const net = new Sim(parties)
    ;[10, 7, 14].forEach((v, i) => net.input(i, v))
    net.run()
    for (const q of parties) assert.deepEqual(q.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })

  test('a second input is refused', () => {
    const [p] = makeParties([makeDescriptor(2)])
    p!.input(1)
    throwsNamed(() => p!.input(2), 'InvalidInputError', { field: 'value' })
    assert.equal(p!.step, 'share')
  })

  test('a vector longer than maxLength is refused', () => {
    const p = new SecureSum({ descriptor: makeDescriptor(2), myself: 0, randomBytes: seededRandomBytes(1), maxLength: 2 })
    throwsNamed(() => p.input([1, 2, 3]), 'InvalidInputError', { field: 'value' })
    assert.equal(p.hasInput, false)
    assert.equal(p.input([1, 2]).length, 1)
  })

  test('input after the task failed throws the task error', () => {
    const [p] = makeParties([makeDescriptor(2)])
    const error = new ProtocolError('test', 1)
    p!.fail(error)
    assert.throws(() => p!.input(1), (err: unknown) => err === error)
  })

  test('myself must be an index into the node list', () => {
    for (const myself of [-1, 3, 1.5, Number.NaN]) {
      throwsNamed(() => new SecureSum({ descriptor: makeDescriptor(3), myself, randomBytes: seededRandomBytes(1) }), 'InvalidInputError', { field: 'network.myself' })
    }
  })
})

describe('SecureSum: refused messages', () => {
  function started (): { parties: SecureSum[], net: Sim<SecureSum>, share: (from: number, to: number) => InFlight } {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Sim(parties)
    ;[10, 7, 14].forEach((v, i) => net.input(i, v))
    const share = (from: number, to: number): InFlight => net.queue.find(m => m.from === from && m.to === to && m.message.kind === 'share')!
    return { parties, net, share }
  }

  test('a sender that is not the PeerId at its index is refused and changes nothing', () => {
    const { parties, net, share } = started()
    const p0 = parties[0]!
    const m = share(1, 0).message
    const before = p0.waitingFor()
    // party 2's peer claims to speak for party 1
    refusedNamed(p0, p0.receive(m, parties[0]!.descriptor.peers[2]!), 'ProtocolError', { party: 1, code: 'PROTOCOL_VIOLATION' })
    refusedNamed(p0, p0.receive(m, '12D3KooWStranger'), 'ProtocolError', { party: 1 })
    assert.deepEqual(p0.waitingFor(), before)
    assert.equal(p0.step, 'share')
    // the real party 1 is still heard, and the task finishes
    net.run()
    assert.deepEqual(net.refusals, [])
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })

  test('a sender index outside the list, or this party itself, is refused', () => {
    const { parties, share } = started()
    const p0 = parties[0]!
    const m = share(1, 0).message
    refusedNamed(p0, p0.receive({ ...m, from: 3 }, 'x'), 'ProtocolError', { party: undefined })
    refusedNamed(p0, p0.receive({ ...m, from: -1 }, 'x'), 'ProtocolError')
    refusedNamed(p0, p0.receive({ ...m, from: 0 }, p0.descriptor.peers[0]!), 'ProtocolError', { party: 0 })
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [1, 2] })
    // a party without input yet has an empty slot of its own: a message "from itself" must not fill it
    const fresh = new SecureSum({ descriptor: p0.descriptor, myself: 0, randomBytes: seededRandomBytes('fresh') })
    for (const kind of ['share', 'partial', 'confirm'] as const) {
      const own: WireMessage = kind === 'share'
        ? { ...m, from: 0 }
        : kind === 'partial'
          ? { kind, taskId: TASK_ID, digest: fresh.digest, from: 0, shape: 'scalar', elements: [1n, 1n] }
          : { kind, taskId: TASK_ID, digest: fresh.digest, from: 0, hash: new Uint8Array(32) }
      refusedNamed(fresh, fresh.receive(own, fresh.descriptor.peers[0]!), 'ProtocolError', { party: 0 })
    }
    assert.deepEqual(fresh.waitingFor(), { step: 'input', missing: [0] })
    fresh.input(10)
    assert.deepEqual(fresh.waitingFor(), { step: 'share', missing: [1, 2] })
  })

  test('a message for another task id, or a non-share with another digest, is refused', () => {
    const { parties, share } = started()
    const p0 = parties[0]!
    const m = share(1, 0).message
    const peer1 = p0.descriptor.peers[1]!
    refusedNamed(p0, p0.receive({ ...m, taskId: 'other' }, peer1), 'ProtocolError', { party: 1 })
    const otherDigest = new Uint8Array(32)
    refusedNamed(p0, p0.receive({ kind: 'partial', taskId: TASK_ID, digest: otherDigest, from: 1, shape: 'scalar', elements: [1n, 1n] }, peer1), 'ProtocolError', { party: 1 })
    refusedNamed(p0, p0.receive({ kind: 'confirm', taskId: TASK_ID, digest: otherDigest, from: 1, hash: new Uint8Array(32) }, peer1), 'ProtocolError', { party: 1 })
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [1, 2] })
  })

  test('a share whose description does not match its digest is refused', () => {
    const { parties, share } = started()
    const p0 = parties[0]!
    const m = share(1, 0).message
    assert.ok(m.kind === 'share')
    refusedNamed(p0, p0.receive({ ...m, descriptor: m.descriptor + ' ' }, p0.descriptor.peers[1]!), 'ProtocolError', { party: 1 })
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [1, 2] })
  })

  test('a second share from the same party is refused and does not count twice', () => {
    const { parties, net, share } = started()
    const p0 = parties[0]!
    const m = share(1, 0).message
    const peer1 = p0.descriptor.peers[1]!
    taken(p0, p0.receive(m, peer1))
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [2] })
    refusedNamed(p0, p0.receive(m, peer1), 'ProtocolError', { party: 1 })
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [2] })
    net.queue.splice(net.queue.findIndex(q => q.message === m), 1)
    net.run()
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })

  test('a replayed share, partial sum or confirmation is refused after its step is over', () => {
    const { parties, net } = started()
    net.run()
    const seen = net.delivered
    const p0 = parties[0]!
    assert.equal(p0.step, 'done')
    for (const kind of ['share', 'partial', 'confirm'] as const) {
      const m = seen.find(q => q.to === 0 && q.from === 1 && q.message.kind === kind)!
      refusedNamed(p0, p0.receive(m.message, p0.descriptor.peers[1]!), 'ProtocolError', { party: 1 })
    }
    assert.equal(p0.step, 'done')
    assert.deepEqual(p0.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })

  test('a replayed share is refused once the share step is over, before the end', () => {
    const parties = makeParties([makeDescriptor(2), makeDescriptor(2)])
    const net = new Sim(parties)
    net.input(0, 1)
    net.input(1, 2)
    const toZero = net.queue.find(m => m.to === 0)!
    net.deliver(net.queue.indexOf(toZero))
    assert.equal(parties[0]!.step, 'partial')
    refusedNamed(parties[0]!, parties[0]!.receive(toZero.message, parties[0]!.descriptor.peers[1]!), 'ProtocolError', { party: 1 })
    net.run()
    for (const p of parties) assert.deepEqual(p.result, { inputs: 2, result: { samples: 2, sum: 3 } })
  })

  test('an element outside the field fails the task', () => {
    const { parties, share } = started()
    const p0 = parties[0]!
    const m = share(1, 0).message
    assert.ok(m.kind === 'share')
    const out = taken(p0, p0.receive({ ...m, elements: [p0.field.p, 0n] }, p0.descriptor.peers[1]!))
    assertError(p0, ProtocolError, e => assert.equal((e as ProtocolError).party, 1))
    assert.deepEqual(out.map(o => [o.to, o.message.kind]), [[1, 'abort'], [2, 'abort']])
  })

  test('after the task failed, further messages are ignored', () => {
    const { parties, share } = started()
    const p0 = parties[0]!
    p0.fail(new ProtocolError('test'))
    assert.deepEqual(taken(p0, p0.receive(share(1, 0).message, p0.descriptor.peers[1]!)), [])
    assert.equal(p0.step, 'failed')
    assert.deepEqual(p0.fail(new ProtocolError('again')), [])
    assert.equal(p0.error?.message, 'test')
  })

  test('an abort after the task is done is ignored', () => {
    const parties = runAll([1, 2])
    const p0 = parties[0]!
    const out = taken(p0, p0.receive({ kind: 'abort', taskId: TASK_ID, digest: p0.digest, from: 1, code: 'X', reason: 'late' }, p0.descriptor.peers[1]!))
    assert.deepEqual(out, [])
    assert.equal(p0.step, 'done')
    assert.deepEqual(p0.result, { inputs: 2, result: { samples: 2, sum: 3 } })
  })
})
