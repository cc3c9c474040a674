/**
 * @simon-p2p/node: the libp2p host that carries SecureSum, the task registry and KeyValueStorage.
 */
import './polyfill.js'
export { SimonNode, type SimonNodeInit, type CreateTaskInit, type Invitation, type NodeStats } from './simon-node.js'
export { SecureSumTask, type TaskStatus, type TaskProgress, type Messenger } from './secure-sum-task.js'
export { KeyValueStorage } from './kv-store.js'
export { parseNetwork, type Network, type Party } from './network.js'
export { generateIdentity, loadIdentity, saveIdentity, peerIdOf, type KeyFile } from './identity.js'
export { HeldMessages, type HoldLimits } from './held-messages.js'
export * from './constants.js'
