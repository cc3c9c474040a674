/**
 * Hold flood: a peer the victim admits floods frames for tasks the victim does not have, each
 * cheap on the wire and expensive decoded (2^20 one-byte elements: 1 MiB that would be 2^20
 * BigInts, 32 MiB). They are held raw and counted by what they would cost decoded, so the hold
 * limit (64 MiB) keeps one of them, not 64; the flooder evicts its own, the honest parties' early
 * shares survive, and their sum completes once the victim creates the task.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_HOLD_LIMITS } from '@simon-p2p/node'
import { nodeList, RawStream, startNodes, taskId } from '../hardening/support.js'
import { shareFrame, VictimProcess } from './victim.js'

test('frames for unknown tasks that would be expensive decoded are held raw, counted by their decoded cost, and evicted; the honest early shares survive', { timeout: 240_000 }, async t => {
  const victim = await VictimProcess.start(t)
  const [a, b, mallory] = await startNodes(t, 3, { taskTimeoutMs: 120_000, attemptTimeoutMs: 5000 })
  // mallory is on the list of a task held at the victim: its gater admits her
  await victim.createTask(taskId('bait'), [victim.address, nodeList([mallory!])[0]!], 0)
  // parties 1 and 2 take part in an earlier sum with the victim, so its gater admits them
  const trio = [victim.address, ...nodeList([a!, b!])]
  const earlier = taskId('earlier')
  await victim.createTask(earlier, trio, 0)
  const before = [a!, b!].map((node, k) => node.createTask({ taskId: earlier, microprotocol: 'SecureSum', network: { nodes: trio, myself: k + 1 } }))
  await victim.input(earlier, 1)
  before.forEach(task => task.input(1))
  assert.equal((await victim.result(earlier)).result.sum, 3)
  // then they give their inputs to a task the victim (party 0) has not created yet: it holds their shares
  const late = taskId('late')
  const early = [a!, b!].map((node, k) => node.createTask({ taskId: late, microprotocol: 'SecureSum', network: { nodes: trio, myself: k + 1 }, timeoutMs: 120_000 }))
  early.forEach((task, k) => task.input(10 * (k + 1)))
  const deadline = Date.now() + 20_000
  while ((await victim.stats()).held.messages < 2) {
    assert.ok(Date.now() < deadline, 'the victim holds the early shares of parties 1 and 2')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const honestHeld = (await victim.stats()).held

  const raw = await RawStream.openAt(mallory!.libp2p, victim.address)
  const FLOOD = 100
  const frameOf = (i: number): Uint8Array => shareFrame(`flood-${i}`, 1, 1 << 20, 1)
  const start = await victim.memory()
  // control: the same bytes refused at their header (an unknown kind): what receiving them costs at all
  for (let i = 0; i < FLOOD; i++) {
    const junk = frameOf(i)
    junk[1] = 99
    assert.equal((await raw.exchange(junk)).code, 'MALFORMED_FRAME')
  }
  const control = await victim.memory(true)

  const replies = new Map<string, number>()
  let mostHeld = { messages: 0, bytes: 0 }
  for (let i = 0; i < FLOOD; i++) {
    const reply = await raw.exchange(frameOf(i))
    replies.set(reply.code, (replies.get(reply.code) ?? 0) + 1)
    const held = (await victim.stats()).held
    assert.ok(held.bytes <= DEFAULT_HOLD_LIMITS.bytes, `held ${JSON.stringify(held)} after frame ${i}`)
    if (held.bytes > mostHeld.bytes) mostHeld = held
  }
  // one frame whose decoded cost alone is over the limit is not held at all
  const over = await raw.exchange(shareFrame('flood-over', 1, 2 << 20, 1))
  const attacked = await victim.memory()
  const held = (await victim.stats()).held
  const beyond = attacked.peakRssMB - Math.max(control.peakRssMB, control.rssMB)
  t.diagnostic(`${FLOOD} frames of ${(frameOf(0).length / 2 ** 20).toFixed(2)} MiB for unknown tasks (each ${((frameOf(0).length + (1 << 20) * 32) / 2 ** 20).toFixed(1)} MiB decoded): ${JSON.stringify([...replies])}; at most ${JSON.stringify(mostHeld)} held; now ${JSON.stringify(held)} (the honest shares alone: ${JSON.stringify(honestHeld)}); one of 2 MiB (64 MiB decoded): ${over.code}`)
  t.diagnostic(`victim rss ${start.rssMB.toFixed(1)} MB at the start, control peak +${(control.peakRssMB - start.rssMB).toFixed(1)} MB, the flood +${beyond.toFixed(1)} MB beyond it; heap after GC ${start.heapMB.toFixed(1)} -> ${attacked.heapMB.toFixed(1)} MB`)

  assert.deepEqual([...replies], [['HELD', FLOOD]])
  assert.equal(over.code, 'UNKNOWN_TASK')
  // counted by wire bytes, 63 of them (2 GiB decoded) would have fitted; counted decoded, one does
  assert.equal(mostHeld.messages, 3, 'the two honest shares and one frame of the flood')
  assert.equal(held.messages, 3)
  assert.ok(beyond < 64, `the flood grew the victim's RSS by ${beyond.toFixed(1)} MB beyond the control`)
  assert.ok(attacked.heapMB - start.heapMB < 32, 'frames are held raw: no BigInt was made')

  // the honest shares survived the flood: the victim creates the task, and the sum completes
  await victim.createTask(late, trio, 0, { timeoutMs: 120_000 })
  assert.equal((await victim.stats()).held.messages, 1, 'creating the task took its two held shares')
  await victim.input(late, 3)
  for (const r of await Promise.all([victim.result(late), ...early.map(async task => task.result())])) {
    assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 33 } })
  }
})
