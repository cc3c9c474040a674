/**
 * The error table in src/errors.ts and the one in README.md must agree row for row; every typed
 * error a client can meet must map to a row of its own, never to INTERNAL.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import {
  DigestMismatchError, InvalidInputError, ProtocolError, ResultMismatchError, TaskAbortedError, TaskCancelledError, TaskTimeoutError
} from '@simon-p2p/core'
import { MicroserviceNotFoundError, UnknownFunctionError, UnknownHandleError, UnsupportedMicroprotocolError } from '@simon-p2p/api'
import { errorAnswer, GATEWAY_ERRORS, GatewayError, NodeUnreachableError, NOT_FOR_CLIENTS, TASK_FAILURE_CODES } from '@simon-p2p/gateway'

const README = new URL('../README.md', import.meta.url)

async function readmeTable (): Promise<Array<{ code: string, status: number, description: string }>> {
  const text = await readFile(README, 'utf8')
  const start = text.indexOf('<!-- errors-table:start -->')
  const end = text.indexOf('<!-- errors-table:end -->')
  assert.ok(start >= 0 && end > start, 'README.md marks its error table with errors-table:start/end')
  const rows = text.slice(start, end).split('\n').filter(l => l.startsWith('|')).slice(2)
  return rows.map(row => {
    const m = /^\| `([A-Z_]+)` \| (\d{3}) \| (.*) \|$/.exec(row)
    assert.ok(m !== null, `README row in the form | \`CODE\` | status | meaning |: ${row}`)
    return { code: m[1]!, status: Number(m[2]), description: m[3]! }
  })
}

test('README.md holds the same error table as src/errors.ts', async () => {
  assert.deepEqual(await readmeTable(), GATEWAY_ERRORS.map(e => ({ code: e.code, status: e.status, description: e.description })))
})

test('the table: unique codes, error statuses, ordered by status', () => {
  assert.equal(new Set(GATEWAY_ERRORS.map(e => e.code)).size, GATEWAY_ERRORS.length)
  for (const e of GATEWAY_ERRORS) assert.ok(e.status >= 400 && e.status <= 599, e.code)
  const statuses = GATEWAY_ERRORS.map(e => e.status)
  assert.deepEqual(statuses, [...statuses].sort((a, b) => a - b))
})

test('every typed error a client can meet has its own row', () => {
  const cases: Array<[Error, string, number]> = [
    [new InvalidInputError('value', 'out of range'), 'INVALID_INPUT', 400],
    [new UnknownHandleError('handle', 'x'), 'UNKNOWN_HANDLE', 404],
    [new UnknownFunctionError('Simon', 'f'), 'UNKNOWN_FUNCTION', 404],
    [new MicroserviceNotFoundError({ protocol: 'x' }), 'MICROSERVICE_NOT_FOUND', 404],
    [new UnsupportedMicroprotocolError('SecureProduct', ['SecureSum']), 'UNSUPPORTED_MICROPROTOCOL', 501],
    [new TaskTimeoutError('share', [2], 60), 'TIMEOUT', 504],
    [new TaskAbortedError(1, 'DIGEST_MISMATCH', 'differs'), 'TASK_FAILED', 409],
    [new DigestMismatchError(1, ['parameters.digits_after: 6 here, 12 at party 1']), 'TASK_FAILED', 409],
    [new ResultMismatchError(1), 'TASK_FAILED', 409],
    [new ProtocolError('second share', 1), 'TASK_FAILED', 409],
    [new TaskCancelledError('deleted'), 'TASK_FAILED', 409],
    [new NodeUnreachableError('network.nodes[1]', 'http://127.0.0.1:1', 'ECONNREFUSED'), 'NODE_UNREACHABLE', 502],
    [new GatewayError('BODY_TOO_LARGE', ''), 'BODY_TOO_LARGE', 413]
  ]
  for (const [err, code, status] of cases) {
    const { status: s, body } = errorAnswer(err)
    assert.equal(body.error, code, err.name)
    assert.equal(s, status, err.name)
    assert.equal(body.code, status)
  }
  assert.equal(errorAnswer(new TaskAbortedError(1, 'X', 'y')).body.cause, 'ABORTED')
})

test('every error code the engine and the API define is mapped (a new one fails here until it is)', async () => {
  const sources = ['../../core/src/errors.ts', '../../api/src/errors.ts', '../../node/src/errors.ts']
  const codes = new Set<string>()
  for (const source of sources) {
    const text = await readFile(new URL(source, import.meta.url), 'utf8').catch(() => '')
    for (const m of text.matchAll(/'([A-Z][A-Z_]+)'\)\s*$/gm)) codes.add(m[1]!)
  }
  assert.ok(codes.has('INVALID_INPUT') && codes.has('TIMEOUT') && codes.has('UNKNOWN_HANDLE'), [...codes].join(' '))
  const table = new Set<string>(GATEWAY_ERRORS.map(e => e.code))
  for (const code of codes) {
    assert.ok(table.has(code) || TASK_FAILURE_CODES.includes(code) || NOT_FOR_CLIENTS.includes(code), `${code} is in the table, a task failure, or not for clients`)
  }
})

test('a task failure names the missing party by its node; an unexpected error says nothing of itself', () => {
  const nodes = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3']
  const timeout = errorAnswer(new TaskTimeoutError('partial', [1, 2], 60), { parties: nodes })
  assert.equal(timeout.body.message, "timed out after 60 s at step 'partial': no message from parties 1, 2 (party 1 = http://127.0.0.1:2, party 2 = http://127.0.0.1:3)")
  const internal = errorAnswer(new TypeError('secret detail at /home/x'))
  assert.deepEqual(internal, { status: 500, body: { code: 500, error: 'INTERNAL', message: 'internal error' } })
  assert.equal(errorAnswer('a string').status, 500)
  assert.equal(errorAnswer(null).status, 500)
  // fastify's own errors
  assert.equal(errorAnswer(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), { bodyLimitBytes: 10 }).body.message, 'request body is over the limit of 10 bytes')
  assert.equal(errorAnswer(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })).status, 415)
  assert.equal(errorAnswer(Object.assign(new Error('x'), { code: 'SOMETHING_ELSE' })).status, 500)
})
