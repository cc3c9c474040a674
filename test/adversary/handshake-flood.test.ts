/**
 * Handshake flood: anyone who can reach a node's port can make it start a connection upgrade (and
 * a Noise handshake) per TCP connection; the connection gater can refuse a PeerId on no list only
 * after that handshake. libp2p's per-host limit (5 new connections per second per IP address,
 * checked before the handshake) is in force with SimonNode's defaults: of a burst of connections
 * from one host, those beyond the limit are closed at once, before any handshake. The limiter
 * cannot tell a listed party from a stranger (the PeerId is known only after the handshake), so
 * the honest parties' connections, made before the burst, are what keeps their sum going.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { DEFAULT_INBOUND_CONNECTIONS_PER_HOST, SimonNode, type SimonNodeInit } from '@simon-p2p/node'
import { secureSum, sleep, startNodes } from '../hardening/support.js'

const BURST = 40

/** Open `count` TCP connections to `port` on 127.0.0.1 at once; after `waitMs`, how many the node closed and how many it kept. */
async function burst (port: number, count: number, waitMs: number): Promise<{ closed: number, open: number }> {
  const sockets: Socket[] = []
  const closed = new Set<Socket>()
  await Promise.all(Array.from({ length: count }, async () => new Promise<void>(resolve => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve())
    s.on('error', () => { closed.add(s); resolve() })
    s.on('close', () => closed.add(s))
    sockets.push(s)
  })))
  await sleep(waitMs)
  const result = { closed: closed.size, open: count - closed.size }
  for (const s of sockets) s.destroy()
  return result
}

async function victimNode (t: { after: (fn: () => Promise<void>) => void }, init: SimonNodeInit = {}): Promise<SimonNode> {
  const node = await SimonNode.create({ listen: ['/ip4/127.0.0.1/tcp/0'], taskTimeoutMs: 10_000, attemptTimeoutMs: 2000, ...init })
  t.after(async () => node.stop())
  return node
}

function tcpPort (node: SimonNode): number {
  const ma = node.multiaddrs().find(a => a.includes('/tcp/') && !a.includes('/ws'))!
  return Number(/\/tcp\/(\d+)/.exec(ma)![1])
}

test('a burst of new connections from one host: beyond the default limit they are closed before any handshake; the honest sum goes on', { timeout: 120_000 }, async t => {
  assert.equal(DEFAULT_INBOUND_CONNECTIONS_PER_HOST, 5, 'libp2p\'s own default')
  const victim = await victimNode(t) // the option at its default
  const [a, b] = await startNodes(t, 2)
  for (const r of await secureSum([victim, a!, b!], [1, 2, 3])) assert.equal(r.result.sum, 6)
  await sleep(1100) // a fresh second for the limiter

  const started = performance.now()
  let ms = 0
  const honest = secureSum([victim, a!, b!], [10, 20, 30]).finally(() => { ms = performance.now() - started })
  const flood = await burst(tcpPort(victim), BURST, 500)
  const results = await honest
  t.diagnostic(`${BURST} connections from 127.0.0.1 at once: ${flood.closed} closed by the victim at once, ${flood.open} let on to the handshake; the honest sum meanwhile took ${ms.toFixed(0)} ms`)
  for (const r of results) assert.equal(r.result.sum, 60)
  // at most 5 in one second; a burst that straddles the limiter's one-second window may get 5 more
  assert.ok(flood.open >= 1 && flood.open <= 2 * DEFAULT_INBOUND_CONNECTIONS_PER_HOST, `${flood.open} connections let on to the handshake`)
  assert.ok(flood.closed >= BURST - 2 * DEFAULT_INBOUND_CONNECTIONS_PER_HOST, `${flood.closed} closed before any handshake`)

  // a second later the limiter lets a host in again: the node still serves
  await sleep(1100)
  const again = await burst(tcpPort(victim), 3, 300)
  assert.equal(again.open, 3, 'a few connections a second are let in')
  for (const r of await secureSum([victim, a!, b!], [1, 1, 1])) assert.equal(r.result.sum, 3)
})

test('control: with inboundConnectionsPerHost raised (many parties on one host), the same burst is let in', { timeout: 60_000 }, async t => {
  const victim = await victimNode(t, { inboundConnectionsPerHost: 1000 })
  const flood = await burst(tcpPort(victim), BURST, 500)
  t.diagnostic(`${BURST} connections at once with the limit at 1000: ${flood.open} let on to the handshake`)
  assert.equal(flood.open, BURST)
  await assert.rejects(SimonNode.create({ inboundConnectionsPerHost: 0 }), { name: 'InvalidInputError', field: 'inboundConnectionsPerHost' })
})
