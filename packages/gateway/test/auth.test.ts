/** The bearer token: every request but the identity endpoint needs it, once one is set. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Api, HttpInterface, HttpStatusError } from '@simon-p2p/api'
import { bearerCheck } from '@simon-p2p/gateway'
import { request, startGateways } from './helpers.js'

const TOKEN = 'correct-horse-battery-staple'

test('bearerCheck: only the exact token, case-insensitive scheme', () => {
  const check = bearerCheck(TOKEN)
  assert.equal(check(`Bearer ${TOKEN}`), true)
  assert.equal(check(`bearer ${TOKEN}`), true)
  assert.equal(check(undefined), false)
  assert.equal(check(''), false)
  assert.equal(check(TOKEN), false)
  assert.equal(check(`Bearer ${TOKEN}x`), false)
  assert.equal(check(`Bearer ${TOKEN.slice(0, -1)}`), false)
  assert.equal(check(`Basic ${TOKEN}`), false)
  assert.equal(check('Bearer '), false)
  assert.throws(() => bearerCheck(''), { name: 'InvalidInputError' })
  assert.throws(() => bearerCheck('has space'), { name: 'InvalidInputError' })
})

test('401 without the token or with another; identity stays open; the right token works', async (t) => {
  const [g] = await startGateways(t, 1, { token: TOKEN })
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Array<Record<string, string>>) {
    for (const [method, path, body] of [['GET', '', undefined], ['PUT', '', { protocol: 'Simon' }], ['POST', '', { handle: 'h', function: 'f' }], ['GET', '/openapi.json', undefined], ['GET', '/nowhere', undefined]] as const) {
      const a = await request(g!.url + path, method, body, headers)
      assert.equal(a.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`)
      assert.deepEqual(a.body, { code: 401, error: 'UNAUTHORIZED', message: 'this gateway needs the header Authorization: Bearer <token>' })
      assert.match(a.headers.get('www-authenticate') ?? '', /^Bearer/)
    }
  }
  const identity = await request(`${g!.url}/.well-known/simon-p2p/identity`, 'GET')
  assert.equal(identity.status, 200)
  assert.equal((identity.body as { peerId: string }).peerId, g!.server.node.peerId)

  const auth = { authorization: `Bearer ${TOKEN}` }
  assert.equal((await request(g!.url, 'GET', undefined, auth)).status, 200)
  assert.equal((await request(g!.url, 'PUT', { protocol: 'Simon' }, auth)).status, 202)
  assert.equal((await request(`${g!.url}/openapi.json`, 'GET', undefined, auth)).status, 200)

  await assert.rejects(new Api(new HttpInterface(g!.url)).listMicroservices(), (err: HttpStatusError) => err.status === 401)
  const list = await new Api(new HttpInterface(g!.url, { token: TOKEN })).listMicroservices()
  assert.equal(list.length, 2)
})

test('gateways with tokens resolve each other through the open identity endpoint', async (t) => {
  const gateways = await startGateways(t, 2, { token: TOKEN })
  const nodes = gateways.map(g => g.url)
  const [apiA, apiB] = gateways.map(g => new Api(new HttpInterface(g.url, { token: TOKEN })))
  const taskA = await (await apiA!.selectMicroservice({ protocol: 'Simon' })).create({ microprotocol: 'SecureSum', network: { nodes, myself: 0 } })
  const taskB = await (await apiB!.selectMicroservice({ protocol: 'Simon' })).join({ invitation: await taskA.invite(), network: { nodes, myself: 1 } })
  await taskA.input({ value: 20 })
  await taskB.input({ value: 22 })
  assert.deepEqual(await taskA.result(), { inputs: 2, result: { samples: 2, sum: 42 } })
  assert.deepEqual(await taskB.result(), { inputs: 2, result: { samples: 2, sum: 42 } })
})
