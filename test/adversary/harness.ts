/**
 * The adversary harness (not a test file): real SimonNodes on 127.0.0.1, one of them deviating.
 * A strategy sees every message the deviating party sends (after its machine produced it, before
 * it is encoded) and returns what to send instead: the message rewritten, dropped, duplicated,
 * or others injected; `reversed` reorders each batch the machine produces at once. Strategies
 * compose left to right.
 */
import type { Outgoing, WireMessage } from '@simon-p2p/core'
import type { SecureSumTask } from '@simon-p2p/node'

/** What to send instead of one message. */
export type Strategy = (o: Outgoing) => Outgoing[]
/** What to send instead of a batch of messages produced at once. */
export type BatchStrategy = (batch: Outgoing[]) => Outgoing[]

/** Make `task`'s party deviate by `strategies`, applied in order (message strategies, or `batch(...)`). */
export function deviate (task: SecureSumTask, ...strategies: Array<Strategy | { readonly batch: BatchStrategy }>): void {
  for (const s of strategies) task.intercept(typeof s === 'function' ? batch => batch.flatMap(s) : s.batch)
}

/** Every batch in reverse order: the messages a machine produced at once go out last first. */
export const reversed = { batch: (b: Outgoing[]): Outgoing[] => [...b].reverse() }

/** Drop every message of these kinds (to these parties, or to all). */
export function drop (kinds: readonly string[], to?: readonly number[]): Strategy {
  return o => (kinds.includes(o.message.kind) && (to === undefined || to.includes(o.to)) ? [] : [o])
}

/** Send every message of these kinds `times` times. */
export function duplicate (kinds: readonly string[], times = 2): Strategy {
  return o => (kinds.includes(o.message.kind) ? Array.from({ length: times }, () => o) : [o])
}

/** Rewrite the messages `select` picks with `rewrite`. */
export function rewrite (select: (o: Outgoing) => boolean, rewrite: (o: Outgoing) => Outgoing): Strategy {
  return o => (select(o) ? [rewrite(o)] : [o])
}

/** With each message `select` picks, also send its party `extra(message)` (recorded into `sent`). */
export function alongside (select: (m: WireMessage) => boolean, extra: (m: WireMessage) => WireMessage, sent: WireMessage[] = []): Strategy {
  return o => {
    if (!select(o.message)) return [o]
    const message = extra(o.message)
    sent.push(message)
    return [o, { to: o.to, message }]
  }
}

/** Every message `task` sends, recorded as it leaves (after the strategies added before this one). */
export function record (task: SecureSumTask): Outgoing[] {
  const sent: Outgoing[] = []
  task.intercept(batch => { sent.push(...batch); return batch })
  return sent
}
