/**
 * Slow suite: lean mode with a threshold as real `simon sum` processes on 127.0.0.1.
 *
 * 20 parties x 10^5 elements (fast profile), t = 14; four are killed with SIGKILL at four steps:
 * party 5 before its keys leave (frozen as it enters 'keys'), party 8 as a holder in the middle of
 * the collection (frozen before its input-set proposal leaves), party 3 during unmasking (frozen
 * before its shares leave), and party 0, the primary holder of segment 0, in the middle of sending
 * that segment's total: it reaches parties 1, 2 and 10 (the backup holder) only, then party 0 is
 * frozen and killed; the backup, which got the total, still sends it to the parties that did not.
 * No two of them hold the same segment (README-lean.md, liveness L4). Element 0 of party i's input is 2^i,
 * so element 0 of the total names the agreed set; the 16 survivors must print the same result,
 * the exact sum over that set, which holds every survivor and neither party 5 nor any party whose
 * frames did not go out.
 *
 * Then a party killed once its keys went out and restarted with the same key, port and task: the
 * others finish without its input (its fresh keys are refused as a second keys message, and the
 * key set is certified over its first keys), and the restarted party, whose keys are not the
 * certified ones, neither masks nor unmasks: it prints the same result when the totals reach it,
 * or times out when its first process had already taken the others' keys (they are not sent twice).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { freezingAfter, freezingAt, network, Party, resultOf, sendingOnly } from '../fault-parties.js'

const LENGTH = 100_000

/** Party i's input: 2^i, then a pattern of integers that the fast profile holds exactly. */
function valueOf (i: number): number[] {
  return Array.from({ length: LENGTH }, (_, k) => (k === 0 ? 2 ** i : ((k * 7919 + i * 104729) % 20001) - 10000))
}

interface Result { inputs: number, result: { samples: number, sum: number[] } }

function assertSumOver (r: Result, set: readonly number[]): void {
  assert.equal(r.inputs, set.length)
  assert.equal(r.result.samples, set.length * LENGTH)
  const values = set.map(valueOf)
  const wrong = r.result.sum.findIndex((x, k) => x !== values.reduce((s, v) => s + v[k]!, 0))
  assert.equal(wrong, -1, `element ${wrong}`)
}

test('20 parties x 10^5, t = 14, 4 killed at 4 steps: the 16 survivors print the same exact sum over the agreed set', async (t) => {
  const n = 20
  const net = await network(t, n)
  const task = randomUUID()
  const args = ['--mode', 'lean', '--profile', 'fast', '--threshold', '14', '--share-timeout', '8', '--timeout', '150']
  // party 0 sends 36 masked frames (19 segments, party 5 being out of the key set; two holders
  // each, itself one of them for two), then its segment's total (one frame) to parties 1, 2 and 10
  const env: Record<number, NodeJS.ProcessEnv> = { 5: freezingAt('keys'), 8: freezingAt('input-set'), 3: freezingAt('unmask'), 0: sendingOnly('total', [1, 2, 10]) }
  const parties = Array.from({ length: n }, (_, i) => new Party(i, net, task, JSON.stringify(valueOf(i)), args, env[i] ?? {}))
  t.after(() => parties.forEach(p => p.kill()))
  await Promise.all(parties.map(async p => p.joined()))
  for (const p of parties) {
    await p.give()
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await Promise.all([5, 8, 3, 0].map(async i => {
    const victim = parties[i]!
    await victim.until(() => victim.has(e => e.event === 'frozen'), 'its freeze point', 120_000)
    await victim.killNow()
  }))
  const victims = [0, 3, 5, 8]
  const survivors = parties.filter(p => !victims.includes(p.index))
  const results = await Promise.all(survivors.map(async p => resultOf(p) as Promise<Result>))
  for (const r of results) assert.deepEqual(r, results[0])
  // every member of the key set holds two segments and got two masked frames from party 0: more are totals
  const direct = survivors.filter(p => p.events().filter(e => e.event === 'received' && e.kind === 'lean-data' && e.from === 0).length > 2)
  assert.deepEqual(direct.map(p => p.index), [1, 2, 10], 'the survivors that got party 0\'s total from it')
  const mask = results[0]!.result.sum[0]!
  const agreed = Array.from({ length: n }, (_, i) => i).filter(i => Math.floor(mask / 2 ** i) % 2 === 1)
  assert.ok(survivors.every(p => agreed.includes(p.index)), `agreed ${agreed.join(',')}`)
  assert.ok(!agreed.includes(5), 'party 5 never sent its keys')
  assert.ok(agreed.includes(0) && agreed.includes(3), `agreed ${agreed.join(',')}: parties 0 and 3 had their frames out`)
  assertSumOver(results[0]!, agreed)
})

test('a party killed after its keys went out and restarted with the same key does not break the task; it neither masks nor unmasks, and prints their result or none', async (t) => {
  const n = 6
  const net = await network(t, n)
  const task = randomUUID()
  const args = ['--mode', 'lean', '--profile', 'fast', '--threshold', '4', '--share-timeout', '3', '--timeout', '40']
  const parties = Array.from({ length: n }, (_, i) => new Party(i, net, task, JSON.stringify(valueOf(i)), args, i === 2 ? freezingAfter('lt-keys') : {}))
  t.after(() => parties.forEach(p => p.kill()))
  await Promise.all(parties.map(async p => p.joined()))
  await Promise.all(parties.map(async p => p.give()))
  const victim = parties[2]!
  await victim.until(() => victim.has(e => e.event === 'frozen'), 'its keys taken by all others', 30_000)
  await victim.killNow()
  // the same party again: a new process (a new named pipe for its value), the same key, port and task
  await unlink(join(net.dir, `value-${task}-2`))
  const again = new Party(2, net, task, JSON.stringify(valueOf(2)), [...args.slice(0, -1), '12'])
  t.after(() => again.kill())
  await again.joined()
  await again.give()
  const others = parties.filter(p => p.index !== 2)
  const results = await Promise.all(others.map(async p => resultOf(p) as Promise<Result>))
  for (const r of results) assert.deepEqual(r, results[0])
  assertSumOver(results[0]!, [0, 1, 3, 4, 5])
  // its fresh keys are refused (the others hold its first ones): whatever reaches the new process,
  // it sends no masked frame and no unmasking share, and it prints no other result than theirs
  const r = await again.exited
  for (const kind of ['lean-data', 'lt-unmask']) assert.equal(again.count('delivered', kind), 0, `the restarted party sent ${kind}`)
  if (r.code === 0) {
    assert.deepEqual(JSON.parse(r.stdout), results[0])
    t.diagnostic('the restarted party got the result (the others\' keys had not reached its first process)')
  } else {
    const error = again.errorLines().join(' | ')
    assert.match(error, /TaskTimeoutError: timed out after 12 s at step '/)
    t.diagnostic(`the restarted party timed out (its first process had taken what the others sent it): ${error}`)
  }
})
