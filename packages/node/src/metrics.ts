/**
 * The node's own Prometheus metrics (prom-client, the registry @libp2p/prometheus-metrics uses):
 * sums by microprotocol, mode and outcome, their duration, SecureSum bytes and frames per
 * direction, messages held, tasks by step, connected parties. Fed by the service's task events
 * and read from the node at each scrape. Labels are bounded sets (microprotocols, modes, error
 * codes, steps): never a task id, an input, a share or a key.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { SECURESUM_PROTOCOL } from './constants.js'
import type { SecureSumTask } from './driver.js'
import type { NodeStats } from './service.js'
import type { TaskObserver } from './observer.js'

/** What the metrics read from a node at each scrape (a SimonNode has all of it). */
export interface MetricsSource {
  stats: () => NodeStats
  tasks: () => SecureSumTask[]
  connectedParties: () => number
  readonly secureSum: { observe: (observer: TaskObserver) => () => void }
}

/** The outcome label of a finished task: `ok`, or its error code (TIMEOUT, DIGEST_MISMATCH, ...). */
export function outcomeOf (task: SecureSumTask): string {
  return task.status().error?.code ?? 'ok'
}

/** Seconds: from a quick local sum to a slow wide-area one near the default 60 s deadline. */
export const SUM_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

/**
 * Register the node's metrics in `registry` and start counting its sums.
 * @returns the function that stops counting (the metrics stay registered)
 * @example
 * ```ts
 * const registry = new Registry()
 * const node = await SimonNode.create({ metrics: prometheusMetrics({ registry }) })
 * nodeMetrics(node, registry)
 * console.log(await registry.metrics()) // libp2p_*, nodejs_*, simon_* in the Prometheus text format
 * ```
 */
export function nodeMetrics (node: MetricsSource, registry: Registry): () => void {
  const registers = [registry]
  const sums = new Counter({
    name: 'simon_sums_total',
    help: 'Tasks finished at this node, by microprotocol, mode and outcome (ok, or the error code)',
    labelNames: ['microprotocol', 'mode', 'outcome'] as const,
    registers
  })
  const duration = new Histogram({
    name: 'simon_sum_duration_seconds',
    help: 'From this party\'s input to the end of its task, by microprotocol, mode and outcome',
    labelNames: ['microprotocol', 'mode', 'outcome'] as const,
    buckets: SUM_DURATION_BUCKETS,
    registers
  })
  const created = new Counter({
    name: 'simon_tasks_created_total',
    help: 'Tasks created or joined at this node, by microprotocol',
    labelNames: ['microprotocol'] as const,
    registers
  })
  perDirection(registry, 'simon_protocol_bytes_total', 'Bytes of SecureSum frames, by protocol and direction (sent counts every delivery attempt)',
    () => { const s = node.stats(); return { sent: s.bytesSent, received: s.bytesReceived } })
  perDirection(registry, 'simon_protocol_frames_total', 'SecureSum frames, by protocol and direction (received counts refused ones too)',
    () => { const s = node.stats(); return { sent: s.framesSent, received: s.framesReceived } })
  new Gauge({
    name: 'simon_held_messages',
    help: 'Messages held for tasks not created here yet',
    registers,
    collect () { this.set(node.stats().held.messages) }
  })
  new Gauge({
    name: 'simon_held_bytes',
    help: 'What the held messages will cost decoded, in bytes',
    registers,
    collect () { this.set(node.stats().held.bytes) }
  })
  new Gauge({
    name: 'simon_inflight_bytes',
    help: 'Bytes received from peers and not yet handled',
    registers,
    collect () { this.set(node.stats().inflight.bytes) }
  })
  new Gauge({
    name: 'simon_tasks',
    help: 'Tasks held at this node by step (finished ones, kept for late result() calls, at done or failed)',
    labelNames: ['step'] as const,
    registers,
    collect () {
      this.reset()
      for (const task of node.tasks()) this.inc({ step: task.step })
    }
  })
  new Gauge({
    name: 'simon_connected_parties',
    help: 'Peers allowed here (parties of held tasks, the allow list) with an open connection to this node',
    registers,
    collect () { this.set(node.connectedParties()) }
  })
  return node.secureSum.observe({
    created: task => created.inc({ microprotocol: task.descriptor.microprotocol }),
    finished: task => {
      const labels = { microprotocol: task.descriptor.microprotocol, mode: task.mode, outcome: outcomeOf(task) }
      sums.inc(labels)
      const ms = task.durationMs
      if (ms !== undefined) duration.observe(labels, ms / 1000)
    }
  })
}

/** A counter of the SecureSum protocol by direction, read from the node's running totals at each scrape. */
function perDirection (registry: Registry, name: string, help: string, totals: () => { sent: number, received: number }): void {
  new Counter({
    name,
    help,
    labelNames: ['protocol', 'direction'] as const,
    registers: [registry],
    collect () {
      const { sent, received } = totals()
      this.reset()
      this.inc({ protocol: SECURESUM_PROTOCOL, direction: 'sent' }, sent)
      this.inc({ protocol: SECURESUM_PROTOCOL, direction: 'received' }, received)
    }
  })
}
