/**
 * Full-mesh parties that disagree: another task description (named by field), another peer
 * order, inputs of other shapes.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { DigestMismatchError, InvalidInputError, ProtocolError, TaskAbortedError } from '../src/errors.js'
import { SecureSum } from '../src/protocols/mesh/machine.js'
import { seededRandomBytes, taken } from './helpers.js'
import { fromChoices, Sim } from './sim.js'
import { assertError, makeDescriptor, makeParties, throwsNamed } from './securesum-helpers.js'

describe('SecureSum: parties that disagree', () => {
  test('a different digits_after: the receiver names the field, the others learn it from its abort', () => {
    const d = makeDescriptor(3)
    const other = makeDescriptor(3, { digits_after: 6 })
    const parties = makeParties([d, d, other])
    const [p0, p1, p2] = parties as [SecureSum, SecureSum, SecureSum]
    const net = new Sim(parties, { peers: d.peers })
    net.input(2, 14)
    const shareTo0 = net.queue.findIndex(m => m.to === 0)
    const out = taken(p0, p0.receive(net.queue.splice(shareTo0, 1)[0]!.message, d.peers[2]!))
    assertError(p0, DigestMismatchError, (e) => {
      const err = e as DigestMismatchError
      assert.equal(err.code, 'DIGEST_MISMATCH')
      assert.equal(err.party, 2)
      assert.ok(err.differences.some(s => s.startsWith('parameters.digits_after')), err.differences.join('; '))
      assert.ok(!err.differences.some(s => s.startsWith('network')), err.differences.join('; '))
      assert.match(err.message, /parameters\.digits_after/)
    })
    assert.deepEqual(out.map(o => [o.to, o.message.kind]), [[1, 'abort'], [2, 'abort']])
    for (const o of out) {
      assert.ok(o.message.kind === 'abort')
      assert.equal(o.message.code, 'DIGEST_MISMATCH')
      assert.match(o.message.reason, /parameters\.digits_after/)
    }
    // party 1 holds the same description as party 0: it fails with TaskAbortedError, and stays quiet
    assert.deepEqual(taken(p1, p1.receive(out[0]!.message, d.peers[0]!)), [])
    assertError(p1, TaskAbortedError, (e) => {
      assert.equal((e as TaskAbortedError).party, 0)
      assert.equal((e as TaskAbortedError).remoteCode, 'DIGEST_MISMATCH')
      assert.equal(e.code, 'ABORTED')
    })
    // party 2, whose description differs, learns of the failure too
    assert.deepEqual(taken(p2, p2.receive(out[1]!.message, d.peers[0]!)), [])
    assertError(p2, TaskAbortedError, e => assert.equal((e as TaskAbortedError).remoteCode, 'DIGEST_MISMATCH'))
  })

  test('the party with the other description names the difference when a share reaches it', () => {
    const d = makeDescriptor(3)
    const other = makeDescriptor(3, { digits_after: 6 })
    const [p0, , p2] = makeParties([d, d, other]) as [SecureSum, SecureSum, SecureSum]
    const share = p0.input(10).find(o => o.to === 2)!
    taken(p2, p2.receive(share.message, d.peers[0]!))
    assertError(p2, DigestMismatchError, (e) => {
      assert.equal((e as DigestMismatchError).party, 0)
      assert.ok((e as DigestMismatchError).differences.some(s => s.startsWith('parameters.digits_after: 6 here, 12 at party 0')))
    })
  })

  test('a different peer order is named by node index', () => {
    const d = makeDescriptor(3)
    const swapped = makeDescriptor(3, {}, [d.peers[1]!, d.peers[0]!, d.peers[2]!])
    const [p0, p2] = [
      new SecureSum({ descriptor: d, myself: 0, randomBytes: seededRandomBytes(0) }),
      new SecureSum({ descriptor: swapped, myself: 2, randomBytes: seededRandomBytes(2) })
    ]
    const share = p2.input(14).find(o => o.to === 1)! // index 1 in party 2's list is peers[0]
    const out = taken(p0, p0.receive(share.message, d.peers[2]!))
    assertError(p0, DigestMismatchError, (e) => {
      const diff = (e as DigestMismatchError).differences
      assert.ok(diff.some(s => s.startsWith('network.nodes[0]')), diff.join('; '))
      assert.ok(diff.some(s => s.startsWith('network.nodes[1]')), diff.join('; '))
      assert.ok(!diff.some(s => s.startsWith('network.nodes[2]')), diff.join('; '))
      assert.ok(!diff.some(s => s.startsWith('parameters')), diff.join('; '))
    })
    assert.equal(out.length, 2)
  })

  test('an unreadable description in a share still fails with DigestMismatchError', () => {
    const d = makeDescriptor(2)
    const [p0, p1] = makeParties([d, d]) as [SecureSum, SecureSum]
    const m = p1.input(1)[0]!.message
    assert.ok(m.kind === 'share')
    taken(p0, p0.receive({ ...m, digest: new Uint8Array(32), descriptor: '{not json' }, d.peers[1]!))
    assertError(p0, DigestMismatchError, e => assert.equal((e as DigestMismatchError).party, 1))
  })

  test('property: with one differing description, every party fails and none finishes', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 200 }), fc.constantFrom('digits', 'order'), (choices, what) => {
      const d = makeDescriptor(3)
      const other = what === 'digits' ? makeDescriptor(3, { digits_after: 6 }) : makeDescriptor(3, {}, [d.peers[1]!, d.peers[0]!, d.peers[2]!])
      // in the swapped list, party 2 is still at index 2; the network routes its messages by its own list
      const parties = makeParties([d, d, other])
      const net = new Sim(parties, { peers: d.peers, inputs: [10, 7, 14] })
      net.run(fromChoices(choices))
      // with another order, party 2 cannot tell its peers apart and refuses whatever they send;
      // it is left to its deadline. With other digits, it fails like the others.
      const expectFailed = what === 'digits' ? parties : parties.slice(0, 2)
      for (const p of expectFailed) {
        assert.equal(p.step, 'failed', `party ${p.myself} at ${p.step}`)
        assert.ok(p.error instanceof DigestMismatchError || p.error instanceof TaskAbortedError, String(p.error))
      }
      assert.ok(parties.some(p => p.error instanceof DigestMismatchError))
      assert.ok(parties.every(p => p.step !== 'done'))
      if (what === 'digits') assert.deepEqual(net.refusals, [])
      else assert.ok(net.refusals.every(r => r.error.name === 'ProtocolError'))
    }), { numRuns: 100 })
  })

  test('a scalar against a vector fails the task', () => {
    const d = makeDescriptor(2)
    const [p0, p1] = makeParties([d, d]) as [SecureSum, SecureSum]
    p0.input(10)
    const share = p1.input([1, 2])[0]!
    const out = taken(p0, p0.receive(share.message, d.peers[1]!))
    assertError(p0, ProtocolError, e => assert.equal((e as ProtocolError).party, 1))
    assert.deepEqual(out.map(o => [o.to, o.message.kind]), [[1, 'abort']])
    taken(p1, p1.receive(out[0]!.message, d.peers[0]!))
    assertError(p1, TaskAbortedError, e => assert.equal((e as TaskAbortedError).remoteCode, 'PROTOCOL_VIOLATION'))
  })

  test('vectors of different lengths fail the task', () => {
    const d = makeDescriptor(2)
    const [p0, p1] = makeParties([d, d]) as [SecureSum, SecureSum]
    p0.input([1, 2, 3])
    taken(p0, p0.receive(p1.input([1, 2])[0]!.message, d.peers[1]!))
    assertError(p0, ProtocolError)
  })

  test('an input of another shape than the shares already received is refused', () => {
    const d = makeDescriptor(2)
    const [p0, p1] = makeParties([d, d]) as [SecureSum, SecureSum]
    taken(p0, p0.receive(p1.input([1, 2])[0]!.message, d.peers[1]!))
    assert.equal(p0.step, 'input')
    throwsNamed(() => p0.input(5), 'InvalidInputError', { field: 'value' })
    throwsNamed(() => p0.input([1, 2, 3]), 'InvalidInputError', { field: 'value' })
    assert.equal(p0.step, 'input')
    assert.equal(p0.hasInput, false)
    // the share for party 1, and the partial sum: party 1's share is already here
    assert.deepEqual(p0.input([3, 4]).map(o => [o.to, o.message.kind]), [[1, 'share'], [1, 'partial']])
  })

  test('a scalar share with a vector length fails the task', () => {
    const d = makeDescriptor(2)
    const [p0, p1] = makeParties([d, d]) as [SecureSum, SecureSum]
    const m = p1.input(1)[0]!.message
    assert.ok(m.kind === 'share')
    taken(p0, p0.receive({ ...m, elements: [1n, 2n, 3n] }, d.peers[1]!))
    assertError(p0, ProtocolError)
  })
})
