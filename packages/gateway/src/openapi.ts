/**
 * The OpenAPI 3.1 document of what a gateway serves: the fdrtd API 0.2.0 at the root, the
 * identity endpoint, this document, and the web page with its JSON under /ui/. Error answers are
 * taken from the error table, so the two cannot drift apart.
 */
import { FDRTD_VERSION } from '@simon-p2p/api'
import { IDENTITY_PATH, OPENAPI_PATH } from './constants.js'
import { GATEWAY_ERRORS, type GatewayErrorCode } from './errors.js'
import { UI_API, UI_ASSET_PATHS } from './ui/routes.js'

export interface OpenApiInit {
  readonly tokenRequired: boolean
  readonly bodyLimitBytes: number
  readonly resultWaitMs: number
}

/** The paths and methods a gateway serves, as OpenAPI writes them (also checked against the routes). */
export const SERVED = {
  '/': ['get', 'put', 'post'],
  [`/${IDENTITY_PATH}`]: ['get'],
  [`/${OPENAPI_PATH}`]: ['get'],
  '/ui': ['get'],
  ...Object.fromEntries(UI_ASSET_PATHS.map(p => [p, ['get']])),
  ...Object.fromEntries(Object.values(UI_API).map(p => [p, ['get']]))
} as const

const json = (schema: unknown): unknown => ({ content: { 'application/json': { schema } } })
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` })

function errors (codes: GatewayErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, string[]>()
  for (const e of GATEWAY_ERRORS) {
    if (codes.includes(e.code)) byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), `\`${e.code}\`: ${e.description}`])
  }
  return Object.fromEntries([...byStatus].map(([status, lines]) => [String(status), { description: lines.join('\n\n'), ...json(ref('Error')) as object }]))
}

/** The web page (ui/routes.ts): its files need no token, the JSON it reads does. */
function uiPaths (security: unknown[], auth: GatewayErrorCode[]): Record<string, unknown> {
  const file = (path: string): [string, unknown] => [path, {
    get: {
      summary: path === '/ui/' ? 'The web page of this node (HTML). Its files never need the token: the page asks for it and sends it on every call.' : 'A file of the web page',
      security: [],
      responses: { 200: { description: 'the file, served by this gateway (no CDN)' } }
    }
  }]
  const api = (path: string, operationId: string, summary: string, response: unknown): [string, unknown] => [path, {
    get: { operationId, summary, security, responses: { 200: { description: summary, ...response as object }, ...errors(auth) } }
  }]
  return Object.fromEntries([
    ['/ui', { get: { summary: 'Sends the browser to /ui/', security: [], responses: { 308: { description: 'Location: ui/' } } } }],
    ...UI_ASSET_PATHS.map(file),
    api(UI_API.node, 'uiNode', 'This node: PeerId, multiaddrs, gateway URL, microprotocols, whether a token is required',
      json({ type: 'object', required: ['peerId', 'multiaddrs', 'url', 'microprotocols', 'tokenRequired'] })),
    api(UI_API.tasks, 'uiTasks', 'This node\'s tasks, newest first: microprotocol, parameters, step, fingerprint, and per party its index, PeerId, whether seen and whether missing; never a value',
      json({ type: 'object', required: ['tasks'], properties: { tasks: { type: 'array', items: ref('UiTask') } } })),
    api(UI_API.events, 'uiEvents', 'Server-sent events: a `tasks` event with the same list as /ui/api/tasks whenever it changes',
      { content: { 'text/event-stream': { schema: { type: 'string' } } } })
  ])
}

/**
 * The OpenAPI 3.1 document a gateway serves at OPENAPI_PATH.
 * @param init whether a token is required, and the limits to state
 */
export function openApiDocument (init: OpenApiInit): Record<string, unknown> {
  const auth: GatewayErrorCode[] = init.tokenRequired ? ['UNAUTHORIZED'] : []
  const body: GatewayErrorCode[] = ['MALFORMED_BODY', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE']
  const security = init.tokenRequired ? [{ bearer: [] }] : []
  return {
    openapi: '3.1.0',
    info: {
      title: 'simon-p2p gateway',
      version: FDRTD_VERSION,
      description: 'The fdrtd HTTP API 0.2.0 in front of one simon-p2p node. Every fdrtd operation is on the root URL; ' +
        'the fdrtd client sends a JSON body on every request, `{}` when it has none, also on GET. ' +
        `Request bodies are limited to ${init.bodyLimitBytes} bytes. ` +
        'Before anything else, every path refuses a request whose Host header names a host or port the gateway does not serve on ' +
        '(421 `HOST_NOT_ALLOWED`: DNS rebinding) and a browser request whose Origin is neither the gateway\'s own nor allowed ' +
        '(403 `ORIGIN_NOT_ALLOWED`); CORS preflights are answered for allowed origins only.'
    },
    paths: {
      '/': {
        get: {
          operationId: 'listMicroservices',
          summary: 'List microservices with their identifiers and public functions',
          security,
          requestBody: { required: false, ...json({ type: 'object', description: 'ignored; the client sends {}' }) as object },
          responses: { 200: { description: 'the microservices', ...json({ type: 'array', items: ref('MicroserviceDescription') }) as object }, ...errors([...auth, 'BODY_TOO_LARGE']) }
        },
        put: {
          operationId: 'selectMicroservice',
          summary: 'Select a microservice by partial identifiers, e.g. {"protocol": "Simon"} or {"microservice": "KeyValueStorage"}',
          security,
          requestBody: { required: true, ...json({ type: 'object', additionalProperties: { type: 'string' } }) as object },
          responses: { 202: { description: 'the handle of the microservice', ...json(ref('HandleString')) as object }, ...errors([...auth, ...body, 'INVALID_INPUT', 'MICROSERVICE_NOT_FOUND']) }
        },
        post: {
          operationId: 'callFunction',
          summary: 'Call a function: Simon create, join, invite, input, result, status, delete; KeyValueStorage create, delete',
          description: `result() waits up to ${init.resultWaitMs / 1000} s for a pending sum, then answers null; a task that can no longer finish answers an error naming the missing party or the passed deadline. ` +
            'input(source={handle, callback}) reads a value stored on this gateway\'s node; no value is ever sent back.',
          security,
          requestBody: { required: true, ...json(ref('Call')) as object },
          responses: {
            200: { description: 'the function returned a value (invite: the invitation, with this party\'s task `fingerprint` to compare out of band; result: {inputs, result: {samples, sum}} or null)', ...json({}) as object },
            201: { description: 'the function returned an object: the handle of its microservice and its callback', ...json(ref('Handle')) as object },
            202: { description: 'the function returned a microservice handle without a callback', ...json(ref('HandleString')) as object },
            204: { description: 'the function returned nothing (input, delete)' },
            ...errors([...auth, ...body, 'INVALID_INPUT', 'UNKNOWN_HANDLE', 'UNKNOWN_FUNCTION', 'TASK_FAILED', 'INTERNAL', 'UNSUPPORTED_MICROPROTOCOL', 'NODE_UNREACHABLE', 'IDENTITY_MISMATCH', 'TIMEOUT'])
          }
        }
      },
      [`/${IDENTITY_PATH}`]: {
        get: {
          operationId: 'identity',
          summary: 'This gateway\'s node: its PeerId and multiaddrs. Never needs the token: other gateways resolve this gateway\'s URL through it.',
          security: [],
          responses: { 200: { description: 'the identity', ...json(ref('Identity')) as object } }
        }
      },
      [`/${OPENAPI_PATH}`]: {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          security,
          responses: { 200: { description: 'OpenAPI 3.1', ...json({ type: 'object' }) as object }, ...errors(auth) }
        }
      },
      ...uiPaths(security, auth)
    },
    components: {
      schemas: {
        MicroserviceDescription: {
          type: 'object',
          required: ['identifiers', 'public'],
          properties: { identifiers: { type: 'object', additionalProperties: { type: 'string' } }, public: { type: 'array', items: { type: 'string' } } }
        },
        HandleString: { type: 'string', format: 'uuid' },
        Handle: { type: 'object', required: ['handle', 'callback'], properties: { handle: { type: 'string' }, callback: {} } },
        Call: {
          type: 'object',
          required: ['handle', 'function'],
          properties: {
            handle: { type: 'string' },
            function: { type: 'string' },
            parameters: { type: 'object' },
            callback: { description: 'the object the function is called on (a task id or a stored value id)' }
          }
        },
        UiTask: {
          type: 'object',
          required: ['id', 'microprotocol', 'parameters', 'fingerprint', 'step', 'finished', 'hasInput', 'myself', 'parties'],
          properties: {
            id: { type: 'string' },
            microprotocol: { type: 'string' },
            parameters: { type: 'object' },
            fingerprint: { type: 'string', description: 'the task digest\'s short form, to compare with the other parties out of band' },
            step: { type: 'string' },
            finished: { type: 'boolean' },
            hasInput: { type: 'boolean' },
            inputLength: { type: 'integer' },
            progress: { type: 'object', properties: { done: { type: 'integer' }, total: { type: 'integer' } } },
            myself: { type: 'integer' },
            parties: {
              type: 'array',
              items: {
                type: 'object',
                required: ['index', 'peerId', 'multiaddr', 'self', 'seen', 'missing'],
                properties: { index: { type: 'integer' }, peerId: { type: 'string' }, multiaddr: { type: 'string' }, self: { type: 'boolean' }, seen: { type: 'boolean' }, missing: { type: 'boolean' } }
              }
            },
            error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } }
          }
        },
        Identity: {
          type: 'object',
          required: ['peerId', 'multiaddrs'],
          properties: { peerId: { type: 'string' }, multiaddrs: { type: 'array', items: { type: 'string' } } }
        },
        Error: {
          type: 'object',
          required: ['code', 'error', 'message'],
          properties: {
            code: { type: 'integer', description: 'the HTTP status' },
            error: { type: 'string', enum: GATEWAY_ERRORS.map(e => e.code) },
            cause: { type: 'string', description: 'the engine\'s code under TASK_FAILED, e.g. ABORTED' },
            message: { type: 'string' }
          }
        }
      },
      ...(init.tokenRequired ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {})
    }
  }
}
