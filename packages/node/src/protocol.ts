/**
 * The SecureSum stream protocol. A sender keeps one long-lived stream per peer (a channel) and
 * writes length-prefixed frames on it; the receiver answers every frame with one length-prefixed
 * reply, in order. The receiver learns the sender's PeerId from the Noise-authenticated
 * connection, never from the frame.
 */
import type { Libp2p, Stream, Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { logger } from '@libp2p/logger'
import { decodeReply, encodeReply, type Reply } from '@simon-p2p/core'
import { SECURESUM_PROTOCOL, MAX_INBOUND_STREAMS, DEFAULT_ATTEMPT_TIMEOUT_MS } from './constants.js'

const log = logger('simon:protocol')
const REPLY_MAX_BYTES = 8 * 1024

export interface FrameSink {
  /** Take one frame from an authenticated peer and say what became of it. */
  (frame: Uint8Array, senderPeerId: string): Reply
}

export interface InboundOptions {
  readonly maxFrameBytes: number
  /** A stream that sends no frame for this long is reset (a peer that opens streams and never writes). */
  readonly idleTimeoutMs: number
}

/** Replies to small frames wait this long to go out together (each is a packet of its own otherwise). */
export const REPLY_DELAY_MS = 5
/** A frame this large, or a refusal, is answered at once (with any replies still waiting). */
const REPLY_NOW_FRAME_BYTES = 64 * 1024
const REPLY_BATCH_MAX = 64

/**
 * The replies of one inbound stream, in order. Replies to small frames are held up to
 * REPLY_DELAY_MS and written together (one Yamux frame, one Noise message, one packet, and one
 * window update less at the sender): a sum's messages each cost a packet and a system call on
 * loopback TCP, and replies are half of them. Nothing waits on a reply but the sender's
 * bookkeeping (its retries, flush, and window), so the sum itself is not slowed.
 */
class ReplyBatch {
  private readonly pending: Uint8Array[] = []
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  private stopped = false

  constructor (private readonly lp: LengthPrefixedStream<Stream>) {}

  /** Queue a reply; write it (and all before it) now when `now`, else within REPLY_DELAY_MS. */
  async add (reply: Uint8Array, now: boolean): Promise<void> {
    this.pending.push(reply)
    if (now || this.pending.length >= REPLY_BATCH_MAX) return this.flush()
    if (this.timer === undefined) {
      this.timer = setTimeout(() => { this.flush().catch(err => log('replies not written: %s', (err as Error).name)) }, REPLY_DELAY_MS)
      this.timer.unref?.()
    }
  }

  async flush (): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending.length === 0 || this.stopped) return this.writing
    const batch = this.pending.splice(0)
    this.writing = this.writing.then(async () => { await this.lp.writeV(batch) })
    return this.writing
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
  }
}

/** What serving the protocol hands back: a way to send every reply still held, before stopping. */
export interface Inbound {
  flushReplies: () => Promise<void>
}

/** Serve the protocol: frames in, one reply per frame out (in order), until the sender closes. */
export async function serveSecureSum (libp2p: Libp2p, sink: FrameSink, options: InboundOptions): Promise<Inbound> {
  const batches = new Set<ReplyBatch>()
  await libp2p.handle(SECURESUM_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const peer = connection.remotePeer.toString()
    const lp = lpStream(stream, { maxDataLength: options.maxFrameBytes, maxBufferSize: options.maxFrameBytes + 16 })
    // one idle timer per stream, pushed back by each frame (not a timer per read)
    let idle = false
    const idleTimer = setTimeout(() => { idle = true; stream.abort(new Error(`no frame for ${options.idleTimeoutMs} ms`)) }, options.idleTimeoutMs)
    idleTimer.unref?.()
    const replies = new ReplyBatch(lp)
    batches.add(replies)
    try {
      while (true) {
        let data: Awaited<ReturnType<typeof lp.read>>
        try {
          data = await lp.read()
        } catch (err) {
          if (idle || (err as Error).name === 'UnexpectedEOFError' || stream.readStatus !== 'readable') break
          throw err
        }
        idleTimer.refresh()
        const frame = data.subarray()
        let reply: Reply
        try {
          reply = sink(frame, peer)
        } finally {
          // the frame held a share in the clear and the sink keeps only decoded values: wipe it,
          // and the chunks it may have been copied from
          frame.fill(0)
          for (const chunk of data) chunk.fill(0)
        }
        await replies.add(encodeReply(reply), reply.status !== 'accepted' || frame.length >= REPLY_NOW_FRAME_BYTES)
      }
      await replies.flush()
      if (!idle) await stream.close()
    } catch (err) {
      log('inbound stream from %s reset: %s', peer, (err as Error).name)
      stream.abort(err as Error)
    } finally {
      clearTimeout(idleTimer)
      replies.stop()
      batches.delete(replies)
    }
  }, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_INBOUND_STREAMS })
  return {
    // a party that stops right after its last message must still answer it (the sender would retry)
    flushReplies: async () => { await Promise.allSettled([...batches].map(async b => b.flush())) }
  }
}

/** Bytes a channel may have written without their replies: end-to-end backpressure for large vectors. */
export const CHANNEL_WINDOW_BYTES = 8 * 1024 * 1024

interface Waiting extends PromiseWithResolvers<Reply> {
  /** When the reply is due (Date.now() clock); past it the channel is given up. */
  readonly due: number
  readonly bytes: number
}

/**
 * One outbound stream to one peer that carries many frames; replies come back in order.
 * A broken channel rejects what it still waits for and is replaced on the next send. No timer
 * or abort listener per frame: one watchdog per channel checks the oldest reply's due time, and
 * at most CHANNEL_WINDOW_BYTES of frames wait for replies at a time.
 */
class Channel {
  private readonly waiting: Waiting[] = []
  private writing: Promise<void> = Promise.resolve()
  private watchdog: NodeJS.Timeout | undefined
  private inFlight = 0
  private room: PromiseWithResolvers<void> | undefined
  broken = false

  constructor (private readonly stream: Stream, private readonly lp: LengthPrefixedStream<Stream>) {
    void this.readReplies()
  }

  /** Write one frame and wait for its reply; `attemptTimeoutMs` bounds the write and the reply. */
  async send (frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs: number): Promise<Reply> {
    const reply = Object.assign(Promise.withResolvers<Reply>(), { due: Date.now() + attemptTimeoutMs, bytes: frame.length })
    // the channel may break while the frame is still being written: not an unhandled rejection
    reply.promise.catch(() => {})
    this.waiting.push(reply)
    this.armWatchdog()
    const write = this.writing.then(async () => {
      while (this.inFlight > 0 && this.inFlight + frame.length > CHANNEL_WINDOW_BYTES && !this.broken) {
        this.room ??= Promise.withResolvers<void>()
        await this.room.promise
      }
      if (this.broken) throw new Error('channel closed')
      this.inFlight += frame.length
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
      if (oldest !== undefined && oldest.due <= Date.now()) this.close(new Error('reply timed out'))
      else this.armWatchdog()
    }, Math.max(0, head.due - Date.now()))
    this.watchdog.unref?.()
  }

  private async readReplies (): Promise<void> {
    try {
      while (!this.broken) {
        const bytes = await this.lp.read()
        const next = this.waiting.shift()
        if (next === undefined) throw new Error('reply without a request')
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

  constructor (private readonly libp2p: Libp2p) {}

  /**
   * Deliver one frame to `peerId` at `target` and return its reply.
   * @param signal ends waiting for the stream to drain (the task's lifetime)
   * @param attemptTimeoutMs bounds the dial, the write and the reply
   */
  async send (peerId: string, target: Multiaddr, frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs = DEFAULT_ATTEMPT_TIMEOUT_MS): Promise<Reply> {
    let pending = this.open.get(peerId)
    if (pending === undefined) {
      pending = this.connect(target, AbortSignal.any([signal, AbortSignal.timeout(attemptTimeoutMs)]))
      this.open.set(peerId, pending)
      pending.catch(() => this.open.delete(peerId))
    }
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
    if (this.open.has(peerId)) return
    const pending = this.connect(target, AbortSignal.timeout(attemptTimeoutMs))
    this.open.set(peerId, pending)
    pending.catch(() => { if (this.open.get(peerId) === pending) this.open.delete(peerId) })
  }

  closeAll (): void {
    for (const p of this.open.values()) p.then(c => c.close(new Error('node stopping')), () => {})
    this.open.clear()
  }

  private async connect (target: Multiaddr, signal: AbortSignal): Promise<Channel> {
    const stream = await this.libp2p.dialProtocol(target, SECURESUM_PROTOCOL, { signal, negotiateFully: false })
    const max = REPLY_MAX_BYTES
    return new Channel(stream, lpStream(stream, { maxDataLength: max, maxBufferSize: max + 16 }))
  }
}
