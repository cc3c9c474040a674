/**
 * `simon sum`: a one-shot party. Starts a node with its key, joins the task of the network file,
 * gives its value, prints the result JSON and exits 0; on failure, one line on stderr and a
 * non-zero exit.
 */
import { readFile } from 'node:fs/promises'
import { InvalidInputError, isStatisticsMicroprotocol, SIMON_MICROPROTOCOLS } from '@simon-p2p/core'
import { loadIdentity, SecureSumTask, SimonNode, type TaskProgress } from '@simon-p2p/node'
import { parseStatisticsValue, parseValue } from '../value.js'
import { readValueFile } from '../value-file.js'
import { showProgress } from '../progress.js'
import { inboundConnectionsPerHost } from '../connections.js'

export interface SumOptions {
  readonly key: string
  readonly listen: string[]
  readonly network: string
  readonly myself: string
  readonly task: string
  readonly value?: string
  readonly valueFile?: string
  readonly timeout: string
  readonly digitsBefore?: string
  readonly digitsAfter?: string
  readonly threshold?: string
  readonly shareTimeout?: string
  readonly events?: boolean
  readonly profile?: string
  readonly mode?: string
  readonly inboundConnectionsPerHost?: string
  /** SecureSum (default) or a statistics microprotocol (StatisticsUnivariate, ...). */
  readonly microprotocol?: string
  /** CSV header names to read from --value-file (two for pairs). */
  readonly column?: string[]
  /** Declared categories (JSON), for StatisticsFrequency and StatisticsContingency. */
  readonly categories?: string
  readonly minCount?: string
}

function microprotocolOf (options: SumOptions): string {
  const m = options.microprotocol ?? 'SecureSum'
  if (!SIMON_MICROPROTOCOLS.includes(m)) throw new InvalidInputError('microprotocol', `unknown microprotocol ${JSON.stringify(m)}; known: ${SIMON_MICROPROTOCOLS.join(', ')}`)
  return m
}

/** The statistics parameters of the command line (--categories, --min-count). */
function statisticsParameters (options: SumOptions, statistics: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (options.categories !== undefined) {
    if (!statistics) throw new InvalidInputError('categories', 'only a statistics microprotocol takes categories')
    try { out.categories = JSON.parse(options.categories) } catch { throw new InvalidInputError('categories', 'must be JSON: ["A", "B"], or [["row", ...], ["column", ...]]') }
  }
  const minCount = integer(options.minCount, 'min-count', 0, Number.MAX_SAFE_INTEGER)
  if (minCount !== undefined) {
    if (!statistics) throw new InvalidInputError('min-count', 'only a statistics microprotocol takes min_count')
    out.min_count = minCount
  }
  return out
}

function integer (text: string | undefined, field: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidInputError(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`)
  return n
}

async function readNetworkFile (path: string): Promise<unknown[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new InvalidInputError('network', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  let doc: unknown
  try { doc = JSON.parse(text) } catch { throw new InvalidInputError('network', `${path} is not JSON`) }
  const nodes = (doc as { nodes?: unknown } | null)?.nodes
  if (!Array.isArray(nodes)) throw new InvalidInputError('network.nodes', `${path} must hold {"nodes": ["/ip4/.../tcp/.../p2p/<peerId>", ...]}`)
  return nodes
}

/** `--value -`: the value from stdin, in the JSON forms --value takes (kept off the command line, which `ps` shows). */
export const VALUE_FROM_STDIN = '-'

async function readStdin (): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function readValue (options: SumOptions, statistics: boolean): Promise<unknown> {
  if (options.value !== undefined && options.valueFile !== undefined) throw new InvalidInputError('value', 'give --value or --value-file, not both')
  if (options.column !== undefined && options.valueFile === undefined) throw new InvalidInputError('column', 'names a column of the CSV file given with --value-file')
  if (options.valueFile !== undefined) return readValueFile(options.valueFile, { statistics, ...(options.column === undefined ? {} : { columns: options.column }) })
  if (options.value === undefined) throw new InvalidInputError('value', 'is required (--value, --value - for stdin, or --value-file)')
  const parse = statistics ? parseStatisticsValue : parseValue
  if (options.value === VALUE_FROM_STDIN) return parse(await readStdin(), 'value')
  return parse(options.value)
}

export async function runSum (options: SumOptions): Promise<void> {
  const timeoutSeconds = Number(options.timeout)
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new InvalidInputError('timeout', `must be a positive number of seconds, got ${JSON.stringify(options.timeout)}`)
  const myself = integer(options.myself, 'myself', 0, 1_000_000)!
  const microprotocol = microprotocolOf(options)
  const statistics = isStatisticsMicroprotocol(microprotocol)
  const parameters: Record<string, unknown> = statisticsParameters(options, statistics)
  if (options.profile !== undefined) parameters.profile = options.profile
  if (options.mode !== undefined) parameters.mode = options.mode
  const before = integer(options.digitsBefore, 'digits-before', 0, 1000)
  const after = integer(options.digitsAfter, 'digits-after', 0, 1000)
  if (before !== undefined) parameters.digits_before = before
  if (after !== undefined) parameters.digits_after = after
  const threshold = integer(options.threshold, 'threshold', 1, 1_000_000)
  if (threshold !== undefined) parameters.threshold = threshold
  if (options.shareTimeout !== undefined) {
    const seconds = Number(options.shareTimeout)
    if (options.shareTimeout.trim() === '' || !Number.isFinite(seconds)) throw new InvalidInputError('share-timeout', `must be a number of seconds, got ${JSON.stringify(options.shareTimeout)}`)
    parameters.share_timeout = seconds
  }
  const nodes = await readNetworkFile(options.network)
  if (options.value !== undefined && options.valueFile !== undefined) throw new InvalidInputError('value', 'give --value or --value-file, not both')
  // An inline value is checked before anything starts; a value file or stdin is read once this
  // party has joined the task, so a party can be up and wait for its value (from a pipe, say).
  const inline = options.valueFile === undefined && options.value !== VALUE_FROM_STDIN ? await readValue(options, statistics) : undefined
  const perHost = inboundConnectionsPerHost(options.inboundConnectionsPerHost)
  const privateKey = await loadIdentity(options.key)

  const node = await SimonNode.create({ privateKey, listen: options.listen, taskTimeoutMs: timeoutSeconds * 1000, inboundConnectionsPerHost: perHost })
  try {
    const task = node.createTask({ taskId: options.task, microprotocol, parameters, network: { nodes: nodes as string[], myself } })
    if (task instanceof SecureSumTask) {
      watchProgress(task, options.events === true)
    } else if (options.events === true) {
      process.stderr.write(JSON.stringify({ event: 'task', task: task.id, fingerprint: task.fingerprint }) + '\n')
    }
    task.input((inline ?? await readValue(options, statistics)) as never)
    const hideProgress = task instanceof SecureSumTask ? showProgress(task) : () => {}
    let result
    try {
      result = await task.result().finally(hideProgress)
    } catch (err) {
      await task.flush()
      throw err
    }
    process.stdout.write(JSON.stringify(result, typedArraysAsArrays) + '\n')
    // The others may still need this party's last confirmation: deliver before stopping.
    await task.flush()
  } finally {
    await node.stop()
  }
}

/**
 * --events: one JSON line per progress event on stderr (process.stderr: blocking on pipes, so no
 * line is lost however slowly the reader reads): first `{"event": "task", "task", "fingerprint"}`
 * once this party has joined the task, then the step the task is at ('input').
 * Fault tests only: SIMON_FAILPOINT_WITHHOLD=<kind>[,<kind>...] makes this party never send
 * messages of those kinds (as if it died just before sending them); SIMON_FAILPOINT_FREEZE_AFTER=
 * <kind>[,<kind>...] freezes the process once every other party took its messages of all those
 * kinds, SIMON_FAILPOINT_FREEZE_AT=<step> when the task enters that step (before the step's
 * messages leave), and SIMON_FAILPOINT_SEND_ONLY=<step>:<party>[+<party>...] sends the first batch
 * of messages of that step only to those parties, and freezes once they took them (as if it died in
 * the middle of a broadcast). Either way a test can then kill it at an exact point.
 */
function watchProgress (task: SecureSumTask, events: boolean): void {
  const withhold = process.env.SIMON_FAILPOINT_WITHHOLD
  if (withhold !== undefined && withhold !== '') task.withhold(withhold.split(','))
  const freezeAfter = new Map((process.env.SIMON_FAILPOINT_FREEZE_AFTER ?? '').split(',').filter(k => k !== '').map(k => [k, 0]))
  const freezeAt = process.env.SIMON_FAILPOINT_FREEZE_AT
  const freeze = (): void => {
    if (events) process.stderr.write(JSON.stringify({ event: 'frozen' }) + '\n')
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600_000)
  }
  // the messages of the cut batch not yet taken, as kind>party; undefined before that batch
  let owed: string[] | undefined
  const sendOnly = /^([a-z-]+):(\d+(?:\+\d+)*)$/.exec(process.env.SIMON_FAILPOINT_SEND_ONLY ?? '')
  if (sendOnly !== null) {
    const [, step, list] = sendOnly
    const to = new Set(list!.split('+').map(Number))
    task.intercept(batch => {
      if (owed !== undefined) return [] // it is dying: nothing after the cut batch
      if (task.step !== step) return batch
      const kept = batch.filter(o => to.has(o.to))
      owed = kept.map(o => `${o.message.kind}>${o.to}`)
      if (owed.length === 0) freeze()
      return kept
    })
  }
  // first: the fingerprint, for the parties to compare out of band (the same everywhere means the same task and PeerIds)
  if (events) process.stderr.write(JSON.stringify({ event: 'task', task: task.id, fingerprint: task.fingerprint }) + '\n')
  task.onProgress((event: TaskProgress) => {
    if (events) process.stderr.write(JSON.stringify(event) + '\n')
    if (event.event === 'step' && event.step === freezeAt) freeze()
    if (event.event !== 'delivered') return
    if (owed !== undefined) {
      const at = owed.indexOf(`${event.kind}>${event.to}`)
      if (at >= 0) owed.splice(at, 1)
      if (owed.length === 0) freeze()
    }
    const taken = freezeAfter.get(event.kind)
    if (taken === undefined) return
    freezeAfter.set(event.kind, taken + 1)
    if ([...freezeAfter.values()].every(count => count === task.parties.length - 1)) freeze()
  })
  if (events) process.stderr.write(JSON.stringify({ event: 'step', step: task.step }) + '\n')
}

/** JSON of a fast-profile vector sum (a Float64Array) as an array, like every other sum. */
function typedArraysAsArrays (_key: string, value: unknown): unknown {
  return value instanceof Float64Array ? Array.from(value) : value
}
