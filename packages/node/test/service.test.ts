/**
 * The SecureSum service in a libp2p node the user creates (their own createLibp2p call, TCP +
 * Noise + Yamux on 127.0.0.1), taking part in sums with SimonNodes; the service's lifecycle
 * (start registers the protocol, stop removes it and cancels the tasks); and what the service
 * refuses by itself when the node has no SecureSum gater.
 */
import '@simon-p2p/node' // first: installs Promise.withResolvers (Node 20) before libp2p loads
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@libp2p/yamux'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeReply } from '@simon-p2p/core'
import {
  SECURESUM_PROTOCOL, secureSum, secureSumGater, type SecureSumService, type SecureSumServiceInit, type SecureSumTask, SimonNode
} from '@simon-p2p/node'
import { FAST, LOOPBACK, nodeList, rejection, startNodes, taskId, until } from './helpers.js'

type UserNode = Libp2p<{ secureSum: SecureSumService }>

/** A node as a user with their own libp2p setup makes it: secureSum() in its services, gated or not. */
async function userNode (t: { after: (fn: () => Promise<void>) => void }, options: { gated?: boolean, start?: boolean, init?: SecureSumServiceInit } = {}): Promise<UserNode> {
  let service: SecureSumService | undefined
  const node = await createLibp2p({
    start: options.start ?? true,
    addresses: { listen: [LOOPBACK] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(options.gated === false ? {} : { connectionGater: secureSumGater(() => service) }),
    services: { secureSum: secureSum(options.init ?? FAST) }
  })
  service = node.services.secureSum
  t.after(async () => { await node.stop() })
  return node
}

function tcpAddress (node: Libp2p): string {
  const ma = node.getMultiaddrs().map(String).find(a => a.includes('/tcp/') && !a.includes('/ws'))
  assert.ok(ma?.endsWith(`/p2p/${node.peerId.toString()}`) === true, 'a TCP multiaddr ending in the PeerId')
  return ma
}

/** The same task at the SimonNodes and the user's node, the user's node at index `at`. */
function mixedTasks (simons: readonly SimonNode[], user: UserNode, at: number, parameters?: unknown): SecureSumTask[] {
  const id = taskId('service')
  const hosts: Array<SimonNode | SecureSumService> = [...simons]
  hosts.splice(at, 0, user.services.secureSum)
  const nodes = nodeList(simons)
  nodes.splice(at, 0, tcpAddress(user))
  return hosts.map((host, myself) => host.createTask({ taskId: id, microprotocol: 'SecureSum', parameters, network: { nodes, myself } }))
}

test('a libp2p node of the user\'s own, with secureSum() in its services, sums with SimonNodes: the exact sum at every party', async t => {
  const simons = await startNodes(t, 2)
  const user = await userNode(t)
  assert.ok(user.getProtocols().includes(SECURESUM_PROTOCOL), 'the service serves the protocol')

  // the user's node in the middle of the list, then first
  const scalar = mixedTasks(simons, user, 1)
  assert.equal(user.services.secureSum.isAllowed(simons[0]!.peerId), true, 'the task\'s parties may speak to the user\'s node')
  scalar.forEach((task, i) => task.input([10, 7, 14][i]!))
  for (const r of await Promise.all(scalar.map(async task => task.result()))) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 31 } })

  const decimals = mixedTasks(simons, user, 0)
  decimals.forEach((task, i) => task.input(['123.456789', '-0.5', '1e3'][i]!))
  for (const r of await Promise.all(decimals.map(async task => task.result()))) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 1122.956789 } })

  // lean mode agrees its pair keys with the identity key libp2p gave the service
  const lean = mixedTasks(simons, user, 2, { profile: 'fast', mode: 'lean' })
  const vectors = [Float64Array.of(1.5, -2, 1000), Float64Array.of(0.25, 2, -1), Float64Array.of(-1, 0.125, 0.001)]
  lean.forEach((task, i) => task.input(vectors[i]!))
  for (const r of await Promise.all(lean.map(async task => task.result()))) {
    assert.deepEqual(r, { inputs: 3, result: { samples: 9, sum: Float64Array.of(0.75, 0.125, 999.001) } })
  }
  assert.notEqual(lean[2]!.progressCount, undefined, 'the user\'s task ran in lean mode (it counts its frames)')
  assert.equal(scalar[1]!.progressCount, undefined, 'the scalar sum ran the full mesh')
  await Promise.all([...scalar, ...decimals, ...lean].map(async task => task.flush()))

  const stats = user.services.secureSum.stats()
  assert.ok(stats.framesSent > 0 && stats.framesReceived > 0, JSON.stringify(stats))
  assert.equal(stats.tasks, 3)
  assert.equal(stats.finishedTasks, 3)
})

test('start() registers the protocol handler and stop() removes it; stopping the node cancels the service\'s tasks', async t => {
  const simons = await startNodes(t, 2)
  const user = await userNode(t, { start: false })
  assert.equal(user.getProtocols().includes(SECURESUM_PROTOCOL), false, 'nothing is registered before the node starts')
  await user.start()
  assert.equal(user.getProtocols().includes(SECURESUM_PROTOCOL), true)

  const tasks = mixedTasks(simons, user, 0)
  tasks[0]!.input(1)
  tasks[1]!.input(2)
  await until(() => tasks[0]!.status().missing.length === 1, 'the user\'s task holds the share of party 1')
  await user.stop()
  assert.equal(user.getProtocols().includes(SECURESUM_PROTOCOL), false, 'the handler is gone once the node stopped')
  const { error } = await rejection(tasks[0]!.result())
  assert.equal(error.name, 'TaskCancelledError')
  assert.equal(error.code, 'CANCELLED')
  assert.equal(user.services.secureSum.taskCount, 0, 'the stopped service forgot its tasks')
  assert.equal(user.services.secureSum.isAllowed(simons[0]!.peerId), false)
})

test('without the SecureSum gater a peer on no list can connect, but the service refuses its frames; with it, the peer cannot connect', async t => {
  const open = await userNode(t, { gated: false })
  const gated = await userNode(t)
  const stranger = await createLibp2p({ addresses: { listen: [LOOPBACK] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  t.after(async () => { await stranger.stop() })

  const stream = await stranger.dialProtocol(multiaddr(tcpAddress(open)), SECURESUM_PROTOCOL, { signal: AbortSignal.timeout(3000) })
  const lp = lpStream(stream)
  await lp.write(new Uint8Array([1, 2, 3]), { signal: AbortSignal.timeout(3000) })
  const reply = decodeReply((await lp.read({ signal: AbortSignal.timeout(3000) })).subarray())
  await stream.close()
  assert.equal(reply.status, 'refused')
  assert.equal(reply.code, 'NOT_ALLOWED', 'refused before the frame is even decoded')
  assert.equal(open.services.secureSum.stats().framesReceived, 1)

  const { error } = await rejection(stranger.dialProtocol(multiaddr(tcpAddress(gated)), SECURESUM_PROTOCOL, { signal: AbortSignal.timeout(3000) }))
  assert.notEqual(error.name, 'TimeoutError', `refused at once, not left hanging (${error.name}: ${error.message})`)
  await until(() => gated.getConnections(stranger.peerId).length === 0, 'the gater closed the connection')
  assert.equal(gated.services.secureSum.stats().framesReceived, 0)
})

test('in-flight and connection options: a peer\'s room below the largest frame, or no connections per host, are refused naming the option', async () => {
  for (const [init, field] of [
    [{ maxFrameBytes: 1 << 20, maxInflightBytesPerPeer: (1 << 20) - 1 }, 'maxInflightBytesPerPeer'],
    [{ inboundConnectionsPerHost: 0 }, 'inboundConnectionsPerHost'],
    [{ inboundConnectionsPerHost: 2.5 }, 'inboundConnectionsPerHost']
  ] as const) {
    await assert.rejects(SimonNode.create({ listen: [LOOPBACK], ...init }), { name: 'InvalidInputError', field })
  }
})

test('stats: an attempt to a party that is gone opens no stream and writes nothing; bytesWritten counts the upload, bytesSent every attempt', async t => {
  const simons = await startNodes(t, 2)
  const user = await userNode(t)
  const tasks = mixedTasks(simons, user, 0)
  await simons[1]!.stop()
  const service = user.services.secureSum
  tasks[0]!.input(1)
  await until(() => service.stats().framesSent >= 3, 'the share to the stopped party was attempted again')
  const stats = service.stats()
  assert.equal(stats.framesWritten, 1, `only the share to the live party was written (${JSON.stringify(stats)})`)
  assert.ok(stats.bytesWritten > 0 && stats.bytesWritten < stats.bytesSent, JSON.stringify(stats))
  assert.equal(stats.bytesSent % stats.bytesWritten, 0, 'every attempt carried a share of the same size')
  for (const task of tasks) task.dispose('test over')
})
