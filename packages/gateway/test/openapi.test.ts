/** The OpenAPI document lists exactly what the gateway serves, and its errors come from the table. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GATEWAY_ERRORS, openApiDocument, SERVED } from '@simon-p2p/gateway'
import { request, startGateways } from './helpers.js'

interface Doc { openapi: string, paths: Record<string, Record<string, { responses: Record<string, unknown>, security: unknown[] }>>, components: Record<string, unknown> }

test('GET /openapi.json: OpenAPI 3.1, every served path and method, nothing else', async (t) => {
  const [g] = await startGateways(t, 1)
  const a = await request(`${g!.url}/openapi.json`, 'GET')
  assert.equal(a.status, 200)
  const doc = a.body as Doc
  assert.equal(doc.openapi, '3.1.0')
  assert.deepEqual(Object.fromEntries(Object.entries(doc.paths).map(([p, ops]) => [p, Object.keys(ops)])), SERVED)
  for (const [path, methods] of Object.entries(SERVED)) {
    for (const method of methods) assert.ok(g!.fastify.hasRoute({ method: method.toUpperCase() as 'GET', url: path }), `${method} ${path} is a route`)
  }
  // the root answers as documented
  assert.deepEqual(Object.keys(doc.paths['/']!.post!.responses).sort(), ['200', '201', '202', '204', '400', '404', '409', '413', '415', '500', '501', '502', '504'])
  assert.deepEqual(Object.keys(doc.paths['/']!.get!.responses).sort(), ['200', '413'])
  assert.deepEqual(Object.keys(doc.paths['/']!.put!.responses).sort(), ['202', '400', '404', '413', '415'])
})

test('error responses and codes come from the error table; the token shows as a security scheme', () => {
  const open = openApiDocument({ tokenRequired: false, bodyLimitBytes: 1, resultWaitMs: 1 }) as unknown as Doc
  const closed = openApiDocument({ tokenRequired: true, bodyLimitBytes: 1, resultWaitMs: 1 }) as unknown as Doc
  const schemas = open.components.schemas as { Error: { properties: { error: { enum: string[] } } } }
  assert.deepEqual(schemas.Error.properties.error.enum, GATEWAY_ERRORS.map(e => e.code))
  assert.equal(open.components.securitySchemes, undefined)
  assert.deepEqual(closed.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } })
  assert.ok('401' in closed.paths['/']!.get!.responses)
  assert.ok(!('401' in open.paths['/']!.get!.responses))
  assert.deepEqual(closed.paths['/.well-known/simon-p2p/identity']!.get!.security, [])
})
