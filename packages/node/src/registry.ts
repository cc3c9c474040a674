/**
 * The tasks a node holds, and who may talk to it because of them: every task's parties are
 * allowed while it is held (counted, so a peer on two lists stays allowed until both go), as are
 * the peers of the static allow list. A task that gets no input in time is cancelled and
 * forgotten; a finished one stays for late result() calls, bounded in time and in count.
 */
import type { SecureSumTask } from './driver.js'

export interface RetentionLimits {
  /** A task that gets no input here for this long is cancelled (the others are told) and forgotten. */
  readonly idleTaskTtlMs: number
  /** How long a finished task stays, for late result() calls. */
  readonly finishedTaskTtlMs: number
  /** At most this many finished tasks stay; the oldest whose messages are all delivered go first. */
  readonly maxFinishedTasks: number
}

export class TaskRegistry {
  private readonly tasks = new Map<string, SecureSumTask>()
  /** PeerId -> how many held tasks list it (plus one for the static allow list). */
  private readonly allowed = new Map<string, number>()
  /** Task id -> its idle timer (before it finishes) or its retention timer (after). */
  private readonly expiry = new Map<string, NodeJS.Timeout>()
  /** Finished tasks in the order they finished, for the count bound on retention. */
  private readonly finished = new Set<string>()

  constructor (private readonly limits: RetentionLimits, allowPeers: readonly string[] = []) {
    for (const p of allowPeers) this.allowed.set(p, 1)
  }

  get size (): number { return this.tasks.size }
  get finishedCount (): number { return this.finished.size }
  has (taskId: string): boolean { return this.tasks.has(taskId) }
  get (taskId: string): SecureSumTask | undefined { return this.tasks.get(taskId) }
  ids (): string[] { return [...this.tasks.keys()] }
  /** Every task held, in the order they were added. */
  tasksHeld (): SecureSumTask[] { return [...this.tasks.values()] }

  isAllowed (peerId: string): boolean { return (this.allowed.get(peerId) ?? 0) > 0 }

  /** Hold a new task: its parties may connect from now on, and it expires unless it gets an input. */
  add (task: SecureSumTask): void {
    this.tasks.set(task.id, task)
    this.scheduleIdleExpiry(task)
    for (const p of task.parties) if (p.index !== task.myself) this.allowed.set(p.peerId, (this.allowed.get(p.peerId) ?? 0) + 1)
  }

  /** Forget a task, cancelling it (the others are told) if it still runs. @returns whether there was one */
  forget (taskId: string, reason: string): boolean {
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

  /** Keep a finished task for late result() calls, bounded in time and in count. */
  retire (task: SecureSumTask): void {
    clearTimeout(this.expiry.get(task.id))
    this.expireIn(task.id, this.limits.finishedTaskTtlMs, () => this.forget(task.id, 'expired'))
    this.finished.add(task.id)
    for (const id of this.finished) {
      if (this.finished.size <= this.limits.maxFinishedTasks) break
      // a done task may still be delivering its last confirmation: it goes on a later round
      if (this.tasks.get(id)?.delivering !== true) this.forget(id, 'expired')
    }
  }

  /** A task that never gets an input here (its party walked away) must not live forever. */
  private scheduleIdleExpiry (task: SecureSumTask): void {
    const ms = this.limits.idleTaskTtlMs
    this.expireIn(task.id, ms, () => {
      if (!task.hasInput && !task.finished) this.forget(task.id, `no input at this party within ${ms / 1000} s`)
    })
  }

  private expireIn (taskId: string, ms: number, expire: () => void): void {
    const timer = setTimeout(expire, ms)
    timer.unref?.()
    this.expiry.set(taskId, timer)
  }
}
