/**
 * A simon-p2p node: one libp2p host (TCP and WebSockets, Noise, Yamux) that serves the
 * SecureSum protocol, keeps this party's tasks and its KeyValueStorage.
 *
 * Only peers on the node list of a task held here (or on the node's allow list) may connect:
 * the connection gater refuses every other PeerId right after the Noise handshake.
 */
import './polyfill.js'
import { randomBytes as nodeRandomBytes, randomUUID } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { corkedTcp } from './corked-tcp.js'
import { nodeLeanCrypto } from './lean-crypto.js'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@libp2p/yamux'
import { logger } from '@libp2p/logger'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import {
  checkMicroprotocol, checkTaskId, CodecError, decodeMessage, InvalidInputError, resolveParameters,
  DEFAULT_DECODE_LIMITS, type LeanCrypto, type RandomBytes, type Reply, type TaskDescriptor, type TaskParameters
} from '@simon-p2p/core'
import {
  DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_FINISHED_TASK_TTL_MS, DEFAULT_HOLD_LIMITS, DEFAULT_IDLE_TASK_TTL_MS,
  DEFAULT_INBOUND_IDLE_TIMEOUT_MS, DEFAULT_MAX_FINISHED_TASKS, DEFAULT_MAX_FRAME_BYTES, DEFAULT_TASK_TIMEOUT_MS
} from './constants.js'
import { HeldMessages, type HoldLimits } from './held-messages.js'
import { generateIdentity } from './identity.js'
import { KeyValueStorage } from './kv-store.js'
import { parseNetwork, type Network } from './network.js'
import { Channels, serveSecureSum, type Inbound } from './protocol.js'
import { SecureSumTask } from './secure-sum-task.js'

const log = logger('simon:node')

export interface SimonNodeInit {
  /** The identity; a fresh Ed25519 key when absent (the PeerId then changes on every start). */
  readonly privateKey?: PrivateKey
  /** Listen multiaddrs, e.g. /ip4/127.0.0.1/tcp/0 and /ip4/127.0.0.1/tcp/0/ws. Default: TCP on a free loopback port. */
  readonly listen?: readonly string[]
  /** PeerIds always allowed to connect, besides the parties of this node's tasks. */
  readonly allowPeers?: readonly string[]
  /** Per task, from this party's input: how long until the task fails. Default 60 s. */
  readonly taskTimeoutMs?: number
  /** One delivery attempt; retried with back-off until the task's deadline. Default 10 s. */
  readonly attemptTimeoutMs?: number
  /** An inbound stream that sends no frame for this long is reset. Default 30 s. */
  readonly inboundIdleTimeoutMs?: number
  readonly maxFrameBytes?: number
  /** Bounds on messages held for tasks not created here yet. */
  readonly hold?: Partial<HoldLimits>
  /** How long a finished task stays, for late result() calls. Default 10 min. */
  readonly finishedTaskTtlMs?: number
  /** At most this many finished tasks stay; the oldest whose messages are all delivered go first. Default 1000. */
  readonly maxFinishedTasks?: number
  /** A task that gets no input here for this long is cancelled (the others are told) and forgotten. Default 1 h. */
  readonly idleTaskTtlMs?: number
  /** The randomness for shares; the platform CSPRNG unless a test injects another. */
  readonly randomBytes?: RandomBytes
}

export interface CreateTaskInit {
  /** The task id; a random UUID when absent. The same at every party. */
  readonly taskId?: string
  readonly microprotocol: string
  readonly parameters?: unknown
  readonly network: Network
  /** This task's deadline from input, overriding the node's. */
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
  /** SecureSum frames that arrived from authenticated peers, refused ones included. */
  readonly framesReceived: number
  readonly bytesReceived: number
  /** Tasks held here; of them, finished ones kept for late result() calls. */
  readonly tasks: number
  readonly finishedTasks: number
  /** Messages held for tasks not created here yet. */
  readonly held: { readonly messages: number, readonly bytes: number }
}

const csprng: RandomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n))

export class SimonNode {
  readonly libp2p: Libp2p
  readonly kv = new KeyValueStorage()
  private readonly tasks = new Map<string, SecureSumTask>()
  /** PeerId -> how many held tasks list it (plus the static allow list). */
  private readonly allowed = new Map<string, number>()
  private readonly held: HeldMessages
  /** Ages held messages out even when no new message comes to trigger it. */
  private readonly pruneTimer: NodeJS.Timeout
  private readonly init: SimonNodeInit
  /** Task id -> its idle timer (before it finishes) or its retention timer (after). */
  private readonly expiry = new Map<string, NodeJS.Timeout>()
  /** Finished tasks in the order they finished, for the count bound on retention. */
  private readonly finished = new Set<string>()
  private readonly channels: Channels
  /** Lean mode's key agreement and keystream (absent for a non-Ed25519 identity: then the full mesh). */
  private lean: LeanCrypto | undefined
  /** The inbound side of the protocol (replies held for batching are sent before stopping). */
  private inbound: Inbound | undefined
  private readonly counters = { framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 }

  private constructor (libp2p: Libp2p, init: SimonNodeInit) {
    this.libp2p = libp2p
    this.init = init
    this.channels = new Channels(libp2p)
    const hold = { ...DEFAULT_HOLD_LIMITS, ...init.hold }
    this.held = new HeldMessages(hold)
    this.pruneTimer = setInterval(() => this.held.prune(), Math.max(100, hold.ms / 4))
    this.pruneTimer.unref?.()
    const { idleTaskTtlMs, finishedTaskTtlMs, maxFinishedTasks } = init
    for (const [key, v] of Object.entries({ idleTaskTtlMs, finishedTaskTtlMs })) {
      if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new InvalidInputError(key, `must be a positive number of milliseconds, got ${String(v)}`)
    }
    if (maxFinishedTasks !== undefined && !(Number.isSafeInteger(maxFinishedTasks) && maxFinishedTasks >= 0)) {
      throw new InvalidInputError('maxFinishedTasks', `must be a non-negative integer, got ${String(maxFinishedTasks)}`)
    }
    for (const p of init.allowPeers ?? []) this.allowed.set(p, 1)
  }

  /** Create and start a node; it listens once this resolves. */
  static async create (init: SimonNodeInit = {}): Promise<SimonNode> {
    const privateKey = init.privateKey ?? await generateIdentity()
    let node: SimonNode | undefined
    const libp2p = await createLibp2p({
      privateKey,
      start: false,
      addresses: { listen: [...(init.listen ?? ['/ip4/127.0.0.1/tcp/0'])] },
      transports: [corkedTcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: {
        denyDialMultiaddr: () => false,
        denyInboundEncryptedConnection: (peerId: PeerId) => node === undefined || !node.isAllowed(peerId.toString())
      },
      connectionManager: {
        // many parties on one machine all connect from 127.0.0.1
        inboundConnectionThreshold: 10_000,
        maxConnections: 2_000,
        maxIncomingPendingConnections: 1_000,
        // A delivery attempt bounds its dial (attemptTimeoutMs); libp2p's own 6 s per address would
        // cut a handshake that is slow but progressing (many parties connecting at once on a busy
        // machine), and every retry would start the same work again.
        dialTimeout: init.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
        addressDialTimeout: init.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS
      }
    })
    node = new SimonNode(libp2p, init)
    node.lean = nodeLeanCrypto(privateKey)
    node.inbound = await serveSecureSum(libp2p, (frame, peer) => node!.onFrame(frame, peer), {
      maxFrameBytes: init.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      idleTimeoutMs: init.inboundIdleTimeoutMs ?? DEFAULT_INBOUND_IDLE_TIMEOUT_MS
    })
    await libp2p.start()
    log('node %s listening on %o', libp2p.peerId.toString(), libp2p.getMultiaddrs().map(String))
    return node
  }

  get peerId (): string { return this.libp2p.peerId.toString() }

  /** Listen addresses, each ending in /p2p/<this PeerId>. */
  multiaddrs (): string[] { return this.libp2p.getMultiaddrs().map(String) }

  isAllowed (peerId: string): boolean { return (this.allowed.get(peerId) ?? 0) > 0 }

  /**
   * Create (or join) a task. Checks everything first and throws InvalidInputError naming the
   * field; on success the task is registered and the parties on its list may connect.
   */
  createTask (init: CreateTaskInit): SecureSumTask {
    const microprotocol = checkMicroprotocol(init.microprotocol)
    const taskId = checkTaskId(init.taskId ?? randomUUID())
    if (this.tasks.has(taskId)) throw new InvalidInputError('task', `a task with id ${taskId} already exists at this node`)
    const { parties, myself } = parseNetwork(init.network)
    const own = parties[myself]!
    if (own.peerId !== this.peerId) {
      throw new InvalidInputError('network.myself', `node ${myself} is ${own.peerId}, but this node is ${this.peerId}`)
    }
    const parameters = resolveParameters(init.parameters, parties.length)
    const descriptor: TaskDescriptor = { taskId, microprotocol, parameters, peers: parties.map(p => p.peerId) }
    const timeoutMs = init.timeoutMs ?? this.init.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InvalidInputError('timeout', `must be a positive number of milliseconds, got ${timeoutMs}`)
    const task = new SecureSumTask({
      descriptor,
      parties,
      myself,
      randomBytes: this.init.randomBytes ?? csprng,
      lean: this.lean,
      connect: party => this.channels.warm(party.peerId, party.multiaddr, this.init.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS),
      timeoutMs,
      attemptTimeoutMs: this.init.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
      messenger: async (party, frame, signal, attemptTimeoutMs) => {
        this.counters.framesSent++
        this.counters.bytesSent += frame.length
        return this.channels.send(party.peerId, party.multiaddr, frame, signal, attemptTimeoutMs)
      },
      onFinish: t => this.retire(t)
    })
    this.tasks.set(taskId, task)
    this.scheduleIdleExpiry(task)
    for (const p of parties) if (p.index !== myself) this.allowed.set(p.peerId, (this.allowed.get(p.peerId) ?? 0) + 1)
    for (const h of this.held.take(taskId)) task.receive(h.message, h.senderPeerId)
    log('task %s created with %d parties, myself %d', taskId, parties.length, myself)
    return task
  }

  /** Join a task from its invitation, with this party's view of the network. */
  joinTask (invitation: Invitation, network: Network, options: { timeoutMs?: number } = {}): SecureSumTask {
    if (invitation === null || typeof invitation !== 'object') throw new InvalidInputError('invitation', 'must be an object from invite()')
    return this.createTask({ taskId: invitation.task, microprotocol: invitation.microprotocol, parameters: invitation.parameters, network, timeoutMs: options.timeoutMs })
  }

  getTask (taskId: string): SecureSumTask | undefined { return this.tasks.get(taskId) }

  invitation (task: SecureSumTask): Invitation {
    return { task: task.id, microprotocol: task.descriptor.microprotocol, parameters: task.descriptor.parameters }
  }

  /** Forget a task (cancelling it if it still runs). @returns whether there was one */
  deleteTask (taskId: string): boolean {
    return this.forget(taskId, 'deleted at this party')
  }

  get taskCount (): number { return this.tasks.size }

  stats (): NodeStats {
    return { ...this.counters, tasks: this.tasks.size, finishedTasks: this.finished.size, held: this.held.size }
  }

  /** Cancel every task and stop the host. */
  async stop (): Promise<void> {
    for (const id of [...this.tasks.keys()]) this.deleteTask(id)
    clearInterval(this.pruneTimer)
    await this.inbound?.flushReplies()
    this.channels.closeAll()
    await this.libp2p.stop()
  }

  private forget (taskId: string, reason: string): boolean {
    const task = this.tasks.get(taskId)
    if (task === undefined) return false
    task.dispose(reason)
    this.tasks.delete(taskId)
    this.finished.delete(taskId)
    clearTimeout(this.expiry.get(taskId))
    this.expiry.delete(taskId)
    for (const p of task.parties) {
      if (p.index === task.myself) continue
      const c = (this.allowed.get(p.peerId) ?? 0) - 1
      if (c > 0) this.allowed.set(p.peerId, c)
      else this.allowed.delete(p.peerId)
    }
    return true
  }

  /** A task that never gets an input here (its party walked away) must not live forever. */
  private scheduleIdleExpiry (task: SecureSumTask): void {
    const ms = this.init.idleTaskTtlMs ?? DEFAULT_IDLE_TASK_TTL_MS
    const t = setTimeout(() => {
      if (!task.hasInput && !task.finished) this.forget(task.id, `no input at this party within ${ms / 1000} s`)
    }, ms)
    t.unref?.()
    this.expiry.set(task.id, t)
  }

  /** Keep a finished task for late result() calls, bounded in time and in count. */
  private retire (task: SecureSumTask): void {
    clearTimeout(this.expiry.get(task.id))
    const t = setTimeout(() => this.forget(task.id, 'expired'), this.init.finishedTaskTtlMs ?? DEFAULT_FINISHED_TASK_TTL_MS)
    t.unref?.()
    this.expiry.set(task.id, t)
    this.finished.add(task.id)
    const max = this.init.maxFinishedTasks ?? DEFAULT_MAX_FINISHED_TASKS
    for (const id of this.finished) {
      if (this.finished.size <= max) break
      // a done task may still be delivering its last confirmation: it goes on a later round
      if (this.tasks.get(id)?.delivering !== true) this.forget(id, 'expired')
    }
  }

  /** One inbound frame from an authenticated peer. */
  private onFrame (frame: Uint8Array, senderPeerId: string): Reply {
    this.counters.framesReceived++
    this.counters.bytesReceived += frame.length
    if (!this.isAllowed(senderPeerId)) return { status: 'refused', code: 'NOT_ALLOWED', message: 'this peer is on no node list here' }
    let message
    try {
      message = decodeMessage(frame, DEFAULT_DECODE_LIMITS)
    } catch (err) {
      if (err instanceof CodecError) return { status: 'refused', code: err.code, message: err.message }
      throw err
    }
    const task = this.tasks.get(message.taskId)
    if (task !== undefined) return task.receive(message, senderPeerId)
    if (this.held.hold(message.taskId, { message, senderPeerId, bytes: frame.length })) {
      return { status: 'held', code: 'HELD', message: `task ${message.taskId} is not known here yet; held` }
    }
    return { status: 'refused', code: 'UNKNOWN_TASK', message: `task ${message.taskId} is not known here` }
  }
}
