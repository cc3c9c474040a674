/**
 * Messages that arrive for a task not created here yet (a party that joined a moment later).
 * Held within bounds on count, bytes and age; the oldest go first when a bound is reached.
 */
import type { WireMessage } from '@simon-p2p/core'

export interface HeldMessage {
  readonly message: WireMessage
  readonly senderPeerId: string
  readonly bytes: number
  readonly at: number
}

export interface HoldLimits { readonly messages: number, readonly bytes: number, readonly ms: number }

export class HeldMessages {
  private readonly byTask = new Map<string, HeldMessage[]>()
  private count = 0
  private bytes = 0

  constructor (private readonly limits: HoldLimits, private readonly now: () => number = Date.now) {}

  get size (): { messages: number, bytes: number } { return { messages: this.count, bytes: this.bytes } }

  /** @returns false when the message alone is over the byte limit and was not held */
  hold (taskId: string, held: Omit<HeldMessage, 'at'>): boolean {
    if (held.bytes > this.limits.bytes) return false
    this.prune()
    while (this.count >= this.limits.messages || this.bytes + held.bytes > this.limits.bytes) this.dropOldest()
    const list = this.byTask.get(taskId) ?? []
    list.push({ ...held, at: this.now() })
    this.byTask.set(taskId, list)
    this.count++
    this.bytes += held.bytes
    return true
  }

  /** Remove and return what is held for a task, oldest first. */
  take (taskId: string): HeldMessage[] {
    this.prune()
    const list = this.byTask.get(taskId) ?? []
    this.byTask.delete(taskId)
    for (const h of list) { this.count--; this.bytes -= h.bytes }
    return list
  }

  /** Drop everything older than the age limit. */
  prune (): void {
    const cutoff = this.now() - this.limits.ms
    for (const [taskId, list] of this.byTask) {
      const kept = list.filter(h => h.at > cutoff)
      for (const h of list) if (h.at <= cutoff) { this.count--; this.bytes -= h.bytes }
      if (kept.length === 0) this.byTask.delete(taskId)
      else if (kept.length !== list.length) this.byTask.set(taskId, kept)
    }
  }

  private dropOldest (): void {
    let oldest: { taskId: string, at: number } | undefined
    for (const [taskId, list] of this.byTask) {
      const at = list[0]?.at
      if (at !== undefined && (oldest === undefined || at < oldest.at)) oldest = { taskId, at }
    }
    if (oldest === undefined) return
    const list = this.byTask.get(oldest.taskId)!
    const dropped = list.shift()!
    this.count--
    this.bytes -= dropped.bytes
    if (list.length === 0) this.byTask.delete(oldest.taskId)
  }
}
