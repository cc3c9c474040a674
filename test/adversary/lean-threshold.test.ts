/**
 * Lean mode with a threshold against parties that deviate, over real libp2p nodes (TCP + Noise +
 * Yamux on 127.0.0.1), with the harness's equivocation strategies against the survivor agreement:
 * two deviating parties of five (t = 4, so f = 2) tell one honest party another story in their
 * proposals and signed commits, in the key-set round and in the input-set round. Each test passes
 * only when the attack fails: every unmasking share honest parties send is for one input set, so
 * no party ever has both its self-mask key and its private key released ("never both"), and honest
 * parties finish with the same total over that set, or fail. The control shows the forged commits
 * are good signatures: the honest party that got them names the liars as equivocators. And a
 * party that sends one honest party other keys (another nonce, signed) than the rest: the key
 * set is certified over the keys the rest hold, and the party told the other story only watches.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keySetHash, keysStatement, partySet, roundCommitPayload, type AgreementRound, type SecureSumResult, type WireMessage } from '@simon-p2p/core'
import type { SecureSumTask } from '@simon-p2p/node'
import { createTasks } from '../../packages/node/test/helpers.js'
import { signingParties } from './signing-parties.js'
import { alongside, deviate, drop, record } from './harness.js'

const VALUES = [10, 7, 14, 3, 100]
const INIT = { taskTimeoutMs: 8000, attemptTimeoutMs: 1000 }

async function settle (tasks: readonly SecureSumTask[]): Promise<Array<SecureSumResult | Error>> {
  return Promise.all(tasks.map(async task => task.result().catch((e: unknown) => e as Error)))
}

/** Parties 3 and 4 leave party 0 out of what they propose and commit to in `round`, to party 2 only, with good signatures. */
async function equivocate (t: { after: (fn: () => Promise<void>) => void }, round: AgreementRound): Promise<void> {
  const ps = await signingParties(t, 5, INIT)
  const tasks = createTasks(ps.map(p => p.node), { parameters: { mode: 'lean', threshold: 4, share_timeout: 1 } })
  const digest = tasks[0]!.digest
  const sent = tasks.map(task => record(task))
  // every party's keys as it sent them (the same to all): what a liar binds its forged key-set commit to
  const keysOf = (j: number): Extract<WireMessage, { kind: 'lt-keys' }> => {
    const o = sent[j]!.find(o => o.message.kind === 'lt-keys')
    assert.ok(o !== undefined && o.message.kind === 'lt-keys', `party ${j}'s keys`)
    return o.message
  }
  for (const liar of [3, 4]) {
    deviate(tasks[liar]!, o => {
      const m = o.message
      if (o.to !== 2 || (m.kind !== 'lt-propose' && m.kind !== 'lt-commit') || m.round !== round) return [o]
      const members = m.members.filter(j => j !== 0)
      if (m.kind === 'lt-propose') return [{ to: o.to, message: { ...m, members } }]
      // a good signature over the smaller set, bound to the true keys of its members
      const keys = round === 'keys' ? { keys: keySetHash(digest, members, keysOf) } : {}
      const forged: WireMessage = { ...m, members, ...keys, signature: ps[liar]!.sign(roundCommitPayload(digest, partySet(members), round, keys.keys)) }
      return [{ to: o.to, message: forged }]
    })
  }
  tasks.forEach((task, i) => task.input(VALUES[i]!))
  const outcomes = await settle(tasks)
  // never both: the unmasking shares of honest parties cover one (key set, input set)
  const unmasked = new Set(sent.slice(0, 3).flat().flatMap(o => (o.message.kind === 'lt-unmask' ? [`${o.message.keySet.join(',')}|${o.message.members.join(',')}`] : [])))
  assert.ok(unmasked.size <= 1, `honest parties unmasked for ${[...unmasked].join(' and ')}`)
  const done = [0, 1, 2].map(i => outcomes[i]!).filter((o): o is SecureSumResult => !(o instanceof Error))
  assert.ok(new Set(done.map(r => JSON.stringify(r))).size <= 1, `honest parties finished with different totals: ${done.map(r => JSON.stringify(r)).join(' | ')}`)
  const agreed = tasks.map(task => task.status().agreement).find(a => a !== undefined)
  for (const r of done) assert.equal(r.result.sum, agreed!.inputs.reduce((s, j) => s + VALUES[j]!, 0))
  // the control: the forged commits were taken as good signatures; party 2 saw both stories
  // (in the key round party 2 never sees the liars' true commits: they can keep it out of the sum,
  // as a deviating proposal can in threshold mode, but not split what honest parties unmask)
  if (round === 'inputs') assert.deepEqual(tasks[2]!.status().agreement?.equivocated, [3, 4])
}

describe('lean mode with a threshold: deviating parties against the survivor agreement', () => {
  test('equivocating proposals and signed commits of the key set (5 parties, t = 4, two deviating): one set unmasked, honest parties agree or fail', async t => {
    await equivocate(t, 'keys')
  })

  test('equivocating proposals and signed commits of the input set (5 parties, t = 4, two deviating): one set unmasked, honest parties agree or fail', async t => {
    await equivocate(t, 'inputs')
  })
})

test('a party that sends one honest party other keys than the others (another nonce, signed): the key set is certified over the keys the rest hold; that party only watches, and no honest party ends with a wrong total', async t => {
  const ps = await signingParties(t, 5, INIT)
  const tasks = createTasks(ps.map(p => p.node), { parameters: { mode: 'lean', threshold: 4, share_timeout: 1 } })
  const digest = tasks[0]!.digest
  const sent = tasks.map(task => record(task))
  const liar = 4
  const told = 3
  deviate(tasks[liar]!, o => {
    const m = o.message
    if (o.to !== told || m.kind !== 'lt-keys') return [o]
    const nonce = m.nonce.map(b => b ^ 0xff)
    return [{ to: o.to, message: { ...m, nonce, signature: ps[liar]!.sign(keysStatement(digest, liar, nonce, m.publicKey, m.selfCommitment)) } }]
  })
  tasks.forEach((task, i) => task.input(VALUES[i]!))
  const outcomes = await settle(tasks)
  const agreement = tasks[0]!.status().agreement
  assert.ok(agreement !== undefined, `party 0: ${String(outcomes[0])}`)
  assert.ok(!agreement.inputs.includes(told), `W ${agreement.inputs.join(',')} holds party ${told}, which holds other keys of party ${liar}`)
  const total = agreement.inputs.reduce((s, j) => s + VALUES[j]!, 0)
  for (const i of [0, 1, 2]) assert.deepEqual(outcomes[i], { inputs: agreement.inputs.length, result: { samples: agreement.inputs.length, sum: total } }, `party ${i}`)
  // the party told the other story took the liar's keys (the signature is good) and so never masked or unmasked
  const kinds = new Set(sent[told]!.map(o => o.message.kind))
  assert.ok(kinds.has('lt-keys') && !kinds.has('lean-data') && !kinds.has('lt-unmask'), `party ${told} sent ${[...kinds].join(', ')}`)
  const watched = outcomes[told]!
  if (!(watched instanceof Error)) assert.deepEqual(watched, outcomes[0])
})

/**
 * The liar proposes every party as complete in `round` before it could hold anything (with its
 * key-set commit for the input set, with its keys for the key set): each honest party still short
 * of pieces (keys) then proposes half a window after it, not a whole window after the key set (its
 * input). That what comes within that half window counts: lean-threshold-machine.test.ts, which
 * can hold it back; here everything comes as fast as loopback carries it.
 */
async function hurried (t: { after: (fn: () => Promise<void>) => void }, round: AgreementRound): Promise<void> {
  const ps = await signingParties(t, 5, INIT)
  const tasks = createTasks(ps.map(p => p.node), { parameters: { mode: 'lean', threshold: 4, share_timeout: 1 } })
  const early: WireMessage[] = []
  const trigger = (m: WireMessage): boolean => (round === 'keys' ? m.kind === 'lt-keys' : m.kind === 'lt-commit' && m.round === 'keys')
  deviate(tasks[4]!,
    // its early proposal stands for its own
    o => (o.message.kind === 'lt-propose' && o.message.round === round ? [] : [o]),
    alongside(trigger, m => ({ kind: 'lt-propose', taskId: m.taskId, digest: m.digest, from: m.from, round, members: [0, 1, 2, 3, 4] }), early))
  tasks.forEach((task, i) => task.input(VALUES[i]!))
  const outcomes = await settle(tasks)
  assert.equal(early.length, 4, 'the early proposal went to every other party')
  for (const i of [0, 1, 2, 3]) {
    assert.deepEqual(outcomes[i], { inputs: 5, result: { samples: 5, sum: VALUES.reduce((s, v) => s + v, 0) } }, `party ${i}`)
    assert.deepEqual(tasks[i]!.status().agreement?.inputs, [0, 1, 2, 3, 4])
  }
}

test('a party that proposes the input set before it could hold any piece (to hurry the holders still collecting): every honest input is still in W, and the sum is exact', async t => {
  await hurried(t, 'inputs')
})

test('a party that proposes the key set with its keys, before it could hold any (to hurry the others): every honest party is still in U1 and W, and the sum is exact', async t => {
  await hurried(t, 'keys')
})

test('a party that withholds its confirmation, to keep the backup holder of its segment from finishing: the backup waits one window after W, then finishes; every honest party has the exact sum', async t => {
  const ps = await signingParties(t, 5, INIT)
  const tasks = createTasks(ps.map(p => p.node), { parameters: { mode: 'lean', threshold: 4, share_timeout: 1 } })
  // party 4's segment (4 of 5) has party 1 as its backup holder, which waits for party 4's confirmation
  const sent = record(tasks[4]!)
  deviate(tasks[4]!, drop(['confirm']))
  tasks.forEach((task, i) => task.input(VALUES[i]!))
  const outcomes = await settle(tasks)
  assert.ok(sent.some(o => o.message.kind === 'confirm'), 'party 4 computed its confirmation (and withheld it)')
  for (const i of [0, 1, 2, 3]) {
    assert.deepEqual(outcomes[i], { inputs: 5, result: { samples: 5, sum: VALUES.reduce((s, v) => s + v, 0) } }, `party ${i}`)
  }
})
