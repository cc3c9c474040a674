/**
 * `simon node`: a long-lived node (and, with --http, its fdrtd gateway) until SIGINT/SIGTERM.
 * Its first stdout line, once it listens, is the ready line:
 *   {"peerId": "...", "multiaddrs": ["/ip4/127.0.0.1/tcp/4001/p2p/..."], "http": "http://127.0.0.1:8080"}
 */
import { readFile } from 'node:fs/promises'
import { InvalidInputError } from '@simon-p2p/core'
import { loadIdentity, SimonNode } from '@simon-p2p/node'
import { requireTokenBeyondLoopback, startGateway } from '@simon-p2p/gateway'
import { inboundConnectionsPerHost } from '../connections.js'

export interface NodeOptions {
  readonly key: string
  readonly listen: string[]
  readonly http?: string
  readonly token?: string
  /** A file that holds the token (trimmed): unlike --token, not visible to other users in `ps`. */
  readonly tokenFile?: string
  readonly allowOrigin?: string[]
  readonly allowHost?: string[]
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

/**
 * The token from --token-file, --token or SIMON_GATEWAY_TOKEN, in that order; undefined when none is given.
 * @throws InvalidInputError naming `token-file` when both flags are given, or the file cannot be read or is empty
 */
export async function gatewayToken (options: Pick<NodeOptions, 'token' | 'tokenFile'>, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (options.tokenFile !== undefined && options.token !== undefined) throw new InvalidInputError('token-file', 'give --token-file or --token, not both')
  if (options.tokenFile === undefined) {
    const token = options.token ?? env[TOKEN_ENV]
    return token === '' ? undefined : token
  }
  let text: string
  try {
    text = await readFile(options.tokenFile, 'utf8')
  } catch (err) {
    throw new InvalidInputError('token-file', `cannot read ${options.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  const token = text.trim()
  if (token === '') throw new InvalidInputError('token-file', `${options.tokenFile} is empty`)
  return token
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
  const token = await gatewayToken(options)
  // before anything starts: a gateway beyond loopback without a token would be open to everyone who can reach it
  if (http !== undefined) requireTokenBeyondLoopback(http.host, token)
  const perHost = inboundConnectionsPerHost(options.inboundConnectionsPerHost)
  const privateKey = await loadIdentity(options.key)
  const node = await SimonNode.create({ privateKey, listen: options.listen, allowPeers: options.allow, inboundConnectionsPerHost: perHost })
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined
  try {
    if (http !== undefined) {
      gateway = await startGateway({
        node,
        host: http.host,
        port: http.port,
        allowOrigins: options.allowOrigin ?? [],
        allowHosts: options.allowHost ?? [],
        ...(token === undefined ? {} : { token })
      })
    }
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
