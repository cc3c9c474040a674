/**
 * Faults with real processes: `simon sum` parties on 127.0.0.1, one of them killed with SIGKILL
 * (by PID) before it shares, after its shares went out, or between revealing its partial sum and
 * sending its confirmation. The full mesh (all needed) must fail at every survivor within its
 * deadline, naming the missing index; threshold mode must give the survivors the exact sum.
 *
 * Every party first starts and joins the task; then all get their values at once (through named
 * pipes), so start-up times do not decide which inputs make the sharing deadline. When to kill
 * comes from the victim's --events lines ("delivered" = another party took that message). To pin
 * the point exactly, the victim runs with SIMON_FAILPOINT_WITHHOLD=<kinds>: it never sends those
 * kinds, as if it died just before sending them; then it is killed for real.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { SimonNode, loadIdentity } from '@simon-p2p/node'
import { freezingAfter, network, Party, resultOf, withholding, type Net } from './fault-parties.js'

const VALUES = [10, 7, 14, 3, 100]
const total = (indices: number[]): number => indices.reduce((s, i) => s + VALUES[i]!, 0)
/** After its deadline a party tells the others (abort deliveries may take 2 s to give up on a dead one), then exits. */
const SLACK_MS = 5_000

/** Start n parties, wait until all have joined the task, then give every party not in `noInput` its value. */
async function start (net: Net, n: number, extra: string[], victims: Map<number, NodeJS.ProcessEnv>, t: { after: (fn: () => void) => void }, noInput: number[] = []): Promise<Party[]> {
  const task = randomUUID()
  const parties = Array.from({ length: n }, (_, i) => new Party(i, net, task, String(VALUES[i]), extra, victims.get(i) ?? {}))
  t.after(() => parties.forEach(p => p.kill()))
  await Promise.all(parties.map(async p => p.joined()))
  await Promise.all(parties.filter(p => !noInput.includes(p.index)).map(async p => p.give()))
  return parties
}

/** Every survivor exits 1 with one error line that names the missing parties at `step`, within its deadline. */
async function assertAllFailNaming (survivors: Party[], missing: string, step: string, deadlineMs: number): Promise<void> {
  for (const p of survivors) {
    const r = await p.exited
    assert.equal(r.code, 1, `party ${p.index}: ${r.stderr}`)
    assert.equal(r.stdout, '')
    const lines = p.errorLines()
    assert.equal(lines.length, 1, r.stderr)
    assert.match(lines[0]!, new RegExp(`^simon sum: TaskTimeoutError: .*at step '${step}': no message from ${missing}$`))
    const ms = await p.msFromInput()
    assert.ok(ms < deadlineMs + SLACK_MS, `party ${p.index} took ${ms} ms from its input`)
  }
}

describe('full mesh (all parties needed): a party killed with SIGKILL', () => {
  const timeout = 4
  const extra = ['--timeout', String(timeout)]

  test('before it shares: every survivor fails within its deadline, naming index 2 at the share step', async (t) => {
    const net = await network(t, 3)
    // party 2 is up and has joined the task, but is killed before it has its value
    const [p0, p1, p2] = await start(net, 3, extra, new Map(), t, [2])
    await p2!.killNow()
    await assertAllFailNaming([p0!, p1!], 'party 2', 'share', timeout * 1000)
  })

  test('after its shares went out: every survivor fails within its deadline, naming index 2 at the partial step', async (t) => {
    const net = await network(t, 3)
    const [p0, p1, p2] = await start(net, 3, extra, new Map([[2, { ...withholding('partial', 'confirm'), ...freezingAfter('share') }]]), t)
    await p2!.until(() => p2!.count('delivered', 'share') === 2, 'its shares taken by both others')
    await p2!.killNow()
    await assertAllFailNaming([p0!, p1!], 'party 2', 'partial', timeout * 1000)
  })

  test('between its partial sum and its confirmation: every survivor fails within its deadline, naming index 2 at the confirm step', async (t) => {
    const net = await network(t, 3)
    const [p0, p1, p2] = await start(net, 3, extra, new Map([[2, { ...withholding('confirm'), ...freezingAfter('partial') }]]), t)
    await p2!.until(() => p2!.count('delivered', 'partial') === 2, 'its partial sum taken by both others')
    await p2!.killNow()
    await assertAllFailNaming([p0!, p1!], 'party 2', 'confirm', timeout * 1000)
  })
})

describe('threshold mode (5 parties, t = 3): a party killed with SIGKILL', () => {
  const extra = ['--threshold', '3', '--share-timeout', '4', '--timeout', '20']
  const all = [0, 1, 2, 3, 4]

  test('before it shares: the survivors get the exact sum of the 4 inputs that arrived', async (t) => {
    const net = await network(t, 5)
    const parties = await start(net, 5, extra, new Map(), t, [4])
    await parties[4]!.killNow()
    for (const p of parties.slice(0, 4)) assert.deepEqual(await resultOf(p), { inputs: 4, result: { samples: 4, sum: total([0, 1, 2, 3]) } })
  })

  test('after its shares went out (and nothing else): the survivors get the exact sum, its input included', async (t) => {
    const net = await network(t, 5)
    const parties = await start(net, 5, extra, new Map([[4, { ...withholding('propose', 'commit', 'set-partial', 'confirm'), ...freezingAfter('share') }]]), t)
    await parties[4]!.until(() => parties[4]!.count('delivered', 'share') === 4, 'its shares taken by all four others')
    await parties[4]!.killNow()
    for (const p of parties.slice(0, 4)) assert.deepEqual(await resultOf(p), { inputs: 5, result: { samples: 5, sum: total(all) } })
  })

  test('between its partial sum and its confirmation: the survivors get the exact sum with t confirmations', async (t) => {
    const net = await network(t, 5)
    const parties = await start(net, 5, extra, new Map([[4, { ...withholding('confirm'), ...freezingAfter('set-partial') }]]), t)
    await parties[4]!.until(() => parties[4]!.count('delivered', 'set-partial') === 4, 'its partial sum taken by all four others')
    await parties[4]!.killNow()
    for (const p of parties.slice(0, 4)) assert.deepEqual(await resultOf(p), { inputs: 5, result: { samples: 5, sum: total(all) } })
  })

  test('three of five killed before they share (fewer than t left): the two survivors fail within their deadline, naming 0, 1 and 2', async (t) => {
    const net = await network(t, 5)
    const timeout = 4
    const parties = await start(net, 5, ['--threshold', '3', '--share-timeout', '1', '--timeout', String(timeout)], new Map(), t, [0, 1, 2])
    for (const p of parties.slice(0, 3)) await p.killNow()
    await assertAllFailNaming(parties.slice(3), 'parties 0, 1, 2', 'share', timeout * 1000)
  })
})

describe('a node restarted with the same key', () => {
  test('killed in the middle of a task, then started again with the same key and port: it serves a new task with the nodes that stayed up', async (t) => {
    const net = await network(t, 3)
    // parties 0 and 1 are long-lived nodes in this process: they keep their connections to the old process
    const nodes = await Promise.all([0, 1].map(async i => SimonNode.create({
      privateKey: await loadIdentity(net.keys[i]!.path), listen: [`/ip4/127.0.0.1/tcp/${net.ports[i]}`], taskTimeoutMs: 10_000, attemptTimeoutMs: 1000,
      // every party is on 127.0.0.1: above libp2p's 5 new connections per second per host
      inboundConnectionsPerHost: 10_000
    })))
    t.after(async () => { await Promise.all(nodes.map(async n => n.stop())) })
    const nodeList = net.keys.map((k, i) => `/ip4/127.0.0.1/tcp/${net.ports[i]}/p2p/${k.peerId}`)
    const create = (taskId: string, parameters: Record<string, unknown>) => nodes.map((node, i) =>
      node.createTask({ taskId, microprotocol: 'SecureSum', parameters, network: { nodes: nodeList, myself: i } }))

    // task 1, threshold 2 of 3: party 2 shares and is killed before anything else; 0 and 1 then finish, its input included
    const first = randomUUID()
    const tasks1 = create(first, { threshold: 2, share_timeout: 1 })
    const victim = new Party(2, net, first, String(VALUES[2]), ['--threshold', '2', '--share-timeout', '1'], withholding('propose', 'commit', 'set-partial', 'confirm'))
    t.after(() => victim.kill())
    await victim.joined()
    await victim.give()
    await victim.until(() => victim.count('delivered', 'share') === 2, 'its shares taken')
    await victim.killNow()
    tasks1.forEach((task, i) => task.input(VALUES[i]!))
    for (const task of tasks1) assert.deepEqual(await task.result(), { inputs: 3, result: { samples: 3, sum: total([0, 1, 2]) } })

    // task 2, the full mesh (all three needed): the restarted process, same key, same port
    const second = randomUUID()
    const restarted = new Party(2, net, second, String(VALUES[2]), ['--timeout', '10'])
    t.after(() => restarted.kill())
    await restarted.joined()
    await restarted.give()
    const tasks2 = create(second, {})
    tasks2.forEach((task, i) => task.input(VALUES[i]!))
    for (const task of tasks2) assert.deepEqual(await task.result(), { inputs: 3, result: { samples: 3, sum: total([0, 1, 2]) } })
    assert.deepEqual(await resultOf(restarted), { inputs: 3, result: { samples: 3, sum: total([0, 1, 2]) } })
  })
})
