/**
 * The gateway: fastify in front of an FdrtdServer, speaking the fdrtd HTTP API 0.2.0 on its root
 * URL (see FDRTD-API.md), plus the identity endpoint other gateways resolve it through and an
 * OpenAPI document. HTTP is only the door between a user's client and that user's own node;
 * between parties everything goes over libp2p.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { InvalidInputError } from '@simon-p2p/core'
import { FdrtdServer, toJson, type CallResult } from '@simon-p2p/api'
import type { SimonNode } from '@simon-p2p/node'
import { bearerCheck } from './auth.js'
import {
  DEFAULT_BODY_LIMIT_BYTES, DEFAULT_HOST, DEFAULT_IDENTITY_TIMEOUT_MS, DEFAULT_RESULT_WAIT_MS, IDENTITY_PATH,
  MAX_REMEMBERED_TASKS, OPENAPI_PATH
} from './constants.js'
import { errorAnswer, GatewayError, type ErrorContext } from './errors.js'
import { installRequestGuard, normalizeOrigins, requireTokenBeyondLoopback, servedHostNames } from './guard.js'
import { resolveGatewayNetwork, type GatewayIdentity } from './identity.js'
import { parseJsonBody } from './json-body.js'
import { openApiDocument } from './openapi.js'
import { mountUi, UI_PUBLIC_PATHS } from './ui/routes.js'

export interface GatewayInit {
  /** The node this gateway stands in front of; the gateway does not stop it. */
  readonly node: SimonNode
  /** Default 127.0.0.1. Any address beyond loopback (0.0.0.0 included) needs a token: startGateway refuses to start without one. */
  readonly host?: string
  /** Default 0: a free port (read it from `url`). */
  readonly port?: number
  /** When set, every request but the identity endpoint and the web page's files (UI_PUBLIC_PATHS) needs `Authorization: Bearer <token>`. */
  readonly token?: string
  /** Larger bodies are refused with 413 before they are read. Default 16 MiB. */
  readonly bodyLimitBytes?: number
  /** How long result() waits for a pending sum before answering null. Default 30 s. */
  readonly resultWaitMs?: number
  /** How long resolving another gateway's URL may take. Default 5 s. */
  readonly identityTimeoutMs?: number
  /**
   * Web origins (`https://app.example.org`) whose pages may call this gateway from a browser.
   * Default none: a request with any other Origin than the gateway's own is refused with 403.
   */
  readonly allowOrigins?: readonly string[]
  /**
   * Host names besides loopback and the bound address that requests may name in their Host
   * header (a reverse proxy's, say). Others are refused with 421 (DNS rebinding).
   */
  readonly allowHosts?: readonly string[]
}

export interface Gateway {
  /** `http://HOST:PORT`, the root URL clients use. */
  readonly url: string
  readonly server: FdrtdServer
  readonly fastify: FastifyInstance
  /** Stop serving (pending result() waits answer at once); the node keeps running. */
  close: () => Promise<void>
}

const JSON_TYPE = 'application/json; charset=utf-8'

/** A logger of the node's libp2p logger (`logger.forComponent(name)`), the one convention of node and gateway. */
type Logger = ReturnType<SimonNode['libp2p']['logger']['forComponent']>

/**
 * Start a gateway in front of `node`, listening once this resolves.
 * @param init the node (the gateway does not stop it), where to listen, an optional token, limits
 * @returns the running gateway: its root `url`, and `close()`
 * @throws InvalidInputError for a bad option (naming it: `port`, `bodyLimitBytes`, `token`, `allowOrigins`, ...), naming
 *   `token` for a host beyond loopback without one; the listen error when the address is taken
 * @example
 * ```ts
 * const gateway = await startGateway({ node, port: 0 })
 * const answer = await fetch(gateway.url) // GET /: the microservices, as fdrtd lists them
 * await gateway.close()
 * ```
 */
export async function startGateway (init: GatewayInit): Promise<Gateway> {
  const { node } = init
  // the node's logger, as a libp2p service would use it: DEBUG='simon:gateway*' prints unexpected
  // failures (never bodies, inputs or values)
  const log = node.libp2p.logger.forComponent('simon:gateway')
  const host = init.host ?? DEFAULT_HOST
  const port = init.port ?? 0
  const bodyLimitBytes = init.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES
  const resultWaitMs = init.resultWaitMs ?? DEFAULT_RESULT_WAIT_MS
  if (typeof host !== 'string' || host === '') throw new InvalidInputError('host', 'must be a host name or address')
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw new InvalidInputError('port', `must be an integer from 0 to 65535, got ${port}`)
  if (!Number.isSafeInteger(bodyLimitBytes) || bodyLimitBytes <= 0) throw new InvalidInputError('bodyLimitBytes', `must be a positive integer, got ${bodyLimitBytes}`)
  if (!Number.isFinite(resultWaitMs) || resultWaitMs < 0) throw new InvalidInputError('resultWaitMs', `must be a non-negative number, got ${resultWaitMs}`)
  requireTokenBeyondLoopback(host, init.token)
  const checkToken = init.token === undefined ? undefined : bearerCheck(init.token)
  const allowOrigins = normalizeOrigins(init.allowOrigins ?? [])
  const hostNames = servedHostNames(host, init.allowHosts)
  let actualPort = port

  const closing = new AbortController()
  let url = ''
  const identity = (): GatewayIdentity => ({ peerId: node.peerId, multiaddrs: node.multiaddrs() })
  const server = new FdrtdServer(node, {
    resultWaitMs,
    resolveNetwork: async (network, options) => resolveGatewayNetwork(network, {
      self: { url, identity },
      timeoutMs: init.identityTimeoutMs ?? DEFAULT_IDENTITY_TIMEOUT_MS,
      ...(options.signal === undefined ? {} : { signal: options.signal })
    })
  })
  const simonHandle = server.select({ protocol: 'Simon' })
  /** Task id -> its node list as the caller wrote it, to name a missing party in an error. */
  const taskNodes = new Map<string, readonly unknown[]>()
  const context: ErrorContext = { bodyLimitBytes }

  const app = Fastify({ logger: false, bodyLimit: bodyLimitBytes })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try { done(null, parseJsonBody(body as string)) } catch (err) { done(err as Error, undefined) }
  })

  app.setErrorHandler((err, _request, reply) => { sendError(reply, err, context, log) })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.length > 200 ? `${request.url.slice(0, 200)}...` : request.url
    sendError(reply, new GatewayError('NOT_FOUND', `nothing at ${request.method} ${path}: the fdrtd API is served at the root URL ${url}`), context, log)
  })

  // first: a request for a Host or from an Origin this gateway does not serve gets nothing else
  installRequestGuard(app, { hostNames, allowOrigins, port: () => actualPort })

  if (checkToken !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      const route = request.routeOptions.url ?? ''
      // other gateways resolve this one through its identity; a browser loads the page's files before it can send a token
      if (route === `/${IDENTITY_PATH}` || UI_PUBLIC_PATHS.has(route)) return
      if (checkToken(request.headers.authorization)) return
      // the body is not read: close the connection rather than drain it
      if (hasBody(request)) void reply.header('connection', 'close')
      throw new GatewayError('UNAUTHORIZED', 'this gateway needs the header Authorization: Bearer <token>')
    })
  }

  // fastify reads no body on GET and HEAD, and Node would drain one to its end: refuse a large one at once
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    if (Number(request.headers['content-length'] ?? 0) <= bodyLimitBytes) return
    void reply.header('connection', 'close')
    throw new GatewayError('BODY_TOO_LARGE', '')
  })

  app.get('/', async (_request, reply) => { sendJson(reply, 200, server.list()) })

  app.put('/', async (request, reply) => {
    const identifiers = request.body
    if (identifiers === undefined) throw new InvalidInputError('body', 'is required: the identifiers to select by, e.g. {"protocol": "Simon"}')
    sendJson(reply, 202, server.select(identifiers as Record<string, unknown>))
  })

  app.post('/', async (request, reply) => {
    const call = request.body
    if (call === undefined) throw new InvalidInputError('body', 'is required: {"handle", "function", "parameters"}')
    if (call === null || typeof call !== 'object' || Array.isArray(call)) throw new GatewayError('MALFORMED_BODY', 'the body must be a JSON object {"handle", "function", "parameters"}')
    const { handle, function: fn, parameters, callback } = call as Record<string, unknown>
    if (handle === undefined) throw new InvalidInputError('handle', 'is required')
    if (fn === undefined) throw new InvalidInputError('function', 'is required')
    const onSimonTask = handle === simonHandle && typeof callback === 'string'
    let result: CallResult
    try {
      result = await server.call(handle, fn, parameters, callback, { signal: requestSignal(reply, closing.signal) })
    } catch (err) {
      sendError(reply, err, { ...context, ...(onSimonTask ? { parties: taskNodes.get(callback) } : {}) }, log)
      return
    }
    if (handle === simonHandle) rememberNodes(fn, parameters, callback, result)
    sendResult(reply, result)
  })

  app.route({
    method: ['DELETE', 'PATCH', 'OPTIONS'],
    url: '/',
    handler: async (request, reply) => {
      void reply.header('allow', 'GET, HEAD, PUT, POST')
      throw new GatewayError('METHOD_NOT_ALLOWED', `the root takes GET, PUT and POST, not ${request.method}`)
    }
  })

  app.get(`/${IDENTITY_PATH}`, async (_request, reply) => { sendJson(reply, 200, identity()) })

  const openapi = toJson(openApiDocument({ tokenRequired: checkToken !== undefined, bodyLimitBytes, resultWaitMs }))
  app.get(`/${OPENAPI_PATH}`, async (_request, reply) => { void reply.code(200).type(JSON_TYPE).send(openapi) })

  // the web page, its files and the JSON it reads (ui/routes.ts)
  await mountUi(app, { node, url: () => url, tokenRequired: checkToken !== undefined })

  function rememberNodes (fn: unknown, parameters: unknown, callback: unknown, result: CallResult): void {
    if ((fn === 'create' || fn === 'join') && result.kind === 'handle' && typeof result.callback === 'string') {
      const nodes = (parameters as { network?: { nodes?: unknown } } | undefined)?.network?.nodes
      if (!Array.isArray(nodes)) return
      if (taskNodes.size >= MAX_REMEMBERED_TASKS) taskNodes.delete(taskNodes.keys().next().value!)
      taskNodes.set(result.callback, nodes)
    } else if (fn === 'delete' && typeof callback === 'string') {
      taskNodes.delete(callback)
    }
  }

  await app.listen({ host, port })
  const address = app.server.address()
  actualPort = typeof address === 'object' && address !== null ? address.port : port
  url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`

  let closed: Promise<void> | undefined
  return {
    url,
    server,
    fastify: app,
    close: async () => {
      closed ??= (async () => {
        closing.abort()
        await app.close()
      })()
      return closed
    }
  }
}

/** Aborts when the client goes away before the answer, or the gateway closes. */
function requestSignal (reply: FastifyReply, closing: AbortSignal): AbortSignal {
  const gone = new AbortController()
  const onClose = (): void => { if (!reply.raw.writableFinished) gone.abort() }
  reply.raw.once('close', onClose)
  return AbortSignal.any([gone.signal, closing])
}

function hasBody (request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

function sendJson (reply: FastifyReply, status: number, value: unknown): void {
  void reply.code(status).type(JSON_TYPE).send(toJson(value))
}

/** FDRTD-API.md: nothing 204, a value 200, an object 201 {handle, callback}, a bare handle 202. */
function sendResult (reply: FastifyReply, result: CallResult): void {
  if (result.kind === 'none' || (result.kind === 'value' && result.value === undefined)) {
    void reply.code(204).send()
  } else if (result.kind === 'value') {
    sendJson(reply, 200, result.value)
  } else if (result.callback === undefined || result.callback === null) {
    sendJson(reply, 202, result.handle)
  } else {
    sendJson(reply, 201, { handle: result.handle, callback: result.callback })
  }
}

function sendError (reply: FastifyReply, err: unknown, context: ErrorContext, log: Logger): void {
  const { status, body } = errorAnswer(err, context)
  if (status === 500) log.error('unexpected failure: %s', (err as Error)?.stack ?? String(err))
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="simon-p2p gateway"')
  void reply.code(status).type(JSON_TYPE).send(JSON.stringify(body))
}
