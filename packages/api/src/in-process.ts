/** The fdrtd interface to a node in this process: no HTTP, no copies of inputs. */
import type { SimonNode } from '@simon-p2p/node'
import type { CallOptions, CallResult, FdrtdInterface, MicroserviceDescription } from './interface.js'
import { FdrtdServer, type FdrtdServerInit } from './server.js'

export class InProcessInterface implements FdrtdInterface {
  readonly server: FdrtdServer

  constructor (nodeOrServer: SimonNode | FdrtdServer, init: FdrtdServerInit = {}) {
    this.server = nodeOrServer instanceof FdrtdServer ? nodeOrServer : new FdrtdServer(nodeOrServer, init)
  }

  async listMicroservices (): Promise<MicroserviceDescription[]> { return this.server.list() }

  async selectMicroservice (identifiers: Record<string, string>): Promise<string> { return this.server.select(identifiers) }

  async call (handle: string, fn: string, parameters: Record<string, unknown>, callback: unknown, options: CallOptions = {}): Promise<CallResult> {
    options.signal?.throwIfAborted()
    // A Handle passed as a parameter travels as {handle, callback}, as it would over HTTP.
    const params = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, isHandleLike(v) ? v.toJSON() : v]))
    return this.server.call(handle, fn, params, callback, options)
  }
}

function isHandleLike (v: unknown): v is { toJSON: () => unknown } {
  return typeof v === 'object' && v !== null && 'handle' in v && typeof (v as { toJSON?: unknown }).toJSON === 'function'
}
