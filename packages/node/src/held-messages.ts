/**
 * Messages that arrive for a task not created here yet (a party that joined a moment later).
 * Held within bounds on count, bytes and age; `bytes` is what the holder says a message costs
 * (the service holds raw frames and counts what they will cost decoded). When a bound is reached,
 * the sender that holds the most messages loses its oldest, or, over the byte bound, a sender that
 * holds more than half of it loses its oldest first: a peer that floods frames for unknown tasks,
 * many cheap ones or a few expensive ones, evicts its own, not the honest parties' messages.
 */
import type { WireMessage } from '@simon-p2p/core'

export interface HeldMessage<M = WireMessage> {
  readonly message: M
  readonly senderPeerId: string
  readonly bytes: number
  readonly at: number
}

export interface HoldLimits { readonly messages: number, readonly bytes: number, readonly ms: number }

export class HeldMessages<M = WireMessage> {
  private readonly byTask = new Map<string, Array<HeldMessage<M>>>()
  /** Sender PeerId -> how many of its messages are held, and their bytes. */
  private readonly bySender = new Map<string, { count: number, bytes: number }>()
  private count = 0
  private bytes = 0

  /**
   * @param onDrop called for each message dropped unused (evicted or aged out), not for those taken:
   *   the service wipes the raw frame it held
   */
  constructor (private readonly limits: HoldLimits, private readonly now: () => number = Date.now,
    private readonly onDrop: (held: HeldMessage<M>) => void = () => {}) {}

  get size (): { messages: number, bytes: number } { return { messages: this.count, bytes: this.bytes } }

  /** @returns false when the message alone is over the byte limit and was not held */
  hold (taskId: string, held: Omit<HeldMessage<M>, 'at'>): boolean {
    if (held.bytes > this.limits.bytes) return false
    this.prune()
    while (this.count > 0 && (this.count >= this.limits.messages || this.bytes + held.bytes > this.limits.bytes)) {
      this.dropFromHeaviestSender(this.count < this.limits.messages)
    }
    const list = this.byTask.get(taskId) ?? []
    list.push({ ...held, at: this.now() })
    this.byTask.set(taskId, list)
    this.added(list[list.length - 1]!)
    return true
  }

  /** Remove and return what is held for a task, oldest first. */
  take (taskId: string): Array<HeldMessage<M>> {
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
      for (const h of list) if (h.at <= cutoff) this.dropped(h)
      if (kept.length === 0) this.byTask.delete(taskId)
      else if (kept.length !== list.length) this.byTask.set(taskId, kept)
    }
  }

  private added (h: HeldMessage<M>): void {
    this.count++
    this.bytes += h.bytes
    const s = this.bySender.get(h.senderPeerId) ?? { count: 0, bytes: 0 }
    this.bySender.set(h.senderPeerId, { count: s.count + 1, bytes: s.bytes + h.bytes })
  }

  private removed (h: HeldMessage<M>): void {
    this.count--
    this.bytes -= h.bytes
    const s = this.bySender.get(h.senderPeerId) ?? { count: 1, bytes: h.bytes }
    if (s.count > 1) this.bySender.set(h.senderPeerId, { count: s.count - 1, bytes: s.bytes - h.bytes })
    else this.bySender.delete(h.senderPeerId)
  }

  private dropped (h: HeldMessage<M>): void {
    this.removed(h)
    this.onDrop(h)
  }

  /**
   * Drop an old message (the first of the earliest task it holds for) of the sender that holds the
   * most messages; for room in bytes, of a sender that holds more than half the byte bound, if any.
   */
  private dropFromHeaviestSender (forBytes: boolean): void {
    let heaviest: string | undefined
    let most = 0
    for (const [sender, s] of this.bySender) if (s.count > most) { heaviest = sender; most = s.count }
    if (forBytes) {
      let largest = this.limits.bytes / 2
      for (const [sender, s] of this.bySender) if (s.bytes > largest) { heaviest = sender; largest = s.bytes }
    }
    for (const [taskId, list] of this.byTask) {
      const index = list.findIndex(h => h.senderPeerId === heaviest)
      if (index < 0) continue
      this.dropped(list.splice(index, 1)[0]!)
      if (list.length === 0) this.byTask.delete(taskId)
      return
    }
  }
}
