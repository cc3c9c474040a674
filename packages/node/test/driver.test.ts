/**
 * SecureSumTask alone, on a virtual clock and an in-memory messenger: the deadline, the retry
 * back-off and a whole sum run on virtual time, so a 60 s deadline takes no real time.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeMessage, resolveParameters, type Reply, type TaskDescriptor } from '@simon-p2p/core'
import { SecureSumTask, type Clock, type Messenger, type Party } from '@simon-p2p/node'
import { rejection } from './helpers.js'

/** Let every promise callback and I/O callback that is ready run. */
async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
}

/** A clock that moves only when told to; due timers run in order of their time, then of their creation. */
class VirtualClock implements Clock {
  private at = 1_700_000_000_000
  private nextId = 1
  private readonly timers = new Map<number, { at: number, fn: () => void }>()

  now = (): number => this.at
  setTimeout = (fn: () => void, ms: number): number => {
    const id = this.nextId++
    this.timers.set(id, { at: this.at + Math.max(0, ms), fn })
    return id
  }

  clearTimeout = (handle: unknown): void => { this.timers.delete(handle as number) }

  get pending (): number { return this.timers.size }

  /** Move time on by `ms`, running each timer that falls due (and what it sets off) on the way. */
  async advance (ms: number): Promise<void> {
    const end = this.at + ms
    await settle()
    while (true) {
      let due: [number, { at: number, fn: () => void }] | undefined
      for (const entry of this.timers) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry
      if (due === undefined) break
      this.timers.delete(due[0])
      this.at = due[1].at
      due[1].fn()
      await settle()
    }
    this.at = end
  }
}

const PEERS = ['peer-a', 'peer-b', 'peer-c']
const PARTIES: Party[] = PEERS.map((peerId, index) => ({ index, peerId, multiaddr: undefined }) as unknown as Party)

function descriptor (taskId: string): TaskDescriptor {
  return { taskId, microprotocol: 'SecureSum', parameters: resolveParameters(undefined, PEERS.length), peers: PEERS }
}

const counter = (() => { let n = 0; return (): number => ++n })()
const randomBytes = (n: number): Uint8Array => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 151 + counter() * 7) & 0xff
  return out
}

function task (id: string, myself: number, clock: Clock, messenger: Messenger, timeoutMs = 60_000): SecureSumTask {
  return new SecureSumTask({ descriptor: descriptor(id), parties: PARTIES, myself, randomBytes, clock, messenger, timeoutMs, attemptTimeoutMs: 10_000 })
}

const accepted: Reply = { status: 'accepted', code: 'OK', message: '' }

test('the deadline fires on the virtual clock: TaskTimeoutError naming the missing parties, and the others are told', async () => {
  const clock = new VirtualClock()
  const sent: Array<{ kind: string, to: number }> = []
  const alone = task('deadline', 0, clock, async (party, frame) => {
    sent.push({ kind: decodeMessage(frame).kind, to: party.index })
    return accepted
  })
  const started = performance.now()
  alone.input(5)
  const failed = rejection(alone.result())
  await clock.advance(59_999)
  assert.deepEqual(alone.status(), { id: 'deadline', step: 'share', missing: [1, 2] }, 'still waiting 1 ms before the deadline')
  assert.deepEqual(sent, [{ kind: 'share', to: 1 }, { kind: 'share', to: 2 }])
  await clock.advance(1)
  const { error } = await failed
  assert.equal(error.name, 'TaskTimeoutError')
  assert.equal(error.code, 'TIMEOUT')
  assert.equal(error.step, 'share')
  assert.deepEqual(error.missing, [1, 2])
  assert.equal(error.message, "timed out after 60 s at step 'share': no message from parties 1, 2")
  assert.equal(alone.status().step, 'failed')
  await clock.advance(0)
  assert.deepEqual(sent.slice(2).sort((a, b) => a.to - b.to), [{ kind: 'abort', to: 1 }, { kind: 'abort', to: 2 }])
  assert.ok(performance.now() - started < 5000, 'no real minute went by')
  alone.dispose('test over')
})

test('a failed delivery is retried after the back-off, on the virtual clock (50 ms, then 100 ms)', async () => {
  const clock = new VirtualClock()
  const attempts: number[] = []
  const start = clock.now()
  const flaky = task('retry', 0, clock, async (party) => {
    if (party.index !== 1) return accepted
    attempts.push(clock.now() - start)
    if (attempts.length < 3) throw new Error('connection refused (a test double)')
    return accepted
  })
  flaky.input(1)
  await clock.advance(49)
  assert.deepEqual(attempts, [0], 'no retry before the first back-off')
  assert.equal(flaky.delivering, true)
  const waiting = new AbortController()
  const flushed = flaky.flush({ signal: waiting.signal })
  waiting.abort()
  await assert.rejects(flushed, { name: 'AbortError' }, 'flush({ signal }) ends its wait when the signal aborts')
  await clock.advance(1)
  assert.deepEqual(attempts, [0, 50])
  await clock.advance(100)
  assert.deepEqual(attempts, [0, 50, 150])
  await clock.advance(10_000)
  assert.deepEqual(attempts, [0, 50, 150], 'taken at the third attempt: no more')
  assert.equal(flaky.delivering, false)
  await flaky.flush({ signal: AbortSignal.timeout(1000) })
  flaky.dispose('test over')
})

test('three tasks over an in-memory network on the virtual clock: the exact sum at every party; a replayed share is refused', async () => {
  const clock = new VirtualClock()
  const tasks: SecureSumTask[] = []
  const replies: Reply[] = []
  let firstShare: { frame: Uint8Array, from: number, to: number } | undefined
  for (let myself = 0; myself < 3; myself++) {
    tasks.push(task('in-memory', myself, clock, async (party, frame) => {
      const message = decodeMessage(frame)
      if (message.kind === 'share' && firstShare === undefined) firstShare = { frame: frame.slice(), from: myself, to: party.index }
      const reply = tasks[party.index]!.receive(message, PEERS[myself]!)
      replies.push(reply)
      return reply
    }))
  }
  // the same task at every party: the same fingerprint, the digest's first 8 bytes
  assert.match(tasks[0]!.fingerprint, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
  assert.equal(tasks[0]!.fingerprint.replace(/-/g, ''), Buffer.from(tasks[0]!.digest.subarray(0, 8)).toString('hex'))
  for (const t of tasks) assert.equal(t.fingerprint, tasks[0]!.fingerprint)
  tasks.forEach((t, i) => t.input([10, 7, 14][i]!))
  await clock.advance(0)
  for (const r of await Promise.all(tasks.map(async t => t.result()))) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 31 } })
  assert.ok(replies.length >= 12 && replies.every(r => r.status === 'accepted'), JSON.stringify(replies.filter(r => r.status !== 'accepted')))
  // the same share again, from the same sender: the slot is taken, and the task is done
  assert.ok(firstShare !== undefined)
  const again = tasks[firstShare.to]!.receive(decodeMessage(firstShare.frame), PEERS[firstShare.from]!)
  assert.equal(again.status, 'refused')
  assert.equal(again.code, 'PROTOCOL_VIOLATION')
  // from another peer than the index it claims
  const forged = tasks[firstShare.to]!.receive(decodeMessage(firstShare.frame), PEERS[3 - firstShare.from - firstShare.to]!)
  assert.equal(forged.status, 'refused')
  assert.equal(forged.code, 'PROTOCOL_VIOLATION')
  for (const t of tasks) assert.deepEqual(await t.result(), { inputs: 3, result: { samples: 3, sum: 31 } }, 'the refused frames changed nothing')
  await clock.advance(60_000)
  for (const t of tasks) t.dispose('test over')
  assert.equal(clock.pending, 0, 'no timer left behind')
})

test('a party that cannot be reached costs one attempt per back-off, however many messages wait for it; when it is back, all go', async () => {
  const clock = new VirtualClock()
  const start = clock.now()
  const attempts: number[] = []
  let up = false
  let delivered = 0
  const sender = task('gone', 0, clock, async (party) => {
    if (party.index !== 1) return accepted
    attempts.push(clock.now() - start)
    if (!up) throw new Error('connection refused (a test double)')
    delivered++
    return accepted
  })
  // five messages for party 1 (its share, sent five times) and one for party 2
  sender.intercept(batch => batch.flatMap(o => o.to === 1 ? [o, o, o, o, o] : [o]))
  sender.input(1)
  await clock.advance(10_000)
  assert.deepEqual(attempts.slice(0, 5), [0, 0, 0, 0, 0], 'each message tries once before the party is known to be down')
  assert.deepEqual(attempts.slice(5), [50, 150, 350, 750, 1550, 2550, 3550, 4550, 5550, 6550, 7550, 8550, 9550],
    'then one attempt per back-off (50 ms doubling to a 1 s cap), not one per message')
  up = true
  await clock.advance(1000)
  assert.equal(delivered, 5, 'the attempt that gets through wakes the other four')
  assert.equal(attempts.length, 5 + 13 + 5)
  assert.equal(sender.delivering, false)
  sender.dispose('test over')
})
