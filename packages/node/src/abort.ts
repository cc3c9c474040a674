/** Waiting on AbortSignals without leaving listeners behind. */

/** A promise that never resolves and rejects with `signal`'s reason once it aborts (at once if it has); its rejection is handled. */
export function abortion (signal: AbortSignal): Promise<never> {
  const p = new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason)
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
  p.catch(() => {})
  return p
}

/**
 * `promise`, or a rejection with `reason()` as soon as `signal` aborts (at once when it already
 * has); the listener goes when either happens.
 */
export async function untilAborted<T> (promise: Promise<T>, signal: AbortSignal, reason: () => unknown): Promise<T> {
  if (signal.aborted) throw reason()
  const aborted = Promise.withResolvers<never>()
  const onAbort = (): void => aborted.reject(reason())
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([promise, aborted.promise])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
