/**
 * SecureSum as a libp2p service, in the shape of @libp2p/ping: `secureSum(init)` returns the
 * factory libp2p calls with its components. The service holds this party's tasks, the messages
 * held for tasks not created here yet, the allow list, the inbound side of the protocol and the
 * outbound channels. Its start() registers the protocol handler and its stop() removes it; before
 * the node stops, it cancels every task (the others are told) and sends every reply still held.
 */
import { randomBytes as nodeRandomBytes, randomUUID } from 'node:crypto'
import { serviceCapabilities, type ComponentLogger, type ConnectionGater, type Logger, type PeerId, type PrivateKey, type Startable } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import {
  checkMicroprotocol, checkTaskId, InvalidInputError, resolveParameters,
  type IdentitySigner, type LeanCrypto, type RandomBytes, type Reply, type TaskDescriptor, type TaskParameters
} from '@simon-p2p/core'
import {
  DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_FINISHED_TASK_TTL_MS, DEFAULT_HOLD_LIMITS, DEFAULT_IDLE_TASK_TTL_MS, DEFAULT_INBOUND_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_FINISHED_TASKS, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_INFLIGHT_BYTES, DEFAULT_TASK_TIMEOUT_MS, MAX_INBOUND_STREAMS,
  PEER_INFLIGHT_SLACK_BYTES, REPLY_DELAY_MS, SECURESUM_PROTOCOL, STOP_FLUSH_MS
} from './constants.js'
import { SecureSumTask } from './driver.js'
import { HeldMessages, type HoldLimits } from './held-messages.js'
import { FrameIntake, wipeHeld, type HeldFrame } from './intake.js'
import { nodeIdentitySigner } from './identity-signer.js'
import { nodeLeanCrypto } from './lean-crypto.js'
import { parseNetwork, type Network } from './network.js'
import type { TaskObserver } from './observer.js'
import { TaskRegistry } from './registry.js'
import { Channels } from './transport/channels.js'
import { Inbound } from './transport/inbound.js'
import { InflightBudget } from './transport/inflight.js'

/** The options of the service: everything about tasks, nothing about the host. */
export interface SecureSumServiceInit {
  /** PeerIds always allowed to speak to this node, besides the parties of its tasks. */
  readonly allowPeers?: readonly string[]
  /** Per task, from this party's input: how long until the task fails. Default 60 s. */
  readonly taskTimeoutMs?: number
  /** One delivery attempt (dial, write, reply); retried with back-off until the task's deadline. Default 10 s. */
  readonly attemptTimeoutMs?: number
  /** An inbound stream that sends no frame for this long is reset. Default 30 s. */
  readonly inboundIdleTimeoutMs?: number
  /**
   * How long replies to small frames may wait to go out together (a sender that needs them asks
   * for them at once: its task's flush, a full window). Default 5 ms (REPLY_DELAY_MS).
   */
  readonly replyDelayMs?: number
  /** Largest frame accepted. Default 64 MiB. */
  readonly maxFrameBytes?: number
  /**
   * Bytes one peer may have in flight (received, not yet handled) over all its streams; a frame
   * that does not fit waits, its stream paused. Default maxFrameBytes + 16 MiB.
   */
  readonly maxInflightBytesPerPeer?: number
  /** Bytes all peers together may have in flight; past it, a peer over its fair share waits. Default 256 MiB. */
  readonly maxInflightBytes?: number
  /** Bounds on messages held for tasks not created here yet (bytes: what they will cost decoded). */
  readonly hold?: Partial<HoldLimits>
  /** How long a finished task stays, for late result() calls. Default 10 min. */
  readonly finishedTaskTtlMs?: number
  /** At most this many finished tasks stay; the oldest whose messages are all delivered go first. Default 1000. */
  readonly maxFinishedTasks?: number
  /** A task that gets no input here for this long is cancelled (the others are told) and forgotten. Default 1 h. */
  readonly idleTaskTtlMs?: number
  /** The randomness for shares; the platform CSPRNG unless a test injects another. */
  readonly randomBytes?: RandomBytes
  /**
   * Send traced frames, whose header carries a hop counter, so each task knows its `hops` (the
   * benchmark does). Off by default: a node of an earlier build refuses traced frames.
   */
  readonly traceHops?: boolean
}

/** What the service takes from libp2p (all of them are libp2p 3 components). */
export interface SecureSumServiceComponents {
  readonly peerId: PeerId
  /** The identity key: lean mode agrees pairwise keys with it (Ed25519 only; other keys run the full mesh). */
  readonly privateKey: PrivateKey
  readonly registrar: Pick<Registrar, 'handle' | 'unhandle'>
  readonly connectionManager: Pick<ConnectionManager, 'openStream'>
  readonly logger: ComponentLogger
}

export interface CreateTaskInit {
  /** The task id; a random UUID when absent. The same at every party. */
  readonly taskId?: string
  readonly microprotocol: string
  readonly parameters?: unknown
  readonly network: Network
  /** This task's deadline from input, overriding the service's. */
  readonly timeoutMs?: number
}

/** What a party passes to the others so that they can join the same task. */
export interface Invitation {
  readonly task: string
  readonly microprotocol: string
  readonly parameters: TaskParameters
}

/** What a node has moved so far: for monitoring, and for tests that prove nothing was sent. */
export interface NodeStats {
  /** SecureSum frames handed to the network: every delivery attempt, retries included. */
  readonly framesSent: number
  readonly bytesSent: number
  /**
   * SecureSum frames written on a stream to a peer, retries included: the upload. An attempt
   * that opened no stream (a party that is gone) counts in framesSent only.
   */
  readonly framesWritten: number
  readonly bytesWritten: number
  /** SecureSum frames that arrived from authenticated peers, refused ones included. */
  readonly framesReceived: number
  readonly bytesReceived: number
  /** Tasks held here; of them, finished ones kept for late result() calls. */
  readonly tasks: number
  readonly finishedTasks: number
  /** Messages held for tasks not created here yet; bytes are what they will cost decoded. */
  readonly held: { readonly messages: number, readonly bytes: number }
  /** Bytes received and not yet handled, the peers they came from, and the streams paused for room. */
  readonly inflight: { readonly bytes: number, readonly peers: number, readonly waiting: number }
}

/** The service as a libp2p node holds it: `node.services.secureSum`. */
export interface SecureSumService {
  /** The protocol id it serves, `/simon-p2p/securesum/1.0.0`. */
  readonly protocol: string
  /** Whether `peerId` is on the node list of a task held here, or on the allow list. */
  isAllowed: (peerId: string) => boolean
  /**
   * Create (or join) a task. Checks everything first; on success the task is registered and the
   * parties on its list may speak to this node.
   * @throws InvalidInputError naming the field (`network.nodes[1]`, `microprotocol`, `task`, `timeout`, ...)
   */
  createTask: (init: CreateTaskInit) => SecureSumTask
  /**
   * Join a task from its invitation, with this party's view of the network.
   * @throws InvalidInputError as createTask does, or naming `invitation`
   */
  joinTask: (invitation: Invitation, network: Network, options?: { timeoutMs?: number }) => SecureSumTask
  getTask: (taskId: string) => SecureSumTask | undefined
  /** The tasks held here, running and finished (kept for late result() calls), in the order they were created. */
  tasks: () => SecureSumTask[]
  /**
   * Be told of every task created from now on: created, each progress event, finished (metrics, structured logs).
   * @returns the function that stops telling it
   */
  observe: (observer: TaskObserver) => () => void
  /** The invitation to a task held here, for the other parties. */
  invitation: (task: SecureSumTask) => Invitation
  /** Forget a task (cancelling it if it still runs; the others are told). @returns whether there was one */
  deleteTask: (taskId: string) => boolean
  readonly taskCount: number
  stats: () => NodeStats
}

const csprng: RandomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n))

/** @throws InvalidInputError naming `field` unless `value` is a positive, finite number of milliseconds */
function checkMs (field: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new InvalidInputError(field, `must be a positive number of milliseconds, got ${String(value)}`)
  return value
}

class DefaultSecureSumService implements SecureSumService, Startable {
  readonly protocol = SECURESUM_PROTOCOL
  readonly [Symbol.toStringTag] = '@simon-p2p/secure-sum'
  readonly [serviceCapabilities]: string[] = ['@simon-p2p/secure-sum']
  private readonly components: SecureSumServiceComponents
  private readonly peerId: string
  private readonly log: Logger
  private readonly taskLog: Logger
  private readonly taskTimeoutMs: number
  private readonly attemptTimeoutMs: number
  private readonly randomBytes: RandomBytes
  private readonly traceHops: boolean
  private readonly registry: TaskRegistry
  private readonly held: HeldMessages<HeldFrame>
  private readonly intake: FrameIntake
  private readonly inflight: InflightBudget
  private readonly pruneEveryMs: number
  /** Ages held messages out even when no new message comes to trigger it (while started). */
  private pruneTimer: NodeJS.Timeout | undefined
  private readonly channels: Channels
  private readonly inbound: Inbound
  /** Lean mode's key agreement and keystream (absent for a non-Ed25519 identity: then the full mesh). */
  private readonly lean: LeanCrypto | undefined
  /** Identity signatures (threshold mode's commits); absent for a non-Ed25519 identity. */
  private readonly identity: IdentitySigner | undefined
  private readonly counters = { framesSent: 0, bytesSent: 0, framesWritten: 0, bytesWritten: 0, framesReceived: 0, bytesReceived: 0 }
  private readonly observers = new Set<TaskObserver>()
  private started = false

  constructor (components: SecureSumServiceComponents, init: SecureSumServiceInit = {}) {
    this.components = components
    this.peerId = components.peerId.toString()
    this.log = components.logger.forComponent('simon:node')
    this.taskLog = components.logger.forComponent('simon:task')
    const idleTaskTtlMs = init.idleTaskTtlMs === undefined ? DEFAULT_IDLE_TASK_TTL_MS : checkMs('idleTaskTtlMs', init.idleTaskTtlMs)
    const finishedTaskTtlMs = init.finishedTaskTtlMs === undefined ? DEFAULT_FINISHED_TASK_TTL_MS : checkMs('finishedTaskTtlMs', init.finishedTaskTtlMs)
    const maxFinishedTasks = init.maxFinishedTasks ?? DEFAULT_MAX_FINISHED_TASKS
    if (!(Number.isSafeInteger(maxFinishedTasks) && maxFinishedTasks >= 0)) {
      throw new InvalidInputError('maxFinishedTasks', `must be a non-negative integer, got ${String(maxFinishedTasks)}`)
    }
    this.registry = new TaskRegistry({ idleTaskTtlMs, finishedTaskTtlMs, maxFinishedTasks }, init.allowPeers)
    this.taskTimeoutMs = init.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS
    this.attemptTimeoutMs = init.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS
    this.randomBytes = init.randomBytes ?? csprng
    this.traceHops = init.traceHops === true
    const hold = { ...DEFAULT_HOLD_LIMITS, ...init.hold }
    this.held = new HeldMessages<HeldFrame>(hold, Date.now, wipeHeld)
    this.pruneEveryMs = Math.max(100, hold.ms / 4)
    const protocolLog = components.logger.forComponent('simon:protocol')
    this.intake = new FrameIntake(this.registry, this.held, protocolLog)
    this.channels = new Channels(components.connectionManager, protocolLog, bytes => { this.counters.framesWritten++; this.counters.bytesWritten += bytes })
    const maxFrameBytes = init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    const perPeer = init.maxInflightBytesPerPeer ?? maxFrameBytes + PEER_INFLIGHT_SLACK_BYTES
    // a frame larger than a peer's room could never be let in: its stream would wait forever
    if (!(perPeer >= maxFrameBytes)) throw new InvalidInputError('maxInflightBytesPerPeer', `must be at least maxFrameBytes (${maxFrameBytes}), got ${String(perPeer)}`)
    this.inflight = new InflightBudget({ perPeer, perNode: Math.max(perPeer, init.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES) })
    this.inbound = new Inbound((frame, peer) => this.onFrame(frame, peer), {
      maxFrameBytes,
      idleTimeoutMs: init.inboundIdleTimeoutMs ?? DEFAULT_INBOUND_IDLE_TIMEOUT_MS,
      replyDelayMs: init.replyDelayMs === undefined ? REPLY_DELAY_MS : checkMs('replyDelayMs', init.replyDelayMs)
    }, this.inflight, protocolLog)
    this.lean = nodeLeanCrypto(components.privateKey)
    this.identity = nodeIdentitySigner(components.privateKey)
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(this.protocol, this.inbound.handle, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_INBOUND_STREAMS })
    this.pruneTimer = setInterval(() => this.held.prune(), this.pruneEveryMs)
    this.pruneTimer.unref?.()
    this.started = true
  }

  /** While the node still runs: cancel every task, answer every frame taken, close the channels. */
  async beforeStop (): Promise<void> {
    for (const id of this.registry.ids()) this.deleteTask(id)
    clearInterval(this.pruneTimer)
    await this.inbound.flushReplies(STOP_FLUSH_MS)
    this.channels.closeAll()
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(this.protocol)
    this.started = false
  }

  isStarted (): boolean { return this.started }

  isAllowed (peerId: string): boolean { return this.registry.isAllowed(peerId) }

  createTask (init: CreateTaskInit): SecureSumTask {
    const microprotocol = checkMicroprotocol(init.microprotocol)
    const taskId = checkTaskId(init.taskId ?? randomUUID())
    if (this.registry.has(taskId)) throw new InvalidInputError('task', `a task with id ${taskId} already exists at this node`)
    const { parties, myself } = parseNetwork(init.network)
    const own = parties[myself]!
    if (own.peerId !== this.peerId) {
      throw new InvalidInputError('network.myself', `node ${myself} is ${own.peerId}, but this node is ${this.peerId}`)
    }
    const parameters = resolveParameters(init.parameters, parties.length)
    const descriptor: TaskDescriptor = { taskId, microprotocol, parameters, peers: parties.map(p => p.peerId) }
    const timeoutMs = checkMs('timeout', init.timeoutMs ?? this.taskTimeoutMs)
    const task = new SecureSumTask({
      descriptor,
      parties,
      myself,
      randomBytes: this.randomBytes,
      traceHops: this.traceHops,
      lean: this.lean,
      identity: this.identity,
      connect: party => this.channels.warm(party.peerId, party.multiaddr, this.attemptTimeoutMs),
      expedite: party => this.channels.ask(party.peerId),
      timeoutMs,
      attemptTimeoutMs: this.attemptTimeoutMs,
      messenger: async (party, frame, signal, attemptTimeoutMs) => {
        this.counters.framesSent++
        this.counters.bytesSent += frame.length
        return this.channels.send(party.peerId, party.multiaddr, frame, signal, attemptTimeoutMs)
      },
      onFinish: t => { this.registry.retire(t); this.tell(o => o.finished?.(t)) },
      log: this.taskLog
    })
    task.onProgress(event => this.tell(o => o.progress?.(task, event)))
    this.registry.add(task)
    this.tell(o => o.created?.(task))
    this.intake.replay(task)
    this.log('task %s created with %d parties, myself %d', taskId, parties.length, myself)
    return task
  }

  joinTask (invitation: Invitation, network: Network, options: { timeoutMs?: number } = {}): SecureSumTask {
    if (invitation === null || typeof invitation !== 'object') throw new InvalidInputError('invitation', 'must be an object from invite()')
    return this.createTask({ taskId: invitation.task, microprotocol: invitation.microprotocol, parameters: invitation.parameters, network, timeoutMs: options.timeoutMs })
  }

  getTask (taskId: string): SecureSumTask | undefined { return this.registry.get(taskId) }

  tasks (): SecureSumTask[] { return this.registry.tasksHeld() }

  observe (observer: TaskObserver): () => void {
    this.observers.add(observer)
    return () => { this.observers.delete(observer) }
  }

  /** Tell every observer; one that throws is logged and the others are still told. */
  private tell (call: (observer: TaskObserver) => void): void {
    for (const observer of this.observers) {
      try { call(observer) } catch (err) { this.log('a task observer threw: %s', (err as Error).message) }
    }
  }

  invitation (task: SecureSumTask): Invitation {
    return { task: task.id, microprotocol: task.descriptor.microprotocol, parameters: task.descriptor.parameters }
  }

  deleteTask (taskId: string): boolean { return this.registry.forget(taskId, 'deleted at this party') }

  get taskCount (): number { return this.registry.size }

  stats (): NodeStats {
    return { ...this.counters, tasks: this.registry.size, finishedTasks: this.registry.finishedCount, held: this.held.size, inflight: this.inflight.size }
  }

  /** One inbound frame from an authenticated peer (see intake.ts); tests wrap this method. */
  private onFrame (frame: Uint8Array, senderPeerId: string): Reply {
    this.counters.framesReceived++
    this.counters.bytesReceived += frame.length
    return this.intake.take(frame, senderPeerId)
  }
}

/**
 * SecureSum for a libp2p node: put it in the node's `services`.
 * @param init the task options (timeouts, hold limits, retention, allow list); each has a default
 * @returns the factory libp2p calls with its components
 * @throws InvalidInputError (when libp2p builds the service) for a bad `idleTaskTtlMs`, `finishedTaskTtlMs`, `maxFinishedTasks`
 *   or `maxInflightBytesPerPeer` (below `maxFrameBytes`)
 * @example
 * ```ts
 * const node = await createLibp2p({ ..., services: { secureSum: secureSum({ taskTimeoutMs: 30_000 }) } })
 * const task = node.services.secureSum.createTask({ microprotocol: 'SecureSum', network: { nodes, myself: 0 } })
 * ```
 */
export function secureSum (init: SecureSumServiceInit = {}): (components: SecureSumServiceComponents) => SecureSumService {
  return components => new DefaultSecureSumService(components, init)
}

/**
 * A connection gater that admits, right after the Noise handshake, only peers the service
 * allows (parties of its tasks and its allow list); until the service exists it admits none.
 * Without it the service still refuses every frame from such a peer, but the peer can connect.
 * @param getService the node's service, once there is one (`() => node?.services.secureSum`)
 * @param gater the node's other gating rules, kept; an inbound peer must pass both
 * @example
 * ```ts
 * let service: SecureSumService | undefined
 * const node = await createLibp2p({ ..., connectionGater: secureSumGater(() => service), services: { secureSum: secureSum() } })
 * service = node.services.secureSum
 * ```
 */
export function secureSumGater (getService: () => Pick<SecureSumService, 'isAllowed'> | undefined, gater: ConnectionGater = {}): ConnectionGater {
  return {
    ...gater,
    denyInboundEncryptedConnection: (peerId, maConn) => {
      const service = getService()
      if (service === undefined || !service.isAllowed(peerId.toString())) return true
      return gater.denyInboundEncryptedConnection?.(peerId, maConn) ?? false
    }
  }
}
