/**
 * Api and Handle: the fdrtd client's shape in TypeScript. A Handle is `{handle, callback}`; any
 * function call on it goes to the server, and passing a Handle as a parameter (e.g.
 * `task.input({ source: data })`) sends exactly `{handle, callback}`.
 */
import type { CallOptions, CallResult, FdrtdInterface, MicroserviceDescription } from './interface.js'

export type Parameters = Record<string, unknown>

export class Handle {
  readonly handle: string
  readonly callback: unknown
  private readonly iface: FdrtdInterface

  constructor (iface: FdrtdInterface, handle: string, callback: unknown = undefined) {
    this.iface = iface
    this.handle = handle
    this.callback = callback
  }

  /** Call any public function; a handle-valued answer becomes a new Handle. */
  async call (fn: string, parameters: Parameters = {}, options: CallOptions = {}): Promise<unknown> {
    return this.wrap(await this.iface.call(this.handle, fn, parameters, this.callback, options))
  }

  /** Simon: create a task (`{microprotocol, network, parameters?}`); KeyValueStorage: store `{value}`. */
  async create (parameters: Parameters, options?: CallOptions): Promise<Handle> { return this.expectHandle('create', await this.call('create', parameters, options)) }
  /** Simon: join a task from its invitation: `{invitation, network}`. */
  async join (parameters: Parameters, options?: CallOptions): Promise<Handle> { return this.expectHandle('join', await this.call('join', parameters, options)) }
  /** Task: the invitation other parties pass to join(). */
  async invite (options?: CallOptions): Promise<Record<string, unknown>> { return await this.call('invite', {}, options) as Record<string, unknown> }
  /** Task: give this party's input, `{source: <stored value handle>}` or `{value}`. */
  async input (parameters: Parameters, options?: CallOptions): Promise<void> { await this.call('input', parameters, options) }
  /** Task: the result, `{inputs, result: {samples, sum}}`; null while still pending after the server's wait. */
  async result (options?: CallOptions): Promise<unknown> { return await this.call('result', {}, options) }
  /** Task: where the task stands (step, missing parties, error). */
  async status (options?: CallOptions): Promise<unknown> { return await this.call('status', {}, options) }
  /** Stored value or task: forget it on the server. */
  async delete (options?: CallOptions): Promise<void> { await this.call('delete', {}, options) }

  /** What goes on the wire when a Handle is a parameter. */
  toJSON (): { handle: string, callback: unknown } {
    return { handle: this.handle, callback: this.callback ?? null }
  }

  private wrap (r: CallResult): unknown {
    switch (r.kind) {
      case 'none': return undefined
      case 'value': return r.value
      case 'handle': return new Handle(this.iface, r.handle, r.callback)
    }
  }

  private expectHandle (fn: string, v: unknown): Handle {
    if (v instanceof Handle) return v
    throw new TypeError(`${fn}() was expected to return a handle, got ${JSON.stringify(v)}`)
  }
}

export class Api {
  constructor (readonly iface: FdrtdInterface) {}

  async listMicroservices (options?: CallOptions): Promise<MicroserviceDescription[]> {
    return this.iface.listMicroservices(options)
  }

  /** Select by partial identifiers, e.g. `{ protocol: 'Simon' }` or `{ microservice: 'KeyValueStorage' }`. */
  async selectMicroservice (identifiers: Record<string, string>, options?: CallOptions): Promise<Handle> {
    return new Handle(this.iface, await this.iface.selectMicroservice(identifiers, options))
  }
}
