/** Which requests a gateway answers at all: the Host it serves on, the origins it allows. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { TaskAbortedError } from '@simon-p2p/core'
import { errorAnswer, IdentityMismatchError, isLoopbackHost, normalizeOrigins, servedHostNames } from '@simon-p2p/gateway'
import { startGateways } from './helpers.js'

async function statusWith (url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => { res.resume(); resolve(res.statusCode!) })
    req.on('error', reject)
    req.end()
  })
}

test('isLoopbackHost: 127.0.0.0/8, ::1 and localhost only', () => {
  for (const h of ['127.0.0.1', '127.255.0.9', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h)
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example.org', '127.0.0.1.nip.io', '::2', '']) assert.equal(isLoopbackHost(h), false, h)
})

test('servedHostNames: loopback, the bound address, allowHosts; a bad entry is refused by name', () => {
  assert.deepEqual([...servedHostNames('127.0.0.1')], ['127.0.0.1', 'localhost', '[::1]'])
  assert.deepEqual([...servedHostNames('::1')], ['127.0.0.1', 'localhost', '[::1]'])
  assert.ok(servedHostNames('10.0.0.2').has('10.0.0.2'))
  assert.ok(servedHostNames('fe80::1').has('[fe80::1]'))
  assert.ok(servedHostNames('127.0.0.1', ['Proxy.Example.org']).has('proxy.example.org'))
  // a wildcard bind serves every address of the machine
  assert.ok(servedHostNames('0.0.0.0').size > 3)
  for (const bad of ['proxy.example.org:8080', 'http://proxy.example.org', 'a b']) assert.throws(() => servedHostNames('127.0.0.1', [bad]), { name: 'InvalidInputError', field: 'allowHosts' }, bad)
})

test('normalizeOrigins: as browsers serialize them; no wildcard, path or query', () => {
  assert.deepEqual([...normalizeOrigins(['https://App.Example.org', 'http://localhost:3000/', 'https://x.example:443'])], ['https://app.example.org', 'http://localhost:3000', 'https://x.example'])
  for (const bad of ['*', 'null', 'https://a.example/app', 'https://a.example?x=1', 'https://user@a.example', 'file:///x', 'a.example']) {
    assert.throws(() => normalizeOrigins([bad]), { name: 'InvalidInputError', field: 'allowOrigins' }, bad)
  }
})

test('allowHosts: a reverse proxy\'s name is served, with the gateway\'s port; without it the same Host is 421', async (t) => {
  const [open] = await startGateways(t, 1, { allowHosts: ['proxy.example.org'] })
  const port = new URL(open!.url).port
  assert.equal(await statusWith(open!.url, { host: `proxy.example.org:${port}` }), 200)
  assert.equal(await statusWith(open!.url, { host: `proxy.example.org:${Number(port) + 1}` }), 421)
  const [plain] = await startGateways(t, 1)
  assert.equal(await statusWith(plain!.url, { host: `proxy.example.org:${new URL(plain!.url).port}` }), 421)
})

test('error answers: IDENTITY_MISMATCH is 502 and names the node; no control character is answered raw', () => {
  const mismatch = errorAnswer(new IdentityMismatchError('network.nodes[1]', 'http://10.0.0.2:1#12D3KooWA', '12D3KooWA', '12D3KooWB'))
  assert.equal(mismatch.status, 502)
  assert.equal(mismatch.body.error, 'IDENTITY_MISMATCH')
  assert.match(mismatch.body.message, /^network\.nodes\[1\] = .* pinned to 12D3KooWA, but its gateway answered 12D3KooWB/)
  const answer = errorAnswer(new TaskAbortedError(1, 'X', '\u001b[2Jhi\u009b\u202e'))
  assert.equal(answer.body.message, 'party 1 aborted the task: \\x1b[2Jhi\\x9b\\u202e')
})
