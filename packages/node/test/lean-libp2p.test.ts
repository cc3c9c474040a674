/**
 * Lean mode over real libp2p nodes on 127.0.0.1: vectors of 10^5 with 3 and 10 parties and of 10^6
 * with 3 (direct sends, traced hops), upload
 * accounting for 3, 10 and 20 parties, 12 parties on a sparse masking graph, typed arrays in and out, bad fast-profile inputs refused
 * before any frame leaves, and the ephemeral X25519 keys agreeing at both ends.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidInputError, type SecureSumResult } from '@simon-p2p/core'
import { generateIdentity, peerIdOf } from '@simon-p2p/node'
import { x25519 } from '@noble/curves/ed25519.js'
import { nodeLeanCrypto } from '../src/lean-crypto.js'
import { createTasks, startNodes } from './helpers.js'

const SLOW = { taskTimeoutMs: 60_000, attemptTimeoutMs: 20_000 }

function vector (party: number, length: number): Float64Array {
  const v = new Float64Array(length)
  for (let k = 0; k < length; k++) v[k] = ((k * 7919 + party * 104729) % 2_000_001 - 1_000_000) / 1000
  return v
}

function expectedSum (parties: number, length: number): Float64Array {
  const total = new Float64Array(length)
  for (let p = 0; p < parties; p++) {
    const v = vector(p, length)
    // the exact total of three-decimal inputs, rounded once
    for (let k = 0; k < length; k++) total[k] = Math.round((total[k]! + v[k]!) * 1000) / 1000
  }
  return total
}

async function sumAll (tasks: ReturnType<typeof createTasks>, inputs: unknown[]): Promise<SecureSumResult[]> {
  tasks.forEach((t, i) => t.input(inputs[i] as Float64Array))
  return Promise.all(tasks.map(async t => t.result()))
}

describe('lean mode over libp2p', () => {
  for (const n of [3, 10]) {
    test(`${n} parties sum vectors of 10^5 (fast profile)`, async t => {
      const length = 100_000
      const nodes = await startNodes(t, n, SLOW)
      const tasks = createTasks(nodes, { parameters: { profile: 'fast', mode: 'lean' } })
      const results = await sumAll(tasks, Array.from({ length: n }, (_, p) => vector(p, length)))
      const expected = expectedSum(n, length)
      for (const r of results) {
        assert.equal(r.inputs, n)
        assert.equal(r.result.samples, n * length)
        assert.ok(r.result.sum instanceof Float64Array, 'a Float64Array in, a Float64Array out')
        assert.deepEqual(r.result.sum, expected)
      }
      await Promise.all(tasks.map(async task => task.flush()))
    })
  }

  test('3 parties sum vectors of 10^6 by direct sends (31 frames a segment, each total frame its own), in 4 hops', async t => {
    // every party's frames to both others at once; a frame shared between two recipients would be
    // wiped by the node after its first delivery, and the sum would stall
    const length = 1_000_000
    const nodes = await startNodes(t, 3, { ...SLOW, traceHops: true })
    const tasks = createTasks(nodes, { parameters: { profile: 'fast', mode: 'lean' } })
    const results = await sumAll(tasks, Array.from({ length: 3 }, (_, p) => vector(p, length)))
    const expected = expectedSum(3, length)
    for (const r of results) assert.deepEqual(r.result.sum, expected)
    // nonces to all, parts to their holders, totals back, tags to all (the ring takes 10)
    assert.deepEqual(tasks.map(task => task.hops), [4, 4, 4])
    await Promise.all(tasks.map(async task => task.flush()))
  })

  test('upload per party stays within 3x the input for 3, 10 and 20 parties', async t => {
    const length = 20_000
    const nodes = await startNodes(t, 20, SLOW)
    for (const n of [3, 10, 20]) {
      const group = nodes.slice(0, n)
      const before = group.map(node => node.stats().bytesSent)
      const tasks = createTasks(group, { parameters: { profile: 'fast' } })
      const results = await sumAll(tasks, Array.from({ length: n }, (_, p) => vector(p, length)))
      assert.deepEqual(results[0]!.result.sum, expectedSum(n, length))
      await Promise.all(tasks.map(async task => task.flush()))
      group.forEach((node, i) => {
        const ratio = (node.stats().bytesSent - before[i]!) / (8 * length)
        assert.ok(ratio <= 3, `party ${i} of ${n} sent ${ratio.toFixed(3)} x its input`)
      })
    }
  })

  test('12 parties masking with 4 neighbours each (parameter neighbours) sum a scalar on the tree and a vector on the ring exactly', async t => {
    const n = 12
    const nodes = await startNodes(t, n, SLOW)
    const scalars = createTasks(nodes, { parameters: { profile: 'fast', mode: 'lean', neighbours: 4 } })
    const inputs = Array.from({ length: n }, (_, p) => (p * 7919 % 1000) / 8)
    const results = await sumAll(scalars, inputs)
    const total = inputs.reduce((a, b) => a + b, 0)
    for (const r of results) assert.deepEqual(r.result, { samples: n, sum: total })
    await Promise.all(scalars.map(async task => task.flush()))
    const length = 5000
    const vectors = createTasks(nodes, { parameters: { profile: 'fast', mode: 'lean', neighbours: 4 } })
    const sums = await sumAll(vectors, Array.from({ length: n }, (_, p) => vector(p, length)))
    for (const r of sums) assert.deepEqual(r.result.sum, expectedSum(n, length))
    await Promise.all(vectors.map(async task => task.flush()))
  })

  test('arrays, typed arrays and decimal strings in one sum; each result in its input\'s shape', async t => {
    const nodes = await startNodes(t, 3, SLOW)
    const tasks = createTasks(nodes, { parameters: { profile: 'fast', mode: 'lean' } })
    const results = await sumAll(tasks, [Int32Array.of(1, -2, 3), [0.5, '0.25', 1e-6], BigInt64Array.of(10n, 20n, 30n)])
    assert.deepEqual(results[0]!.result.sum, Float64Array.of(11.5, 18.25, 33.000001))
    assert.deepEqual(results[1]!.result.sum, [11.5, 18.25, 33.000001])
    assert.deepEqual(results[2]!.result.sum, Float64Array.of(11.5, 18.25, 33.000001))
  })

  test('bad fast-profile inputs are refused before any frame leaves', async t => {
    const nodes = await startNodes(t, 3, SLOW)
    const tasks = createTasks(nodes, { parameters: { profile: 'fast', mode: 'lean' } })
    const sent = (): number => nodes.reduce((s, node) => s + node.stats().framesSent, 0)
    for (const [value, field] of [[Float64Array.of(1, 1e6), 'value[1]'], [[1, Number.NaN], 'value[1]'], [['1.0000001'], 'value[0]'], [new Float64Array(0), 'value']] as const) {
      assert.throws(() => tasks[0]!.input(value as never), (err: unknown) => err instanceof InvalidInputError && err.field === field, `${String(value)} refused`)
    }
    assert.throws(() => nodes[0]!.createTask({ microprotocol: 'SecureSum', parameters: { profile: 'fast', digits_before: 10 }, network: { nodes: [], myself: 0 } }), InvalidInputError)
    assert.equal(sent(), 0)
    assert.equal(tasks[0]!.hasInput, false)
  })
})

describe('lean crypto of a node', () => {
  test('ephemeral X25519 keys: fresh every time, agreeing at both ends, the same as noble\'s X25519; wiped, they agree no more', async () => {
    const c = nodeLeanCrypto(await generateIdentity())!
    const [a, b, d] = [c.ephemeral(), c.ephemeral(), c.ephemeral()]
    assert.equal(a.publicKey.length, 32)
    assert.notDeepEqual(a.publicKey, b.publicKey)
    const ab = a.agree(b.publicKey)
    assert.equal(ab.length, 32)
    assert.deepEqual(new Uint8Array(ab), new Uint8Array(b.agree(a.publicKey)))
    assert.notDeepEqual(new Uint8Array(ab), new Uint8Array(a.agree(d.publicKey)))
    // against an independent X25519: a key of noble's agrees with ours
    const nobleSecret = x25519.utils.randomSecretKey()
    assert.deepEqual(new Uint8Array(a.agree(x25519.getPublicKey(nobleSecret))), x25519.getSharedSecret(nobleSecret, a.publicKey))
    // a low-order point and a key of the wrong size are refused
    assert.throws(() => a.agree(new Uint8Array(32)))
    assert.throws(() => a.agree(new Uint8Array(31)), /31 bytes/)
    a.wipe()
    assert.throws(() => a.agree(b.publicKey), /wiped/)
    assert.equal(c.canPair!(peerIdOf(await generateIdentity())), true)
    assert.equal(c.canPair!('not-a-peer-id'), false)
    assert.equal(c.canPair!('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'), false)
  })

  test('a node\'s LeanCrypto holds no secret: it is one object for every Ed25519 identity, none for another kind of key', async () => {
    const [k0, k1] = await Promise.all([generateIdentity(), generateIdentity()])
    assert.equal(nodeLeanCrypto(k0), nodeLeanCrypto(k1), 'one frozen object, whatever the identity')
    assert.ok(Object.isFrozen(nodeLeanCrypto(k0)))
    assert.equal(nodeLeanCrypto({ type: 'secp256k1', raw: new Uint8Array(32) } as never), undefined)
  })

  test('the keystream is AES-128-CTR: reads in pieces equal one read', () => {
    const c = nodeLeanCrypto({ type: 'Ed25519', raw: new Uint8Array(64) } as never)!
    const key = new Uint8Array(16).fill(3)
    const iv = new Uint8Array(16).fill(0)
    const whole = new Uint8Array(c.keystream(key, iv)(1000))
    const pieces = c.keystream(key, iv)
    const joined = new Uint8Array(1000)
    joined.set(pieces(10), 0)
    joined.set(pieces(990), 10)
    assert.deepEqual(joined, whole)
  })
})
