/**
 * A body over the limit is refused with 413 before it is read to the end: the answer comes while
 * the client is still sending, and the server closes the connection instead of draining it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startGateways } from './helpers.js'

const LIMIT = 4096

interface RawAnswer { status: number, body: unknown }

/** Send the head and the chunks, never the end of the body; resolves once the server closes the connection. */
async function sendUnfinished (port: number, head: string, chunks: Buffer[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no close within 5 s; got ${JSON.stringify(received)}`)) }, 5_000)
    socket.on('data', (d: Buffer) => { received += d.toString() })
    socket.on('error', () => {}) // writes after the server closed may fail: the answer is what counts
    socket.on('close', () => {
      clearTimeout(timer)
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1])
      const text = received.slice(received.indexOf('\r\n\r\n') + 4)
      let body: unknown
      try { body = JSON.parse(text) } catch { body = text }
      resolve({ status, body })
    })
    socket.write(head)
    for (const c of chunks) socket.write(c)
  })
}

test('413 on a Content-Length over the limit, before the body is sent', async (t) => {
  const [g] = await startGateways(t, 1, { bodyLimitBytes: LIMIT })
  const port = Number(new URL(g!.url).port)
  const head = 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n'
  // 1 KiB of the announced 100 MB: the answer must come without the rest
  const answer = await sendUnfinished(port, head, [Buffer.alloc(1024, 0x20)])
  assert.equal(answer.status, 413)
  assert.deepEqual(answer.body, { code: 413, error: 'BODY_TOO_LARGE', message: `request body is over the limit of ${LIMIT} bytes` })
})

test('413 on a chunked body once it passes the limit, without waiting for its end', async (t) => {
  const [g] = await startGateways(t, 1, { bodyLimitBytes: LIMIT })
  const port = Number(new URL(g!.url).port)
  const head = 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
  const chunk = Buffer.concat([Buffer.from('400\r\n'), Buffer.alloc(1024, 0x20), Buffer.from('\r\n')])
  // 8 KiB sent, the terminating chunk never
  const answer = await sendUnfinished(port, head, Array.from({ length: 8 }, () => chunk))
  assert.equal(answer.status, 413)
  assert.equal((answer.body as { error: string }).error, 'BODY_TOO_LARGE')
})

test('413 on a GET whose body is over the limit (fastify would not read it, Node would drain it)', async (t) => {
  const [g] = await startGateways(t, 1, { bodyLimitBytes: LIMIT })
  const port = Number(new URL(g!.url).port)
  const head = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n'
  const answer = await sendUnfinished(port, head, [Buffer.from('{}')])
  assert.equal(answer.status, 413)
  assert.equal((answer.body as { error: string }).error, 'BODY_TOO_LARGE')
})

test('a body under the limit is served; the default limit is 16 MiB', async (t) => {
  const [small] = await startGateways(t, 1, { bodyLimitBytes: LIMIT })
  const under = await fetch(small!.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ protocol: 'Simon' }) })
  assert.equal(under.status, 202)
  const over = await fetch(small!.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ protocol: 'x'.repeat(LIMIT) }) })
  assert.equal(over.status, 413)
  assert.equal(((await over.json()) as { code: number }).code, 413)
  const [big] = await startGateways(t, 1)
  const kv = await (await fetch(big!.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"microservice": "KeyValueStorage"}' })).json() as string
  const value = Array.from({ length: 200_000 }, (_, i) => i % 1000)
  const stored = await fetch(big!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: kv, function: 'create', parameters: { value } }) })
  assert.equal(stored.status, 201)
})
