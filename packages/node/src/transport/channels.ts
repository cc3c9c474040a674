/**
 * The sending side of the SecureSum stream protocol: one long-lived outbound stream per peer (a
 * channel) that carries many length-prefixed frames; the peer answers each with one reply, in
 * order (see inbound.ts), but need not at once: replies to small accepted frames wait at the peer
 * (up to REPLY_DELAY_MS) to go out together. A sender that needs them sooner (a task's flush, a
 * full window) asks with an empty frame, which the peer answers, after every reply it still holds,
 * at once.
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
  /** The reply to an ask (an empty frame): it answers no frame of a task. */
  readonly ask?: true
}

/** An ask: the zero-length frame that makes the peer write the replies it holds (see inbound.ts). */
const ASK = new Uint8Array(0)

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
  /** An ask is on its way and no frame was written after it: another would bring nothing more. */
  private asked = false
  /** An ask came before any frame was written: the next frame is followed by one. */
  private askAfterNext = false
  broken = false

  constructor (private readonly stream: Stream, private readonly lp: LengthPrefixedStream<Stream>, private readonly written: (bytes: number) => void) {
    void this.readReplies()
  }

  /** Write one frame and wait for its reply; `attemptTimeoutMs` bounds the write and the reply. */
  async send (frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs: number): Promise<Reply> {
    let reply: Waiting | undefined
    const write = this.writing.then(async () => {
      while (this.inFlight > 0 && this.inFlight + frame.length > CHANNEL_WINDOW_BYTES && !this.broken) {
        // the window is full of frames whose replies the peer holds: ask for them
        this.ask(attemptTimeoutMs)
        this.room ??= Promise.withResolvers<void>()
        await this.room.promise
      }
      if (this.broken) throw new ChannelClosedError('broken before the frame was written')
      this.inFlight += frame.length
      this.asked = false
      this.written(frame.length)
      // awaited in the order written (an ask is written past frames waiting for room)
      reply = this.expect(frame.length, attemptTimeoutMs)
      // lp.write hands the frame to the stream before it returns: an ask made now goes after it
      const writing = this.lp.write(frame, { signal })
      if (this.askAfterNext) { this.askAfterNext = false; this.ask(attemptTimeoutMs) }
      await writing
    })
    this.writing = write.catch(() => {})
    try {
      await write
    } catch (err) {
      this.close(err as Error)
      throw err
    }
    return reply!.promise
  }

  /** The reply due next after what was written so far, within `attemptTimeoutMs` (the watchdog's). */
  private expect (bytes: number, attemptTimeoutMs: number, ask?: true): Waiting {
    const reply: Waiting = Object.assign(Promise.withResolvers<Reply>(), { due: Date.now() + attemptTimeoutMs, bytes, attemptTimeoutMs, ...(ask === undefined ? {} : { ask }) })
    // the channel may break while the frame is still being written: not an unhandled rejection
    reply.promise.catch(() => {})
    this.waiting.push(reply)
    this.armWatchdog()
    return reply
  }

  /**
   * Ask the peer for the replies it still holds for this channel's frames (an empty frame, answered
   * at once after them). Nothing is sent while an ask is on its way; when no reply is awaited yet,
   * the next frame written is followed by an ask (a task's flush may come before its frame is written).
   */
  ask (attemptTimeoutMs: number = DEFAULT_ATTEMPT_TIMEOUT_MS): void {
    if (this.broken) return
    if (!this.waiting.some(w => w.ask !== true)) { this.askAfterNext = true; return }
    if (this.asked) return
    this.asked = true
    this.expect(0, attemptTimeoutMs, true)
    // not behind the frames waiting for room (the ask is what makes room): written now, in order with what was written
    this.lp.write(ASK).catch(err => this.close(err as Error))
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

  /** Ask `peerId` for the replies it still holds for this node's frames (see Channel.ask); nothing without an open channel. */
  ask (peerId: string): void {
    this.open.get(peerId)?.then(c => { c.ask() }, () => {})
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
