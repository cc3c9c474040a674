/**
 * The benchmark's baseline: an insecure sum over the same stack (libp2p, TCP, Noise, Yamux,
 * length-prefixed frames of the same size). Every party sends its vector to party 0, which adds
 * them up and sends the total back. Lives in the benchmark only: nothing else may sum in the clear.
 * Like the secure sum's traced frames, its messages carry a hop counter (in the JSON header that
 * starts each direction of a stream): the inputs are hop 1, the total hop 2.
 */
import type { Libp2p, Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'

export const PLAIN_PROTOCOL = '/simon-p2p/bench-plain/1.0.0'

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

function bytesOf (v: Float64Array, start: number, end: number): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset + start * 8, (end - start) * 8)
}

async function readInto (lp: LengthPrefixedStream<Stream>, into: Float64Array, frameElements: number, add: boolean): Promise<void> {
  for (let start = 0; start < into.length; start += frameElements) {
    const bytes = (await lp.read()).subarray()
    const count = bytes.length / 8
    if (count !== Math.min(frameElements, into.length - start)) throw new Error(`plain: frame of ${count} elements at ${start}`)
    const chunk = new Float64Array(new Uint8Array(bytes).buffer)
    if (add) for (let k = 0; k < count; k++) into[start + k]! += chunk[k]!
    else into.set(chunk, start)
  }
}

async function writeAll (lp: LengthPrefixedStream<Stream>, v: Float64Array, frameElements: number): Promise<number> {
  let bytes = 0
  for (let start = 0; start < v.length; start += frameElements) {
    const chunk = bytesOf(v, start, Math.min(v.length, start + frameElements))
    await lp.write(chunk)
    bytes += chunk.length
  }
  return bytes
}

interface Gathering {
  total: Float64Array
  streams: Array<LengthPrefixedStream<Stream>>
  received: number
  expected: number
  own: boolean
  /** The highest hop among the inputs received. */
  hops: number
  done: PromiseWithResolvers<PlainResult>
}

export interface PlainResult {
  readonly result: Float64Array
  readonly bytesSent: number
  /** The longest chain of messages that reached this party before its result. */
  readonly hops: number
}

/** The header that starts each direction of a plain stream. */
interface PlainHeader { readonly id: string, readonly length: number, readonly parties: number, readonly hop: number }

async function readHeader (lp: LengthPrefixedStream<Stream>): Promise<PlainHeader> {
  return JSON.parse(fromUtf8.decode((await lp.read()).subarray())) as PlainHeader
}

/** The plain sum of one node: serve party 0's side, run any party's side. */
export class PlainSum {
  private readonly gatherings = new Map<string, Gathering>()

  constructor (private readonly libp2p: Libp2p, private readonly frameElements: number) {}

  async serve (): Promise<void> {
    await this.libp2p.handle(PLAIN_PROTOCOL, async (stream: Stream) => {
      const lp = lpStream(stream, { maxDataLength: this.frameElements * 8 + 1024, maxBufferSize: 64 << 20 })
      try {
        const header = await readHeader(lp)
        const g = this.gathering(header.id, header.length, header.parties)
        await readInto(lp, g.total, this.frameElements, true)
        g.hops = Math.max(g.hops, header.hop)
        g.streams.push(lp)
        g.received++
        await this.maybeFinish(header.id, g)
      } catch (err) {
        stream.abort(err as Error)
      }
    }, { maxInboundStreams: 1024 })
  }

  private gathering (id: string, length: number, parties: number): Gathering {
    let g = this.gatherings.get(id)
    if (g === undefined) {
      g = { total: new Float64Array(length), streams: [], received: 0, expected: parties - 1, own: false, hops: 0, done: Promise.withResolvers() }
      this.gatherings.set(id, g)
    }
    return g
  }

  private async maybeFinish (id: string, g: Gathering): Promise<void> {
    if (!g.own || g.received < g.expected) return
    this.gatherings.delete(id)
    let bytesSent = 0
    const header = utf8.encode(JSON.stringify({ id, length: g.total.length, parties: g.expected + 1, hop: g.hops + 1 } satisfies PlainHeader))
    await Promise.all(g.streams.map(async lp => {
      await lp.write(header)
      const sent = await writeAll(lp, g.total, this.frameElements)
      bytesSent += header.length + sent
    }))
    g.done.resolve({ result: g.total, bytesSent, hops: g.hops })
    // closing is not part of the sum
    for (const lp of g.streams) lp.unwrap().close().catch(() => {})
  }

  /** This party's side of sum `id`: party 0 gathers, every other party sends and waits. */
  async run (id: string, input: Float64Array, nodes: readonly string[], myself: number): Promise<PlainResult> {
    if (myself === 0) {
      const g = this.gathering(id, input.length, nodes.length)
      for (let k = 0; k < input.length; k++) g.total[k]! += input[k]!
      g.own = true
      void this.maybeFinish(id, g)
      return g.done.promise
    }
    const stream = await this.libp2p.dialProtocol(multiaddr(nodes[0]!), PLAIN_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: this.frameElements * 8 + 1024, maxBufferSize: 64 << 20 })
    const header = utf8.encode(JSON.stringify({ id, length: input.length, parties: nodes.length, hop: 1 } satisfies PlainHeader))
    await lp.write(header)
    const bytesSent = header.length + await writeAll(lp, input, this.frameElements)
    const { hop } = await readHeader(lp)
    const result = new Float64Array(input.length)
    await readInto(lp, result, this.frameElements, false)
    stream.close().catch(() => {})
    return { result, bytesSent, hops: hop }
  }
}
