/**
 * What the web page shows of this node's tasks: for each party its index, PeerId and whether this
 * node has heard from it or still waits for it, and the task's fingerprint to compare out of band.
 * Never an input, a share or a partial sum; the result is fetched by the page through the fdrtd
 * API (result()), as any client of this node would.
 */
import { printable, type TaskParameters } from '@simon-p2p/core'
import type { SecureSumTask, SimonNode } from '@simon-p2p/node'

export interface UiParty {
  readonly index: number
  readonly peerId: string
  readonly multiaddr: string
  /** This node. */
  readonly self: boolean
  /** This node has taken a message of this task from it. */
  readonly seen: boolean
  /** This node waits for it at the current step (for itself: its input). */
  readonly missing: boolean
}

export interface UiTask {
  readonly id: string
  readonly microprotocol: string
  /** The task's parameters, as every party holds them (bound into the digest). */
  readonly parameters: TaskParameters
  /** The digest's short form: every party that shows the same one holds the same task. */
  readonly fingerprint: string
  readonly step: string
  readonly finished: boolean
  readonly hasInput: boolean
  /** Elements of this party's input once given (1 for a scalar). */
  readonly inputLength?: number
  /** How far a long sum has come, when the mode counts it. */
  readonly progress?: { readonly done: number, readonly total: number }
  readonly myself: number
  readonly parties: readonly UiParty[]
  /** Why the task failed (its message quotes no value; control characters escaped). */
  readonly error?: { readonly code: string, readonly message: string }
}

/** The newest tasks shown; older ones are still served by the fdrtd API. */
export const MAX_UI_TASKS = 100

export function taskView (task: SecureSumTask): UiTask {
  const status = task.status()
  const missing = new Set(status.missing)
  const seen = new Set(task.partiesSeen)
  const progress = task.progressCount
  return {
    id: task.id,
    microprotocol: task.descriptor.microprotocol,
    parameters: task.descriptor.parameters,
    fingerprint: task.fingerprint,
    step: status.step,
    finished: task.finished,
    hasInput: task.hasInput,
    ...(task.inputLength === undefined ? {} : { inputLength: task.inputLength }),
    ...(progress === undefined ? {} : { progress }),
    myself: task.myself,
    parties: task.parties.map(p => ({
      index: p.index,
      peerId: p.peerId,
      multiaddr: p.multiaddr.toString(),
      self: p.index === task.myself,
      seen: seen.has(p.index),
      missing: missing.has(p.index)
    })),
    ...(status.error === undefined ? {} : { error: { code: status.error.code, message: printable(status.error.message) } })
  }
}

/** The node's newest tasks first, at most MAX_UI_TASKS. */
export function tasksView (node: SimonNode): UiTask[] {
  return node.tasks().slice(-MAX_UI_TASKS).reverse().map(taskView)
}
