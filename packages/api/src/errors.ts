/** Errors of the fdrtd-shaped API layer (the engine's own errors come from @simon-p2p/core). */
import { SimonError } from '@simon-p2p/core'

/** No microservice matches the identifiers given to selectMicroservice. */
export class MicroserviceNotFoundError extends SimonError {
  override name = 'MicroserviceNotFoundError'
  constructor (identifiers: Record<string, unknown>) {
    super(`no microservice matches ${JSON.stringify(identifiers)}`, 'MICROSERVICE_NOT_FOUND')
  }
}

/** A handle or callback that names nothing on this server. */
export class UnknownHandleError extends SimonError {
  override name = 'UnknownHandleError'
  constructor (what: 'handle' | 'callback', value: unknown) {
    super(`invalid identifier: ${what} = ${JSON.stringify(value)}`, 'UNKNOWN_HANDLE')
  }
}

/** The microservice has no public function of that name (or it needs/forbids a callback). */
export class UnknownFunctionError extends SimonError {
  override name = 'UnknownFunctionError'
  constructor (microservice: string, fn: string, detail = '') {
    super(`${microservice} has no function ${JSON.stringify(fn)}${detail}`, 'UNKNOWN_FUNCTION')
  }
}

/** A microprotocol this server does not implement. */
export class UnsupportedMicroprotocolError extends SimonError {
  override name = 'UnsupportedMicroprotocolError'
  constructor (microprotocol: unknown, known: readonly string[]) {
    super(`microprotocol ${JSON.stringify(microprotocol)} is not implemented; known: ${known.join(', ')}`, 'UNSUPPORTED_MICROPROTOCOL')
  }
}

/** An fdrtd server answered with an error status. */
export class HttpStatusError extends SimonError {
  override name = 'HttpStatusError'
  readonly status: number
  readonly body: unknown
  constructor (status: number, body: unknown, url: string) {
    const message = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : JSON.stringify(body)
    super(`${url} answered ${status}: ${message}`, 'HTTP_STATUS')
    this.status = status
    this.body = body
  }
}
