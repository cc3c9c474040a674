import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeMessage, encodeMessage, type WireMessage } from '../src/wire/codec.js'
import { decodeScaled, DEFAULT_FIXED_POINT, encodeScalar, maxScaled, scaledToDecimal } from '../src/encoding/fixed-point.js'
import {
  DigestMismatchError, InvalidInputError, ProtocolError, ResultMismatchError, SimonError, TaskAbortedError
} from '../src/errors.js'
import type { InputValue } from '../src/encoding/fixed-point.js'
import { SecureSum } from '../src/protocols/mesh/machine.js'
import { canonicalDescriptor, taskDigest, type TaskDescriptor } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'
import type { Outgoing, Received } from '../src/machine/types.js'
import { assertRefused, seededRandomBytes, taken } from './helpers.js'

const TASK_ID = 'a1b2c3d4-0000-4000-8000-secure-sum'
const peerIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWParty${i}`)

function makeDescriptor (n: number, params: Record<string, unknown> = {}, peers = peerIds(n)): TaskDescriptor {
  return { taskId: TASK_ID, microprotocol: 'SecureSum', parameters: resolveParameters(params, n), peers }
}

function makeParties (descriptors: TaskDescriptor[], seed = 'parties'): SecureSum[] {
  return descriptors.map((descriptor, i) => new SecureSum({ descriptor, myself: i, randomBytes: seededRandomBytes(`${seed}/${i}`) }))
}

interface InFlight { readonly from: number, readonly to: number, message: WireMessage }

/**
 * Moves Outgoing messages between parties in memory, through the wire codec. The sender is
 * authenticated as the PeerId at its index in the true node list.
 */
class Network {
  readonly queue: InFlight[] = []
  /** Errors thrown by receive() (refused messages); the protocol goes on. */
  readonly refusals: SimonError[] = []
  /** Errors thrown by input(). */
  readonly inputErrors: Array<{ party: number, error: unknown }> = []

  constructor (readonly parties: SecureSum[], readonly peers: readonly string[] = parties[0]!.descriptor.peers) {}

  post (from: number, out: Outgoing[]): void {
    const sender = this.parties[from]!
    for (const o of out) {
      assert.equal(o.message.from, from)
      assert.notEqual(o.to, from)
      this.queue.push({ from, to: o.to, message: decodeMessage(encodeMessage(o.message, sender.field.bytes)) })
    }
  }

  input (i: number, value: InputValue): void {
    this.post(i, this.parties[i]!.input(value))
  }

  deliver (index = 0): void {
    const [m] = this.queue.splice(index, 1)
    assert.ok(m !== undefined)
    const party = this.parties[m.to]!
    const { verdict, out } = party.receive(m.message, this.peers[m.from]!)
    // a refusal that leaves the task going on; one that failed it shows on party.error
    if (verdict.status === 'refused' && verdict.error !== party.error) this.refusals.push(verdict.error)
    this.post(m.to, out)
  }

  /** Deliver everything, in the order `pick` chooses (first in, first out by default). */
  run (pick: (count: number) => number = () => 0): void {
    while (this.queue.length > 0) this.deliver(pick(this.queue.length))
  }

  /** Give the inputs and deliver the messages, interleaved in the order `choices` says. */
  runInterleaved (inputs: InputValue[], choices: readonly number[]): void {
    const pending = inputs.map((value, party) => ({ party, value }))
    let k = 0
    while (pending.length > 0 || this.queue.length > 0) {
      const c = choices[k++] ?? 0
      const at = c % (pending.length + this.queue.length)
      if (at < pending.length) {
        const [{ party, value }] = pending.splice(at, 1) as [{ party: number, value: InputValue }]
        if (this.parties[party]!.finished) continue
        try {
          this.input(party, value)
        } catch (err) {
          this.inputErrors.push({ party, error: err })
        }
      } else {
        this.deliver(at - pending.length)
      }
    }
  }
}

/** Run a whole task, inputs first, messages in order. */
function runAll (inputs: InputValue[], params: Record<string, unknown> = {}, seed = 'run'): SecureSum[] {
  const parties = makeParties(inputs.map(() => makeDescriptor(inputs.length, params)), seed)
  const net = new Network(parties)
  inputs.forEach((v, i) => net.input(i, v))
  net.run()
  assert.deepEqual(net.refusals, [])
  return parties
}

function assertError (party: SecureSum, cls: new (...args: never[]) => SimonError, check: (err: SimonError) => void = () => {}): void {
  assert.equal(party.step, 'failed', `party ${party.myself} is at ${party.step}`)
  assert.ok(party.error instanceof cls, `party ${party.myself} failed with ${String(party.error)}`)
  assert.equal(party.error.name, cls.name)
  assert.equal(party.result, undefined)
  check(party.error)
}

function namedError (name: string, props: Record<string, unknown>): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof SimonError, `expected ${name}, got ${String(err)}`)
    assert.equal(err.name, name)
    for (const [k, v] of Object.entries(props)) assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, k)
    return true
  }
}

function throwsNamed (fn: () => unknown, name: string, props: Record<string, unknown> = {}): void {
  assert.throws(fn, namedError(name, props))
}

/** A refusal that leaves the task going on, with an error of this name and these properties. */
function refusedNamed (party: SecureSum, received: Received, name: string, props: Record<string, unknown> = {}): void {
  assertRefused(party, received, namedError(name, props))
}

describe('SecureSum: the happy path', () => {
  test('three parties sum 10, 7 and 14', () => {
    const parties = runAll([10, 7, 14])
    for (const p of parties) {
      assert.equal(p.step, 'done')
      assert.equal(p.finished, true)
      assert.equal(p.error, undefined)
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
      assert.deepEqual(p.waitingFor(), { step: 'done', missing: [] })
    }
  })

  test('the tutorial decimals sum to 13703.703579', () => {
    for (const p of runAll(['123.456789', '1234.56789', '12345.6789'])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 13703.703579 } })
    }
    for (const p of runAll([123.456789, 1234.56789, 12345.6789])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 13703.703579 } })
    }
  })

  test('negative inputs and a negative total', () => {
    for (const p of runAll([-10, 2.5, '-0.000001'])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: -7.500001 } })
    }
  })

  test('extreme inputs: the field holds n times the largest value', () => {
    const max = '999999999999.999999999999'
    for (const p of runAll([max, max, max])) {
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: '2999999999999.999999999997' } })
    }
    for (const p of runAll([`-${max}`, `-${max}`])) {
      assert.deepEqual(p.result, { inputs: 2, result: { samples: 2, sum: '-1999999999999.999999999998' } })
    }
  })

  test('vectors are summed element-wise, samples = n * length', () => {
    const parties = runAll([[1, 2, 3], new Float64Array([4, 5, 6]), ['7', 8n, 9.5]])
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 9, sum: [12, 15, 18.5] } })
  })

  test('a one-element vector stays a vector', () => {
    for (const p of runAll([[1], [2]])) assert.deepEqual(p.result, { inputs: 2, result: { samples: 2, sum: [3] } })
  })

  test('custom digits and modulus', () => {
    // 4 * 3 * (10^6 - 1) < 100000007, a prime
    const params = { digits_before: 4, digits_after: 2, modulus: '100000007' }
    for (const p of runAll([9999.99, -0.01, 12.345], params)) {
      // 12.345 is rounded half away from zero to 12.35
      assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 10012.33 } })
    }
  })

  test('a single party sums alone, with nothing to send', () => {
    const [p] = makeParties([makeDescriptor(1)])
    assert.deepEqual(p!.input(42), [])
    assert.equal(p!.step, 'done')
    assert.deepEqual(p!.result, { inputs: 1, result: { samples: 1, sum: 42 } })
  })

  test('input sends one share to every other party, carrying the task digest and description', () => {
    const d = makeDescriptor(4)
    const [p] = makeParties([d])
    const out = p!.input(['1', '2'])
    assert.deepEqual(out.map(o => o.to), [1, 2, 3])
    for (const { message: m } of out) {
      assert.equal(m.kind, 'share')
      assert.ok(m.kind === 'share')
      assert.equal(m.from, 0)
      assert.equal(m.taskId, TASK_ID)
      assert.deepEqual(m.digest, taskDigest(d))
      assert.equal(m.descriptor, canonicalDescriptor(d))
      assert.equal(m.shape, 'vector')
      assert.equal(m.elements.length, 3) // two values and the sample count
      for (const x of m.elements) assert.ok(x >= 0n && x < p!.field.p)
    }
    // the shares are random: no share holds the input in the clear
    const scaled = [encodeScalar('1', DEFAULT_FIXED_POINT), encodeScalar('2', DEFAULT_FIXED_POINT)]
    for (const { message: m } of out) {
      assert.ok(m.kind === 'share')
      assert.notDeepEqual(m.elements.slice(0, 2), scaled)
    }
    assert.equal(p!.hasInput, true)
    assert.equal(p!.step, 'share')
  })

  test('property: 1..7 parties, any delivery order, inputs interleaved with messages', () => {
    const scaledArb = fc.bigInt({ min: -maxScaled(DEFAULT_FIXED_POINT), max: maxScaled(DEFAULT_FIXED_POINT) })
    const taskArb = fc.record({ n: fc.integer({ min: 1, max: 7 }), length: fc.integer({ min: 0, max: 4 }) }).chain(({ n, length }) => fc.record({
      n: fc.constant(n),
      length: fc.constant(length),
      values: fc.array(fc.array(scaledArb, { minLength: Math.max(length, 1), maxLength: Math.max(length, 1) }), { minLength: n, maxLength: n }),
      choices: fc.array(fc.nat(), { maxLength: 400 }),
      seed: fc.string({ maxLength: 8 })
    }))
    fc.assert(fc.property(taskArb, ({ n, length, values, choices, seed }) => {
      const fp = DEFAULT_FIXED_POINT
      // length 0 means scalar inputs; a mix of strings and bigints-as-strings
      const inputs: InputValue[] = values.map(v => (length === 0 ? scaledToDecimal(v[0]!, fp) : v.map(x => scaledToDecimal(x, fp))))
      const totals = values[0]!.map((_, k) => values.reduce((s, v) => s + v[k]!, 0n))
      const expectedSum = length === 0 ? decodeScaled(totals[0]!, fp) : totals.map(t => decodeScaled(t, fp))
      const parties = makeParties(Array.from({ length: n }, () => makeDescriptor(n)), seed)
      const net = new Network(parties)
      net.runInterleaved(inputs, choices)
      assert.deepEqual(net.refusals, [])
      assert.deepEqual(net.inputErrors, [])
      for (const p of parties) {
        assert.equal(p.step, 'done', `party ${p.myself}: ${String(p.error)}`)
        assert.deepEqual(p.result, { inputs: n, result: { samples: n * Math.max(length, 1), sum: expectedSum } })
      }
    }), { numRuns: 60 })
  })
})

describe('SecureSum: order of arrival', () => {
  test('shares arriving before the own input are kept', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Network(parties)
    net.input(1, 7)
    net.input(2, 14)
    // deliver everything addressed to party 0 while it has no input yet
    while (net.queue.some(m => m.to === 0)) net.deliver(net.queue.findIndex(m => m.to === 0))
    assert.equal(parties[0]!.step, 'input')
    assert.deepEqual(parties[0]!.waitingFor(), { step: 'input', missing: [0] })
    assert.equal(parties[0]!.hasInput, false)
    net.input(0, 10)
    net.run()
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })

  test('partial sums and confirmations arriving early are kept', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Network(parties)
    net.input(0, 10)
    net.input(1, 7)
    // hold back every message to party 2 and give party 2's input last
    const isFor2 = (m: InFlight): boolean => m.to === 2
    const next = (): number => net.queue.findIndex(m => !isFor2(m))
    while (next() >= 0) net.deliver(next())
    net.input(2, 14)
    while (next() >= 0) net.deliver(next())
    // parties 0 and 1 are waiting for party 2's partial sum now
    assert.deepEqual(parties[0]!.waitingFor(), { step: 'partial', missing: [2] })
    net.run(count => count - 1) // newest first: party 2 sees partials and confirms before shares
    for (const p of parties) assert.deepEqual(p.result, { inputs: 3, result: { samples: 3, sum: 31 } })
  })
})

describe('SecureSum: waitingFor', () => {
  test('reports the missing parties at each step', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const [p0, p1, p2] = parties as [SecureSum, SecureSum, SecureSum]
    const net = new Network(parties)
    const deliverFirst = (from: number, to: number, kind: WireMessage['kind']): void => {
      const i = net.queue.findIndex(m => m.from === from && m.to === to && m.message.kind === kind)
      assert.ok(i >= 0, `no ${kind} from ${from} to ${to} in flight`)
      net.deliver(i)
    }
    assert.deepEqual(p0.waitingFor(), { step: 'input', missing: [0] })
    assert.deepEqual(p1.waitingFor(), { step: 'input', missing: [1] })
    net.input(0, 10)
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [1, 2] })
    net.input(2, 14)
    deliverFirst(2, 0, 'share')
    assert.deepEqual(p0.waitingFor(), { step: 'share', missing: [1] })
    net.input(1, 7)
    deliverFirst(1, 0, 'share')
    assert.deepEqual(p0.waitingFor(), { step: 'partial', missing: [1, 2] })
    deliverFirst(0, 1, 'share')
    deliverFirst(2, 1, 'share')
    assert.deepEqual(p1.waitingFor(), { step: 'partial', missing: [0, 2] })
    deliverFirst(1, 0, 'partial')
    assert.deepEqual(p0.waitingFor(), { step: 'partial', missing: [2] })
    deliverFirst(0, 2, 'share')
    deliverFirst(1, 2, 'share')
    assert.deepEqual(p2.waitingFor(), { step: 'partial', missing: [0, 1] })
    deliverFirst(2, 0, 'partial')
    assert.deepEqual(p0.waitingFor(), { step: 'confirm', missing: [1, 2] })
    deliverFirst(0, 2, 'partial')
    deliverFirst(1, 2, 'partial')
    assert.deepEqual(p2.waitingFor(), { step: 'confirm', missing: [0, 1] })
    deliverFirst(2, 0, 'confirm')
    assert.deepEqual(p0.waitingFor(), { step: 'confirm', missing: [1] })
    net.run()
    for (const p of parties) assert.deepEqual(p.waitingFor(), { step: 'done', missing: [] })
  })

  test('a failed party waits for nobody', () => {
    const [p] = makeParties([makeDescriptor(3)])
    p!.fail(new InvalidInputError('value', 'test'))
    assert.deepEqual(p!.waitingFor(), { step: 'failed', missing: [] })
  })
})

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
    const net = new Network(parties)
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
  function started (): { parties: SecureSum[], net: Network, share: (from: number, to: number) => InFlight } {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Network(parties)
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
    const seen: InFlight[] = []
    net.run(() => { seen.push(net.queue[0]!); return 0 })
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
    const net = new Network(parties)
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

describe('SecureSum: parties that disagree', () => {
  test('a different digits_after: the receiver names the field, the others learn it from its abort', () => {
    const d = makeDescriptor(3)
    const other = makeDescriptor(3, { digits_after: 6 })
    const parties = makeParties([d, d, other])
    const [p0, p1, p2] = parties as [SecureSum, SecureSum, SecureSum]
    const net = new Network(parties, d.peers)
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
      // in the swapped list, party 2 is still at index 2; route its messages by its own list
      const parties = makeParties([d, d, other])
      const net = new Network(parties, d.peers)
      const originalPost = net.post.bind(net)
      net.post = (from, out) => originalPost(from, from === 2 && what === 'order' ? out.map(o => ({ ...o, to: o.to === 2 ? 2 : 1 - o.to })) : out)
      net.runInterleaved([10, 7, 14], choices)
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
      else assert.ok(net.refusals.every(e => e.name === 'ProtocolError'))
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

  test('a tampered partial sum, seen by one party only, fails the task with ResultMismatchError', () => {
    const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
    const net = new Network(parties)
    ;[10, 7, 14].forEach((v, i) => net.input(i, v))
    // deliver until the partial sum from party 1 to party 2 is in flight, then change one element of it
    while (!net.queue.some(m => m.message.kind === 'partial' && m.from === 1 && m.to === 2)) net.deliver()
    const target = net.queue.find(m => m.message.kind === 'partial' && m.from === 1 && m.to === 2)!
    assert.ok(target.message.kind === 'partial')
    const p = parties[2]!.field.p
    target.message = { ...target.message, elements: [(target.message.elements[0]! + 1n) % p, ...target.message.elements.slice(1)] }
    net.run()
    assert.deepEqual(net.refusals, [])
    for (const party of parties) {
      assert.equal(party.step, 'failed')
      assert.equal(party.result, undefined)
      assert.ok(party.error instanceof ResultMismatchError || party.error instanceof TaskAbortedError, String(party.error))
    }
    const mismatches = parties.filter(q => q.error instanceof ResultMismatchError)
    assert.ok(mismatches.length >= 1)
    for (const q of mismatches) assert.equal(q.error!.code, 'RESULT_MISMATCH')
    // party 2 disagrees with both others; parties 0 and 1 agree with each other
    const p2Error = parties[2]!.error
    if (p2Error instanceof ResultMismatchError) assert.ok([0, 1].includes(p2Error.party))
    for (const q of parties.slice(0, 2)) if (q.error instanceof ResultMismatchError) assert.equal(q.error.party, 2)
  })

  test('property: a tampered partial sum fails every party in any delivery order', () => {
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 200 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 1000 }), (choices, element, delta) => {
      const parties = makeParties(Array.from({ length: 3 }, () => makeDescriptor(3)))
      const net = new Network(parties)
      let tampered = false
      const originalPost = net.post.bind(net)
      net.post = (from, out) => {
        originalPost(from, out)
        for (const m of net.queue) {
          if (!tampered && m.message.kind === 'partial' && m.from === 0 && m.to === 1) {
            const el = m.message.elements.slice()
            const k = element % el.length
            el[k] = (el[k]! + BigInt(delta)) % parties[0]!.field.p
            m.message = { ...m.message, elements: el }
            tampered = true
          }
        }
      }
      net.runInterleaved([['1', '2'], ['3', '4'], ['5', '6']], choices)
      assert.ok(tampered)
      for (const party of parties) {
        assert.equal(party.step, 'failed')
        assert.ok(party.error instanceof ResultMismatchError || party.error instanceof TaskAbortedError, String(party.error))
      }
      assert.ok(parties.some(q => q.error instanceof ResultMismatchError))
      assert.deepEqual(net.refusals, [])
    }), { numRuns: 100 })
  })
})
