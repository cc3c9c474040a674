/**
 * The transport's framing changes: length prefixes decoded without a new error per short read,
 * and Yamux window updates sent once half a stream's window is used. The last test sends many
 * windows' worth of bytes between real libp2p nodes, so a window that never reopens would stall it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StreamState, type YamuxStream } from '@libp2p/yamux/stream'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { generateIdentity, peerIdOf } from '@simon-p2p/node'
import { decodeUint16Prefix, decodeVarintPrefix } from '../src/transport/length-prefix.js'
import { lazyWindowUpdates } from '../src/transport/lazy-window-yamux.js'
import { nodeList, startNodes } from './helpers.js'

/** A list of chunks as the readers buffer them (a Uint8ArrayList's byteLength and get). */
function listOf (...chunks: Uint8Array[]): { byteLength: number, get: (i: number) => number } {
  const all = Uint8Array.from(chunks.flatMap(c => [...c]))
  return { byteLength: all.length, get: i => { if (i >= all.length) throw new RangeError('index is out of bounds'); return all[i]! } }
}

test('varint prefixes: a short buffer throws a RangeError (read on), a whole one gives its value, more than 8 bytes is not a RangeError', () => {
  for (const value of [0, 1, 127, 128, 300, 16_383, 16_384, 64 * 1024 * 1024, 2 ** 50]) {
    const bytes: number[] = []
    for (let v = value; ; v = Math.floor(v / 128)) { if (v < 128) { bytes.push(v); break } bytes.push((v % 128) | 0x80) }
    assert.equal(decodeVarintPrefix(Uint8Array.from(bytes)), value)
    assert.equal(decodeVarintPrefix(listOf(...bytes.map(b => Uint8Array.of(b)))), value, 'the same from a list of 1-byte chunks')
    for (let k = 0; k < bytes.length; k++) assert.throws(() => decodeVarintPrefix(Uint8Array.from(bytes.slice(0, k))), RangeError)
  }
  assert.throws(() => decodeVarintPrefix(new Uint8Array(9).fill(0x80)), (e: Error) => e instanceof TypeError && !(e instanceof RangeError))
})

test('u16 prefixes: big-endian from an array or a list split between its bytes; under 2 bytes throws a RangeError', () => {
  assert.equal(decodeUint16Prefix(Uint8Array.of(0x12, 0x34, 0xff)), 0x1234)
  assert.equal(decodeUint16Prefix(listOf(Uint8Array.of(0xff), Uint8Array.of(0xfe))), 0xfffe)
  assert.throws(() => decodeUint16Prefix(Uint8Array.of(0x12)), RangeError)
  assert.throws(() => decodeUint16Prefix(listOf()), RangeError)
})

test('window updates: skipped while more than half the receive window is left, sent at half or below, and always with a flag (not Established)', () => {
  const calls: number[] = []
  const fake = { state: StreamState.Established, recvWindow: 256 * 1024, recvWindowCapacity: 256 * 1024, sendWindowUpdate: () => { calls.push(fake.recvWindowCapacity) } }
  const stream = lazyWindowUpdates(fake as unknown as YamuxStream)
  for (const capacity of [256 * 1024 - 100, 128 * 1024 + 1]) { fake.recvWindowCapacity = capacity; stream.sendWindowUpdate() }
  assert.deepEqual(calls, [], 'no update while more than half is left')
  fake.recvWindowCapacity = 128 * 1024
  stream.sendWindowUpdate()
  assert.deepEqual(calls, [128 * 1024], 'an update at half')
  for (const state of [StreamState.Init, StreamState.SYNReceived, StreamState.Paused]) {
    fake.state = state
    fake.recvWindowCapacity = 256 * 1024
    stream.sendWindowUpdate()
  }
  assert.equal(calls.length, 4, 'a SYN, an ACK and a paused stream go to yamux\'s own rule')
})

test('8 MiB each way in frames of 1 byte to 256 KiB through one stream arrive whole: lazy window updates still reopen the window', async t => {
  // each on the other's allow list: the gater lets in only peers a node knows
  const keys = await Promise.all([generateIdentity(), generateIdentity()])
  const [a, b] = await startNodes(t, 2, { allowPeers: keys.map(peerIdOf) }, keys)
  const PROTOCOL = '/simon-p2p/test/bulk/1.0.0'
  const sizes = [1, 100, 4096, 65_536, 256 * 1024]
  const frames: Uint8Array[] = []
  for (let total = 0, k = 0; total < 8 * 1024 * 1024; k++) {
    const f = new Uint8Array(sizes[k % sizes.length]!).fill(k % 251)
    frames.push(f)
    total += f.length
  }
  // b echoes every frame back on the same stream
  await b!.libp2p.handle(PROTOCOL, async (stream: Stream) => {
    const lp = lpStream(stream, { maxDataLength: 1 << 20 })
    for (let i = 0; i < frames.length; i++) await lp.write((await lp.read()).subarray())
    await stream.close()
  })
  const stream = await a!.libp2p.dialProtocol(multiaddr(nodeList([b!])[0]!), PROTOCOL)
  const lp = lpStream(stream, { maxDataLength: 1 << 20 })
  const writing = (async () => { for (const f of frames) await lp.write(f) })()
  for (let i = 0; i < frames.length; i++) {
    const got = (await lp.read()).subarray()
    assert.equal(got.length, frames[i]!.length, `frame ${i}'s length`)
    assert.ok(got.every(x => x === i % 251), `frame ${i}'s bytes`)
  }
  await writing
  await stream.close()
})
