/**
 * A hostile web page against a gateway on 127.0.0.1: through DNS rebinding (its own name now
 * resolves to 127.0.0.1, so the browser sends `Host: evil.example:PORT`) and as a cross-origin
 * page (`Origin: http://evil.example`). Each request is refused before it does anything: no
 * task, no admitted PeerId, no frame, no URL fetched. `allowOrigins` lets a named origin through;
 * a gateway beyond loopback without a token does not start.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { requireTokenBeyondLoopback, startGateway } from '@simon-p2p/gateway'
import { nodeList, startNodes } from '../hardening/support.js'
import { countingServer, footprint, gatewayFor, raw, simonHandle, unboundAddress, type RawAnswer } from './support.js'

const SECURE_SUM = 'SecureSum'
/** The web page and the JSON it reads (its task list, its event stream): the same guard. */
const UI_PATHS = ['/ui/', '/ui/app.js', '/ui/api/node', '/ui/api/tasks', '/ui/api/events']

function refused (a: RawAnswer, status: number, error: string, what: string): void {
  assert.equal(a.status, status, `${what}: ${a.text}`)
  assert.equal((a.body as { error?: string }).error, error, what)
  assert.equal((a.body as { code?: number }).code, status, what)
  assert.equal(a.headers['access-control-allow-origin'], undefined, `${what}: no CORS grant`)
}

test('DNS rebinding: a request whose Host is the page\'s own name is refused on every path and creates nothing', async (t) => {
  const [self, page] = await startNodes(t, 2)
  const gateway = await gatewayFor(t, self!)
  const port = new URL(gateway.url).port
  const simon = await simonHandle(gateway)
  const fetched = await countingServer(t)
  // what the page wants: a task that admits its own PeerId, and the gateway fetching a URL of its choice
  const create = { handle: simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: [gateway.url, nodeList([page!])[0], fetched.url], myself: 0 } } }
  const before = footprint([self!, page!])
  const hosts = [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.1:${Number(port) + 1}`, `[::2]:${port}`, 'evil.example:80']
  for (const host of hosts) {
    const what = `Host: ${host}`
    refused(await raw(gateway.url, 'GET', { host }), 421, 'HOST_NOT_ALLOWED', `${what} GET /`)
    refused(await raw(gateway.url, 'PUT', { host }, { protocol: 'Simon' }), 421, 'HOST_NOT_ALLOWED', `${what} PUT /`)
    refused(await raw(gateway.url, 'POST', { host }, create), 421, 'HOST_NOT_ALLOWED', `${what} POST create`)
    refused(await raw(`${gateway.url}/.well-known/simon-p2p/identity`, 'GET', { host }), 421, 'HOST_NOT_ALLOWED', `${what} identity`)
    refused(await raw(`${gateway.url}/openapi.json`, 'GET', { host }), 421, 'HOST_NOT_ALLOWED', `${what} openapi`)
    for (const path of UI_PATHS) refused(await raw(`${gateway.url}${path}`, 'GET', { host }), 421, 'HOST_NOT_ALLOWED', `${what} ${path}`)
    refused(await raw(gateway.url, 'OPTIONS', { host, origin: `http://${host}`, 'access-control-request-method': 'POST' }), 421, 'HOST_NOT_ALLOWED', `${what} preflight`)
  }
  assert.deepEqual(footprint([self!, page!]), before, 'no task made, no frame sent or received')
  assert.equal(fetched.requests(), 0, 'the gateway fetched nothing')

  // the same requests with the gateway's own Host are served: the refusals above were for the Host alone
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, '127.0.0.1']) assert.equal((await raw(gateway.url, 'GET', { host })).status, 200, host)
  const served = await raw(gateway.url, 'POST', { host: `127.0.0.1:${port}` }, { ...create, parameters: { ...create.parameters, network: { nodes: [gateway.url, nodeList([page!])[0]], myself: 0 } } })
  assert.equal(served.status, 201, served.text)
  assert.equal(self!.taskCount, before[0]! + 1)
})

test('a cross-origin page (Origin: http://evil.example) is refused, preflight included, and creates nothing', async (t) => {
  const [self, page] = await startNodes(t, 2)
  const gateway = await gatewayFor(t, self!)
  const simon = await simonHandle(gateway)
  const fetched = await countingServer(t)
  const create = { handle: simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: [gateway.url, nodeList([page!])[0], fetched.url], myself: 0 } } }
  const before = footprint([self!, page!])
  for (const origin of ['http://evil.example', 'https://evil.example', 'null', `http://localhost:${new URL(gateway.url).port}`, 'http://127.0.0.1', 'not an origin']) {
    const what = `Origin: ${origin}`
    refused(await raw(gateway.url, 'OPTIONS', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }), 403, 'ORIGIN_NOT_ALLOWED', `${what} preflight`)
    refused(await raw(gateway.url, 'PUT', { origin }, { protocol: 'Simon' }), 403, 'ORIGIN_NOT_ALLOWED', `${what} PUT`)
    refused(await raw(gateway.url, 'POST', { origin }, create), 403, 'ORIGIN_NOT_ALLOWED', `${what} POST create`)
    refused(await raw(gateway.url, 'POST', { origin, 'content-type': 'text/plain' }, JSON.stringify(create)), 403, 'ORIGIN_NOT_ALLOWED', `${what} a "simple" POST`)
    refused(await raw(gateway.url, 'GET', { origin }), 403, 'ORIGIN_NOT_ALLOWED', `${what} GET`)
    for (const path of UI_PATHS) refused(await raw(`${gateway.url}${path}`, 'GET', { origin }), 403, 'ORIGIN_NOT_ALLOWED', `${what} ${path}`)
  }
  assert.deepEqual(footprint([self!, page!]), before, 'no task made, no frame sent or received')
  assert.equal(fetched.requests(), 0, 'the gateway fetched nothing')
  // its own origin is not cross-origin
  const own = await raw(gateway.url, 'PUT', { origin: gateway.url }, { protocol: 'Simon' })
  assert.equal(own.status, 202, own.text)
})

test('allowOrigins lets the named origin through (preflight, then the call, with CORS headers); others stay refused', async (t) => {
  const [self, other] = await startNodes(t, 2)
  const app = 'http://app.example:8080'
  const gateway = await gatewayFor(t, self!, { allowOrigins: [app, 'https://dashboard.example.org/'] })
  const preflight = await raw(gateway.url, 'OPTIONS', { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' })
  assert.equal(preflight.status, 204, preflight.text)
  assert.equal(preflight.headers['access-control-allow-origin'], app)
  assert.match(String(preflight.headers['access-control-allow-methods']), /POST/)
  assert.match(String(preflight.headers['access-control-allow-headers']), /content-type/)
  assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/)
  assert.match(String(preflight.headers.vary), /origin/i)
  const put = await raw(gateway.url, 'PUT', { origin: app }, { protocol: 'Simon' })
  assert.equal(put.status, 202, put.text)
  assert.equal(put.headers['access-control-allow-origin'], app)
  const created = await raw(gateway.url, 'POST', { origin: 'https://dashboard.example.org' }, { handle: put.body, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: [gateway.url, nodeList([other!])[0]], myself: 0 } } })
  assert.equal(created.status, 201, created.text)
  assert.equal(created.headers['access-control-allow-origin'], 'https://dashboard.example.org')
  // an error answer to an allowed origin carries the grant too, so the page can read why
  const error = await raw(gateway.url, 'POST', { origin: app }, { handle: 'nothing', function: 'create' })
  assert.equal(error.status, 404)
  assert.equal(error.headers['access-control-allow-origin'], app)
  for (const origin of ['http://app.example', 'http://app.example:8081', 'https://app.example:8080', 'http://evil.example']) {
    refused(await raw(gateway.url, 'OPTIONS', { origin, 'access-control-request-method': 'POST' }), 403, 'ORIGIN_NOT_ALLOWED', origin)
  }
  // a wildcard or a URL with a path is not an origin
  for (const bad of ['*', 'http://app.example/path', 'app.example', 'ftp://app.example']) {
    await assert.rejects(startGateway({ node: self!, allowOrigins: [bad] }), { name: 'InvalidInputError', field: 'allowOrigins' }, bad)
  }
})

test('beyond loopback without a token the gateway refuses to start, naming the flag; nothing listens', async (t) => {
  const [self] = await startNodes(t, 1)
  // an address on no interface here: were the check missing, listen would fail with EADDRNOTAVAIL instead
  const address = unboundAddress()
  for (const host of [address, `::ffff:${address}`]) {
    await assert.rejects(startGateway({ node: self!, host, port: 0 }), (err: Error & { field?: string }) => {
      assert.equal(err.name, 'InvalidInputError')
      assert.equal(err.field, 'token')
      assert.match(err.message, /--token-file/)
      assert.ok(err.message.includes(host), err.message)
      return true
    })
  }
  for (const host of ['0.0.0.0', '::', '10.0.0.2', 'example.org', 'localhost.example.org']) {
    assert.throws(() => requireTokenBeyondLoopback(host, undefined), { name: 'InvalidInputError', field: 'token' }, host)
    assert.throws(() => requireTokenBeyondLoopback(host, ''), { name: 'InvalidInputError', field: 'token' }, host)
    requireTokenBeyondLoopback(host, 's3cret')
  }
  for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]']) requireTokenBeyondLoopback(host, undefined)
  assert.equal(self!.taskCount, 0)
})
