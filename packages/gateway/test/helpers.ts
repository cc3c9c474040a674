/** Gateways in this process, each in front of its own node on 127.0.0.1, closed after the test. */
import { SimonNode, type SimonNodeInit } from '@simon-p2p/node'
import { startGateway, type Gateway, type GatewayInit } from '@simon-p2p/gateway'

export interface TestContext { after: (fn: () => Promise<void>) => void }

export async function startGateways (t: TestContext, n: number, init: Omit<GatewayInit, 'node'> = {}, nodeInit: SimonNodeInit = {}): Promise<Gateway[]> {
  const gateways = await Promise.all(Array.from({ length: n }, async () => {
    const node = await SimonNode.create({ listen: ['/ip4/127.0.0.1/tcp/0'], ...nodeInit })
    const gateway = await startGateway({ node, ...init })
    t.after(async () => { await gateway.close(); await gateway.server.node.stop() })
    return gateway
  }))
  return gateways
}

export interface Answer { status: number, headers: Headers, text: string, body: unknown }

/** One request to a gateway with fetch; the body is JSON-encoded unless it is a string. */
export async function request (url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) })
  })
  const text = await response.text()
  let parsed: unknown
  try { parsed = text === '' ? undefined : JSON.parse(text) } catch { parsed = text }
  return { status: response.status, headers: response.headers, text, body: parsed }
}
