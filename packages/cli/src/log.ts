/**
 * `--log-format`: `human` (the default) leaves logging as it was, libp2p's debug lines on stderr
 * with DEBUG='simon:*'; `json` writes one JSON object a line on stderr through pino: every task's
 * creation, steps and end (task id, step, party index, mode, error code), and the `simon:*` debug
 * lines that DEBUG enables. libp2p's own components keep their DEBUG lines. No line carries an
 * input, a share or a key: tasks expose none, and the debug lines never had them.
 */
import { format } from 'node:util'
import { defaultLogger } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'
import { pino, type DestinationStream, type Logger as Pino } from 'pino'
import type { SecureSumTask, TaskObserver } from '@simon-p2p/node'

export const LOG_FORMATS = ['human', 'json'] as const
export type LogFormat = typeof LOG_FORMATS[number]

/** The components this node names (the rest are libp2p's own). */
const OWN_COMPONENT = /^simon(:|$)/

/** A pino logger writing JSON lines, by default to stderr synchronously (a line is out before the process exits). */
export function jsonLog (destination: DestinationStream = pino.destination({ fd: 2, sync: true })): Pino {
  return pino({
    level: 'trace',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: label => ({ level: label }) }
  }, destination)
}

/**
 * libp2p's ComponentLogger, with this node's components (`simon:*`) written as JSON lines
 * `{"component": "simon:task", "msg": "..."}` when DEBUG enables them; the others unchanged.
 */
export function jsonComponentLogger (log: Pino, fallback: ComponentLogger = defaultLogger()): ComponentLogger {
  return {
    forComponent: name => {
      const base = fallback.forComponent(name)
      return OWN_COMPONENT.test(name) ? asJson(log, name, base) : base
    }
  }
}

function asJson (log: Pino, component: string, base: Logger): Logger {
  const line = (level: 'debug' | 'error' | 'trace', enabled: () => boolean) => (formatter: unknown, ...args: unknown[]): void => {
    // %o is util.inspect with hidden properties (an array's length); %O without
    if (enabled()) log[level]({ component }, format(typeof formatter === 'string' ? formatter.replace(/%o/g, '%O') : formatter, ...args))
  }
  const enabledOf = (l: unknown): boolean => (l as { enabled?: boolean }).enabled ?? base.enabled
  return Object.assign(line('debug', () => base.enabled), {
    error: line('error', () => enabledOf(base.error)),
    trace: line('trace', () => enabledOf(base.trace)),
    enabled: base.enabled,
    newScope: (scope: string) => asJson(log, `${component}:${scope}`, base.newScope(scope))
  })
}

/**
 * The task lines of the json format: created, each step, done or failed. Fields: `task` (its id),
 * `step`, `party` (this node's index), `parties`, `microprotocol`, `mode`, `code` (the error
 * code of a failure), `missing` (the parties it still waited for), `durationMs`, `fingerprint`.
 */
export function taskLog (log: Pino): TaskObserver {
  return {
    created: task => log.info({ task: task.id, step: task.step, party: task.myself, parties: task.parties.length, microprotocol: task.descriptor.microprotocol, mode: task.mode, fingerprint: task.fingerprint }, 'task created'),
    progress: (task, event) => {
      if (event.event === 'step') log.info({ task: task.id, step: event.step, party: task.myself }, 'task step')
    },
    finished: task => {
      const { step, error } = task.status()
      const fields = { task: task.id, step, party: task.myself, microprotocol: task.descriptor.microprotocol, mode: task.mode, durationMs: task.durationMs }
      if (error === undefined) { log.info(fields, 'task done'); return }
      // a timeout names the step it stopped at and whom it waited for; an abort the party that sent it
      const failure = failureOf(task)
      log.warn({ ...fields, code: error.code, error: error.name, ...failure }, 'task failed')
    }
  }
}

/** The step, missing parties and remote party a task's error names, when it names them (TaskTimeoutError does). */
function failureOf (task: SecureSumTask): { failedAt?: string, missing?: number[], from?: number } {
  let err: unknown
  try { task.peekResult() } catch (e) { err = e }
  const { step, missing, party } = (err ?? {}) as { step?: unknown, missing?: unknown, party?: unknown }
  return {
    ...(typeof step === 'string' ? { failedAt: step } : {}),
    ...(Array.isArray(missing) ? { missing: missing.filter((i): i is number => typeof i === 'number') } : {}),
    ...(typeof party === 'number' ? { from: party } : {})
  }
}
