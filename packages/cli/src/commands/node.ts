/**
 * `simon node`: a long-lived node (and, with --http, its fdrtd gateway; with --metrics, its
 * Prometheus metrics) until SIGINT/SIGTERM. Its first stdout line, once it listens, is the ready line:
 *   {"peerId": "...", "multiaddrs": ["/ip4/127.0.0.1/tcp/4001/p2p/..."], "http": "http://127.0.0.1:8080", "metrics": "http://127.0.0.1:9464/metrics"}
 * `--config FILE` takes the settings from a JSON file (config.ts); `--check-config FILE` checks
 * them, prints what the node would do (secrets redacted) and exits.
 */
import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { Registry } from 'prom-client'
import { InvalidInputError } from '@simon-p2p/core'
import type { PrivateKey } from '@libp2p/interface'
import { loadIdentity, nodeMetrics, peerIdOf, SimonNode } from '@simon-p2p/node'
import { normalizeOrigins, requireTokenBeyondLoopback, startGateway } from '@simon-p2p/gateway'
import { loadNodeConfig, type NodeConfig } from '../config.js'
import { inboundConnectionsPerHost } from '../connections.js'
import { jsonComponentLogger, jsonLog, LOG_FORMATS, taskLog, type LogFormat } from '../log.js'
import { serveMetrics } from '../metrics-server.js'

export interface NodeOptions {
  readonly key?: string
  readonly listen?: string[]
  readonly http?: string
  readonly token?: string
  /** A file that holds the token (trimmed): unlike --token, not visible to other users in `ps`. */
  readonly tokenFile?: string
  readonly allowOrigin?: string[]
  readonly allowHost?: string[]
  readonly allow?: string[]
  readonly inboundConnectionsPerHost?: string
  /** HOST:PORT of GET /metrics (Prometheus text format). */
  readonly metrics?: string
  readonly logFormat?: string
  /** A JSON file with the settings (config.ts); the flags given win over its keys. */
  readonly config?: string
  /** The same file, only checked: print what the node would do, and exit. */
  readonly checkConfig?: string
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

/** Where a token came from, for --check-config (never the token itself). */
function tokenSource (options: NodeOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (options.tokenFile !== undefined) return `token-file ${options.tokenFile}`
  if (options.token !== undefined) return 'token'
  return env[TOKEN_ENV] === undefined || env[TOKEN_ENV] === '' ? undefined : TOKEN_ENV
}

/** What a node will run with, every setting checked: nothing has started yet. */
export interface NodePlan {
  readonly key: string
  readonly privateKey: PrivateKey
  readonly peerId: string
  readonly listen: string[]
  readonly http?: { host: string, port: number }
  readonly metrics?: { host: string, port: number }
  readonly token?: string
  readonly tokenSource?: string
  readonly allowOrigin: string[]
  readonly allowHost: string[]
  readonly allow: string[]
  readonly inboundConnectionsPerHost?: number
  readonly logFormat: LogFormat
}

/** A config file's keys as the flags' options (--token-file is `tokenFile`). */
function fromConfig (config: Omit<NodeConfig, 'listen'> & { listen?: string[] }): NodeOptions {
  const n = config['inbound-connections-per-host']
  return {
    ...(config.key === undefined ? {} : { key: config.key }),
    ...(config.listen === undefined ? {} : { listen: config.listen }),
    ...(config.http === undefined ? {} : { http: config.http }),
    ...(config['token-file'] === undefined ? {} : { tokenFile: config['token-file'] }),
    ...(config.token === undefined ? {} : { token: config.token }),
    ...(config['allow-origin'] === undefined ? {} : { allowOrigin: config['allow-origin'] }),
    ...(config['allow-host'] === undefined ? {} : { allowHost: config['allow-host'] }),
    ...(config.allow === undefined ? {} : { allow: config.allow }),
    ...(n === undefined ? {} : { inboundConnectionsPerHost: String(n) }),
    ...(config.metrics === undefined ? {} : { metrics: config.metrics }),
    ...(config['log-format'] === undefined ? {} : { logFormat: config['log-format'] })
  }
}

/**
 * The flags over the config file's keys, every setting checked and the key loaded.
 * @throws InvalidInputError (ConfigError for the file) naming the flag or key at fault
 */
export async function planNode (flags: NodeOptions): Promise<NodePlan> {
  if (flags.config !== undefined && flags.checkConfig !== undefined) throw new InvalidInputError('check-config', 'give --config or --check-config, not both')
  const file = flags.config ?? flags.checkConfig
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as NodeOptions
  const options: NodeOptions = { ...(file === undefined ? {} : fromConfig(await loadNodeConfig(file))), ...given }
  if (options.key === undefined) throw new InvalidInputError('key', 'is required: give --key FILE, or "key" in the --config file')
  if (options.listen === undefined || options.listen.length === 0) throw new InvalidInputError('listen', 'is required: give --listen MULTIADDR, or "listen" in the --config file')
  options.listen.forEach((address, i) => {
    try { multiaddr(address) } catch (err) { throw new InvalidInputError(`listen[${i}]`, `${JSON.stringify(address)} is not a multiaddr: ${(err as Error).message}`) }
  })
  const logFormat = (options.logFormat ?? 'human') as LogFormat
  if (!LOG_FORMATS.includes(logFormat)) throw new InvalidInputError('log-format', `must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(logFormat)}`)
  const http = options.http === undefined ? undefined : parseHostPort(options.http)
  const metrics = options.metrics === undefined ? undefined : parseHostPort(options.metrics, 'metrics')
  const token = await gatewayToken(options)
  // before anything starts: a gateway or metrics beyond loopback without a token would be open to everyone who can reach them
  if (http !== undefined) requireTokenBeyondLoopback(http.host, token)
  if (metrics !== undefined) requireTokenBeyondLoopback(metrics.host, token, 'metrics')
  normalizeOrigins(options.allowOrigin ?? [])
  const perHost = inboundConnectionsPerHost(options.inboundConnectionsPerHost)
  const privateKey = await loadIdentity(options.key)
  const source = token === undefined ? undefined : tokenSource(options)
  return {
    key: options.key,
    privateKey,
    peerId: peerIdOf(privateKey),
    listen: options.listen,
    ...(http === undefined ? {} : { http }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(token === undefined ? {} : { token }),
    ...(source === undefined ? {} : { tokenSource: source }),
    allowOrigin: options.allowOrigin ?? [],
    allowHost: options.allowHost ?? [],
    allow: options.allow ?? [],
    ...(perHost === undefined ? {} : { inboundConnectionsPerHost: perHost }),
    logFormat
  }
}

/** What --check-config prints: the resolved settings under the config file's keys, the token redacted. */
export function describePlan (plan: NodePlan): Record<string, unknown> {
  const url = (a: { host: string, port: number } | undefined, path = ''): string | null =>
    a === undefined ? null : `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}${path}`
  return {
    peerId: plan.peerId,
    key: plan.key,
    listen: plan.listen,
    http: url(plan.http),
    metrics: url(plan.metrics, '/metrics'),
    token: plan.tokenSource === undefined ? null : `<redacted> (from ${plan.tokenSource})`,
    'allow-origin': plan.allowOrigin,
    'allow-host': plan.allowHost,
    allow: plan.allow,
    'inbound-connections-per-host': plan.inboundConnectionsPerHost ?? null,
    'log-format': plan.logFormat
  }
}

export async function runNode (flags: NodeOptions): Promise<void> {
  // Handlers first: a signal that comes while the node starts, or right after the ready line
  // (a reader may act on it before this process runs another line), still stops it cleanly.
  const stopRequested = new Promise<void>(resolve => {
    const stop = (): void => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve() }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  const plan = await planNode(flags)
  if (flags.checkConfig !== undefined) {
    process.stdout.write(JSON.stringify({ ok: true, config: flags.checkConfig, ...describePlan(plan) }, null, 2) + '\n')
    return
  }
  const log = plan.logFormat === 'json' ? jsonLog() : undefined
  const registry = plan.metrics === undefined ? undefined : new Registry()
  const node = await SimonNode.create({
    privateKey: plan.privateKey,
    listen: plan.listen,
    allowPeers: plan.allow,
    inboundConnectionsPerHost: plan.inboundConnectionsPerHost,
    ...(registry === undefined ? {} : { metrics: prometheusMetrics({ registry }) }),
    ...(log === undefined ? {} : { logger: jsonComponentLogger(log) })
  })
  if (log !== undefined) node.secureSum.observe(taskLog(log))
  if (registry !== undefined) nodeMetrics(node, registry)
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined
  let metrics: Awaited<ReturnType<typeof serveMetrics>> | undefined
  try {
    if (plan.http !== undefined) {
      gateway = await startGateway({
        node,
        host: plan.http.host,
        port: plan.http.port,
        allowOrigins: plan.allowOrigin,
        allowHosts: plan.allowHost,
        ...(plan.token === undefined ? {} : { token: plan.token })
      })
    }
    if (plan.metrics !== undefined && registry !== undefined) {
      metrics = await serveMetrics({ registry, host: plan.metrics.host, port: plan.metrics.port, allowHosts: plan.allowHost, ...(plan.token === undefined ? {} : { token: plan.token }) })
    }
  } catch (err) {
    await gateway?.close()
    await node.stop()
    throw err
  }
  const ready: Record<string, unknown> = { peerId: node.peerId, multiaddrs: node.multiaddrs() }
  if (gateway !== undefined) ready.http = gateway.url
  if (metrics !== undefined) ready.metrics = metrics.url
  process.stdout.write(JSON.stringify(ready) + '\n')
  log?.info({ peerId: node.peerId, multiaddrs: node.multiaddrs(), http: gateway?.url, metrics: metrics?.url }, 'node listening')

  await stopRequested
  log?.info('node stopping')
  await metrics?.close()
  await gateway?.close()
  await node.stop()
}
