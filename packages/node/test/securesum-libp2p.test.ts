/**
 * SecureSum over real libp2p nodes (TCP + Noise + Yamux on 127.0.0.1), three parties in one
 * process: results, concurrency, late joiners, mismatched descriptions, missing parties, input
 * validation, createTask validation and cancellation.
 */
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SimonNode, HeldMessages, peerIdOf, generateIdentity } from '@simon-p2p/node'
import type { InputValue } from '@simon-p2p/core'
import {
  createTasks, FAST, nodeList, rejection, secureSum, sleep, startNodes, taskId, unusedPort, until
} from './helpers.js'

const TIMEOUT_MS = 3000
/** Allowed lateness of a timeout: the timer, the abort and the event loop on a busy 2-core machine. */
const SLACK_MS = 1500

function heldAt (node: SimonNode): HeldMessages {
  const held = (node.secureSum as unknown as { held: unknown }).held
  assert.ok(held instanceof HeldMessages, 'the SecureSum service keeps its held messages in a HeldMessages')
  return held
}

describe('secure sum over libp2p, three nodes in one process', () => {
  let nodes: SimonNode[] = []
  // started once for the suite (hooks registered here, at definition time, not from inside before())
  const stops: Array<() => Promise<void> | void> = []
  before(async () => {
    nodes = await startNodes({ after: fn => stops.push(fn) }, 3)
    // Connections (dial, Noise, Yamux) are set up once here, with a generous deadline, so that the
    // tests' 3 s deadlines measure the protocol, not first contact on a busy machine.
    const warmUp = createTasks(nodes, { timeoutMs: 30_000 })
    warmUp.forEach(task => task.input(0))
    await Promise.all(warmUp.map(async task => task.result()))
  })
  after(async () => { for (const stop of stops) await stop() })

  test('10 + 7 + 14 = 31 at every party', async () => {
    const results = await secureSum(nodes, [10, 7, 14])
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 31 } })
  })

  test('decimal strings add up exactly: 123.456789 + 1234.56789 + 12345.6789 = 13703.703579', async () => {
    const results = await secureSum(nodes, ['123.456789', '1234.56789', '12345.6789'])
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 13703.703579 } })
  })

  test('negative numbers', async () => {
    const results = await secureSum(nodes, [-5, 3.25, '-10.5'])
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: -12.25 } })
    const allNegative = await secureSum(nodes, [-1, -2, -0.000000000001])
    for (const r of allNegative) assert.deepEqual(r.result, { samples: 3, sum: -3.000000000001 })
  })

  test('bigints beyond 2^53: exact, as a decimal string when a number cannot hold the total', async () => {
    const parameters = { digits_before: 25 }
    const big = 2n ** 60n
    const inexact = await secureSum(nodes, [big, big + 1n, 5n], parameters)
    // 2^61 + 6 = 2305843009213693958 has no exact double (the nearest is ...952)
    for (const r of inexact) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: '2305843009213693958' } })
    // 2^61 is a double, but it prints as 2305843009213694000: it still comes back as exact text
    const power = await secureSum(nodes, [big, big, 0n], parameters)
    for (const r of power) assert.deepEqual(r.result, { samples: 3, sum: '2305843009213693952' })
    // 10^20 (far beyond 2^53) reads back exactly as a number: it comes back as one
    const round = await secureSum(nodes, [4n * 10n ** 19n, 5n * 10n ** 19n, 10n ** 19n], parameters)
    for (const r of round) assert.deepEqual(r.result, { samples: 3, sum: 1e20 })
    const negative = await secureSum(nodes, [-big, -big, -7n], parameters)
    for (const r of negative) assert.deepEqual(r.result, { samples: 3, sum: '-2305843009213693959' })
  })

  test('vectors add element-wise, samples count every element', async () => {
    const results = await secureSum(nodes, [[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 9, sum: [3, 6, 9] } })
    const mixed = await secureSum(nodes, [new Float64Array([0.5, -1, 2]), new Int32Array([1, 2, -3]), ['0.25', '1e3', '-0.000001']])
    for (const r of mixed) assert.deepEqual(r.result, { samples: 9, sum: [1.75, 1001, -1.000001] })
  })

  test('20 concurrent tasks on the same nodes, each with its own inputs: no cross-talk', async () => {
    const runs = Array.from({ length: 20 }, async (_, i) => {
      const results = await secureSum(nodes, [i, 1000 * i, '7.5'])
      return { i, results }
    })
    for (const { i, results } of await Promise.all(runs)) {
      for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 1001 * i + 7.5 } }, `task ${i}`)
    }
  })

  test('a party that creates its task 500 ms late: the others\' messages are held for it', async () => {
    const id = taskId('late-held')
    const list = nodeList(nodes)
    const early = [0, 1].map(i => nodes[i]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: i } }))
    early[0]!.input(40)
    early[1]!.input(2)
    const held = heldAt(nodes[2]!)
    const heldBefore = held.size.messages
    // both shares for party 2 reach node 2 (it knows the peers from earlier tasks) and wait there
    await until(() => held.size.messages >= heldBefore + 2, 'node 2 holds the shares of parties 0 and 1')
    await until(() => early.every(t => t.status().missing.length === 1), 'parties 0 and 1 hold each other\'s shares')
    await sleep(500)
    for (const t of early) assert.deepEqual(t.status(), { id, step: 'share', missing: [2] })
    assert.equal(held.size.messages, heldBefore + 2, 'exactly the two shares for party 2 are held')
    const late = nodes[2]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 2 } })
    assert.equal(held.size.messages, heldBefore, 'creating the task took its held messages')
    late.input(-0.5)
    const results = await Promise.all([...early, late].map(async t => t.result()))
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 41.5 } })
  })

  test('a join whose parameters differ (digits_after 6 at one party) fails at every party, naming parameters.digits_after', async () => {
    const id = taskId('mismatch-params')
    const list = nodeList(nodes)
    const tasks = nodes.map((node, i) => node.createTask({
      taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: i }, parameters: i === 2 ? { digits_after: 6 } : undefined
    }))
    const started = performance.now()
    tasks.forEach((t, i) => t.input(i + 1))
    const errors = await Promise.all(tasks.map(async t => rejection(t.result())))
    for (const [i, { error }] of errors.entries()) {
      assert.ok(['DigestMismatchError', 'TaskAbortedError'].includes(error.name), `party ${i} failed with ${error.name}: ${error.message}`)
      assert.ok(['DIGEST_MISMATCH', 'ABORTED'].includes(error.code as string))
      assert.equal(tasks[i]!.status().step, 'failed')
    }
    assert.ok(performance.now() - started < TIMEOUT_MS, 'every party failed before the deadline')
    const differences = errors.flatMap(({ error }) => (error.name === 'DigestMismatchError' ? error.differences as string[] : []))
    assert.ok(differences.some(d => d.startsWith('parameters.digits_after:')), `differences name digits_after: ${JSON.stringify(differences)}`)
    // party 2 sees parties 0 and 1 hold digits_after 12
    const at2 = errors[2]!.error
    if (at2.name === 'DigestMismatchError') {
      assert.ok([0, 1].includes(at2.party as number))
      assert.ok((at2.differences as string[]).includes(`parameters.digits_after: 6 here, 12 at party ${String(at2.party)}`))
    }
  })

  test('a join whose node list has two nodes swapped fails at every party, naming network.nodes[...]', async () => {
    const id = taskId('mismatch-network')
    const list = nodeList(nodes)
    const swapped = [list[1]!, list[0]!, list[2]!]
    const tasks = nodes.map((node, i) => node.createTask({
      taskId: id, microprotocol: 'SecureSum', network: i === 2 ? { nodes: swapped, myself: 2 } : { nodes: list, myself: i }
    }))
    const started = performance.now()
    tasks.forEach((t, i) => t.input(i * 10))
    const errors = await Promise.all(tasks.map(async t => rejection(t.result())))
    for (const [i, { error }] of errors.entries()) {
      assert.ok(['DigestMismatchError', 'TaskAbortedError'].includes(error.name), `party ${i} failed with ${error.name}: ${error.message}`)
    }
    assert.ok(performance.now() - started < TIMEOUT_MS, 'every party failed before the deadline')
    const mismatches = errors.map(({ error }) => error).filter(e => e.name === 'DigestMismatchError')
    assert.ok(mismatches.length >= 1)
    for (const e of mismatches) {
      const differences = e.differences as string[]
      assert.ok(differences.some(d => d.startsWith('network.nodes[0]:')), JSON.stringify(differences))
      assert.ok(differences.some(d => d.startsWith('network.nodes[1]:')), JSON.stringify(differences))
      assert.ok(!differences.some(d => d.startsWith('network.nodes[2]:')), 'node 2 is at the same place in both lists')
      assert.ok(!differences.some(d => d.startsWith('parameters.')), 'the parameters agree')
    }
  })

  test('a party whose node exists but never creates the task: the others time out naming it', async () => {
    const id = taskId('absent')
    const list = nodeList(nodes)
    const present = [0, 1].map(i => nodes[i]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: i }, timeoutMs: 2000 }))
    const started = performance.now()
    present[0]!.input(1)
    present[1]!.input(2)
    const errors = await Promise.all(present.map(async t => rejection(t.result())))
    const elapsed = performance.now() - started
    for (const [i, { error }] of errors.entries()) {
      assert.equal(error.name, 'TaskTimeoutError', `party ${i}: ${error.message}`)
      assert.equal(error.code, 'TIMEOUT')
      assert.equal(error.step, 'share')
      assert.deepEqual(error.missing, [2])
      // its own deadline, or that of the other present party (which told it so)
      assert.ok(error.party === undefined || error.party === 1 - i, `party ${i}: ${String(error.party)}`)
    }
    assert.ok(errors.some(({ error }) => error.party === undefined), 'the first deadline to pass was a party\'s own')
    assert.ok(elapsed >= 2000 - 50, `failed at the deadline, not before (${elapsed} ms)`)
    assert.ok(elapsed < 2000 + SLACK_MS, `failed by the deadline plus slack (${elapsed} ms)`)
    for (const t of present) assert.equal(t.status().step, 'failed')
    assert.equal(nodes[2]!.getTask(id), undefined)
  })
})

describe('secure sum over libp2p: tests on their own nodes', () => {
  test('a party that creates its task 500 ms late on a fresh node (its gater refuses until then): retries make it finish', async t => {
    const nodes = await startNodes(t, 3)
    const id = taskId('late-gated')
    const list = nodeList(nodes)
    const early = [0, 1].map(i => nodes[i]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: i } }))
    early[0]!.input(100)
    early[1]!.input(20)
    await until(() => early.every(t => t.status().missing.length === 1), 'parties 0 and 1 hold each other\'s shares')
    await sleep(500)
    for (const t of early) assert.deepEqual(t.status(), { id, step: 'share', missing: [2] })
    assert.equal(nodes[2]!.libp2p.getConnections(nodes[0]!.libp2p.peerId).length, 0, 'node 2 let no unlisted peer in')
    assert.equal(nodes[2]!.libp2p.getConnections(nodes[1]!.libp2p.peerId).length, 0, 'node 2 let no unlisted peer in')
    const late = nodes[2]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 2 } })
    late.input(3)
    const results = await Promise.all([...early, late].map(async task => task.result()))
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 123 } })
  })

  test('a node list with a PeerId and port that nobody runs: the others time out naming that index', async t => {
    const nodes = await startNodes(t, 2)
    const ghost = peerIdOf(await generateIdentity())
    const list = [...nodeList(nodes), `/ip4/127.0.0.1/tcp/${await unusedPort()}/p2p/${ghost}`]
    const id = taskId('ghost')
    const tasks = nodes.map((node, i) => node.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: i }, timeoutMs: 2000 }))
    const started = performance.now()
    tasks[0]!.input(1)
    tasks[1]!.input(1)
    const errors = await Promise.all(tasks.map(async task => rejection(task.result())))
    const elapsed = performance.now() - started
    for (const [i, { error }] of errors.entries()) {
      assert.equal(error.name, 'TaskTimeoutError', `party ${i}: ${error.message}`)
      assert.equal(error.step, 'share')
      assert.deepEqual(error.missing, [2])
      assert.ok(error.party === undefined || error.party === 1 - i)
    }
    assert.ok(elapsed >= 2000 - 50 && elapsed < 2000 + SLACK_MS, `failed at the deadline (${elapsed} ms)`)
  })

  test('bad input is refused before anything is sent; the task stays at its input step', async t => {
    const nodes = await startNodes(t, 3)
    const tasks = createTasks(nodes)
    tasks[1]!.input(1)
    tasks[2]!.input(2)
    const bad: Array<[InputValue, string]> = [
      [NaN, 'value'], ['abc', 'value'], [Infinity, 'value'], [-Infinity, 'value'], [1e13, 'value'], ['1e12', 'value'],
      [-1e12, 'value'], ['', 'value'], [[1, 'x', 3], 'value[1]'], [[], 'value'], [null as unknown as InputValue, 'value']
    ]
    for (const [value, field] of bad) {
      assert.throws(() => tasks[0]!.input(value), (err: Error & Record<string, unknown>) => {
        assert.equal(err.name, 'InvalidInputError', `input ${String(value)}`)
        assert.equal(err.code, 'INVALID_INPUT')
        assert.equal(err.field, field, `input ${String(value)}`)
        return true
      })
      assert.deepEqual(tasks[0]!.status(), { id: tasks[0]!.id, step: 'input', missing: [0] })
    }
    assert.equal(tasks[0]!.hasInput, false)
    // nothing reached the others: once they hold each other's shares, and long after that, they
    // still wait for party 0
    await until(() => !tasks[1]!.status().missing.includes(2) && !tasks[2]!.status().missing.includes(1), 'parties 1 and 2 hold each other\'s shares')
    await sleep(300)
    for (const i of [1, 2]) assert.deepEqual(tasks[i]!.status(), { id: tasks[i]!.id, step: 'share', missing: [0] })
    // a valid input afterwards still completes the task
    tasks[0]!.input(999_999_999_999)
    const results = await Promise.all(tasks.map(async task => task.result()))
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 1_000_000_000_002 } })
  })

  test('createTask refuses bad networks, microprotocols and duplicate ids, naming the field', async t => {
    const nodes = await startNodes(t, 3)
    const list = nodeList(nodes)
    const stranger = peerIdOf(await generateIdentity())
    const strangerAddr = `/ip4/127.0.0.1/tcp/1/p2p/${stranger}`
    const attempt = (init: Parameters<SimonNode['createTask']>[0], field: string): void => {
      assert.throws(() => nodes[0]!.createTask(init), (err: Error & Record<string, unknown>) => {
        assert.equal(err.name, 'InvalidInputError')
        assert.equal(err.code, 'INVALID_INPUT')
        assert.equal(err.field, field)
        return true
      })
    }
    const id = taskId('validation')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: [list[0]!, strangerAddr, list[0]!], myself: 0 } }, 'network.nodes[2]')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: [list[0]!, strangerAddr, strangerAddr], myself: 0 } }, 'network.nodes[2]')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: [list[0]!, '/ip4/127.0.0.1/tcp/4001', strangerAddr], myself: 0 } }, 'network.nodes[1]')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: [list[0]!, 'not a multiaddr', strangerAddr], myself: 0 } }, 'network.nodes[1]')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 3 } }, 'network.myself')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: -1 } }, 'network.myself')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 1 } }, 'network.myself')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: [list[0]!], myself: 0 } }, 'network.nodes')
    attempt({ taskId: id, microprotocol: 'SecureProduct', network: { nodes: list, myself: 0 } }, 'microprotocol')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, parameters: { digits_after: -1 } }, 'parameters.digits_after')
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 0 }, timeoutMs: 0 }, 'timeout')
    attempt({ taskId: '', microprotocol: 'SecureSum', network: { nodes: list, myself: 0 } }, 'task')
    // nothing was registered by the refused attempts: no task, and the stranger may not connect
    assert.equal(nodes[0]!.taskCount, 0)
    assert.equal(nodes[0]!.isAllowed(stranger), false)
    const task = nodes[0]!.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 0 } })
    assert.equal(task.id, id)
    assert.equal(nodes[0]!.taskCount, 1)
    attempt({ taskId: id, microprotocol: 'SecureSum', network: { nodes: list, myself: 0 } }, 'task')
    assert.equal(nodes[0]!.getTask(id), task, 'the duplicate did not replace the task')
    assert.equal(nodes[0]!.isAllowed(nodes[1]!.peerId), true)
  })

  test('result({ signal }) with an already aborted signal rejects with TaskCancelledError', async t => {
    const nodes = await startNodes(t, 3)
    const tasks = createTasks(nodes)
    tasks[0]!.input(1)
    const { error } = await rejection(tasks[0]!.result({ signal: AbortSignal.abort() }))
    assert.equal(error.name, 'TaskCancelledError')
    assert.equal(error.code, 'CANCELLED')
    assert.equal(tasks[0]!.status().step, 'share', 'only the wait was cancelled, not the task')
  })

  test('result({ signal }) aborted while waiting rejects with TaskCancelledError; the task itself goes on', async t => {
    const nodes = await startNodes(t, 3)
    const tasks = createTasks(nodes)
    tasks[0]!.input(5)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const { error, ms } = await rejection(tasks[0]!.result({ signal: controller.signal }))
    assert.equal(error.name, 'TaskCancelledError')
    assert.equal(error.code, 'CANCELLED')
    assert.ok(ms >= 90 && ms < 1000, `rejected when the signal aborted (${ms} ms)`)
    assert.deepEqual(tasks[0]!.status().missing, [1, 2])
    tasks[1]!.input(6)
    tasks[2]!.input(7)
    const results = await Promise.all(tasks.map(async task => task.result({ signal: AbortSignal.timeout(TIMEOUT_MS) })))
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 18 } })
  })

  test('result() before input is refused', async t => {
    const nodes = await startNodes(t, 2)
    const [task] = createTasks(nodes)
    const { error } = await rejection(task!.result())
    assert.equal(error.name, 'InvalidInputError')
    assert.equal(error.field, 'task')
  })

  test('deleteTask cancels a running task; the others fail at once with TaskAbortedError naming that party', async t => {
    const nodes = await startNodes(t, 3)
    const tasks = createTasks(nodes)
    tasks[0]!.input(1)
    tasks[2]!.input(3)
    // party 0 holds party 2's share: it is waiting for party 1 only
    await until(() => tasks[0]!.status().missing.length === 1, 'party 0 has the share of party 2')
    assert.deepEqual(tasks[0]!.status().missing, [1])
    const started = performance.now()
    assert.equal(nodes[2]!.deleteTask(tasks[2]!.id), true)
    assert.equal(nodes[2]!.deleteTask(tasks[2]!.id), false)
    assert.equal(nodes[2]!.getTask(tasks[2]!.id), undefined)
    const own = await rejection(tasks[2]!.result())
    assert.equal(own.error.name, 'TaskCancelledError')
    const other = await rejection(tasks[0]!.result())
    assert.equal(other.error.name, 'TaskAbortedError')
    assert.equal(other.error.party, 2)
    assert.equal(other.error.remoteCode, 'CANCELLED')
    // party 1 never gave input, and it has failed as well
    await until(() => tasks[1]!.status().step === 'failed', 'party 1 heard the abort')
    assert.equal(tasks[1]!.status().error?.name, 'TaskAbortedError')
    assert.throws(() => tasks[1]!.peekResult(), (err: Error & Record<string, unknown>) => err.name === 'TaskAbortedError' && err.party === 2)
    assert.ok(performance.now() - started < TIMEOUT_MS / 2, 'failed long before the deadline')
  })
})
