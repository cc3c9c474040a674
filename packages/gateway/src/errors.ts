/**
 * Every error answer of the gateway comes from one table: a stable code, the HTTP status, and
 * what it means. The package README holds the same table; test/errors-table.test.ts keeps the two
 * in agreement. The body of an error answer is `{"code": <HTTP status>, "error": <code>, "message"}`,
 * the `{"code", "message"}` shape the fdrtd client prints.
 */
import { printable, SimonError } from '@simon-p2p/core'

export interface GatewayErrorSpec {
  /** Stable, machine-readable; also the `code` of the SimonError it stands for. */
  readonly code: string
  readonly status: number
  readonly description: string
}

export const GATEWAY_ERRORS = [
  { code: 'MALFORMED_BODY', status: 400, description: 'The body is not JSON, or not the JSON object the operation takes.' },
  { code: 'INVALID_INPUT', status: 400, description: 'A parameter is missing or not acceptable; the message names it (e.g. `handle`, `network.nodes[1]`, `value`).' },
  { code: 'UNAUTHORIZED', status: 401, description: 'A token is set and the request lacks `Authorization: Bearer <token>` or carries another one.' },
  { code: 'ORIGIN_NOT_ALLOWED', status: 403, description: 'The request comes from a web page of another origin (its `Origin` header), and that origin is not allowed (`allowOrigins`, `--allow-origin ORIGIN`); CORS preflights of such origins get this too.' },
  { code: 'UNKNOWN_HANDLE', status: 404, description: 'The handle or callback names nothing on this gateway (never created, deleted, or expired).' },
  { code: 'MICROSERVICE_NOT_FOUND', status: 404, description: 'No microservice matches the identifiers given to PUT /.' },
  { code: 'UNKNOWN_FUNCTION', status: 404, description: 'The microservice has no public function of that name (or it is called with/without the callback it needs).' },
  { code: 'NOT_FOUND', status: 404, description: 'No such path: the fdrtd API is served at the root URL itself.' },
  { code: 'METHOD_NOT_ALLOWED', status: 405, description: 'The root takes GET, PUT and POST only.' },
  { code: 'TASK_FAILED', status: 409, description: 'The task can no longer finish: another party aborted it (`ABORTED`), the parties hold different task descriptions (`DIGEST_MISMATCH`), their results disagree (`RESULT_MISMATCH`), a party broke the protocol (`PROTOCOL_VIOLATION`) or revealed a partial sum that does not fit (`INCONSISTENT_PARTIAL`), or it was cancelled here (`CANCELLED`). The message says which party.' },
  { code: 'BODY_TOO_LARGE', status: 413, description: 'The body is over the limit; it is refused without being read to the end, and the connection is closed.' },
  { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415, description: 'A body was sent without `Content-Type: application/json`.' },
  { code: 'HOST_NOT_ALLOWED', status: 421, description: 'The `Host` header names a host and port this gateway does not serve on (loopback, the bound address, `allowHosts` / `--allow-host`): how a web page that rebinds its DNS name to this address is refused.' },
  { code: 'INTERNAL', status: 500, description: 'An unexpected failure; the message gives no internals.' },
  { code: 'UNSUPPORTED_MICROPROTOCOL', status: 501, description: 'create/join named a microprotocol this node does not implement (it has SecureSum, StatisticsUnivariate, StatisticsBivariate, StatisticsFrequency, StatisticsContingency and MinimumMaximum).' },
  { code: 'NODE_UNREACHABLE', status: 502, description: 'A gateway URL in `network.nodes` could not be resolved to its PeerId; the message names `network.nodes[i]`.' },
  { code: 'IDENTITY_MISMATCH', status: 502, description: 'A gateway URL in `network.nodes` pins a PeerId (`http://host:port#12D3KooW...`) and the gateway there answered another one; the message names `network.nodes[i]`, and nothing was sent to any peer.' },
  { code: 'TIMEOUT', status: 504, description: 'The task\'s deadline passed; the message says at which step and which parties were missing.' }
] as const satisfies readonly GatewayErrorSpec[]

export type GatewayErrorCode = typeof GATEWAY_ERRORS[number]['code']

/** Engine codes that all mean "this task can no longer finish", answered as TASK_FAILED. */
export const TASK_FAILURE_CODES: readonly string[] = ['ABORTED', 'DIGEST_MISMATCH', 'RESULT_MISMATCH', 'PROTOCOL_VIOLATION', 'CANCELLED', 'INCONSISTENT_PARTIAL']

/**
 * Engine codes that never reach a client of the gateway: they stay between nodes (a frame, a
 * channel, an inbound stream; a delivery that meets one is retried), belong to the HTTP client,
 * or refuse a key lean mode is never chosen for (core checks every PeerId before it picks lean).
 */
export const NOT_FOR_CLIENTS: readonly string[] = [
  'MALFORMED_FRAME', 'HTTP_STATUS', 'CHANNEL_CLOSED', 'REPLY_TIMEOUT', 'UNEXPECTED_REPLY', 'INBOUND_IDLE', 'KEY_AGREEMENT'
]

const BY_CODE = new Map<string, GatewayErrorSpec>(GATEWAY_ERRORS.map(e => [e.code, e]))

export function errorSpec (code: GatewayErrorCode): GatewayErrorSpec {
  return BY_CODE.get(code)!
}

/** An error the gateway itself raises (the engine's and the API's come with their own classes). */
export class GatewayError extends SimonError {
  override name = 'GatewayError'
  readonly status: number
  constructor (code: GatewayErrorCode, message: string) {
    super(message, code)
    this.status = errorSpec(code).status
  }
}

/** A gateway URL in a task's node list could not be resolved to a PeerId. */
export class NodeUnreachableError extends SimonError {
  override name = 'NodeUnreachableError'
  /** `network.nodes[i]` */
  readonly field: string
  constructor (field: string, url: string, reason: string) {
    super(`cannot resolve ${field} = ${url} to a PeerId: ${reason}`, 'NODE_UNREACHABLE')
    this.field = field
  }
}

/** A gateway URL pinned to a PeerId (in its fragment) answered another PeerId: someone else answers for it. */
export class IdentityMismatchError extends SimonError {
  override name = 'IdentityMismatchError'
  /** `network.nodes[i]` */
  readonly field: string
  readonly expected: string
  readonly answered: string
  constructor (field: string, url: string, expected: string, answered: string) {
    super(`${field} = ${url} is pinned to ${expected}, but its gateway answered ${answered}: refused, nothing was sent`, 'IDENTITY_MISMATCH')
    this.field = field
    this.expected = expected
    this.answered = answered
  }
}

export interface ErrorBody {
  /** The HTTP status, as fdrtd servers put it. */
  readonly code: number
  /** The stable code of the table. */
  readonly error: GatewayErrorCode
  /** The engine's own code when it differs from `error` (e.g. ABORTED under TASK_FAILED). */
  readonly cause?: string
  readonly message: string
}

export interface ErrorContext {
  /** The body limit, to say it in a 413 message. */
  readonly bodyLimitBytes?: number
  /** The node list of the task the failed call was about, to name a missing party by its node. */
  readonly parties?: readonly unknown[]
}

/** Fastify's own errors, by their code. */
const FASTIFY_CODES: Record<string, GatewayErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE'
}

/**
 * Map any thrown value to its status and body. Messages of unexpected errors are not passed on.
 * @param err whatever was thrown: a SimonError maps to its row, a fastify error by its code, anything else to INTERNAL
 * @param context the body limit and the task's node list, to name them in the message
 * @example
 * ```ts
 * errorAnswer(new TaskTimeoutError('share', [2], 60), { parties: nodes })
 * // { status: 504, body: { code: 504, error: 'TIMEOUT', message: "timed out after 60 s ... (party 2 = http://...)" } }
 * ```
 */
export function errorAnswer (err: unknown, context: ErrorContext = {}): { status: number, body: ErrorBody } {
  const code = (err as { code?: unknown } | null)?.code
  const errorCode: GatewayErrorCode = typeof code !== 'string'
    ? 'INTERNAL'
    : err instanceof SimonError && BY_CODE.has(code)
      ? code as GatewayErrorCode
      : err instanceof SimonError && TASK_FAILURE_CODES.includes(code)
        ? 'TASK_FAILED'
        : FASTIFY_CODES[code] ?? 'INTERNAL'
  const spec = errorSpec(errorCode)
  let message: string
  if (errorCode === 'INTERNAL') message = 'internal error'
  else if (errorCode === 'BODY_TOO_LARGE') message = `request body is over the limit of ${context.bodyLimitBytes ?? 'the configured'} bytes`
  else if (errorCode === 'MALFORMED_BODY' && !(err instanceof SimonError)) message = 'the body is not valid JSON'
  else if (errorCode === 'UNSUPPORTED_MEDIA_TYPE' && !(err instanceof SimonError)) message = 'send the body as JSON with Content-Type: application/json'
  else message = (err as Error).message + nameParties(err, context.parties)
  // a message may quote another party (an abort reason, another gateway's answer): no control characters
  message = printable(message)
  return {
    status: spec.status,
    body: { code: spec.status, error: errorCode, ...(errorCode !== code && err instanceof SimonError ? { cause: code as string } : {}), message }
  }
}

/** ` (party 2 = http://...)`: the engine counts parties by index; the user knows them by their node. */
function nameParties (err: unknown, parties: readonly unknown[] | undefined): string {
  if (parties === undefined) return ''
  const e = err as { missing?: unknown, party?: unknown }
  const indices = new Set([...(typeof e.party === 'number' ? [e.party] : []), ...(Array.isArray(e.missing) ? e.missing : [])])
  const named = [...indices].filter((i): i is number => typeof i === 'number' && typeof parties[i] === 'string')
  if (named.length === 0) return ''
  return ` (${named.map(i => `party ${i} = ${String(parties[i])}`).join(', ')})`
}
