/**
 * The fdrtd interface over HTTP, to any fdrtd 0.2.0 server (the gateway included): GET, PUT and
 * POST on the root URL with JSON bodies, status codes read as the Python client reads them.
 */
import { HttpStatusError } from './errors.js'
import type { CallOptions, CallResult, FdrtdInterface, MicroserviceDescription } from './interface.js'

const ACCEPTED = new Set([200, 201, 202, 204])

/** JSON with bigints as decimal strings and typed arrays as arrays. */
export function toJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString()
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number | bigint>, x => (typeof x === 'bigint' ? x.toString() : x))
    return v
  })
}

export interface HttpInterfaceInit {
  /** Sent as `Authorization: Bearer <token>` when the server asks for one. */
  readonly token?: string
}

export class HttpInterface implements FdrtdInterface {
  readonly url: string
  private readonly token: string | undefined

  constructor (url: string, init: HttpInterfaceInit = {}) {
    this.url = url
    this.token = init.token
  }

  async listMicroservices (options: CallOptions = {}): Promise<MicroserviceDescription[]> {
    return (await this.request('GET', undefined, options)).body as MicroserviceDescription[]
  }

  async selectMicroservice (identifiers: Record<string, string>, options: CallOptions = {}): Promise<string> {
    return (await this.request('PUT', identifiers, options)).body as string
  }

  async call (handle: string, fn: string, parameters: Record<string, unknown>, callback: unknown, options: CallOptions = {}): Promise<CallResult> {
    const body: Record<string, unknown> = { handle, function: fn, parameters }
    if (callback !== undefined && callback !== null) body.callback = callback
    const { status, body: answer } = await this.request('POST', body, options)
    if (status === 204 || answer === null) return { kind: 'none' }
    if (status === 201) {
      const h = answer as { handle: string, callback: unknown }
      return { kind: 'handle', handle: h.handle, callback: h.callback }
    }
    if (status === 202) return { kind: 'handle', handle: answer as string, callback: undefined }
    return { kind: 'value', value: answer }
  }

  private async request (method: 'GET' | 'PUT' | 'POST', body: unknown, options: CallOptions): Promise<{ status: number, body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`
    // fetch() allows no body on GET; the gateway accepts GET with or without one.
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(this.url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: toJson(body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal })
    })
    const text = await response.text()
    let parsed: unknown = null
    if (text !== '') {
      try { parsed = JSON.parse(text) } catch { parsed = text }
    }
    if (!ACCEPTED.has(response.status)) throw new HttpStatusError(response.status, parsed, this.url)
    return { status: response.status, body: parsed }
  }
}
