/**
 * The replies of one inbound stream, in order. Replies to small frames are held up to
 * REPLY_DELAY_MS and written together (one Yamux frame, one Noise message, one packet, and one
 * wake-up of the sender): a sum's messages each cost a packet and a system call on loopback TCP,
 * and replies were half of them. Nothing waits on a reply but the sender's bookkeeping (its
 * retries, flush, and window), so the sum itself is not slowed; a sender whose flush or window
 * does wait asks for the replies (an empty frame, see inbound.ts), and they go at once.
 */
import type { Logger, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import { REPLY_BATCH_MAX, REPLY_DELAY_MS } from '../constants.js'

export class ReplyBatch {
  private readonly pending: Uint8Array[] = []
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  private stopped = false

  constructor (private readonly lp: LengthPrefixedStream<Stream>, private readonly log: Logger, private readonly delayMs: number = REPLY_DELAY_MS) {}

  /** Queue a reply; write it (and all before it) now when `now`, else within the delay (REPLY_DELAY_MS by default). */
  async add (reply: Uint8Array, now: boolean): Promise<void> {
    this.pending.push(reply)
    if (now || this.pending.length >= REPLY_BATCH_MAX) return this.flush()
    if (this.timer === undefined) {
      this.timer = setTimeout(() => { this.flush().catch(err => this.log('replies not written: %s', (err as Error).name)) }, this.delayMs)
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
