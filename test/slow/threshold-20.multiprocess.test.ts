/**
 * Slow suite: 20 `simon sum` processes in threshold mode (t = 11) on 127.0.0.1; 6 of them are
 * killed with SIGKILL after their shares went out. Each victim freezes once all others took its
 * shares and its proposal (SIMON_FAILPOINT_FREEZE_AFTER) or, should its own deliveries be slower
 * than the others' agreement, when it learns the agreed set, before revealing anything
 * (SIMON_FAILPOINT_FREEZE_AT=partial): it can never finish before the kill. The 14 survivors must
 * all get the exact sum of all 20 inputs, and each must have taken a share from every victim.
 *
 * share_timeout is 30 s: twenty fresh processes set up 380 Noise connections, which takes seconds
 * of CPU on two busy cores, and a share that missed the sharing deadline would (rightly) leave its
 * input out. It costs no time: with all 20 shares a party proposes at once, and with all 20
 * proposals it decides at once.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { freezingAfter, freezingAt, network, Party } from '../fault-parties.js'

test('20 parties, t = 11, 6 killed after sharing: the exact sum of all 20 inputs at the 14 survivors', async (t) => {
  const n = 20
  const victims = [0, 3, 7, 8, 15, 19]
  const values = Array.from({ length: n }, (_, i) => `${i * 1000 + 1}.5`)
  const net = await network(t, n)
  const task = randomUUID()
  const parties = values.map((v, i) => new Party(i, net, task, v, ['--threshold', '11', '--share-timeout', '30', '--timeout', '90'],
    victims.includes(i) ? { ...freezingAfter('share', 'propose'), ...freezingAt('partial') } : {}))
  t.after(() => parties.forEach(p => p.kill()))
  await Promise.all(parties.map(async p => p.joined()))
  // inputs 100 ms apart, as real parties' are: each party then finds the connections of those
  // before it already open, instead of every pair dialling each other at the same instant
  for (const p of parties) {
    await p.give()
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await Promise.all(victims.map(async i => {
    const victim = parties[i]!
    await victim.until(() => victim.has(e => e.event === 'frozen'), 'its shares and proposal taken by all others, or the agreed set known', 90_000)
    await victim.killNow()
  }))
  // the sum of i * 1000 + 1.5 for i < 20 is 190000 + 30
  const expected = { inputs: 20, result: { samples: 20, sum: 190030 } }
  const survivors = parties.filter(p => !victims.includes(p.index))
  await Promise.all(survivors.map(async p => p.until(() => p.stdout.includes('\n'), 'its result', 90_000)))
  for (const p of survivors) assert.deepEqual(JSON.parse(p.stdout), expected)
  // the victims were killed after sharing: every survivor took a share from each of them. (Counted
  // at the receivers: a victim frozen when it learnt the agreed set may not have had the reply to
  // its last share yet, though the share itself had arrived.)
  for (const p of survivors) {
    for (const i of victims) assert.ok(p.has(e => e.event === 'received' && e.kind === 'share' && e.from === i), `party ${p.index} took party ${i}'s share`)
  }
})
