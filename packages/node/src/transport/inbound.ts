/**
 * The receiving side of the SecureSum stream protocol. A sender keeps one long-lived stream per
 * peer (a channel, see channels.ts) and writes length-prefixed frames on it; the receiver answers
 * every frame with one length-prefixed reply, in order. Replies to small frames it took wait up to
 * REPLY_DELAY_MS to go out together (reply-batch.ts); a refusal, a frame held for a task not
 * created here yet, a reply to a large frame, and the answer to an ask (an empty frame: the sender
 * wants the replies it is owed) go at once, with every reply held before them. The receiver learns the sender's PeerId
 * from the Noise-authenticated connection, never from the frame. What every stream has received
 * and not yet handled is charged to the node's in-flight budget (inflight.ts): a peer over its
 * share waits, its stream paused.
 */
import type { Connection, Logger, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { encodeReply, type Reply } from '@simon-p2p/core'
import { InboundIdleError } from '../errors.js'
import { REPLY_NOW_FRAME_BYTES } from '../constants.js'
import { ReplyBatch } from './reply-batch.js'
import { decodeVarintPrefix } from './length-prefix.js'
import type { InflightBudget } from './inflight.js'

export interface FrameSink {
  /** Take one frame from an authenticated peer and say what became of it. */
  (frame: Uint8Array, senderPeerId: string): Reply
}

export interface InboundOptions {
  readonly maxFrameBytes: number
  /** A stream that sends no frame for this long is reset (a peer that opens streams and never writes). */
  readonly idleTimeoutMs: number
  /** How long replies to small frames may wait to go out together (REPLY_DELAY_MS by default). */
  readonly replyDelayMs?: number
}

/** The protocol's stream handler: frames in, one reply per frame out (in order), until the sender closes. */
export class Inbound {
  private readonly batches = new Set<ReplyBatch>()

  constructor (private readonly sink: FrameSink, private readonly options: InboundOptions, private readonly budget: InflightBudget, private readonly log: Logger) {
    this.handle = this.handle.bind(this)
  }

  /** Serve one inbound stream (registered with the registrar for the protocol). */
  async handle (stream: Stream, connection: Connection): Promise<void> {
    const { maxFrameBytes, idleTimeoutMs } = this.options
    const peer = connection.remotePeer.toString()
    // both listeners see every chunk: the meter's charges each before the reader can take it
    const meter = this.budget.meter(peer, stream)
    stream.addEventListener('message', evt => meter.arrived(evt.data))
    const lp = lpStream(stream, { maxDataLength: maxFrameBytes, maxBufferSize: maxFrameBytes + 16, lengthDecoder: decodeVarintPrefix })
    // one idle timer per stream, pushed back by each frame (not a timer per read)
    let idle = false
    const idleTimer = setTimeout(() => { idle = true; stream.abort(new InboundIdleError(idleTimeoutMs)) }, idleTimeoutMs)
    idleTimer.unref?.()
    const replies = new ReplyBatch(lp, this.log, this.options.replyDelayMs)
    this.batches.add(replies)
    try {
      while (true) {
        let data: Awaited<ReturnType<typeof lp.read>>
        try {
          data = await lp.read()
        } catch (err) {
          if (idle || (err as Error).name === 'UnexpectedEOFError' || (stream.readStatus !== 'readable' && stream.readStatus !== 'paused')) break
          throw err
        }
        idleTimer.refresh()
        const frame = data.subarray()
        let reply: Reply
        try {
          reply = this.sink(frame, peer)
        } finally {
          // the frame held a share in the clear and the sink keeps only decoded values: wipe it,
          // and the chunks it may have been copied from
          frame.fill(0)
          for (const chunk of data) chunk.fill(0)
          meter.handled(frame.length)
        }
        // an ask (an empty frame, which the sink takes for what it is) is answered at once, like a refusal
        await replies.add(encodeReply(reply), frame.length === 0 || reply.status !== 'accepted' || frame.length >= REPLY_NOW_FRAME_BYTES)
      }
      await replies.flush()
      if (!idle) await stream.close()
    } catch (err) {
      this.log('inbound stream from %s reset: %s', peer, (err as Error).name)
      stream.abort(err as Error)
    } finally {
      clearTimeout(idleTimer)
      meter.close()
      replies.stop()
      this.batches.delete(replies)
    }
  }

  /**
   * Send every reply still held: a party that stops right after its last message must still
   * answer it (the sender would retry). Gives up after `withinMs`: a write that waits for a peer
   * that reads no more must not hold up the node's stop.
   */
  async flushReplies (withinMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const given = new Promise<void>(resolve => { timer = setTimeout(resolve, withinMs) })
    try {
      await Promise.race([Promise.allSettled([...this.batches].map(async b => b.flush())), given])
    } finally {
      clearTimeout(timer)
    }
  }
}
