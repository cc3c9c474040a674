/**
 * `simon node`: a long-lived node (and, with --http, its fdrtd gateway) until SIGINT/SIGTERM.
 * Its first stdout line, once it listens, is the ready line:
 *   {"peerId": "...", "multiaddrs": ["/ip4/127.0.0.1/tcp/4001/p2p/..."], "http": "http://127.0.0.1:8080"}
 */
import { InvalidInputError } from '@simon-p2p/core'
import { loadIdentity, SimonNode } from '@simon-p2p/node'
import { startGateway } from '@simon-p2p/gateway'
import { inboundConnectionsPerHost } from '../connections.js'

export interface NodeOptions {
  readonly key: string
  readonly listen: string[]
  readonly http?: string
  readonly token?: string
  readonly allow?: string[]
  readonly inboundConnectionsPerHost?: string
}

/** The environment variable that may hold the gateway's bearer token instead of --token. */
export const TOKEN_ENV = 'SIMON_GATEWAY_TOKEN'

export function parseHostPort (text: string, field = 'http'): { host: string, port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text) ?? /^(\d{1,5})$/.exec(text)
  if (m === null) throw new InvalidInputError(field, `${JSON.stringify(text)} is not HOST:PORT (e.g. 127.0.0.1:8080)`)
  const port = Number(m[3] ?? m[1])
  const host = m[3] === undefined ? '127.0.0.1' : (m[1] ?? m[2]!)
  if (port > 65535) throw new InvalidInputError(field, `port ${port} is above 65535`)
  return { host, port }
}

export async function runNode (options: NodeOptions): Promise<void> {
  // Handlers first: a signal that comes while the node starts, or right after the ready line
  // (a reader may act on it before this process runs another line), still stops it cleanly.
  const stopRequested = new Promise<void>(resolve => {
    const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve() }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  const http = options.http === undefined ? undefined : parseHostPort(options.http)
  const token = options.token ?? process.env[TOKEN_ENV]
  const perHost = inboundConnectionsPerHost(options.inboundConnectionsPerHost)
  const privateKey = await loadIdentity(options.key)
  const node = await SimonNode.create({ privateKey, listen: options.listen, allowPeers: options.allow, inboundConnectionsPerHost: perHost })
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined
  try {
    if (http !== undefined) gateway = await startGateway({ node, host: http.host, port: http.port, ...(token === undefined || token === '' ? {} : { token }) })
  } catch (err) {
    await node.stop()
    throw err
  }
  const ready: Record<string, unknown> = { peerId: node.peerId, multiaddrs: node.multiaddrs() }
  if (gateway !== undefined) ready.http = gateway.url
  process.stdout.write(JSON.stringify(ready) + '\n')

  await stopRequested
  await gateway?.close()
  await node.stop()
}
