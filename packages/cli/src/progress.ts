/**
 * A progress bar for long sums on stderr, only when stderr is a terminal (quiet otherwise, so
 * scripts and logs see nothing). Shown only once a sum has run for a moment.
 */
import cliProgress from 'cli-progress'
import type { SecureSumTask } from '@simon-p2p/node'

const STEPS = ['input', 'share', 'partial', 'nonces', 'sum', 'confirm', 'done']
const SHOW_AFTER_MS = 500

/** How far a task has come, 0..1: the machine's own count when it has one, else its step. */
export function fraction (task: SecureSumTask): number {
  const p = task.progressCount
  if (p !== undefined && p.total > 0) return Math.min(1, p.done / p.total)
  const step = STEPS.indexOf(task.step)
  return step < 0 ? 0 : step / (STEPS.length - 1)
}

/** Start the bar for a task; returns the function that removes it. */
export function showProgress (task: SecureSumTask, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (stream.isTTY !== true) return () => {}
  let bar: cliProgress.SingleBar | undefined
  const started = Date.now()
  const timer = setInterval(() => {
    if (bar === undefined) {
      if (Date.now() - started < SHOW_AFTER_MS) return
      bar = new cliProgress.SingleBar({ stream, format: 'secure sum |{bar}| {percentage}% | {step}', clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic)
      bar.start(100, 0, { step: task.step })
    }
    bar.update(Math.round(fraction(task) * 100), { step: task.step })
  }, 100)
  timer.unref()
  return () => {
    clearInterval(timer)
    bar?.stop()
  }
}
