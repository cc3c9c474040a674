/**
 * Shared by the adversary suite (not a test file: the runner is given *.test.ts): raw HTTP
 * requests with the headers a hostile web page or party would send, a gateway in front of a node,
 * and a local HTTP server that counts what reaches it.
 */
import '@simon-p2p/node' // first: installs Promise.withResolvers (Node 20) before libp2p loads
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { networkInterfaces } from 'node:os'
import { startGateway, type Gateway, type GatewayInit } from '@simon-p2p/gateway'
import type { SimonNode } from '@simon-p2p/node'

interface After { after: (fn: () => Promise<void> | void) => void }

export interface RawAnswer { readonly status: number, readonly headers: Record<string, string | string[] | undefined>, readonly text: string, readonly body: unknown }

/**
 * One request with exactly these headers (Host included: node:http sends the one given, as a
 * browser sends the page's own name after DNS rebinding). A JSON body gets its content type.
 */
export async function raw (url: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<RawAnswer> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method,
      headers: { ...(text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }), ...headers }
    }, (res) => {
      let received = ''
      res.on('data', (d: Buffer) => { received += d.toString('utf8') })
      res.on('end', () => {
        let parsed: unknown
        try { parsed = received === '' ? undefined : JSON.parse(received) } catch { parsed = received }
        resolve({ status: res.statusCode!, headers: res.headers, text: received, body: parsed })
      })
    })
    req.on('error', reject)
    req.end(text)
  })
}

/** A gateway on 127.0.0.1 in front of `node`, closed after the test (the node is the caller's). */
export async function gatewayFor (t: After, node: SimonNode, init: Omit<GatewayInit, 'node'> = {}): Promise<Gateway> {
  const gateway = await startGateway({ node, ...init })
  t.after(async () => { await gateway.close() })
  return gateway
}

/** The Simon handle of a gateway, selected as a legitimate local client does. */
export async function simonHandle (gateway: Gateway): Promise<string> {
  const a = await raw(gateway.url, 'PUT', {}, { protocol: 'Simon' })
  assert.equal(a.status, 202, a.text)
  return a.body as string
}

/** A server on 127.0.0.1 that answers every request with `answer` (404 when absent) and counts them. */
export async function countingServer (t: After, answer?: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string, requests: () => number }> {
  let count = 0
  const server = createServer((req, res) => {
    count++
    if (answer !== undefined) { answer(req, res); return }
    res.statusCode = 404
    res.end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) })
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests: () => count }
}

/** What a node has done: tasks held, frames sent and received. */
export function footprint (nodes: readonly SimonNode[]): number[] {
  return nodes.flatMap(n => [n.taskCount, n.stats().framesSent, n.stats().framesReceived])
}

/**
 * Characters that must never reach a terminal or an HTTP client raw: C0 controls, DEL, C1
 * controls, zero-width and bidirectional formatting characters, line separators, the BOM.
 */
export const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/

/** An abort reason as a hostile party writes it: clear the screen, recolour, fake a line, reorder. */
export const HOSTILE_REASON = '\u001b[2J\u001b[31mall good\u001b[0m\u009b1A\r\nsimon sum: {"inputs":3}\u202eexe.\u0007\u0000'

/**
 * An address beyond loopback that is on no interface of this machine (from the documentation
 * ranges TEST-NET-1..3): a listen on it fails, so a test that must be refused before listening
 * can never bind beyond loopback, even when the refusal is missing.
 */
export function unboundAddress (): string {
  const local = new Set(Object.values(networkInterfaces()).flatMap(list => (list ?? []).map(a => a.address)))
  const free = ['203.0.113.77', '198.51.100.77', '192.0.2.177'].find(a => !local.has(a))
  assert.ok(free !== undefined, 'every candidate address is on an interface here')
  return free
}
