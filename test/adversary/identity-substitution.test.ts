/**
 * A party on the path answers for another gateway's URL with its own PeerId, to get a task made of
 * its own nodes and the user's input. A URL that pins the PeerId refuses such an answer, naming
 * the node, before any task exists; a plain-http URL beyond loopback without a pin is refused
 * before any request is made (its address is never contacted).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveGatewayNetwork } from '@simon-p2p/gateway'
import { startNodes } from '../hardening/support.js'
import { countingServer, footprint, gatewayFor, raw, simonHandle } from './support.js'

const SECURE_SUM = 'SecureSum'

test('a fake gateway that answers its own PeerId for a URL pinned to another is refused, naming the node; nothing is sent', async (t) => {
  const [self, honest, impostor] = await startNodes(t, 3)
  const gateway = await gatewayFor(t, self!)
  const honestGateway = await gatewayFor(t, honest!)
  // on 127.0.0.1, answering the identity endpoint with the impostor's PeerId and addresses
  const fake = await countingServer(t, (_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ peerId: impostor!.peerId, multiaddrs: impostor!.multiaddrs() }))
  })
  const simon = await simonHandle(gateway)
  const pinned = `${fake.url}#${honest!.peerId}`
  const before = footprint([self!, honest!, impostor!])
  for (const fn of ['create', 'join']) {
    const parameters = fn === 'create'
      ? { microprotocol: SECURE_SUM, network: { nodes: [gateway.url, pinned], myself: 0 } }
      : { invitation: { task: `substituted-${fn}`, microprotocol: SECURE_SUM, parameters: {} }, network: { nodes: [gateway.url, pinned], myself: 0 } }
    const a = await raw(gateway.url, 'POST', {}, { handle: simon, function: fn, parameters })
    assert.equal(a.status, 502, a.text)
    const body = a.body as { error: string, message: string }
    assert.equal(body.error, 'IDENTITY_MISMATCH', fn)
    assert.match(body.message, /^network\.nodes\[1\] = /, fn)
    assert.ok(body.message.includes(honest!.peerId) && body.message.includes(impostor!.peerId), body.message)
  }
  assert.equal(fake.requests(), 2, 'the fake was asked (and believed for nothing)')
  assert.deepEqual(footprint([self!, honest!, impostor!]), before, 'no task made anywhere, no frame sent or received')

  // the same list pinned to what the honest gateway really answers is served
  const good = await raw(gateway.url, 'POST', {}, { handle: simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: [`${gateway.url}#${self!.peerId}`, `${honestGateway.url}#${honest!.peerId}`], myself: 0 } } })
  assert.equal(good.status, 201, good.text)
  const task = self!.getTask((good.body as { callback: string }).callback)!
  assert.deepEqual(task.descriptor.peers, [self!.peerId, honest!.peerId])
  // its own URL pinned to another PeerId is refused as well
  await assert.rejects(resolveGatewayNetwork({ nodes: [`${gateway.url}#${honest!.peerId}`, honestGateway.url], myself: 0 }, {
    self: { url: gateway.url, identity: () => ({ peerId: self!.peerId, multiaddrs: self!.multiaddrs() }) }
  }), { name: 'IdentityMismatchError', code: 'IDENTITY_MISMATCH', field: 'network.nodes[0]' })
})

test('a plain-http URL beyond loopback without a pin is refused naming the node, before any request is made', async (t) => {
  const [self, other] = await startNodes(t, 2)
  const gateway = await gatewayFor(t, self!)
  const otherGateway = await gatewayFor(t, other!)
  const counter = await countingServer(t)
  const simon = await simonHandle(gateway)
  const before = footprint([self!, other!])
  // 10.255.255.1 is only ever a string here: it must be refused before anything connects to it
  const a = await raw(gateway.url, 'POST', {}, { handle: simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: [counter.url, 'http://10.255.255.1:55501', otherGateway.url, gateway.url], myself: 3 } } })
  assert.equal(a.status, 400, a.text)
  assert.equal((a.body as { error: string }).error, 'INVALID_INPUT')
  assert.match((a.body as { message: string }).message, /^invalid network\.nodes\[1\]: .*https:\/\/.*#12D3KooW/)
  assert.equal(counter.requests(), 0, 'not even the loopback URLs of the list were fetched')
  assert.deepEqual(footprint([self!, other!]), before)

  // in process, with fetch replaced by a recorder: not one request, for any of these
  const realFetch = globalThis.fetch
  const asked: string[] = []
  globalThis.fetch = (async (input: string | URL | Request) => { asked.push(String(input)); throw new Error('no request may be made') }) as typeof fetch
  try {
    for (const url of ['http://10.255.255.1:55501', 'http://10.255.255.1', 'http://example.org:8080', 'http://[fe80::1]:1', 'http://0.0.0.0:55501', 'http://192.168.0.10:55501/']) {
      await assert.rejects(resolveGatewayNetwork({ nodes: ['http://127.0.0.1:1', url], myself: 0 }), (err: Error & { field?: string }) => {
        assert.equal(err.name, 'InvalidInputError', `${url}: ${err.message}`)
        assert.equal(err.field, 'network.nodes[1]')
        return true
      })
    }
    // a fragment that is not a PeerId pins nothing: refused as well
    await assert.rejects(resolveGatewayNetwork({ nodes: ['http://10.255.255.1:55501#me', 'http://127.0.0.1:1'], myself: 0 }), { name: 'InvalidInputError', field: 'network.nodes[0]' })
  } finally {
    globalThis.fetch = realFetch
  }
  assert.deepEqual(asked, [], 'no request was made')
})
