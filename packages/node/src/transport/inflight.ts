/**
 * Bytes in flight on the SecureSum protocol: what inbound streams have received and the node has
 * not yet handled (a frame being read, frames buffered behind it, the frame being handled), per
 * peer and for the node. Each stream's bytes are followed frame by frame as they arrive (the
 * length prefix tells a frame's size before its body comes), and a frame is admitted whole when
 * its prefix arrives, if it fits:
 *   - the peer's frames in flight, over all its streams and connections, stay within `perPeer`;
 *   - the node's stay within `perNode`, or else the peer's stay within its fair share of it
 *     (`perNode` over the peers with bytes in flight), so that one flooder does not hold back the others.
 * A frame that does not fit pauses its stream: libp2p stops granting that stream's sender window,
 * so the sender waits (what it already sent stays in libp2p's stream buffer, at most 4 MiB, or
 * the stream is reset). The stream resumes, first come first served, when bytes are handled and
 * its frame fits. An admitted frame is read to its end whatever comes after it: a stream is
 * never stopped in the middle of a frame it was let in for, so honest large frames cannot deadlock.
 */
import type { Stream } from '@libp2p/interface'

export interface InflightLimits {
  /** Bytes one peer may have in flight over all its streams; at least the largest frame. */
  readonly perPeer: number
  /** Bytes all peers together may have in flight (a peer within its fair share may still go on). */
  readonly perNode: number
}

/** One frame of a stream, as its bytes arrive: `size` (prefix and body) is 0 until the prefix is whole. */
interface Frame { size: number, arrived: number, admitted: boolean }

/** The longest length prefix (a varint of a safe integer). */
const MAX_PREFIX_BYTES = 8

export class InflightBudget {
  private readonly byPeer = new Map<string, number>()
  private total = 0
  private readonly waiting = new Set<StreamMeter>()

  constructor (readonly limits: InflightLimits) {}

  /** Bytes in flight, peers with bytes in flight, and streams waiting for room. */
  get size (): { bytes: number, peers: number, waiting: number } {
    return { bytes: this.total, peers: this.byPeer.size, waiting: this.waiting.size }
  }

  /** Bytes `peer` has in flight. */
  of (peer: string): number { return this.byPeer.get(peer) ?? 0 }

  /** A meter for one inbound stream of `peer`. */
  meter (peer: string, stream: Pick<Stream, 'pause' | 'resume'>): StreamMeter {
    return new StreamMeter(this, peer, stream)
  }

  /** Whether `need` more bytes of `peer` fit (see the rules at the top of this file). */
  fits (peer: string, need: number): boolean {
    const held = this.of(peer)
    if (held + need > this.limits.perPeer) return false
    if (this.total + need <= this.limits.perNode) return true
    const peers = this.byPeer.size + (held === 0 ? 1 : 0)
    return held + need <= this.limits.perNode / peers
  }

  charge (peer: string, n: number): void {
    if (n <= 0) return
    this.total += n
    this.byPeer.set(peer, this.of(peer) + n)
  }

  release (peer: string, n: number): void {
    if (n <= 0) return
    this.total -= n
    const left = this.of(peer) - n
    if (left > 0) this.byPeer.set(peer, left)
    else this.byPeer.delete(peer)
    // first come, first served; a meter that resumes leaves the set itself
    if (this.waiting.size > 0) for (const m of [...this.waiting]) m.retry()
  }

  wait (m: StreamMeter): void { this.waiting.add(m) }
  unwait (m: StreamMeter): void { this.waiting.delete(m) }
}

/** Follows one inbound stream's frames as its bytes arrive, charges them, and pauses the stream when a frame does not fit. */
export class StreamMeter {
  /** Frames arrived in part or whole and not yet handled, oldest first. */
  private readonly frames: Frame[] = []
  private prefixValue = 0
  private prefixScale = 1
  private charged = 0
  private paused = false
  private closed = false

  constructor (private readonly budget: InflightBudget, private readonly peer: string, private readonly stream: Pick<Stream, 'pause' | 'resume'>) {}

  /** Bytes in flight on this stream. */
  get bytes (): number { return this.charged }

  /** A chunk arrived (what a 'message' event carries). */
  arrived (chunk: { readonly byteLength: number, get: (index: number) => number } | Uint8Array): void {
    const read = chunk instanceof Uint8Array ? (i: number) => chunk[i]! : (i: number) => chunk.get(i)
    const n = chunk.byteLength
    let offset = 0
    while (offset < n && !this.closed) {
      let f = this.frames[this.frames.length - 1]
      if (f === undefined || (f.size > 0 && f.arrived === f.size)) {
        f = { size: 0, arrived: 0, admitted: false }
        this.frames.push(f)
      }
      if (f.size === 0) {
        const byte = read(offset++)
        f.arrived++
        this.charge(1)
        this.prefixValue += (byte & 0x7f) * this.prefixScale
        this.prefixScale *= 128
        if ((byte & 0x80) === 0 || f.arrived >= MAX_PREFIX_BYTES) {
          // an over-long prefix is never admitted: the reader refuses it and resets the stream
          f.size = (byte & 0x80) === 0 ? f.arrived + this.prefixValue : Number.MAX_SAFE_INTEGER
          this.prefixValue = 0
          this.prefixScale = 1
          this.admit()
        }
      } else {
        const step = Math.min(n - offset, f.size - f.arrived)
        f.arrived += step
        offset += step
        if (!f.admitted) this.charge(step)
      }
    }
  }

  /** The reader handled the oldest frame (`bodyBytes` is its length without the prefix): its bytes go back. */
  handled (bodyBytes: number): void {
    const f = this.frames.shift()
    if (f === undefined) return
    if (f.size !== f.arrived || f.size < bodyBytes) this.frames.length = 0 // out of step with the reader: cannot happen; stay safe
    this.release(f.admitted ? f.size : f.arrived)
  }

  /** The stream ended: everything it still holds goes back. */
  close (): void {
    this.closed = true
    this.budget.unwait(this)
    this.frames.length = 0
    this.release(this.charged)
  }

  /** Room was made: admit what waits, in order, and resume once nothing does. */
  retry (): void {
    if (this.closed || !this.admitWaiting()) return
    this.budget.unwait(this)
    if (!this.paused) return
    this.paused = false
    try { this.stream.resume() } catch {} // a stream closing meanwhile: close() follows
  }

  /** Admit the frames whose size is known, in order, while they fit; pause at the first that does not. */
  private admit (): void {
    if (this.admitWaiting()) return
    this.budget.wait(this)
    if (this.paused) return
    this.paused = true
    try { this.stream.pause() } catch {}
  }

  /** @returns whether every frame whose size is known is admitted */
  private admitWaiting (): boolean {
    for (const f of this.frames) {
      if (f.admitted || f.size === 0) continue
      const need = f.size - f.arrived
      if (!this.budget.fits(this.peer, need)) return false
      this.charge(need)
      f.admitted = true
    }
    return true
  }

  private charge (n: number): void {
    this.charged += n
    this.budget.charge(this.peer, n)
  }

  private release (n: number): void {
    const back = Math.min(n, this.charged)
    this.charged -= back
    this.budget.release(this.peer, back)
  }
}
