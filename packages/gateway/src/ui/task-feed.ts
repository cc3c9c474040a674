/**
 * Live progress for the web page: server-sent events (text/event-stream), each a `tasks` event
 * with the node's task list (task-view.ts) whenever it changes. A task's progress (its step, a
 * message taken) sends within FEED_THROTTLE_MS; new and forgotten tasks are noticed within
 * FEED_POLL_MS. Streams are bounded in number and in what may wait unsent for a slow reader.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { toJson } from '@simon-p2p/api'
import type { SecureSumTask, SimonNode } from '@simon-p2p/node'
import { tasksView } from './task-view.js'

/** At most this many streams at once; a new one ends the oldest (a page reconnects by itself). */
export const MAX_EVENT_STREAMS = 32
/** A stream with this much unsent is ended rather than buffered further (its reader reconnects). */
export const MAX_UNSENT_BYTES = 1024 * 1024
const FEED_THROTTLE_MS = 50
const FEED_POLL_MS = 1000
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_EVERY_POLLS = 15
/** How long a browser waits before it reconnects. */
const RETRY_MS = 2000

export class TaskFeed {
  private readonly streams = new Set<ServerResponse>()
  private readonly watched = new WeakSet<SecureSumTask>()
  private last = ''
  private poll: NodeJS.Timeout | undefined
  private pending: NodeJS.Timeout | undefined
  private polls = 0

  constructor (private readonly node: SimonNode) {}

  /** The task list as a `tasks` event carries it. */
  snapshot (): string {
    for (const task of this.node.tasks()) {
      if (this.watched.has(task)) continue
      this.watched.add(task)
      task.onProgress(() => { this.schedule() })
    }
    return toJson({ tasks: tasksView(this.node) })
  }

  /**
   * Serve one event stream on `raw` (a hijacked reply) until its reader goes or close() is called.
   * @param headers what the request's hooks set (CORS for an allowed origin, say)
   */
  open (raw: ServerResponse, headers: OutgoingHttpHeaders): void {
    if (this.streams.size >= MAX_EVENT_STREAMS) this.end(this.streams.values().next().value!)
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no'
    })
    raw.write(`retry: ${RETRY_MS}\n\n`)
    this.streams.add(raw)
    raw.once('close', () => { this.streams.delete(raw); if (this.streams.size === 0) this.stopTimers() })
    const now = this.snapshot()
    this.write(raw, now)
    if (now !== this.last) { this.last = now; this.broadcast(now, raw) }
    this.poll ??= setInterval(() => { this.tick() }, FEED_POLL_MS)
    this.poll.unref?.()
  }

  /** End every stream (the gateway is closing). */
  close (): void {
    for (const raw of this.streams) this.end(raw)
    this.stopTimers()
  }

  private tick (): void {
    if (++this.polls % HEARTBEAT_EVERY_POLLS === 0) for (const raw of this.streams) raw.write(': keep-alive\n\n')
    this.changed()
  }

  private changed (): void {
    if (this.streams.size === 0) return
    const now = this.snapshot()
    if (now === this.last) return
    this.last = now
    this.broadcast(now)
  }

  private schedule (): void {
    if (this.pending !== undefined || this.streams.size === 0) return
    this.pending = setTimeout(() => { this.pending = undefined; this.changed() }, FEED_THROTTLE_MS)
  }

  private broadcast (data: string, except?: ServerResponse): void {
    for (const raw of this.streams) if (raw !== except) this.write(raw, data)
  }

  private write (raw: ServerResponse, data: string): void {
    if (raw.writableLength > MAX_UNSENT_BYTES) { this.end(raw); return }
    raw.write(`event: tasks\ndata: ${data}\n\n`)
  }

  private end (raw: ServerResponse): void {
    this.streams.delete(raw)
    raw.end()
  }

  private stopTimers (): void {
    clearInterval(this.poll)
    this.poll = undefined
    clearTimeout(this.pending)
    this.pending = undefined
  }
}
