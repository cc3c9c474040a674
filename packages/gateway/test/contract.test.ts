/**
 * The HTTP contract of FDRTD-API.md, request by request: each row of its tutorial table with the
 * exact status and body shape, GET with and without a body, and the error answers.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { GATEWAY_ERRORS, type Gateway } from '@simon-p2p/gateway'
import { request, startGateways, type Answer } from './helpers.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function assertJson (a: Answer): void {
  assert.match(a.headers.get('content-type') ?? '', /^application\/json/)
}

/** An error answer: the status, the {code, error, message} body, and the message naming `mentions`. */
function assertError (a: Answer, status: number, error: string, ...mentions: string[]): void {
  assert.equal(a.status, status, a.text)
  assertJson(a)
  const body = a.body as { code: number, error: string, message: string }
  assert.equal(body.code, status)
  assert.equal(body.error, error)
  assert.equal(typeof body.message, 'string')
  assert.ok(GATEWAY_ERRORS.some(e => e.code === error && e.status === status), `${error} ${status} is in the table`)
  for (const m of mentions) assert.ok(body.message.includes(m), `message ${JSON.stringify(body.message)} mentions ${m}`)
}

/** node:http, because fetch refuses a body on GET, and the fdrtd client sends `{}` on every request. */
async function withBody (url: string, method: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => {
        let parsed: unknown
        try { parsed = text === '' ? undefined : JSON.parse(text) } catch { parsed = text }
        resolve({ status: res.statusCode!, headers: new Headers(res.headers as Record<string, string>), text, body: parsed })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function select (g: Gateway, identifiers: Record<string, string>): Promise<string> {
  const a = await request(g.url, 'PUT', identifiers)
  assert.equal(a.status, 202, a.text)
  return a.body as string
}

test('each row of the tutorial table, as it reaches a server', async (t) => {
  const [A, B, C] = await startGateways(t, 3)
  const nodes = [A!.url, B!.url, C!.url]

  // api.select_microservice(protocol="Simon") -> 202 "<simon handle>"
  const put = await request(A!.url, 'PUT', { protocol: 'Simon' })
  assert.equal(put.status, 202)
  assertJson(put)
  assert.match(put.body as string, UUID)
  assert.equal(put.text, JSON.stringify(put.body), 'the handle is a JSON string')
  const simonA = put.body as string
  const simonB = await select(B!, { protocol: 'Simon' })
  const simonC = await select(C!, { protocol: 'Simon' })

  // protocol_A.create(microprotocol="SecureSum", network=network_A) -> 201 {handle: simon, callback: task id}
  const create = await request(A!.url, 'POST', { handle: simonA, function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes, myself: 0 } } })
  assert.equal(create.status, 201, create.text)
  assertJson(create)
  const { handle: createdHandle, callback: taskId } = create.body as { handle: string, callback: string }
  assert.deepEqual(Object.keys(create.body as object).sort(), ['callback', 'handle'])
  assert.equal(createdHandle, simonA)
  assert.match(taskId, UUID)

  // task_A.invite() -> 200 invitation dictionary with the task id, the microprotocol and its parameters
  const invite = await request(A!.url, 'POST', { handle: simonA, function: 'invite', parameters: {}, callback: taskId })
  assert.equal(invite.status, 200, invite.text)
  assertJson(invite)
  const invitation = invite.body as { task: string, microprotocol: string, parameters: Record<string, unknown> }
  assert.equal(invitation.task, taskId)
  assert.equal(invitation.microprotocol, 'SecureSum')
  assert.equal(invitation.parameters.digits_before, 12)
  assert.equal(invitation.parameters.digits_after, 12)

  // protocol_B.join(invitation=invitation, network=network_B) -> 201 {handle, callback: same task id}
  for (const [g, handle, myself] of [[B!, simonB, 1], [C!, simonC, 2]] as const) {
    const join = await request(g.url, 'POST', { handle, function: 'join', parameters: { invitation, network: { nodes, myself } } })
    assert.equal(join.status, 201, join.text)
    assert.deepEqual(join.body, { handle, callback: taskId })
  }

  // api.select_microservice(microservice="KeyValueStorage") -> 202 "<kv handle>"
  const kv = await Promise.all([A!, B!, C!].map(async g => select(g, { microservice: 'KeyValueStorage' })))
  for (const h of kv) assert.match(h, UUID)
  assert.notEqual(kv[0], simonA)

  // kvstorage_A.create(value=10) -> 201 {handle: kv, callback: value id}
  const data = await Promise.all([A!, B!, C!].map(async (g, i) => {
    const a = await request(g.url, 'POST', { handle: kv[i], function: 'create', parameters: { value: [10, 7, 14][i] } })
    assert.equal(a.status, 201, a.text)
    const body = a.body as { handle: string, callback: string }
    assert.deepEqual(Object.keys(body).sort(), ['callback', 'handle'])
    assert.equal(body.handle, kv[i])
    return body
  }))

  // task_A.input(source=data_A) -> 204 (the source reaches the server as {handle, callback})
  const simon = [simonA, simonB, simonC]
  for (const [i, g] of [A!, B!, C!].entries()) {
    const input = await request(g.url, 'POST', { handle: simon[i], function: 'input', parameters: { source: data[i] }, callback: taskId })
    assert.equal(input.status, 204, input.text)
    assert.equal(input.text, '')
  }

  // task_A.result() -> 200 {"inputs": 3, "result": {"samples": 3, "sum": 31}}
  for (const [i, g] of [A!, B!, C!].entries()) {
    const result = await request(g.url, 'POST', { handle: simon[i], function: 'result', parameters: {}, callback: taskId })
    assert.equal(result.status, 200, result.text)
    assertJson(result)
    assert.deepEqual(result.body, { inputs: 3, result: { samples: 3, sum: 31 } })
  }

  // data_A.delete() -> 204; the value is gone
  for (const [i, g] of [A!, B!, C!].entries()) {
    const del = await request(g.url, 'POST', { handle: kv[i], function: 'delete', parameters: {}, callback: data[i]!.callback })
    assert.equal(del.status, 204, del.text)
    assert.equal(del.text, '')
    assert.equal(g.server.node.kv.size, 0)
    assertError(await request(g.url, 'POST', { handle: kv[i], function: 'delete', parameters: {}, callback: data[i]!.callback }), 404, 'UNKNOWN_HANDLE', 'callback')
  }
})

test('GET / lists the microservices, with a {} body (as the fdrtd client sends it) and without', async (t) => {
  const [g] = await startGateways(t, 1)
  const expected = [
    { identifiers: { namespace: 'fdrtd', protocol: 'Simon', version: '0.2.0' }, public: ['create', 'join', 'invite', 'input', 'result', 'status', 'delete'] },
    { identifiers: { namespace: 'fdrtd', plugin: 'Util', version: '0.2.0', microservice: 'KeyValueStorage' }, public: ['create', 'delete'] }
  ]
  const plain = await request(g!.url, 'GET')
  assert.equal(plain.status, 200)
  assertJson(plain)
  assert.deepEqual(plain.body, expected)
  for (const [body, headers] of [['{}', undefined], ['', undefined], ['{}', {}], ['', {}]] as const) {
    const a = await withBody(g!.url, 'GET', body, headers)
    assert.equal(a.status, 200, `GET with body ${JSON.stringify(body)}: ${a.text}`)
    assert.deepEqual(a.body, expected)
  }
  // a body on GET leaves the keep-alive connection usable for the next request
  const again = await withBody(g!.url, 'PUT', '{"microservice": "KeyValueStorage"}')
  assert.equal(again.status, 202)
})

test('PUT / selects by a partial match of identifiers', async (t) => {
  const [g] = await startGateways(t, 1)
  const simon = await select(g!, { protocol: 'Simon' })
  assert.equal(await select(g!, { namespace: 'fdrtd', protocol: 'Simon', version: '0.2.0' }), simon)
  const kv = await select(g!, { microservice: 'KeyValueStorage' })
  assert.equal(await select(g!, { plugin: 'Util' }), kv)
  assert.notEqual(kv, simon)
  assertError(await request(g!.url, 'PUT', { protocol: 'Simon', version: '9.9' }), 404, 'MICROSERVICE_NOT_FOUND', '"version":"9.9"')
  assertError(await request(g!.url, 'PUT', { protocol: 'Nope' }), 404, 'MICROSERVICE_NOT_FOUND', 'Nope')
})

test('400: a malformed body, a body of the wrong shape, a missing parameter', async (t) => {
  const [g, h] = await startGateways(t, 2)
  const simon = await select(g!, { protocol: 'Simon' })
  assertError(await request(g!.url, 'POST', '{"handle": '), 400, 'MALFORMED_BODY', 'JSON')
  assertError(await request(g!.url, 'PUT', '{protocol: Simon}'), 400, 'MALFORMED_BODY')
  assertError(await request(g!.url, 'POST', '[1, 2]'), 400, 'MALFORMED_BODY', 'object')
  assertError(await request(g!.url, 'POST', '{"__proto__": {"x": 1}, "handle": "h"}'), 400, 'MALFORMED_BODY', '__proto__')
  assertError(await request(g!.url, 'PUT', '[]'), 400, 'INVALID_INPUT', 'identifiers')
  assertError(await withBody(g!.url, 'POST', ''), 400, 'INVALID_INPUT', 'body')
  assertError(await withBody(g!.url, 'PUT', '', {}), 400, 'INVALID_INPUT', 'body')
  assertError(await request(g!.url, 'POST', { function: 'create', parameters: {} }), 400, 'INVALID_INPUT', 'handle')
  assertError(await request(g!.url, 'POST', { handle: simon, parameters: {} }), 400, 'INVALID_INPUT', 'function')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'create', parameters: { microprotocol: 'SecureSum' } }), 400, 'INVALID_INPUT', 'network')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'create', parameters: { network: { nodes: [g!.url, h!.url], myself: 0 } } }), 400, 'INVALID_INPUT', 'microprotocol')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes: [g!.url, 'http://['], myself: 0 } } }), 400, 'INVALID_INPUT', 'network.nodes[1]')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes: [g!.url, h!.url], myself: 1 } } }), 400, 'INVALID_INPUT', 'network.myself')
  const task = (await request(g!.url, 'POST', { handle: simon, function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes: [g!.url, h!.url], myself: 0 } } })).body as { callback: string }
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'result', parameters: {}, callback: task.callback }), 400, 'INVALID_INPUT', 'input() first')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'input', parameters: {}, callback: task.callback }), 400, 'INVALID_INPUT', 'source')
})

test('404: an unknown handle, callback, function or path; 405 on other methods; 415 without JSON', async (t) => {
  const [g] = await startGateways(t, 1)
  const simon = await select(g!, { protocol: 'Simon' })
  const kv = await select(g!, { microservice: 'KeyValueStorage' })
  assertError(await request(g!.url, 'POST', { handle: 'no-such-handle', function: 'create', parameters: {} }), 404, 'UNKNOWN_HANDLE', 'invalid identifier: handle = "no-such-handle"')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'invite', parameters: {}, callback: 'no-such-task' }), 404, 'UNKNOWN_HANDLE', 'callback = "no-such-task"')
  assertError(await request(g!.url, 'POST', { handle: kv, function: 'delete', parameters: {}, callback: { not: 'a value id' } }), 404, 'UNKNOWN_HANDLE', 'callback')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'input', parameters: { source: { handle: kv, callback: 'gone' } }, callback: 'no-such-task' }), 404, 'UNKNOWN_HANDLE')
  assertError(await request(g!.url, 'POST', { handle: kv, function: 'retrieve', parameters: {}, callback: 'x' }), 404, 'UNKNOWN_FUNCTION', 'retrieve')
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'frobnicate', parameters: {} }), 404, 'UNKNOWN_FUNCTION', 'frobnicate')
  assertError(await request(`${g!.url}/public1`, 'GET'), 404, 'NOT_FOUND', 'root URL')
  const del = await withBody(g!.url, 'DELETE', '{}')
  assertError(del, 405, 'METHOD_NOT_ALLOWED', 'DELETE')
  assert.equal(del.headers.get('allow'), 'GET, HEAD, PUT, POST')
  assertError(await request(g!.url, 'PUT', 'protocol=Simon', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'application/json')
  assertError(await withBody(g!.url, 'POST', '{"handle": "h"}', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  assertError(await withBody(g!.url, 'POST', '{"handle": "h"}', {}), 415, 'UNSUPPORTED_MEDIA_TYPE')
})

test('501: an unknown microprotocol', async (t) => {
  const [g, h] = await startGateways(t, 2)
  const simon = await select(g!, { protocol: 'Simon' })
  const network = { nodes: [g!.url, h!.url], myself: 0 }
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'create', parameters: { microprotocol: 'SecureProduct', network } }), 501, 'UNSUPPORTED_MICROPROTOCOL', 'SecureProduct')
  const invitation = { task: '3f1c1f36-6a51-4d0c-9a52-7f3a8c0e6b10', microprotocol: 'SecureProduct', parameters: {} }
  assertError(await request(g!.url, 'POST', { handle: simon, function: 'join', parameters: { invitation, network } }), 501, 'UNSUPPORTED_MICROPROTOCOL', 'SecureProduct')
})

test('502: a gateway URL in the node list that cannot be resolved is named', async (t) => {
  const [g, closed] = await startGateways(t, 2, { identityTimeoutMs: 2_000 })
  const deadUrl = closed!.url
  await closed!.close()
  const simon = await select(g!, { protocol: 'Simon' })
  const a = await request(g!.url, 'POST', { handle: simon, function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes: [g!.url, deadUrl], myself: 0 } } })
  assertError(a, 502, 'NODE_UNREACHABLE', 'network.nodes[1]', deadUrl)
  assert.equal(g!.server.node.taskCount, 0)
})

test('result(): waits a bounded time and answers null; a task that cannot finish names the party and the deadline', async (t) => {
  const [A, B, C] = await startGateways(t, 3, { resultWaitMs: 300 })
  const nodes = [A!.url, B!.url, C!.url]
  const simon = await Promise.all([A!, B!, C!].map(async g => select(g, { protocol: 'Simon' })))
  const created = await request(A!.url, 'POST', { handle: simon[0], function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes, myself: 0 }, timeout: 1.5 } })
  const task = (created.body as { callback: string }).callback
  const invitation = (await request(A!.url, 'POST', { handle: simon[0], function: 'invite', parameters: {}, callback: task })).body
  await request(B!.url, 'POST', { handle: simon[1], function: 'join', parameters: { invitation, network: { nodes, myself: 1 }, timeout: 1.5 } })
  // C never joins
  for (const [i, g] of [A!, B!].entries()) {
    assert.equal((await request(g.url, 'POST', { handle: simon[i], function: 'input', parameters: { value: i + 1 }, callback: task })).status, 204)
  }
  const started = Date.now()
  const pending = await request(A!.url, 'POST', { handle: simon[0], function: 'result', parameters: {}, callback: task })
  assert.equal(pending.status, 200, pending.text)
  assert.equal(pending.text, 'null')
  assert.ok(Date.now() - started >= 250, 'it waited')
  await new Promise(resolve => setTimeout(resolve, 1_500))
  const failed = await request(A!.url, 'POST', { handle: simon[0], function: 'result', parameters: {}, callback: task })
  assertError(failed, 504, 'TIMEOUT', 'timed out after 1.5 s', 'party 2', C!.url)
})

test('409: a task that can no longer finish (a party joined with other parameters)', async (t) => {
  const [A, B] = await startGateways(t, 2, { resultWaitMs: 5_000 })
  const nodes = [A!.url, B!.url]
  const simon = await Promise.all([A!, B!].map(async g => select(g, { protocol: 'Simon' })))
  const created = await request(A!.url, 'POST', { handle: simon[0], function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes, myself: 0 }, timeout: 5 } })
  const task = (created.body as { callback: string }).callback
  const invitation = (await request(A!.url, 'POST', { handle: simon[0], function: 'invite', parameters: {}, callback: task })).body as { parameters: Record<string, unknown> }
  const altered = { ...invitation, parameters: { ...invitation.parameters, digits_after: 6 } }
  await request(B!.url, 'POST', { handle: simon[1], function: 'join', parameters: { invitation: altered, network: { nodes, myself: 1 }, timeout: 5 } })
  for (const [i, g] of [A!, B!].entries()) await request(g.url, 'POST', { handle: simon[i], function: 'input', parameters: { value: 1 }, callback: task })
  const a = await request(A!.url, 'POST', { handle: simon[0], function: 'result', parameters: {}, callback: task })
  assertError(a, 409, 'TASK_FAILED', 'digits_after', 'party 1')
  assert.ok(['ABORTED', 'DIGEST_MISMATCH'].includes((a.body as { cause: string }).cause))
})

test('the identity endpoint: PeerId and multiaddrs of the node', async (t) => {
  const [g] = await startGateways(t, 1)
  const a = await request(`${g!.url}/.well-known/simon-p2p/identity`, 'GET')
  assert.equal(a.status, 200)
  assertJson(a)
  assert.deepEqual(a.body, { peerId: g!.server.node.peerId, multiaddrs: g!.server.node.multiaddrs() })
})

test('binds 127.0.0.1 unless told otherwise, on the port asked for', async (t) => {
  const [g] = await startGateways(t, 1)
  assert.match(g!.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const address = g!.fastify.server.address() as { address: string, port: number }
  assert.equal(address.address, '127.0.0.1')
  assert.equal(g!.url, `http://127.0.0.1:${address.port}`)
})

test('close() answers a pending result() at once instead of waiting it out', async (t) => {
  const [A, B] = await startGateways(t, 2, { resultWaitMs: 20_000 })
  const nodes = [A!.url, B!.url]
  const simon = await select(A!, { protocol: 'Simon' })
  const created = await request(A!.url, 'POST', { handle: simon, function: 'create', parameters: { microprotocol: 'SecureSum', network: { nodes, myself: 0 } } })
  const task = (created.body as { callback: string }).callback
  await request(A!.url, 'POST', { handle: simon, function: 'input', parameters: { value: 1 }, callback: task })
  const started = Date.now()
  const pending = request(A!.url, 'POST', { handle: simon, function: 'result', parameters: {}, callback: task })
  await new Promise(resolve => setTimeout(resolve, 200))
  await A!.close()
  const answer = await pending
  assert.equal(answer.status, 200)
  assert.equal(answer.text, 'null')
  assert.ok(Date.now() - started < 5_000, `answered after ${Date.now() - started} ms`)
})
