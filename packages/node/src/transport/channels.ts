/**
 * The sending side of the SecureSum stream protocol: one long-lived outbound stream per peer (a
 * channel) that carries many length-prefixed frames; the peer answers each with one reply, in
 * order (see inbound.ts).
 */
import type { Logger, Stream } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { decodeReply, type Reply } from '@simon-p2p/core'
import { CHANNEL_WINDOW_BYTES, DEFAULT_ATTEMPT_TIMEOUT_MS, REPLY_MAX_BYTES, SECURESUM_PROTOCOL } from '../constants.js'
import { ChannelClosedError, ReplyTimeoutError, UnexpectedReplyError } from '../errors.js'
import { decodeVarintPrefix } from './length-prefix.js'

interface Waiting extends PromiseWithResolvers<Reply> {
  /** When the reply is due (Date.now() clock); past it the channel is given up. */
  readonly due: number
  readonly bytes: number
  readonly attemptTimeoutMs: number
}

/**
 * One outbound stream to one peer. A broken channel rejects what it still waits for and is
 * replaced on the next send. No timer or abort listener per frame: one watchdog per channel
 * checks the oldest reply's due time, and at most CHANNEL_WINDOW_BYTES of frames wait for
 * replies at a time.
 */
class Channel {
  private readonly waiting: Waiting[] = []
  private writing: Promise<void> = Promise.resolve()
  private watchdog: NodeJS.Timeout | undefined
  private inFlight = 0
  private room: PromiseWithResolvers<void> | undefined
  broken = false

  constructor (private readonly stream: Stream, private readonly lp: LengthPrefixedStream<Stream>, private readonly written: (bytes: number) => void) {
    void this.readReplies()
  }

  /** Write one frame and wait for its reply; `attemptTimeoutMs` bounds the write and the reply. */
  async send (frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs: number): Promise<Reply> {
    const reply = Object.assign(Promise.withResolvers<Reply>(), { due: Date.now() + attemptTimeoutMs, bytes: frame.length, attemptTimeoutMs })
    // the channel may break while the frame is still being written: not an unhandled rejection
    reply.promise.catch(() => {})
    this.waiting.push(reply)
    this.armWatchdog()
    const write = this.writing.then(async () => {
      while (this.inFlight > 0 && this.inFlight + frame.length > CHANNEL_WINDOW_BYTES && !this.broken) {
        this.room ??= Promise.withResolvers<void>()
        await this.room.promise
      }
      if (this.broken) throw new ChannelClosedError('broken before the frame was written')
      this.inFlight += frame.length
      this.written(frame.length)
      await this.lp.write(frame, { signal })
    })
    this.writing = write.catch(() => {})
    try {
      await write
    } catch (err) {
      this.close(err as Error)
      throw err
    }
    return reply.promise
  }

  close (err: Error): void {
    if (this.broken) return
    this.broken = true
    clearTimeout(this.watchdog)
    this.stream.abort(err)
    for (const w of this.waiting.splice(0)) w.reject(err)
    this.room?.resolve()
  }

  /** Fire when the oldest reply is due; a channel whose peer does not answer in time is not reused. */
  private armWatchdog (): void {
    if (this.watchdog !== undefined || this.broken) return
    const head = this.waiting[0]
    if (head === undefined) return
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined
      const oldest = this.waiting[0]
      if (oldest !== undefined && oldest.due <= Date.now()) this.close(new ReplyTimeoutError(oldest.attemptTimeoutMs))
      else this.armWatchdog()
    }, Math.max(0, head.due - Date.now()))
    this.watchdog.unref?.()
  }

  private async readReplies (): Promise<void> {
    try {
      while (!this.broken) {
        const bytes = await this.lp.read()
        const next = this.waiting.shift()
        if (next === undefined) throw new UnexpectedReplyError()
        this.inFlight -= next.bytes
        if (this.room !== undefined) { const room = this.room; this.room = undefined; room.resolve() }
        next.resolve(decodeReply(bytes.subarray()))
      }
    } catch (err) {
      this.close(err as Error)
    }
  }
}

/** Outbound channels of one node, one per remote peer. */
export class Channels {
  private readonly open = new Map<string, Promise<Channel>>()

  /**
   * @param written told of each frame as it is written on a stream (an attempt that opened no
   *   stream wrote nothing): what this node uploads
   */
  constructor (private readonly connectionManager: Pick<ConnectionManager, 'openStream'>, private readonly log: Logger, private readonly written: (bytes: number) => void = () => {}) {}

  /**
   * Deliver one frame to `peerId` at `target` and return its reply.
   * @param signal ends waiting for the stream to drain (the task's lifetime)
   * @param attemptTimeoutMs bounds the dial, the write and the reply
   */
  async send (peerId: string, target: Multiaddr, frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs = DEFAULT_ATTEMPT_TIMEOUT_MS): Promise<Reply> {
    const pending = this.open.get(peerId) ?? this.connect(peerId, target, AbortSignal.any([signal, AbortSignal.timeout(attemptTimeoutMs)]))
    const channel = await pending
    if (channel.broken) {
      if (this.open.get(peerId) === pending) this.open.delete(peerId)
      return this.send(peerId, target, frame, signal, attemptTimeoutMs)
    }
    try {
      return await channel.send(frame, signal, attemptTimeoutMs)
    } finally {
      if (channel.broken && this.open.get(peerId) === pending) this.open.delete(peerId)
    }
  }

  /** Open the channel to `peerId` now if there is none, sending nothing; failures are left to the first send. */
  warm (peerId: string, target: Multiaddr, attemptTimeoutMs = DEFAULT_ATTEMPT_TIMEOUT_MS): void {
    if (!this.open.has(peerId)) this.connect(peerId, target, AbortSignal.timeout(attemptTimeoutMs)).catch(() => {})
  }

  closeAll (): void {
    for (const p of this.open.values()) p.then(c => c.close(new ChannelClosedError('node stopping')), () => {})
    this.open.clear()
  }

  /** Open a channel to `peerId` and keep it as that peer's; a failed open is forgotten (the next send tries again). */
  private async connect (peerId: string, target: Multiaddr, signal: AbortSignal): Promise<Channel> {
    const pending = (async () => {
      const stream = await this.connectionManager.openStream(target, SECURESUM_PROTOCOL, { signal, negotiateFully: false })
      return new Channel(stream, lpStream(stream, { maxDataLength: REPLY_MAX_BYTES, maxBufferSize: REPLY_MAX_BYTES + 16, lengthDecoder: decodeVarintPrefix }), this.written)
    })()
    this.open.set(peerId, pending)
    pending.catch(err => {
      if (this.open.get(peerId) === pending) this.open.delete(peerId)
      this.log('channel to %s not opened: %s', peerId, (err as Error).name)
    })
    return pending
  }
}
