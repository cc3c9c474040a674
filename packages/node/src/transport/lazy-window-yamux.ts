/**
 * Yamux with window updates sent as go-yamux sends them: only once half a stream's receive
 * window is used (or with a flag: a stream's SYN or ACK). @libp2p/yamux 8 answers every data
 * frame with a window update, so every small message costs a second message back (a Yamux
 * frame, a Noise message, often a packet of its own and a wake-up of the sender) for bytes the
 * sender is nowhere near running out of. The rule is the receiver's to choose (the Yamux spec
 * lets it send updates when it likes), so a peer running plain @libp2p/yamux is not affected.
 * Back-pressure is unchanged: a paused stream sends no update (the inflight budget relies on
 * that), and one resumed sends its update once half its window is used, as any other stream.
 * The streams are reached through the muxer the factory creates; nothing of @libp2p/yamux is patched.
 */
import { yamux, type YamuxMuxerInit } from '@libp2p/yamux'
import { StreamState, type YamuxStream } from '@libp2p/yamux/stream'

type Factory = ReturnType<typeof yamux>
type MuxerFactory = ReturnType<Factory>
type Muxer = ReturnType<MuxerFactory['createStreamMuxer']>

/** The stream's window update, skipped while more than half of its receive window is left. */
export function lazyWindowUpdates (stream: YamuxStream): YamuxStream {
  const send = stream.sendWindowUpdate.bind(stream)
  // the window's fields are private to @libp2p/yamux's types, public on the object
  const window = stream as unknown as { readonly recvWindow: number, readonly recvWindowCapacity: number }
  stream.sendWindowUpdate = () => {
    if (stream.state === StreamState.Established && window.recvWindowCapacity * 2 > window.recvWindow) return
    send()
  }
  return stream
}

/** `yamux(init)` whose streams send window updates lazily (see above). */
export function lazyWindowYamux (init: YamuxMuxerInit = {}): Factory {
  const factory = yamux(init)
  return () => {
    const muxers = factory()
    const create = muxers.createStreamMuxer.bind(muxers)
    muxers.createStreamMuxer = (maConn) => {
      const muxer = create(maConn)
      const inner = muxer as unknown as { _newStream: (...args: unknown[]) => YamuxStream }
      if (typeof inner._newStream !== 'function') return muxer
      const newStream = inner._newStream.bind(muxer)
      inner._newStream = (...args: unknown[]) => lazyWindowUpdates(newStream(...args))
      return muxer as Muxer
    }
    return muxers
  }
}
