/**
 * The time a task runs on. The driver reads the time and sets every timer through a Clock, so a
 * test can run a task on a virtual clock (deadlines and retries without waiting real time).
 */

/** What `setTimeout` of a Clock returns; only that clock's `clearTimeout` understands it. */
export type TimerHandle = unknown

export interface Clock {
  /** Milliseconds on the scale of Date.now() (the machines compare them with their own deadlines). */
  now: () => number
  /** Run `fn` once after `ms`; a pending timer must not keep the process alive. */
  setTimeout: (fn: () => void, ms: number) => TimerHandle
  /** Cancel a timer of this clock; `undefined`, or a timer that already ran, is ignored. */
  clearTimeout: (handle: TimerHandle) => void
}

/** Real time: Date.now and unref'd timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms)
    timer.unref?.()
    return timer
  },
  clearTimeout: handle => { clearTimeout(handle as NodeJS.Timeout | undefined) }
}

/** Resolves after `ms` on `clock`, or as soon as `signal` aborts (it never rejects). */
export async function sleep (clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const done = (): void => { clock.clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    const timer = clock.setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** A signal that aborts `ms` from now on `clock` (AbortSignal.timeout on real time only). */
export function timeoutSignal (clock: Clock, ms: number): AbortSignal {
  const controller = new AbortController()
  clock.setTimeout(() => controller.abort(new DOMException(`${ms} ms passed`, 'TimeoutError')), ms)
  return controller.signal
}
