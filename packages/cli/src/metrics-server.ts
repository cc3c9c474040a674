/**
 * `simon node --metrics HOST:PORT`: GET /metrics in the Prometheus text format (libp2p's own
 * metrics and the node's, one prom-client registry). The gateway's rules: loopback unless told
 * otherwise, a token required beyond loopback and checked whenever one is set, Host names the
 * server does not serve refused (DNS rebinding), browser pages of other origins refused.
 */
import Fastify from 'fastify'
import type { Registry } from 'prom-client'
import { bearerCheck, errorAnswer, GatewayError, installRequestGuard, requireTokenBeyondLoopback, servedHostNames } from '@simon-p2p/gateway'

/** The path Prometheus scrapes, its convention. */
export const METRICS_PATH = '/metrics'

export interface MetricsServerInit {
  readonly registry: Registry
  readonly host: string
  readonly port: number
  /** When set, every request needs `Authorization: Bearer <token>` (Prometheus: `authorization.credentials_file`). */
  readonly token?: string
  /** Host names besides loopback and the bound address that requests may name (a reverse proxy's). */
  readonly allowHosts?: readonly string[]
}

export interface MetricsServer {
  /** `http://HOST:PORT/metrics`. */
  readonly url: string
  close: () => Promise<void>
}

/**
 * @throws InvalidInputError naming `token` for a host beyond loopback without one; the listen error when the port is taken
 */
export async function serveMetrics (init: MetricsServerInit): Promise<MetricsServer> {
  requireTokenBeyondLoopback(init.host, init.token, 'metrics')
  const checkToken = init.token === undefined ? undefined : bearerCheck(init.token)
  let actualPort = init.port
  const app = Fastify({ logger: false, bodyLimit: 1024 })
  const send = (reply: import('fastify').FastifyReply, err: unknown): void => {
    const { status, body } = errorAnswer(err)
    if (status === 401) void reply.header('www-authenticate', 'Bearer realm="simon-p2p metrics"')
    void reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body))
  }
  app.setErrorHandler((err, _request, reply) => { send(reply, err) })
  app.setNotFoundHandler((request, reply) => { send(reply, new GatewayError('NOT_FOUND', `nothing at ${request.method} ${request.url.slice(0, 200)}: metrics are at ${METRICS_PATH}`)) })
  installRequestGuard(app, { hostNames: servedHostNames(init.host, init.allowHosts), allowOrigins: new Set(), port: () => actualPort })
  if (checkToken !== undefined) {
    app.addHook('onRequest', async request => {
      if (!checkToken(request.headers.authorization)) throw new GatewayError('UNAUTHORIZED', 'the metrics need the header Authorization: Bearer <token>')
    })
  }
  app.get(METRICS_PATH, async (_request, reply) => {
    const text = await init.registry.metrics()
    return reply.type(init.registry.contentType).send(text)
  })
  await app.listen({ host: init.host, port: init.port })
  const address = app.server.address()
  if (address !== null && typeof address === 'object') actualPort = address.port
  const host = init.host.includes(':') ? `[${init.host}]` : init.host
  return { url: `http://${host}:${actualPort}${METRICS_PATH}`, close: async () => app.close() }
}
