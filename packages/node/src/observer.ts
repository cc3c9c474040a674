/**
 * What a node tells those who watch its tasks (metrics, structured logs): the task itself, to
 * read its id, microprotocol, mode, step and error code from, and its progress events. Never a
 * value: a task exposes none of its inputs, shares or keys.
 */
import type { SecureSumTask, TaskProgress } from './driver.js'

export interface TaskObserver {
  /** A task was created (or joined) at this node. */
  readonly created?: (task: SecureSumTask) => void
  /** Its step changed, or a message of it was delivered or taken (see TaskProgress). */
  readonly progress?: (task: SecureSumTask, event: TaskProgress) => void
  /** It is done or has failed (`task.status().error` then names the code). */
  readonly finished?: (task: SecureSumTask) => void
}
