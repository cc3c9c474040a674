/**
 * InflightBudget and StreamMeter: frames followed through their length prefixes as bytes arrive,
 * admitted whole when they fit the peer's and the node's room, streams paused (never in the middle
 * of a frame they were let in for) and resumed first come first served.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { InflightBudget } from '../src/transport/inflight.js'

/** A length-prefixed frame of `n` bytes, as the channel writes it. */
function lp (n: number): Uint8Array {
  const prefix: number[] = []
  let v = n
  do { let b = v % 128; v = Math.floor(v / 128); if (v > 0) b |= 0x80; prefix.push(b) } while (v > 0)
  const out = new Uint8Array(prefix.length + n)
  out.set(prefix)
  return out
}

function fakeStream (): { pause: () => void, resume: () => void, paused: boolean, pauses: number } {
  const s = { paused: false, pauses: 0, pause: () => { s.paused = true; s.pauses++ }, resume: () => { s.paused = false } }
  return s
}

test('a frame is charged whole once its prefix arrives, and released once handled', () => {
  const budget = new InflightBudget({ perPeer: 1000, perNode: 10_000 })
  const stream = fakeStream()
  const m = budget.meter('p', stream)
  const frame = lp(300) // 2 prefix bytes
  m.arrived(frame.subarray(0, 1))
  assert.equal(budget.of('p'), 1, 'half a prefix: the byte itself')
  m.arrived(frame.subarray(1, 10))
  assert.equal(budget.of('p'), 302, 'the prefix is whole: the frame is charged whole')
  m.arrived(frame.subarray(10))
  assert.equal(budget.of('p'), 302)
  m.handled(300)
  assert.deepEqual(budget.size, { bytes: 0, peers: 0, waiting: 0 })
  assert.equal(stream.pauses, 0)
})

test('frames beyond the peer\'s room pause its stream; handling one resumes it, and admits what waited', () => {
  const budget = new InflightBudget({ perPeer: 1000, perNode: 10_000 })
  const stream = fakeStream()
  const m = budget.meter('p', stream)
  const chunk = new Uint8Array([...lp(600), ...lp(600), ...lp(10)])
  m.arrived(chunk)
  assert.equal(stream.paused, true)
  assert.equal(budget.of('p'), 602 + 602 + 11, 'the waiting frames\' bytes are charged as they arrived')
  assert.equal(budget.size.waiting, 1)
  m.handled(600)
  assert.equal(stream.paused, false, 'room again: resumed')
  assert.equal(budget.of('p'), 602 + 11)
  m.handled(600)
  m.handled(10)
  assert.deepEqual(budget.size, { bytes: 0, peers: 0, waiting: 0 })
})

test('an admitted frame is read to its end: its bytes never pause the stream, whatever else is in flight', () => {
  const budget = new InflightBudget({ perPeer: 1000, perNode: 1000 })
  const other = budget.meter('q', fakeStream())
  other.arrived(lp(900)) // q holds most of the node's room
  const stream = fakeStream()
  const m = budget.meter('p', stream)
  const frame = lp(500)
  m.arrived(frame.subarray(0, 2))
  // p's frame does not fit the node (900 + 502 > 1000) but fits its fair share? 502 > 1000 / 2: it waits
  assert.equal(stream.paused, true)
  other.handled(900)
  assert.equal(stream.paused, false)
  m.arrived(frame.subarray(2))
  assert.equal(stream.pauses, 1)
  assert.equal(budget.of('p'), 502)
})

test('past the node\'s room, a peer within its fair share goes on while the flooder waits', () => {
  const budget = new InflightBudget({ perPeer: 800, perNode: 1000 })
  const flooder = fakeStream()
  const f = budget.meter('flooder', flooder)
  f.arrived(new Uint8Array([...lp(700), ...lp(97)]))
  assert.equal(flooder.paused, false)
  const g = budget.meter('flooder', fakeStream())
  g.arrived(lp(300))
  assert.equal(budget.of('flooder'), 800 + 302, 'over its own room: the second stream waits; what it had received is charged')
  assert.equal(budget.size.waiting, 1)
  const honest = fakeStream()
  const h = budget.meter('honest', honest)
  h.arrived(lp(200)) // the node is at 802 + 202 > 1000, but 202 <= 1000 / 2
  assert.equal(honest.paused, false)
  assert.equal(budget.of('honest'), 202)
  h.arrived(lp(400)) // now 602 > 500: waits
  assert.equal(honest.paused, true)
  h.handled(200)
  assert.equal(honest.paused, false, '402 is within the share again')
})

test('close gives back everything the stream held and leaves the queue', () => {
  const budget = new InflightBudget({ perPeer: 100, perNode: 100 })
  const m = budget.meter('p', fakeStream())
  m.arrived(new Uint8Array([...lp(90), ...lp(90)]))
  assert.ok(budget.size.bytes > 90)
  assert.equal(budget.size.waiting, 1)
  m.close()
  assert.deepEqual(budget.size, { bytes: 0, peers: 0, waiting: 0 })
})

test('a prefix that announces more than any room is never admitted', () => {
  const budget = new InflightBudget({ perPeer: 1000, perNode: 1000 })
  const stream = fakeStream()
  const m = budget.meter('p', stream)
  m.arrived(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
  assert.equal(stream.paused, true)
  assert.ok(budget.of('p') <= 10)
  m.close()
  assert.equal(budget.size.bytes, 0)
})
