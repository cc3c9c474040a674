/** Gateway URLs in a node list: resolved once through the identity endpoint, then pinned. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { Api, HttpInterface } from '@simon-p2p/api'
import { chooseMultiaddr, identityUrl, isGatewayUrl, resolveGatewayNetwork } from '@simon-p2p/gateway'
import { startGateways } from './helpers.js'

const PEER = '12D3KooWHFrmLWTTDD4NodngtRMEVYgqKSdEWvgRSUaC3zjmjnkB'

test('identityUrl is relative to the root, prefix included', () => {
  assert.equal(identityUrl('http://127.0.0.1:55501').href, 'http://127.0.0.1:55501/.well-known/simon-p2p/identity')
  assert.equal(identityUrl('http://127.0.0.1:55501/').href, 'http://127.0.0.1:55501/.well-known/simon-p2p/identity')
  assert.equal(identityUrl('https://lrz.fdrtd.com/public1').href, 'https://lrz.fdrtd.com/public1/.well-known/simon-p2p/identity')
  assert.equal(isGatewayUrl('HTTPS://x'), true)
  assert.equal(isGatewayUrl(`/ip4/127.0.0.1/tcp/1/p2p/${PEER}`), false)
})

test('chooseMultiaddr: plain TCP on the URL\'s host first; never a relay or another peer\'s address', () => {
  const addrs = [
    `/ip4/10.0.0.5/tcp/4001/p2p/${PEER}`,
    `/ip4/127.0.0.1/tcp/4002/ws/p2p/${PEER}`,
    `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`,
    `/ip4/127.0.0.1/tcp/4009/p2p/12D3KooWSomeoneElse/p2p-circuit/p2p/${PEER}`
  ]
  const id = { peerId: PEER, multiaddrs: addrs }
  assert.equal(chooseMultiaddr(id, '127.0.0.1', 'f', 'u'), `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`)
  assert.equal(chooseMultiaddr(id, 'localhost', 'f', 'u'), `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`)
  assert.equal(chooseMultiaddr(id, '10.0.0.5', 'f', 'u'), `/ip4/10.0.0.5/tcp/4001/p2p/${PEER}`)
  assert.equal(chooseMultiaddr(id, 'example.org', 'f', 'u'), `/ip4/10.0.0.5/tcp/4001/p2p/${PEER}`)
  assert.equal(chooseMultiaddr({ peerId: PEER, multiaddrs: ['/ip4/127.0.0.1/tcp/4001'] }, '127.0.0.1', 'f', 'u'), `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`)
  assert.throws(() => chooseMultiaddr({ peerId: PEER, multiaddrs: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWOther'] }, '127.0.0.1', 'network.nodes[2]', 'http://x'),
    { name: 'NodeUnreachableError', message: /network\.nodes\[2\].*lists no multiaddr/ })
})

test('resolveGatewayNetwork: URLs become pinned multiaddrs, multiaddrs pass, the own URL needs no request', async (t) => {
  const gateways = await startGateways(t, 3)
  const [a, b, c] = gateways.map(g => g.server.node)
  const fixed = c!.multiaddrs()[0]!
  const requests = [0, 0, 0]
  gateways.forEach((g, i) => g.fastify.server.on('request', () => { requests[i]!++ }))
  const network = await resolveGatewayNetwork(
    { nodes: [gateways[0]!.url, `${gateways[1]!.url}/`, fixed], myself: 0 },
    { self: { url: gateways[0]!.url, identity: () => ({ peerId: a!.peerId, multiaddrs: a!.multiaddrs() }) } }
  )
  assert.deepEqual(network, { nodes: [a!.multiaddrs()[0], b!.multiaddrs()[0], fixed], myself: 0 })
  assert.deepEqual(requests, [0, 1, 0], 'one request, to the other gateway only')
  // not a network, or no URL in it: unchanged, for the node to judge
  assert.equal(await resolveGatewayNetwork('nonsense'), 'nonsense')
  const plain = { nodes: [fixed], myself: 0 }
  assert.equal(await resolveGatewayNetwork(plain), plain)
})

test('resolveGatewayNetwork: an unreachable, slow, or odd gateway is named by its index', async (t) => {
  const odd = createServer((req, res) => {
    if (req.url?.startsWith('/slow')) return // never answers
    if (req.url?.startsWith('/notjson')) { res.end('hello'); return }
    if (req.url?.startsWith('/nopeer')) { res.setHeader('content-type', 'application/json'); res.end('{"multiaddrs": []}'); return }
    res.statusCode = 404
    res.end()
  })
  await new Promise<void>(resolve => odd.listen(0, '127.0.0.1', resolve))
  t.after(() => { odd.closeAllConnections(); odd.close() })
  const base = `http://127.0.0.1:${(odd.address() as { port: number }).port}`
  const closedPort = await new Promise<number>(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) })
  })
  const cases: Array<[string, RegExp]> = [
    [`http://127.0.0.1:${closedPort}`, /ECONNREFUSED/],
    [`${base}/slow`, /no answer .* within 0\.3 s/],
    [`${base}/notjson`, /other than JSON/],
    [`${base}/nopeer`, /names no peerId/],
    [`${base}/missing`, /answered 404/]
  ]
  for (const [url, reason] of cases) {
    await assert.rejects(resolveGatewayNetwork({ nodes: [`/ip4/127.0.0.1/tcp/1/p2p/${PEER}`, url], myself: 0 }, { timeoutMs: 300 }), (err: Error & { code: string }) => {
      assert.equal(err.code, 'NODE_UNREACHABLE')
      assert.match(err.message, /^cannot resolve network\.nodes\[1\] = /)
      assert.ok(err.message.includes(url), err.message)
      assert.match(err.message, reason)
      return true
    })
  }
  await assert.rejects(resolveGatewayNetwork({ nodes: ['http://[oops', base], myself: 0 }), { name: 'InvalidInputError', message: /network\.nodes\[0\]/ })
})

test('pinned URLs resolve when the gateway answers the pinned PeerId; invite() shows the same fingerprint at every party', async (t) => {
  const gateways = await startGateways(t, 3)
  const nodes = gateways.map(g => `${g.url}#${g.server.node.peerId}`)
  const apis = gateways.map(g => new Api(new HttpInterface(g.url)))
  const simon = await Promise.all(apis.map(async api => api.selectMicroservice({ protocol: 'Simon' })))
  const taskA = await simon[0]!.create({ microprotocol: 'SecureSum', network: { nodes, myself: 0 } })
  const invitation = await taskA.invite()
  // a joiner may write its list unpinned: the digest binds PeerIds, not URLs
  const plain = gateways.map(g => g.url)
  const joined = await Promise.all([1, 2].map(async i => simon[i]!.join({ invitation, network: { nodes: i === 1 ? nodes : plain, myself: i } })))
  const fingerprints = await Promise.all([taskA, ...joined].map(async task => task.fingerprint()))
  assert.match(String(invitation.fingerprint), /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
  assert.deepEqual(fingerprints, [invitation.fingerprint, invitation.fingerprint, invitation.fingerprint])
  assert.equal(gateways[0]!.server.node.getTask(invitation.task as string)!.fingerprint, invitation.fingerprint)
  await Promise.all([taskA, ...joined].map(async (task, i) => task.input({ value: [10, 7, 14][i] })))
  for (const task of [taskA, ...joined]) assert.deepEqual(await task.result(), { inputs: 3, result: { samples: 3, sum: 31 } })
})
