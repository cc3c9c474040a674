/**
 * FdrtdServer: the fdrtd 0.2.0 microservices (Simon and KeyValueStorage) in front of one
 * SimonNode. The in-process interface calls it directly; the gateway puts HTTP in front of it.
 * Handles are per microservice; callbacks are task ids and stored-value ids.
 */
import { randomUUID } from 'node:crypto'
import { InvalidInputError, printable, SimonError, SIMON_MICROPROTOCOLS } from '@simon-p2p/core'
import type { Network, SimonNode, SimonTask } from '@simon-p2p/node'
import { MicroserviceNotFoundError, UnknownFunctionError, UnknownHandleError, UnsupportedMicroprotocolError } from './errors.js'
import type { CallOptions, CallResult, MicroserviceDescription } from './interface.js'

export const FDRTD_VERSION = '0.2.0'

/** Turns a network as the caller wrote it (e.g. gateway URLs) into multiaddrs with PeerIds. */
export type NetworkResolver = (network: unknown, options: CallOptions) => Promise<Network>

export interface FdrtdServerInit {
  /** How long result() waits for a pending sum before answering null. Default 60 s. */
  readonly resultWaitMs?: number
  /** Default: the network must already be multiaddrs. The gateway resolves gateway URLs. */
  readonly resolveNetwork?: NetworkResolver
}

type Fn = (params: Record<string, unknown>, callback: unknown, options: CallOptions) => Promise<CallResult> | CallResult

interface Microservice {
  readonly name: string
  readonly identifiers: Record<string, string>
  /** Functions called without a callback (on the microservice). */
  readonly functions: Record<string, Fn>
  /** Functions called with a callback (on one of its objects). */
  readonly callbacks: Record<string, Fn>
}

const NONE: CallResult = { kind: 'none' }
const value = (v: unknown): CallResult => ({ kind: 'value', value: v })

function requireString (v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new InvalidInputError(field, 'must be a non-empty string')
  return v
}

function checkKeys (params: Record<string, unknown>, allowed: readonly string[], fn: string): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw new InvalidInputError(key, `${fn}() takes no parameter ${JSON.stringify(key)}; it takes ${allowed.length === 0 ? 'none' : allowed.join(', ')}`)
  }
}

function timeoutMsOf (params: Record<string, unknown>): number | undefined {
  const t = params.timeout
  if (t === undefined || t === null) return undefined
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 86_400) throw new InvalidInputError('timeout', `must be a number of seconds in (0, 86400], got ${JSON.stringify(t)}`)
  return t * 1000
}

export class FdrtdServer {
  readonly node: SimonNode
  private readonly services = new Map<string, Microservice>()
  private readonly simonHandle = randomUUID()
  private readonly kvHandle = randomUUID()
  private readonly resultWaitMs: number
  private readonly resolveNetwork: NetworkResolver

  constructor (node: SimonNode, init: FdrtdServerInit = {}) {
    this.node = node
    this.resultWaitMs = init.resultWaitMs ?? 60_000
    this.resolveNetwork = init.resolveNetwork ?? (async (network) => network as Network)
    this.services.set(this.simonHandle, this.simon())
    this.services.set(this.kvHandle, this.keyValueStorage())
  }

  list (): MicroserviceDescription[] {
    return [...this.services.values()].map(s => ({
      identifiers: { ...s.identifiers },
      public: [...Object.keys(s.functions), ...Object.keys(s.callbacks)]
    }))
  }

  /** Partial match: every key given must be present with an equal value. */
  select (identifiers: Record<string, unknown>): string {
    if (identifiers === null || typeof identifiers !== 'object' || Array.isArray(identifiers)) {
      throw new InvalidInputError('identifiers', 'must be an object such as {"protocol": "Simon"}')
    }
    for (const [handle, s] of this.services) {
      if (Object.entries(identifiers).every(([k, v]) => s.identifiers[k] === v)) return handle
    }
    throw new MicroserviceNotFoundError(identifiers)
  }

  async call (handle: unknown, fn: unknown, parameters: unknown, callback: unknown, options: CallOptions = {}): Promise<CallResult> {
    const service = typeof handle === 'string' ? this.services.get(handle) : undefined
    if (service === undefined) throw new UnknownHandleError('handle', handle)
    const name = requireString(fn, 'function')
    if (parameters !== undefined && parameters !== null && (typeof parameters !== 'object' || Array.isArray(parameters))) {
      throw new InvalidInputError('parameters', 'must be an object')
    }
    const params = (parameters ?? {}) as Record<string, unknown>
    const withCallback = callback !== undefined && callback !== null
    const table = withCallback ? service.callbacks : service.functions
    const f = Object.hasOwn(table, name) ? table[name] : undefined
    if (f === undefined) {
      const other = withCallback ? service.functions : service.callbacks
      const hint = Object.hasOwn(other, name) ? (withCallback ? ' on an object (call it on the microservice handle)' : ' without a callback (call it on the object\'s handle)') : ''
      throw new UnknownFunctionError(service.name, name, hint)
    }
    return f(params, callback, options)
  }

  private task (callback: unknown): SimonTask {
    const task = typeof callback === 'string' ? this.node.getTask(callback) : undefined
    if (task === undefined) throw new UnknownHandleError('callback', callback)
    return task
  }

  private simon (): Microservice {
    const checkMicroprotocol = (m: unknown): string => {
      if (m === undefined || m === null) throw new InvalidInputError('microprotocol', 'is required')
      if (!SIMON_MICROPROTOCOLS.includes(m as string)) throw new UnsupportedMicroprotocolError(m, SIMON_MICROPROTOCOLS)
      return m as string
    }
    return {
      name: 'Simon',
      identifiers: { namespace: 'fdrtd', protocol: 'Simon', version: FDRTD_VERSION },
      functions: {
        create: async (params, _cb, options) => {
          const { microprotocol, network, parameters, timeout, ...rest } = params
          const mp = checkMicroprotocol(microprotocol)
          if (network === undefined) throw new InvalidInputError('network', 'is required')
          if (parameters !== undefined && (parameters === null || typeof parameters !== 'object')) throw new InvalidInputError('parameters', 'must be an object')
          const timeoutMs = timeoutMsOf({ timeout })
          const task = this.node.createTask({
            microprotocol: mp,
            parameters: { ...rest, ...(parameters as Record<string, unknown> | undefined) },
            network: await this.resolveNetwork(network, options),
            timeoutMs
          })
          return { kind: 'handle', handle: this.simonHandle, callback: task.id }
        },
        join: async (params, _cb, options) => {
          checkKeys(params, ['invitation', 'network', 'timeout'], 'join')
          const { invitation, network } = params
          if (invitation === undefined || invitation === null || typeof invitation !== 'object') throw new InvalidInputError('invitation', 'is required: the dictionary returned by invite()')
          const inv = invitation as Record<string, unknown>
          checkMicroprotocol(inv.microprotocol)
          if (network === undefined) throw new InvalidInputError('network', 'is required')
          const task = this.node.createTask({
            taskId: requireString(inv.task, 'invitation.task'),
            microprotocol: inv.microprotocol as string,
            parameters: inv.parameters,
            network: await this.resolveNetwork(network, options),
            timeoutMs: timeoutMsOf(params)
          })
          return { kind: 'handle', handle: this.simonHandle, callback: task.id }
        }
      },
      callbacks: {
        invite: (params, cb) => {
          checkKeys(params, [], 'invite')
          // plus the task's fingerprint at this party, for the parties to compare out of band
          const task = this.task(cb)
          return value({ ...this.node.invitation(task), fingerprint: task.fingerprint })
        },
        input: (params, cb) => {
          checkKeys(params, ['source', 'value'], 'input')
          const task = this.task(cb)
          task.input(this.inputValue(params) as never)
          return NONE
        },
        result: async (params, cb, options) => {
          checkKeys(params, [], 'result')
          const task = this.task(cb)
          const wait = new AbortController()
          const timer = setTimeout(() => wait.abort(), this.resultWaitMs)
          const signal = options.signal === undefined ? wait.signal : AbortSignal.any([wait.signal, options.signal])
          try {
            return value(await task.result({ signal }))
          } catch (err) {
            // still running when the wait ended: answer null, as the original Simon did
            if ((err as SimonError).code === 'CANCELLED' && !task.finished) return value(null)
            throw err
          } finally {
            clearTimeout(timer)
          }
        },
        status: (params, cb) => {
          checkKeys(params, [], 'status')
          const status = this.task(cb).status()
          // an error's message may quote another party (an abort reason): no control characters
          return value(status.error === undefined ? status : { ...status, error: { ...status.error, message: printable(status.error.message) } })
        },
        delete: (params, cb) => {
          checkKeys(params, [], 'delete')
          this.task(cb)
          this.node.deleteTask(cb as string)
          return NONE
        }
      }
    }
  }

  /** `source` names a value stored on this server; `value` gives it directly. */
  private inputValue (params: Record<string, unknown>): unknown {
    const { source } = params
    if (source !== undefined && params.value !== undefined) throw new InvalidInputError('source', 'give either source or value, not both')
    if (source === undefined) {
      if (params.value === undefined) throw new InvalidInputError('source', 'is required: a handle from KeyValueStorage.create()')
      return params.value
    }
    if (source === null || typeof source !== 'object') throw new InvalidInputError('source', 'must be a handle {handle, callback} from KeyValueStorage.create()')
    const { handle, callback } = source as { handle?: unknown, callback?: unknown }
    if (handle !== this.kvHandle) throw new UnknownHandleError('handle', handle)
    if (typeof callback !== 'string' || !this.node.kv.has(callback)) throw new UnknownHandleError('callback', callback)
    return this.node.kv.get(callback)
  }

  private keyValueStorage (): Microservice {
    const kv = this.node.kv
    const stored = (cb: unknown): string => {
      if (typeof cb !== 'string' || !kv.has(cb)) throw new UnknownHandleError('callback', cb)
      return cb
    }
    return {
      name: 'KeyValueStorage',
      identifiers: { namespace: 'fdrtd', plugin: 'Util', version: FDRTD_VERSION, microservice: 'KeyValueStorage' },
      functions: {
        create: (params) => {
          checkKeys(params, ['value'], 'create')
          if (!Object.hasOwn(params, 'value')) throw new InvalidInputError('value', 'is required')
          return { kind: 'handle', handle: this.kvHandle, callback: kv.create(params.value) }
        }
      },
      callbacks: {
        delete: (params, cb) => {
          checkKeys(params, [], 'delete')
          kv.delete(stored(cb))
          return NONE
        }
      }
    }
  }
}
