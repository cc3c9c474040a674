/**
 * A simon-p2p node: one libp2p host (TCP and WebSockets, Noise, Yamux) with the SecureSum
 * service (service.ts), and this party's KeyValueStorage. Every task method is the service's.
 *
 * Only peers on the node list of a task held here (or on the node's allow list) may connect:
 * the connection gater refuses every other PeerId right after the Noise handshake.
 */
import './polyfill.js'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import type { ComponentLogger, Libp2p, PrivateKey } from '@libp2p/interface'
import { InvalidInputError, isStatisticsMicroprotocol } from '@simon-p2p/core'
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_INBOUND_CONNECTIONS_PER_HOST } from './constants.js'
import type { SecureSumTask } from './driver.js'
import { generateIdentity } from './identity.js'
import { KeyValueStorage } from './kv-store.js'
import { noiseCrypto } from './noise-crypto.js'
import type { Network } from './network.js'
import {
  secureSum, secureSumGater, type CreateTaskInit, type Invitation, type NodeStats, type SecureSumService, type SecureSumServiceInit
} from './service.js'
import { corkedTcp } from './transport/corked-tcp.js'
import { lazyWindowYamux } from './transport/lazy-window-yamux.js'
import { quietNoise } from './transport/quiet-noise.js'
import { StatisticsTask } from './statistics.js'

/** A task of any microprotocol: SecureSum itself, or a statistics task run on SecureSum stages. */
export type SimonTask = SecureSumTask | StatisticsTask

/** Finished statistics tasks kept for late result() calls (their stages follow the service's retention). */
const MAX_STATISTICS_TASKS = 1000

export interface SimonNodeInit extends SecureSumServiceInit {
  /** The identity; a fresh Ed25519 key when absent (the PeerId then changes on every start). */
  readonly privateKey?: PrivateKey
  /** Listen multiaddrs, e.g. /ip4/127.0.0.1/tcp/0 and /ip4/127.0.0.1/tcp/0/ws. Default: TCP on a free loopback port. */
  readonly listen?: readonly string[]
  /**
   * New inbound connections accepted per second from one IP address, before the Noise handshake
   * (libp2p's limiter; it cannot tell a listed party from a stranger, so it holds for all).
   * Default 5, libp2p's own; many parties on one host (127.0.0.1 in tests and demos) need more.
   */
  readonly inboundConnectionsPerHost?: number
  /** libp2p's metrics (e.g. `prometheusMetrics({ registry })` of @libp2p/prometheus-metrics); none by default. */
  readonly metrics?: Libp2pOptions['metrics']
  /** Where libp2p and this node log (`simon:*` components); libp2p's default logger (DEBUG=...) when absent. */
  readonly logger?: ComponentLogger
}

/** The libp2p node of a SimonNode: its services hold `secureSum`. */
export type SimonLibp2p = Libp2p<{ secureSum: SecureSumService }>

export class SimonNode {
  readonly libp2p: SimonLibp2p
  readonly kv = new KeyValueStorage()
  private readonly statistics = new Map<string, StatisticsTask>()

  private constructor (libp2p: SimonLibp2p) {
    this.libp2p = libp2p
  }

  /**
   * Create and start a node; it listens once this resolves.
   * @param init the identity and listen addresses, and the task options of the service (timeouts, hold limits, retention, allow list)
   * @throws InvalidInputError naming a bad option (`idleTaskTtlMs`, `maxFinishedTasks`, ...); the listen error when an address is taken
   * @example
   * ```ts
   * const node = await SimonNode.create({ privateKey: await loadIdentity('alice.key'), listen: ['/ip4/0.0.0.0/tcp/4001'] })
   * console.log(node.multiaddrs()) // ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...', ...]: what the others put in their node lists
   * ```
   */
  static async create (init: SimonNodeInit = {}): Promise<SimonNode> {
    const { privateKey: given, listen, inboundConnectionsPerHost, metrics, logger, ...tasks } = init
    const perHost = inboundConnectionsPerHost ?? DEFAULT_INBOUND_CONNECTIONS_PER_HOST
    if (!(Number.isSafeInteger(perHost) && perHost >= 1)) {
      throw new InvalidInputError('inboundConnectionsPerHost', `must be a positive integer, got ${String(perHost)}`)
    }
    const privateKey = given ?? await generateIdentity()
    const attemptTimeoutMs = init.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS
    let service: SecureSumService | undefined
    const libp2p = await createLibp2p({
      privateKey,
      start: false,
      ...(metrics === undefined ? {} : { metrics }),
      ...(logger === undefined ? {} : { logger }),
      addresses: { listen: [...(listen ?? ['/ip4/127.0.0.1/tcp/0'])] },
      transports: [corkedTcp(), webSockets()],
      connectionEncrypters: [quietNoise({ crypto: noiseCrypto })],
      streamMuxers: [lazyWindowYamux()],
      connectionGater: secureSumGater(() => service, { denyDialMultiaddr: () => false }),
      connectionManager: {
        // per remote IP and second, before the handshake: a stranger cannot make this node do Noise handshakes flat out
        inboundConnectionThreshold: perHost,
        maxConnections: 2_000,
        maxIncomingPendingConnections: 1_000,
        // A delivery attempt bounds its dial (attemptTimeoutMs); libp2p's own 6 s per address would
        // cut a handshake that is slow but progressing (many parties connecting at once on a busy
        // machine), and every retry would start the same work again.
        dialTimeout: attemptTimeoutMs,
        addressDialTimeout: attemptTimeoutMs
      },
      services: { secureSum: secureSum(tasks) }
    })
    service = libp2p.services.secureSum
    await libp2p.start()
    libp2p.logger.forComponent('simon:node')('node %s listening on %o', libp2p.peerId.toString(), libp2p.getMultiaddrs().map(String))
    return new SimonNode(libp2p)
  }

  /** The SecureSum service this node runs (`libp2p.services.secureSum`). */
  get secureSum (): SecureSumService { return this.libp2p.services.secureSum }

  get peerId (): string { return this.libp2p.peerId.toString() }

  /** Listen addresses, each ending in /p2p/<this PeerId>. */
  multiaddrs (): string[] { return this.libp2p.getMultiaddrs().map(String) }

  isAllowed (peerId: string): boolean { return this.secureSum.isAllowed(peerId) }

  /**
   * Create (or join) a task. Checks everything first; on success the task is registered and the
   * parties on its list may connect.
   * @param init the task id (the same at every party), microprotocol, parameters, node list and this party's index in it
   * @throws InvalidInputError naming the field (`network.nodes[1]`, `network.myself`, `microprotocol`, `parameters.digits_after`, `task`, `timeout`)
   * @example
   * ```ts
   * const task = node.createTask({ taskId: 'q3', microprotocol: 'SecureSum', network: { nodes: [alice, bob, carol], myself: 0 } })
   * task.input(10)
   * const { result } = await task.result() // { samples: 3, sum: ... }, the same at every party
   * ```
   */
  createTask (init: CreateTaskInit & { readonly microprotocol: 'SecureSum' }): SecureSumTask
  /** A statistics microprotocol (StatisticsUnivariate, ...) gives a StatisticsTask, run on SecureSum stages. */
  createTask (init: CreateTaskInit): SimonTask
  createTask (init: CreateTaskInit): SimonTask {
    if (!isStatisticsMicroprotocol(init.microprotocol)) return this.secureSum.createTask(init)
    if (init.taskId !== undefined && this.statistics.has(init.taskId)) throw new InvalidInputError('task', `a task with id ${init.taskId} already exists at this node`)
    const task = new StatisticsTask(this.secureSum, { ...init, microprotocol: init.microprotocol })
    for (const [id, old] of this.statistics) {
      if (this.statistics.size < MAX_STATISTICS_TASKS) break
      if (old.finished || old.forgotten) { this.statistics.delete(id); old.dispose('expired') }
    }
    this.statistics.set(task.id, task)
    return task
  }

  /**
   * Join a task from its invitation, with this party's view of the network.
   * @param invitation what `invitation(task)` gave at the party that created it
   * @param network the node list (the same at every party) and this party's index in it
   * @throws InvalidInputError as createTask does, or naming `invitation`
   */
  joinTask (invitation: Invitation, network: Network, options: { timeoutMs?: number } = {}): SimonTask {
    if (invitation !== null && typeof invitation === 'object' && isStatisticsMicroprotocol(invitation.microprotocol)) {
      return this.createTask({ taskId: invitation.task, microprotocol: invitation.microprotocol, parameters: invitation.parameters, network, timeoutMs: options.timeoutMs })
    }
    return this.secureSum.joinTask(invitation, network, options)
  }

  getTask (taskId: string): SimonTask | undefined {
    const statistics = this.statistics.get(taskId)
    if (statistics === undefined) return this.secureSum.getTask(taskId)
    // its stages follow the service's retention (idle and finished tasks expire): so does it
    if (!statistics.forgotten) return statistics
    this.statistics.delete(taskId)
    return undefined
  }

  /** The tasks held here, running and finished, oldest first: each has its id, step, status() and fingerprint. */
  tasks (): SecureSumTask[] { return this.secureSum.tasks() }

  /** How many peers allowed here (parties of held tasks, the allow list) this node has an open connection to. */
  connectedParties (): number {
    return new Set(this.libp2p.getConnections().map(c => c.remotePeer.toString()).filter(p => this.isAllowed(p))).size
  }

  invitation (task: SimonTask): Invitation {
    if (task instanceof StatisticsTask) return { task: task.id, microprotocol: task.microprotocol, parameters: task.descriptor.parameters }
    return this.secureSum.invitation(task)
  }

  /** Forget a task (cancelling it if it still runs). @returns whether there was one */
  deleteTask (taskId: string): boolean {
    const statistics = this.statistics.get(taskId)
    if (statistics === undefined) return this.secureSum.deleteTask(taskId)
    this.statistics.delete(taskId)
    statistics.dispose('deleted at this party')
    return true
  }

  get taskCount (): number { return this.secureSum.taskCount }

  stats (): NodeStats { return this.secureSum.stats() }

  /** Cancel every task (the service does, before the host stops) and stop the host. */
  async stop (): Promise<void> {
    await this.libp2p.stop()
  }
}
