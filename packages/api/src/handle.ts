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
  /**
   * Task: its fingerprint at this party (`a1b2-c3d4-e5f6-0718`, the task digest's first 8 bytes),
   * as invite() carries it. Parties that show the same fingerprint hold the same task, PeerIds
   * included: compare it out of band.
   */
  async fingerprint (options?: CallOptions): Promise<string> { return String((await this.invite(options)).fingerprint) }
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

/**
 * The fdrtd client's entry point, over any interface: a node in this process or an fdrtd 0.2.0
 * server over HTTP (the gateway included).
 * @example
 * ```ts
 * const api = new Api(new InProcessInterface(node))          // or new HttpInterface('http://127.0.0.1:55501')
 * const protocol = await api.selectMicroservice({ protocol: 'Simon' })
 * const task = await protocol.create({ microprotocol: 'SecureSum', network: { nodes, myself: 0 } })
 * const data = await (await api.selectMicroservice({ microservice: 'KeyValueStorage' })).create({ value: 10 })
 * await task.input({ source: data })
 * console.log(await task.result())                            // { inputs: 3, result: { samples: 3, sum: 31 } }
 * ```
 */
export class Api {
  /** @param iface where the calls go: `new InProcessInterface(node)` or `new HttpInterface(url)` */
  constructor (readonly iface: FdrtdInterface) {}

  /** Every microservice the server offers, with its identifiers. */
  async listMicroservices (options?: CallOptions): Promise<MicroserviceDescription[]> {
    return this.iface.listMicroservices(options)
  }

  /**
   * Select by partial identifiers, e.g. `{ protocol: 'Simon' }` or `{ microservice: 'KeyValueStorage' }`.
   * @throws MicroserviceNotFoundError when none matches
   */
  async selectMicroservice (identifiers: Record<string, string>, options?: CallOptions): Promise<Handle> {
    return new Handle(this.iface, await this.iface.selectMicroservice(identifiers, options))
  }
}
