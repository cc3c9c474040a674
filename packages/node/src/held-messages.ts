/**
 * Messages that arrive for a task not created here yet (a party that joined a moment later).
 * Held within bounds on count, bytes and age. When a bound is reached, the sender that holds the
 * most messages loses its oldest: a peer that floods frames for unknown tasks evicts its own,
 * not the honest parties' messages.
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
  /** Sender PeerId -> how many of its messages are held. */
  private readonly bySender = new Map<string, number>()
  private count = 0
  private bytes = 0

  constructor (private readonly limits: HoldLimits, private readonly now: () => number = Date.now) {}

  get size (): { messages: number, bytes: number } { return { messages: this.count, bytes: this.bytes } }

  /** @returns false when the message alone is over the byte limit and was not held */
  hold (taskId: string, held: Omit<HeldMessage, 'at'>): boolean {
    if (held.bytes > this.limits.bytes) return false
    this.prune()
    while (this.count > 0 && (this.count >= this.limits.messages || this.bytes + held.bytes > this.limits.bytes)) this.dropFromHeaviestSender()
    const list = this.byTask.get(taskId) ?? []
    list.push({ ...held, at: this.now() })
    this.byTask.set(taskId, list)
    this.added(list[list.length - 1]!)
    return true
  }

  /** Remove and return what is held for a task, oldest first. */
  take (taskId: string): HeldMessage[] {
    this.prune()
    const list = this.byTask.get(taskId) ?? []
    this.byTask.delete(taskId)
    for (const h of list) this.removed(h)
    return list
  }

  /** Drop everything older than the age limit. */
  prune (): void {
    const cutoff = this.now() - this.limits.ms
    for (const [taskId, list] of this.byTask) {
      if (list[0]!.at > cutoff) continue // each list is in arrival order
      const kept = list.filter(h => h.at > cutoff)
      for (const h of list) if (h.at <= cutoff) this.removed(h)
      if (kept.length === 0) this.byTask.delete(taskId)
      else if (kept.length !== list.length) this.byTask.set(taskId, kept)
    }
  }

  private added (h: HeldMessage): void {
    this.count++
    this.bytes += h.bytes
    this.bySender.set(h.senderPeerId, (this.bySender.get(h.senderPeerId) ?? 0) + 1)
  }

  private removed (h: HeldMessage): void {
    this.count--
    this.bytes -= h.bytes
    const left = (this.bySender.get(h.senderPeerId) ?? 1) - 1
    if (left > 0) this.bySender.set(h.senderPeerId, left)
    else this.bySender.delete(h.senderPeerId)
  }

  /** Drop an old message (the first of the earliest task it holds for) of the sender that holds the most. */
  private dropFromHeaviestSender (): void {
    let heaviest: string | undefined
    let most = 0
    for (const [sender, n] of this.bySender) if (n > most) { heaviest = sender; most = n }
    for (const [taskId, list] of this.byTask) {
      const index = list.findIndex(h => h.senderPeerId === heaviest)
      if (index < 0) continue
      this.removed(list.splice(index, 1)[0]!)
      if (list.length === 0) this.byTask.delete(taskId)
      return
    }
  }
}
