/**
 * Lean mode's machine in memory: every party's machine, messages through the wire codec, in
 * many delivery orders (all of them for the smallest rings); the same results as the full mesh;
 * tampering caught by the confirmation; refusals; aborts around the ring; auto mode.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { AutoMachine } from '../src/machine/auto.js'
import type { LeanConfirmMessage, LeanDataMessage } from '../src/wire/lean.js'
import type { WireMessage } from '../src/wire/codec.js'
import fc from 'fast-check'
import { graphSeed, MaskGraph } from '../src/protocols/lean/graph.js'
import { nonceHash } from '../src/protocols/lean/crypto.js'
import { taskDigest } from '../src/task/descriptor.js'
import {
  chooseMode, chooseTopology, createMachine, DIRECT_MAX_PARTIES, InvalidInputError, LEAN_MIN_PARTIES, LeanMachine, ProtocolError, ResultMismatchError,
  TaskAbortedError, TaskCancelledError, TreeMachine, DirectMachine, DigestMismatchError, type InputValue, type ProtocolMachine, type SecureSumResult, type TaskDescriptor
} from '../src/index.js'
import { descriptorFor, peerNames, testLeanCrypto } from './lean-helpers.js'
import { exploreOrders, machinesFor, prng, seededPick, Sim, type MakeMachine, type Pick, type Tamper } from './sim.js'
import { seededRandomBytes, taken } from './helpers.js'
import { testIdentity } from './identity-helpers.js'

type Network = Sim

/** Every party's machine for one task (lean mode's ring, tree or direct sends itself when a topology is asked for), and the inputs they give. */
function network (descriptor: TaskDescriptor, inputs: readonly InputValue[], options: { withLean?: boolean, tamper?: Tamper, seed?: string, topology?: 'ring' | 'tree' | 'direct' } = {}): Network {
  const make: MakeMachine<ProtocolMachine> | undefined = options.topology === 'ring'
    ? init => new LeanMachine(init)
    : options.topology === 'tree' ? init => new TreeMachine(init) : options.topology === 'direct' ? init => new DirectMachine(init) : undefined
  const machines = machinesFor(descriptor.peers.map(() => descriptor), { seed: options.seed ?? 'lean', withLean: options.withLean, make })
  return new Sim(machines, { inputs, tamper: options.tamper })
}

/** Run to quiescence, choosing each next event (an input or a delivery) with `pick`; no input may throw. */
function runNetwork (net: Network, pick: Pick): void {
  net.run(pick)
  assert.deepEqual(net.inputErrors, [])
}

function results (net: Network): SecureSumResult[] {
  return net.machines.map((m, i) => {
    assert.equal(m.error, undefined, `party ${i} failed: ${m.error?.message ?? ''}`)
    assert.equal(m.step, 'done', `party ${i} is done`)
    return m.result!
  })
}

/** The full mesh's result for the same inputs and parameters. */
function meshResult (n: number, parameters: object, inputs: InputValue[]): SecureSumResult {
  const net = network(descriptorFor(n, { ...parameters, mode: 'mesh' }), inputs)
  runNetwork(net, () => 0)
  return results(net)[0]!
}

function plainSum (r: SecureSumResult): unknown {
  const s = r.result.sum
  return s instanceof Float64Array ? [...s] : s
}

function inputsFor (n: number, length: number, seed: number): number[][] | number[] {
  const next = prng(seed)
  const value = (): number => Math.round((next() * 2 - 1) * 1e6) / 1e3
  if (length === 0) return Array.from({ length: n }, value)
  return Array.from({ length: n }, () => Array.from({ length }, value))
}

describe('lean mode gives the full mesh\'s result', () => {
  for (const topology of ['ring', 'tree', 'direct'] as const) {
  for (const profile of ['fast', 'wide'] as const) {
    for (let n = 2; n <= 7; n++) {
      test(`${topology}, ${n} parties, ${profile} profile, vectors and scalars, random delivery orders`, () => {
        for (const length of [0, 1, n - 1, 3 * n + 1]) {
          const params = profile === 'fast' ? { profile } : {}
          const inputs = inputsFor(n, length, n * 100 + length)
          const expected = meshResult(n, params, inputs)
          for (let seed = 0; seed < (profile === 'wide' ? 6 : 15); seed++) {
            const net = network(descriptorFor(n, { ...params, mode: 'lean' }, `t-${n}-${length}-${seed}`), inputs, { seed: `s${seed}`, topology })
            const pick = prng(seed * 7 + n)
            runNetwork(net, c => Math.floor(pick() * c))
            for (const r of results(net)) assert.deepEqual(r, expected)
            assert.deepEqual(net.refusals, [])
          }
        }
      })
    }
  }
  }

  test('every delivery order of 2 parties, and the first 2000 orders of 3 (inputs interleaved with messages), on a ring, a tree and direct sends', () => {
    for (const [n, cap, topology] of [[2, Infinity, 'ring'], [3, 2000, 'ring'], [2, Infinity, 'tree'], [3, 2000, 'tree'], [2, Infinity, 'direct'], [3, 2000, 'direct']] as const) {
      const inputs = inputsFor(n, 2, n)
      const expected = meshResult(n, { profile: 'fast' }, inputs)
      // depth-first over every choice of the next event
      const { orders, exhausted } = exploreOrders(() => network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), inputs, { topology }), net => {
        assert.deepEqual(net.inputErrors, [])
        for (const r of results(net)) assert.deepEqual(r, expected)
      }, cap)
      if (cap === Infinity) assert.ok(exhausted)
      assert.ok(orders >= (cap === Infinity ? 3 : cap), `${orders} orders explored for ${n} parties`)
    }
  })

  for (const topology of ['ring', 'tree', 'direct'] as const) test(`typed arrays give a Float64Array sum, arrays a number[], in the fast profile (${topology})`, () => {
    const inputs: InputValue[] = [Float64Array.of(1.5, -2), Int32Array.of(3, 4), [0.25, '1.75']]
    const net = network(descriptorFor(3, { profile: 'fast', mode: 'lean' }), inputs, { topology })
    runNetwork(net, () => 0)
    const [a, b, c] = results(net)
    assert.ok(a!.result.sum instanceof Float64Array)
    assert.deepEqual([...a!.result.sum as Float64Array], [4.75, 3.75])
    assert.ok(b!.result.sum instanceof Float64Array)
    assert.deepEqual(c!.result.sum, [4.75, 3.75])
    assert.equal(c!.result.samples, 6)
  })
})

describe('what lean mode sends', () => {
  test('each party uploads at most about twice its input, whatever n', () => {
    for (const n of [3, 10, 20]) {
      const length = 4096
      const net = network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), inputsFor(n, length, n))
      runNetwork(net, () => 0)
      results(net)
      for (const [i, bytes] of net.sentBytes.entries()) {
        const ratio = bytes / (8 * length)
        assert.ok(ratio <= 3, `party ${i} of ${n} sent ${ratio.toFixed(2)} x its input`)
        assert.ok(ratio >= 2 * (n - 1) / n, `party ${i} of ${n} sent ${ratio.toFixed(2)} x its input`)
      }
    }
  })

  test('messages go only to ring neighbours', () => {
    const n = 6
    const net = network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), inputsFor(n, 50, 1), { topology: 'ring' })
    const pairs = new Set<string>()
    const pick = prng(3)
    while (net.queue.length + net.waitingInput.length > 0) {
      for (const e of net.queue) pairs.add(`${e.from}->${e.to}`)
      const c = Math.floor(pick() * (net.queue.length + net.waitingInput.length))
      if (c < net.waitingInput.length) net.input(net.waitingInput[c]!)
      else net.deliver(c - net.waitingInput.length)
    }
    results(net)
    assert.deepEqual([...pairs].sort(), Array.from({ length: n }, (_, i) => `${i}->${(i + 1) % n}`).sort())
  })

  test('on a tree, messages go only between parents and children, and each party uploads at most 3x its input', () => {
    for (const n of [3, 10, 20]) {
      const length = 400
      const net = network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), inputsFor(n, length, n), { topology: 'tree' })
      const pairs = new Set<string>()
      while (net.queue.length + net.waitingInput.length > 0) {
        for (const e of net.queue) pairs.add(`${Math.min(e.from, e.to)}-${Math.max(e.from, e.to)}`)
        if (net.waitingInput.length > 0) net.input(net.waitingInput[0]!)
        else net.deliver(0)
      }
      results(net)
      for (const p of pairs) {
        const [a, b] = p.split('-').map(Number)
        assert.equal((b! - 1) >> 1, a, `${p} is a tree edge`)
      }
      // data: the subtree sum up once, the total down to at most two children; nonces and tags besides
      for (const [i, bytes] of net.machines.map((_, i) => net.bytesSent(i, ['lean-data'])).entries()) assert.ok(bytes / (8 * length) <= 3.1, `party ${i} of ${n} sent ${(bytes / (8 * length)).toFixed(2)} x in data`)
    }
  })
})

/** A tamper hook that adds 1 to element 0 of the first total (a gather frame) on its way to `victim`; `altered` says whether it has. */
function alterFirstTotal (victim: number): { readonly tamper: Tamper, readonly altered: boolean } {
  let altered = false
  const tamper: Tamper = e => {
    const m = e.message
    if (altered || m.kind !== 'lean-data' || m.phase !== 'gather' || e.to !== victim) return m
    altered = true
    const elements = Float64Array.from(m.elements as Float64Array)
    elements[0] = (elements[0]! + 1) % 4503599627370449
    return { ...m, elements } satisfies LeanDataMessage
  }
  return { tamper, get altered () { return altered } }
}

describe('tampering and refusals', () => {
  for (const topology of ['ring', 'tree', 'direct'] as const) test(`an altered total on its way is caught by the confirmation (${topology})`, () => {
    for (let victim = 0; victim < 4; victim++) {
      const altering = alterFirstTotal(victim)
      const { tamper } = altering
      const inputs = inputsFor(4, 10, victim)
      const expected = meshResult(4, { profile: 'fast' }, inputs)
      const net = network(descriptorFor(4, { profile: 'fast', mode: 'lean' }), inputs, { tamper, topology })
      runNetwork(net, () => 0)
      if (topology === 'tree' && victim === 0) { assert.ok(!altering.altered); continue } // the root receives no total
      assert.ok(altering.altered)
      assert.ok(net.machines.some(m => m.error instanceof ResultMismatchError), 'some party saw the mismatch')
      for (const m of net.machines) {
        if (m.step === 'done') assert.deepEqual(m.result, expected, 'no party finishes with an altered total')
        else assert.equal(m.step, 'failed')
      }
    }
  })

  for (const topology of ['ring', 'tree'] as const) test(`an altered nonce list fails the task (${topology})`, () => {
    let done = false
    const victim = topology === 'ring' ? 0 : 1
    const net = network(descriptorFor(3, { profile: 'fast', mode: 'lean' }), inputsFor(3, 3, 1), {
      topology,
      tamper: e => {
        const m = e.message
        if (!done && m.kind === 'lean-nonces' && m.pass === 'distribute' && e.to === victim) {
          done = true
          return { ...m, entries: m.entries.map((x, k) => k === victim ? { ...x, nonce: new Uint8Array(16) } : x) }
        }
        return m
      }
    })
    runNetwork(net, () => 0)
    assert.ok(net.machines[victim]!.error instanceof ProtocolError)
    assert.ok(net.machines.every(m => m.step === 'failed'), 'the abort went to every party')
  })

  test('a second copy of a frame, or a frame from a non-neighbour, is refused and the sum goes on', () => {
    const n = 4
    const inputs = inputsFor(n, 9, 2)
    const net = network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), inputs, { topology: 'ring' })
    for (let i = 0; i < n; i++) net.input(i)
    let duplicated = false
    let foreign = false
    while (net.queue.length > 0) {
      const e = net.queue[0]!
      if (!duplicated && e.message.kind === 'lean-data') {
        duplicated = true
        net.queue.push({ ...e })
      }
      if (!foreign && e.message.kind === 'lean-data') {
        foreign = true
        // party (to + 2) % n sends the same frame: not the predecessor
        const from = (e.to + 2) % n
        net.post(from, [{ to: e.to, message: { ...e.message, from } }])
      }
      net.deliver(0)
    }
    results(net)
    assert.deepEqual(net.refusals.map(r => r.code).sort(), ['PROTOCOL_VIOLATION', 'PROTOCOL_VIOLATION'])
  })

  for (const topology of ['ring', 'tree', 'direct'] as const) test(`inputs of different lengths fail with an error that names the party (${topology})`, () => {
    const net = network(descriptorFor(3, { profile: 'fast', mode: 'lean' }), [[1, 2], [1, 2], [1, 2, 3]], { topology })
    runNetwork(net, () => 0)
    for (const m of net.machines) assert.equal(m.step, 'failed')
    const named = net.machines.map(m => m.error).find(e => e instanceof ProtocolError)
    assert.match(named!.message, /party \d has a vector of [23] elements, this party has a vector of [23] elements/)
  })

  test('a party with other parameters is named by the difference', () => {
    const peers = peerNames(3)
    const a = descriptorFor(3, { profile: 'fast', mode: 'lean' })
    const b = descriptorFor(3, { profile: 'fast', mode: 'lean', digits_after: 3 })
    const m0 = createMachine({ descriptor: a, myself: 0, randomBytes: seededRandomBytes(0), lean: testLeanCrypto(peers[0]!), identity: testIdentity(peers[0]!) })
    const m1 = createMachine({ descriptor: b, myself: 1, randomBytes: seededRandomBytes(1), lean: testLeanCrypto(peers[1]!), identity: testIdentity(peers[1]!) })
    // on the tree party 1 sends its nonce up to party 0 first
    m0.input([1], 0)
    const [first] = m1.input([1], 0)
    assert.equal(first!.to, 0)
    taken(m0, m0.receive(first!.message, peers[1]!, 0))
    assert.ok(m0.error instanceof DigestMismatchError)
    assert.match(m0.error.message, /parameters.digits_after/)
  })

  test('a failure travels round the ring both ways', () => {
    const n = 6
    const net = network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), inputsFor(n, 4, 5), { topology: 'ring' })
    for (let i = 0; i < n; i++) net.input(i)
    const out = net.machines[3]!.fail(new TaskCancelledError('test'))
    assert.deepEqual(out.map(o => o.to).sort(), [2, 4])
    net.queue.length = 0
    net.post(3, out)
    runNetwork(net, () => 0)
    for (const [i, m] of net.machines.entries()) {
      assert.equal(m.step, 'failed', `party ${i}`)
      if (i !== 3) assert.ok(m.error instanceof TaskAbortedError)
    }
    assert.match(net.machines[0]!.error!.message, /at party 3/)
  })

  test('lean mode without key agreement is refused when the task is created', () => {
    assert.throws(() => createMachine({ descriptor: descriptorFor(3, { mode: 'lean' }), myself: 0, randomBytes: seededRandomBytes(0) }),
      (err: unknown) => err instanceof InvalidInputError && err.field === 'parameters.mode')
  })

  test('a peer without key agreement is refused at input, before anything is sent', () => {
    const d = descriptorFor(3, { profile: 'fast', mode: 'lean' })
    const m = createMachine({ descriptor: d, myself: 0, randomBytes: seededRandomBytes(0), lean: { ...testLeanCrypto(d.peers[0]!), canPair: p => p !== d.peers[2] }, identity: testIdentity(d.peers[0]!) })
    assert.throws(() => m.input([1], 0), (err: unknown) => err instanceof InvalidInputError && err.field === 'network.nodes[2]')
    assert.equal(m.hasInput, false)
  })
})

describe('progress and waiting', () => {
  test('progress counts frames up to its total; waitingFor names the predecessor', () => {
    const n = 3
    const net = network(descriptorFor(n, { profile: 'fast', mode: 'lean' }), inputsFor(n, 20, 9), { topology: 'ring' })
    assert.deepEqual(net.machines[1]!.waitingFor(), { step: 'input', missing: [1] })
    for (let i = 0; i < n; i++) net.input(i)
    assert.deepEqual(net.machines[1]!.waitingFor(), { step: 'nonces', missing: [0] })
    runNetwork(net, () => 0)
    for (const m of net.machines) {
      const p = m.progress!
      assert.equal(p.done, p.total)
      assert.ok(p.total > 1)
    }
  })
})

describe('auto mode', () => {
  test('small sums run the full mesh, large ones and many parties lean mode', () => {
    assert.equal(chooseMode(3, 1), 'mesh')
    assert.equal(chooseMode(3, 1e6), 'lean')
    assert.equal(chooseMode(LEAN_MIN_PARTIES, 1), 'lean')
    assert.equal(chooseTopology(DIRECT_MAX_PARTIES, 1e5), 'direct')
    assert.equal(chooseTopology(DIRECT_MAX_PARTIES + 1, 1e5), 'ring')
    assert.equal(chooseTopology(DIRECT_MAX_PARTIES + 1, 100), 'tree')
    for (const [n, length, family] of [[3, 0, 'mesh'], [3, 600, 'tree'], [3, 20_000, 'direct'], [LEAN_MIN_PARTIES, 0, 'tree']] as const) {
      const inputs = inputsFor(n, length, 4)
      const net = network(descriptorFor(n, { profile: 'fast' }), inputs)
      runNetwork(net, () => 0)
      for (const m of net.machines) {
        assert.equal((m as AutoMachine).chosen, family)
        assert.equal((m as AutoMachine).mode, family === 'mesh' ? 'mesh' : 'lean')
      }
      assert.deepEqual(results(net).map(plainSum), Array(n).fill(plainSum(meshResult(n, { profile: 'fast' }, inputs))))
    }
  })

  test('a party whose input chose another mode or topology is named', () => {
    const long = inputsFor(3, 20_000, 1) as number[][]
    for (const odd of [[1, 2], long[2]!.slice(0, 1000)]) {
      const net = network(descriptorFor(3, { profile: 'fast' }), [long[0]!, long[1]!, odd])
      runNetwork(net, () => 0)
      for (const m of net.machines) assert.equal(m.step, 'failed')
      assert.ok(net.machines.some(m => /inputs differ in (shape|size)|has a vector of/.test(m.error?.message ?? '')))
    }
  })

  test('without key agreement auto runs the full mesh', () => {
    const net = network(descriptorFor(LEAN_MIN_PARTIES, {}), inputsFor(LEAN_MIN_PARTIES, 0, 2), { withLean: false })
    runNetwork(net, () => 0)
    results(net)
  })
})

/** Every machine of a lean task built by `make`, with each party's signature checks and key agreements counted. */
function countedNetwork (descriptor: TaskDescriptor, inputs: readonly InputValue[], topology: 'ring' | 'tree', options: { tamper?: Tamper, seed?: string } = {}): { net: Network, verifies: number[], agreements: number[] } {
  const verifies = descriptor.peers.map(() => 0)
  const agreements = descriptor.peers.map(() => 0)
  const machines = machinesFor(descriptor.peers.map(() => descriptor), {
    seed: options.seed ?? 'sparse',
    make: init => {
      const me = init.myself
      const identity = { ...init.identity, verify: (peer: string, statement: Uint8Array, signature: Uint8Array) => { verifies[me]!++; return init.identity.verify(peer, statement, signature) } }
      const lean = {
        ...init.lean,
        ephemeral: () => {
          const key = init.lean.ephemeral()
          return { ...key, agree: (theirs: Uint8Array) => { agreements[me]!++; return key.agree(theirs) } }
        }
      }
      return topology === 'ring' ? new LeanMachine({ ...init, identity, lean }) : new TreeMachine({ ...init, identity, lean })
    }
  })
  return { net: new Sim(machines, { inputs, tamper: options.tamper }), verifies, agreements }
}

/** The parties of the binary-heap subtree at `root`. */
function subtreeOf (root: number, n: number): number[] {
  return root >= n ? [] : [root, ...subtreeOf(2 * root + 1, n), ...subtreeOf(2 * root + 2, n)]
}

/** The masking graph the parties of a finished (or keyed) lean task use, as one of them holds it. */
function graphOf (m: ProtocolMachine): MaskGraph {
  return (m as unknown as { graph: MaskGraph }).graph
}

describe('many parties: a sparse masking graph (neighbours)', () => {
  test('the tree sums exactly for random n and k in random orders, each party checking and agreeing only k keys', () => {
    fc.assert(fc.property(fc.integer({ min: 12, max: 40 }), fc.constantFrom(2, 4, 6), fc.constantFrom(0, 1, 3), fc.integer({ min: 0, max: 1000 }), (n, k, length, seed) => {
      const inputs = inputsFor(n, length, seed)
      const expected = meshResult(n, { profile: 'fast' }, inputs)
      const { net, verifies, agreements } = countedNetwork(descriptorFor(n, { profile: 'fast', mode: 'lean', neighbours: k }, `sparse-${seed}`), inputs, 'tree', { seed: `s${seed}` })
      const pick = prng(seed)
      runNetwork(net, c => Math.floor(pick() * c))
      for (const r of results(net)) assert.deepEqual(r, expected)
      assert.deepEqual(net.refusals, [])
      assert.deepEqual(verifies, inputs.map(() => k), 'each party checks the signatures of its k neighbours only')
      assert.deepEqual(agreements, inputs.map(() => k), 'and agrees a secret with each of them only')
      const graph = graphOf(net.machines[0]!)
      assert.ok(!graph.complete && graph.degree === k)
      for (const m of net.machines) assert.deepEqual(graphOf(m).neighbours(5), graph.neighbours(5), 'every party derived the same graph')
    }), { numRuns: 12 })
  })

  test('the ring (vectors) sums exactly on the sparse graph too', () => {
    for (const [n, k] of [[12, 4], [17, 2]] as const) {
      const inputs = inputsFor(n, 3 * n + 1, n)
      const expected = meshResult(n, { profile: 'fast' }, inputs)
      const { net, verifies } = countedNetwork(descriptorFor(n, { profile: 'fast', mode: 'lean', neighbours: k }), inputs, 'ring')
      const pick = prng(n)
      runNetwork(net, c => Math.floor(pick() * c))
      for (const r of results(net)) assert.deepEqual(r, expected)
      assert.deepEqual(verifies, inputs.map(() => k))
    }
  })

  test('the wide profile, and k of n - 1 or more (the complete graph), sum exactly; the complete graph checks n - 1 keys', () => {
    for (const [n, k] of [[13, 4], [12, 30]] as const) {
      const inputs = inputsFor(n, 2, n)
      const expected = meshResult(n, {}, inputs)
      const { net, verifies } = countedNetwork(descriptorFor(n, { mode: 'lean', neighbours: k }), inputs, 'tree')
      runNetwork(net, seededPick(n))
      for (const r of results(net)) assert.deepEqual(r, expected)
      assert.deepEqual(verifies, inputs.map(() => Math.min(k, n - 1)))
    }
  })

  test('tags are routed: no party sends more than about three inboxes per party of its subtree', () => {
    const n = 40
    const k = 4
    const { net } = countedNetwork(descriptorFor(n, { profile: 'fast', mode: 'lean', neighbours: k }), inputsFor(n, 0, 1), 'tree')
    runNetwork(net, () => 0)
    results(net)
    const entry = 4 + 16 * k
    for (let i = 0; i < n; i++) {
      const bytes = net.bytesSent(i, ['lean-confirm'])
      const bound = 2 * subtreeOf(i, n).length * entry + 3 * 200
      assert.ok(bytes <= bound, `party ${i} sent ${bytes} bytes of tags, more than ${bound}`)
    }
    // the complete graph's full tag set handed down would be n (n - 1) 16 bytes to each child
    assert.ok(net.bytesSent(0, ['lean-confirm']) < n * (n - 1) * 16)
  })

  test('an altered total is caught by the victim and its neighbours; no party ends with a wrong total', () => {
    const n = 20
    const k = 4
    const inputs = inputsFor(n, 2, 7)
    const expected = meshResult(n, { profile: 'fast' }, inputs)
    for (const victim of [3, 15, 19]) {
      const altering = alterFirstTotal(victim)
      const { tamper } = altering
      const { net } = countedNetwork(descriptorFor(n, { profile: 'fast', mode: 'lean', neighbours: k }), inputs, 'tree', { tamper })
      runNetwork(net, () => 0)
      assert.ok(altering.altered)
      const graph = graphOf(net.machines[0]!)
      for (const j of [victim, ...graph.neighbours(victim)]) assert.notEqual(net.machines[j]!.step, 'done', `party ${j} ends without a result`)
      assert.ok(net.machines.some(m => m.error instanceof ResultMismatchError))
      for (const m of net.machines) if (m.step === 'done') assert.deepEqual(m.result, expected)
    }
  })

  test('a party handed another nonce list ends without a result (its confirmation fails), not with a wrong one', () => {
    const n = 16
    const k = 4
    const victim = 12
    const descriptor = descriptorFor(n, { profile: 'fast', mode: 'lean', neighbours: k })
    let changed: number | undefined
    const tamper: Tamper = e => {
      const m = e.message
      if (changed === undefined && m.kind === 'lean-nonces' && m.pass === 'distribute' && e.to === victim) {
        // change the nonce of a party that is not the victim's neighbour under the changed list, so the victim checks no signature over it
        for (let p = 0; p < n && changed === undefined; p++) {
          if (p === victim) continue
          const entries = m.entries.map((x, j) => j === p ? { ...x, nonce: new Uint8Array(16).fill(p + 1) } : x)
          const graph = new MaskGraph(n, k, graphSeed(taskDigest(descriptor), nonceHash(entries.map(x => x.nonce))))
          if (!graph.has(victim, p)) { changed = p; return { ...m, entries } }
        }
      }
      return m
    }
    const { net } = countedNetwork(descriptor, inputsFor(n, 0, 3), 'tree', { tamper })
    runNetwork(net, () => 0)
    assert.notEqual(changed, undefined)
    const victimMachine = net.machines[victim]!
    assert.equal(victimMachine.step, 'failed')
    // the confirmation fails at the victim, or first at a neighbour of it, who tells it
    const error = victimMachine.error
    const mismatch = error instanceof ResultMismatchError || (error instanceof TaskAbortedError && error.remoteCode === 'RESULT_MISMATCH')
    assert.ok(mismatch, `the victim failed with ${error?.name}: ${error?.message}`)
    assert.equal(victimMachine.result, undefined)
    for (const j of graphOf(net.machines[0]!).neighbours(victim)) assert.equal(net.machines[j]!.result, undefined, `the victim's neighbour ${j} ends without a result`)
    for (const m of net.machines) if (m.error instanceof ResultMismatchError) assert.ok(m.error.party === victim || m === victimMachine, 'the mismatch is with the victim')
  })

  test('tags for the wrong parties, of the wrong size, or misrouted are refused naming the sender', () => {
    const n = 14
    const k = 4
    type Case = { name: string, match: (e: { from: number, to: number, message: WireMessage }) => boolean, change: (m: LeanConfirmMessage) => LeanConfirmMessage, reason: RegExp }
    const cases: Case[] = [
      { name: 'an entry of a party outside the subtree', match: e => e.from === 5, change: m => ({ ...m, tags: [...m.tags, { party: 13, blob: m.tags[0]!.blob }].sort((a, b) => a.party - b.party) }), reason: /not of its subtree/ },
      { name: 'a full tag set (n - 1 tags) where k are due', match: e => e.from === 6, change: m => ({ ...m, tags: m.tags.map(t => ({ ...t, blob: new Uint8Array(16 * (n - 1)) })) }), reason: /wrong size/ },
      { name: 'an inbox handed into the wrong subtree', match: e => e.from === 1 && e.to === 3 && e.message.kind === 'lean-confirm' && e.message.pass === 'distribute', change: m => ({ ...m, tags: [...m.tags, { party: 4, blob: m.tags[0]!.blob }].sort((a, b) => a.party - b.party) }), reason: /not for this party's subtree/ },
      { name: 'an inbox missing', match: e => e.from === 2 && e.to === 5 && e.message.kind === 'lean-confirm' && e.message.pass === 'distribute', change: m => ({ ...m, tags: m.tags.slice(1) }), reason: /not for this party's subtree/ }
    ]
    for (const c of cases) {
      let done = false
      const tamper: Tamper = e => {
        if (done || e.message.kind !== 'lean-confirm' || !c.match(e)) return e.message
        done = true
        return c.change(e.message)
      }
      const { net } = countedNetwork(descriptorFor(n, { profile: 'fast', mode: 'lean', neighbours: k }), inputsFor(n, 0, 5), 'tree', { tamper })
      runNetwork(net, () => 0)
      assert.ok(done, c.name)
      assert.equal(net.refusals.length, 1, `${c.name}: ${net.refusals.map(r => r.error.message).join('; ')}`)
      const refusal = net.refusals[0]!
      assert.equal(refusal.code, 'PROTOCOL_VIOLATION')
      assert.ok(refusal.error instanceof ProtocolError && refusal.error.party === refusal.from, c.name)
      assert.match(refusal.error.message, c.reason)
      assert.match(refusal.error.message, new RegExp(`^party ${refusal.from} `))
      assert.ok(net.machines.every(m => m.step !== 'done' || m.result !== undefined))
    }
  })

  test('a neighbour\'s key without its signature fails the task naming the party that handed it on', () => {
    const n = 14
    const k = 4
    const victim = 9
    let done = false
    const tamper: Tamper = e => {
      const m = e.message
      if (!done && m.kind === 'lean-nonces' && m.pass === 'distribute' && e.to === victim) {
        done = true
        return { ...m, entries: m.entries.map(x => ({ ...x, signature: x.party === victim ? x.signature : new Uint8Array(64) })) }
      }
      return m
    }
    const { net } = countedNetwork(descriptorFor(n, { profile: 'fast', mode: 'lean', neighbours: k }), inputsFor(n, 0, 2), 'tree', { tamper })
    runNetwork(net, () => 0)
    const error = net.machines[victim]!.error
    assert.ok(error instanceof ProtocolError, `${error?.name}`)
    assert.equal(error.party, (victim - 1) >> 1)
    assert.match(error.message, /handed on by party 4\)/)
    assert.ok(net.machines.every(m => m.step === 'failed' || m.step === 'done'))
  })
})
