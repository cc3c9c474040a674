/**
 * @packageDocumentation
 *
 * @simon-p2p/node: SecureSum over libp2p. Two ways in:
 *
 * - `SimonNode.create(init)` builds and starts a libp2p host of its own (TCP and WebSockets,
 *   Noise, Yamux, a connection gater that admits only the parties of this node's tasks) with the
 *   SecureSum service, and keeps a KeyValueStorage.
 * - `secureSum(init)` is the same service for a libp2p node you create yourself; put it in the
 *   node's `services` (and `secureSumGater` in its `connectionGater`).
 *
 * Importing this package first installs what libp2p 3 needs and Node 20 lacks
 * (`Promise.withResolvers`, a global `WebSocket`), before libp2p loads.
 *
 * @example
 * ```ts
 * import { SimonNode } from '@simon-p2p/node'
 *
 * const node = await SimonNode.create({ listen: ['/ip4/0.0.0.0/tcp/4001'] })
 * const task = node.createTask({ taskId: 'q3', microprotocol: 'SecureSum', network: { nodes, myself: 0 } })
 * task.input(10)
 * console.log(await task.result({ signal: AbortSignal.timeout(30_000) })) // { inputs: 3, result: { samples: 3, sum: ... } }
 * await node.stop()
 * ```
 */
import './polyfill.js'

export { SimonNode, type SimonNodeInit, type SimonLibp2p, type SimonTask } from './node.js'
export { StatisticsTask, type StatisticsTaskInit, type StatisticsResult } from './statistics.js'
export {
  secureSum, secureSumGater,
  type SecureSumService, type SecureSumServiceInit, type SecureSumServiceComponents, type CreateTaskInit, type Invitation, type NodeStats
} from './service.js'
export type { TaskObserver } from './observer.js'
export { nodeMetrics, outcomeOf, SUM_DURATION_BUCKETS, type MetricsSource } from './metrics.js'
export { SecureSumTask, type SecureSumTaskInit, type TaskStatus, type TaskProgress, type Messenger } from './driver.js'
export { systemClock, type Clock, type TimerHandle } from './clock.js'
export { ChannelClosedError, ReplyTimeoutError, UnexpectedReplyError, InboundIdleError, KeyAgreementError } from './errors.js'
export { KeyValueStorage } from './kv-store.js'
export { nodeIdentitySigner } from './identity-signer.js'
export { parseNetwork, type Network, type Party } from './network.js'
export { generateIdentity, loadIdentity, saveIdentity, peerIdOf, type KeyFile } from './identity.js'
export { HeldMessages, type HeldMessage, type HoldLimits } from './held-messages.js'
export type { HeldFrame } from './intake.js'
export { InflightBudget, type InflightLimits } from './transport/inflight.js'
export {
  SECURESUM_PROTOCOL, DEFAULT_MAX_FRAME_BYTES, DEFAULT_INBOUND_IDLE_TIMEOUT_MS, DEFAULT_TASK_TIMEOUT_MS, DEFAULT_ATTEMPT_TIMEOUT_MS,
  RETRY_BACKOFF_MS, DEFAULT_HOLD_LIMITS, MAX_INBOUND_STREAMS, DEFAULT_IDLE_TASK_TTL_MS, DEFAULT_FINISHED_TASK_TTL_MS,
  DEFAULT_MAX_FINISHED_TASKS, ABORT_DELIVERY_MS, DEFAULT_MAX_INFLIGHT_BYTES, PEER_INFLIGHT_SLACK_BYTES, DEFAULT_INBOUND_CONNECTIONS_PER_HOST, STOP_FLUSH_MS
} from './constants.js'
