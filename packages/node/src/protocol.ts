/**
 * The SecureSum stream protocol: the sender opens a stream, writes one length-prefixed frame,
 * reads one length-prefixed reply and closes. The receiver learns the sender's PeerId from the
 * Noise-authenticated connection, never from the frame.
 */
import type { Libp2p, Stream, Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { lpStream } from '@libp2p/utils'
import { logger } from '@libp2p/logger'
import { decodeReply, encodeReply, type Reply } from '@simon-p2p/core'
import { SECURESUM_PROTOCOL, MAX_INBOUND_STREAMS } from './constants.js'

const log = logger('simon:protocol')
const REPLY_MAX_BYTES = 8 * 1024

export interface FrameSink {
  /** Take one frame from an authenticated peer and say what became of it. */
  (frame: Uint8Array, senderPeerId: string): Reply
}

export interface InboundOptions {
  readonly maxFrameBytes: number
  readonly readTimeoutMs: number
}

/** Serve the protocol: one frame in, one reply out, per stream. */
export async function serveSecureSum (libp2p: Libp2p, sink: FrameSink, options: InboundOptions): Promise<void> {
  await libp2p.handle(SECURESUM_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(options.readTimeoutMs)
    try {
      const lp = lpStream(stream, { maxDataLength: options.maxFrameBytes, maxBufferSize: options.maxFrameBytes + 16 })
      const frame = (await lp.read({ signal })).subarray()
      const reply = sink(frame, peer)
      await lp.write(encodeReply(reply), { signal })
      await stream.close({ signal })
    } catch (err) {
      log('inbound stream from %s reset: %s', peer, (err as Error).name)
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_INBOUND_STREAMS })
}

/** Deliver one frame to the peer at `target` and return its reply. */
export async function sendFrame (libp2p: Libp2p, target: Multiaddr, frame: Uint8Array, signal: AbortSignal): Promise<Reply> {
  const stream = await libp2p.dialProtocol(target, SECURESUM_PROTOCOL, { signal })
  try {
    const lp = lpStream(stream, { maxDataLength: Math.max(REPLY_MAX_BYTES, frame.length), maxBufferSize: Math.max(REPLY_MAX_BYTES, frame.length) + 16 })
    await lp.write(frame, { signal })
    const reply = decodeReply((await lp.read({ signal })).subarray())
    await stream.close({ signal })
    return reply
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
