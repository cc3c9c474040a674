/**
 * HeldMessages: messages for tasks not created here yet, bounded by count, bytes and age, with
 * an injected clock.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { WireMessage } from '@simon-p2p/core'
import { HeldMessages, type HoldLimits } from '../src/held-messages.js'

const DIGEST = new Uint8Array(32)
const LOTS = 1_000_000

/** A held entry whose abort reason names it, so that tests can tell entries apart. */
function entry (taskId: string, label: string, bytes = 10): { message: WireMessage, senderPeerId: string, bytes: number } {
  return { message: { kind: 'abort', taskId, digest: DIGEST, from: 1, code: 'X', reason: label }, senderPeerId: `peer-${label}`, bytes }
}

function labels (list: ReturnType<HeldMessages['take']>): string[] {
  return list.map(h => (h.message.kind === 'abort' ? h.message.reason : '?'))
}

function clock (start = 1000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: ms => { t += ms } }
}

function held (limits: Partial<HoldLimits>, now: () => number): HeldMessages {
  return new HeldMessages({ messages: LOTS, bytes: LOTS, ms: LOTS, ...limits }, now)
}

test('take() returns a task\'s messages in arrival order, with sender, size and time, and empties', () => {
  const c = clock()
  const h = held({}, c.now)
  h.hold('a', entry('a', 'a1', 5)); c.advance(1)
  h.hold('b', entry('b', 'b1', 7)); c.advance(1)
  h.hold('a', entry('a', 'a2', 11))
  assert.deepEqual(h.size, { messages: 3, bytes: 23 })
  const a = h.take('a')
  assert.deepEqual(labels(a), ['a1', 'a2'])
  assert.deepEqual(a.map(x => [x.senderPeerId, x.bytes, x.at]), [['peer-a1', 5, 1000], ['peer-a2', 11, 1002]])
  assert.deepEqual(h.size, { messages: 1, bytes: 7 })
  assert.deepEqual(h.take('a'), [])
  assert.deepEqual(labels(h.take('b')), ['b1'])
  assert.deepEqual(h.size, { messages: 0, bytes: 0 })
  assert.deepEqual(h.take('unknown'), [])
})

test('count limit: among senders holding as many messages each, the oldest message goes first, whatever its task', () => {
  const c = clock()
  const h = held({ messages: 3 }, c.now)
  h.hold('a', entry('a', 'a1')); c.advance(1)
  h.hold('b', entry('b', 'b1')); c.advance(1)
  h.hold('a', entry('a', 'a2')); c.advance(1)
  assert.equal(h.hold('c', entry('c', 'c1')), true)
  assert.deepEqual(h.size, { messages: 3, bytes: 30 })
  assert.deepEqual(labels(h.take('a')), ['a2'], 'a1 was the oldest and was dropped')
  c.advance(1)
  h.hold('c', entry('c', 'c2')); c.advance(1)
  h.hold('c', entry('c', 'c3')); c.advance(1)
  // now b1 (oldest), c1, c2, c3 would be four: b1 went
  assert.deepEqual(h.size, { messages: 3, bytes: 30 })
  assert.deepEqual(h.take('b'), [])
  assert.deepEqual(labels(h.take('c')), ['c1', 'c2', 'c3'])
})

test('byte limit: the oldest go until the new message fits; one larger than the limit is not held', () => {
  const c = clock()
  const h = held({ bytes: 100 }, c.now)
  h.hold('a', entry('a', 'a1', 40)); c.advance(1)
  h.hold('b', entry('b', 'b1', 40)); c.advance(1)
  assert.equal(h.hold('c', entry('c', 'c1', 30)), true)
  assert.deepEqual(h.size, { messages: 2, bytes: 70 }, 'a1 made room for c1')
  assert.deepEqual(h.take('a'), [])
  c.advance(1)
  assert.equal(h.hold('d', entry('d', 'd1', 100)), true, 'exactly the limit fits, once everything else is gone')
  assert.deepEqual(h.size, { messages: 1, bytes: 100 })
  assert.equal(h.hold('e', entry('e', 'e1', 101)), false)
  assert.deepEqual(h.size, { messages: 1, bytes: 100 }, 'a refused message drops nothing')
  assert.deepEqual(labels(h.take('d')), ['d1'])
  assert.deepEqual(h.take('e'), [])
})

test('age limit: messages older than the limit are dropped on the next hold or take', () => {
  const c = clock()
  const h = held({ ms: 100 }, c.now)
  h.hold('a', entry('a', 'a1')) // t = 1000
  c.advance(50)
  h.hold('a', entry('a', 'a2')) // t = 1050
  h.hold('b', entry('b', 'b1')) // t = 1050
  c.advance(49) // t = 1099: nothing is 100 ms old yet
  h.prune()
  assert.deepEqual(h.size, { messages: 3, bytes: 30 })
  c.advance(1) // t = 1100: a1 is 100 ms old
  assert.deepEqual(labels(h.take('a')), ['a2'])
  assert.deepEqual(h.size, { messages: 1, bytes: 10 })
  c.advance(50) // t = 1150: b1 is 100 ms old
  h.hold('c', entry('c', 'c1'))
  assert.deepEqual(h.size, { messages: 1, bytes: 10 }, 'b1 aged out when c1 arrived')
  assert.deepEqual(h.take('b'), [])
  c.advance(1000)
  assert.deepEqual(h.take('c'), [])
  assert.deepEqual(h.size, { messages: 0, bytes: 0 })
})

test('a burst far beyond the limits stays within them and keeps the newest', () => {
  const c = clock()
  const h = held({ messages: 50, bytes: 400 }, c.now)
  for (let i = 0; i < 1000; i++) {
    h.hold(`t${i % 7}`, entry(`t${i % 7}`, String(i), 1 + (i % 13)))
    c.advance(1)
    assert.ok(h.size.messages <= 50 && h.size.bytes <= 400)
  }
  const all = Array.from({ length: 7 }, (_, k) => h.take(`t${k}`)).flat()
  const kept = all.map(x => Number(labels([x])[0])).sort((x, y) => x - y)
  // what is kept is a contiguous run of the newest messages, ending with the last one
  assert.equal(kept.at(-1), 999)
  assert.deepEqual(kept, Array.from({ length: kept.length }, (_, k) => 999 - kept.length + 1 + k))
  assert.deepEqual(h.size, { messages: 0, bytes: 0 })
})

test('a sender that floods frames for unknown tasks loses its own messages, not the honest parties\'', () => {
  const c = clock()
  const h = held({ messages: 4 }, c.now)
  const from = (sender: string, taskId: string, label: string): ReturnType<typeof entry> => ({ ...entry(taskId, label), senderPeerId: sender })
  h.hold('a', from('honest-1', 'a', 'h1')); c.advance(1) // the oldest message of all
  for (let i = 0; i < 50; i++) { h.hold(`junk-${i}`, from('flooder', `junk-${i}`, `f${i}`)); c.advance(1) }
  h.hold('a', from('honest-2', 'a', 'h2')); c.advance(1)
  assert.deepEqual(h.size, { messages: 4, bytes: 40 })
  assert.deepEqual(labels(h.take('a')), ['h1', 'h2'], 'both honest messages survived the flood')
  // what the flooder still has held is its newest
  assert.deepEqual(labels(h.take('junk-49')), ['f49'])
  assert.deepEqual(labels(h.take('junk-48')), ['f48'])
  assert.deepEqual(h.take('junk-0'), [])
  assert.deepEqual(h.size, { messages: 0, bytes: 0 })
})

test('a sender holding more than half the byte limit loses its oldest first, even with fewer messages than an honest sender', () => {
  const c = clock()
  const h = held({ bytes: 1000 }, c.now)
  const from = (sender: string, taskId: string, label: string, bytes: number): ReturnType<typeof entry> => ({ ...entry(taskId, label, bytes), senderPeerId: sender })
  h.hold('a', from('honest', 'a', 'h1', 10)); c.advance(1)
  h.hold('a', from('honest', 'a', 'h2', 10)); c.advance(1)
  // the flooder's frames are few but expensive decoded
  h.hold('x', from('flooder', 'x', 'f1', 600)); c.advance(1)
  h.hold('y', from('flooder', 'y', 'f2', 600)); c.advance(1)
  assert.deepEqual(h.size, { messages: 3, bytes: 620 }, 'f1 made room for f2')
  h.hold('b', from('honest-2', 'b', 'g1', 390))
  assert.deepEqual(h.size, { messages: 3, bytes: 410 }, 'f2 made room for g1, not h1')
  assert.deepEqual(labels(h.take('a')), ['h1', 'h2'], 'the honest sender with the most messages kept them')
  assert.deepEqual(labels(h.take('b')), ['g1'])
  assert.deepEqual(h.take('x'), [])
  assert.deepEqual(h.take('y'), [])
})

test('onDrop sees every message dropped unused (evicted or aged out), never one taken', () => {
  const c = clock()
  const dropped: string[] = []
  const h = new HeldMessages<WireMessage>({ messages: 2, bytes: LOTS, ms: 100 }, c.now, d => dropped.push(labels([d])[0]!))
  h.hold('a', entry('a', 'a1')); c.advance(1)
  h.hold('a', entry('a', 'a2')); c.advance(1)
  h.hold('b', entry('b', 'b1'))
  assert.deepEqual(dropped, ['a1'], 'evicted for room')
  assert.deepEqual(labels(h.take('a')), ['a2'])
  c.advance(200)
  h.prune()
  assert.deepEqual(dropped, ['a1', 'b1'], 'aged out; a2 was taken, not dropped')
})
