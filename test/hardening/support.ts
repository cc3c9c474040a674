/**
 * Shared by the hardening and slow suites (not a test file: the runner is given *.test.ts).
 * Real libp2p nodes on 127.0.0.1, raw SecureSum streams as a hostile peer opens them, a seeded
 * PRNG, and memory readings after a full GC.
 */
import '@simon-p2p/node' // first: installs Promise.withResolvers (Node 20) before libp2p loads
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import vm from 'node:vm'
import { parseNetwork, SECURESUM_PROTOCOL, SimonNode, type SecureSumTask, type SimonNodeInit } from '@simon-p2p/node'
import { decodeReply, type InputValue, type Reply, type SecureSumResult } from '@simon-p2p/core'

export const LOOPBACK = '/ip4/127.0.0.1/tcp/0'

interface After { after: (fn: () => Promise<void> | void) => void }

/**
 * Every node here listens on 127.0.0.1 and every other one connects from there: above libp2p's
 * default of 5 new connections per second per host (test/adversary/ keeps the default where it tests it).
 */
export const LOOPBACK_PARTIES: SimonNodeInit = { inboundConnectionsPerHost: 10_000 }

/** Start `n` nodes on free loopback ports; they stop after the test. */
export async function startNodes (t: After, n: number, init: SimonNodeInit = {}): Promise<SimonNode[]> {
  const nodes = await Promise.all(Array.from({ length: n }, async () => SimonNode.create({ listen: [LOOPBACK], taskTimeoutMs: 5000, attemptTimeoutMs: 1000, ...LOOPBACK_PARTIES, ...init })))
  t.after(async () => { await Promise.all(nodes.map(async node => node.stop())) })
  return nodes
}

/** Each node's TCP multiaddr, ending in /p2p/<PeerId>. */
export function nodeList (nodes: readonly SimonNode[]): string[] {
  return nodes.map(node => {
    const ma = node.multiaddrs().find(a => a.includes('/tcp/') && !a.includes('/ws'))
    assert.ok(ma !== undefined, `node ${node.peerId} listens on TCP`)
    return ma
  })
}

let counter = 0
export function taskId (label = 'hard'): string {
  return `${label}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`
}

/** The same task at every node (party i at node i). */
export function createTasks (nodes: readonly SimonNode[], options: { id?: string, parameters?: unknown, timeoutMs?: number } = {}): SecureSumTask[] {
  const id = options.id ?? taskId()
  const list = nodeList(nodes)
  return nodes.map((node, myself) => node.createTask({
    taskId: id,
    microprotocol: 'SecureSum',
    parameters: options.parameters,
    network: { nodes: list, myself },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs })
  }))
}

/** One secure sum: party i gives inputs[i]; every party's result. */
export async function secureSum (nodes: readonly SimonNode[], inputs: readonly InputValue[]): Promise<SecureSumResult[]> {
  const tasks = createTasks(nodes)
  tasks.forEach((task, i) => task.input(inputs[i]!))
  return Promise.all(tasks.map(async task => task.result()))
}

export async function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Poll until `condition` holds; fails the test after `timeoutMs`. */
export async function until (condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await sleep(10)
  }
}

export type Stream = Awaited<ReturnType<SimonNode['libp2p']['dialProtocol']>>

/** Unsigned LEB128, the length prefix of SecureSum frames (as lpStream writes it). */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Uint8Array.from(out)
}

export function concat (parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/**
 * A raw SecureSum stream from a listed peer's own libp2p host, as a hostile peer holds it:
 * length-prefixed frames written by hand, replies read back one by one.
 */
export class RawStream {
  private readonly chunks: AsyncIterator<Uint8Array | { subarray: () => Uint8Array }>
  private buffer: Uint8Array = new Uint8Array(0)

  private constructor (readonly stream: Stream) {
    this.chunks = (stream as unknown as AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>)[Symbol.asyncIterator]()
  }

  static async open (from: SimonNode['libp2p'], to: SimonNode): Promise<RawStream> {
    const target = to.libp2p.getMultiaddrs().find(a => a.toString().includes('/tcp/') && !a.toString().includes('/ws'))
    assert.ok(target !== undefined)
    return new RawStream(await from.dialProtocol(target, SECURESUM_PROTOCOL, { signal: AbortSignal.timeout(5000) }))
  }

  /** A raw stream to a node known only by its multiaddr (one in another process, say). */
  static async openAt (from: SimonNode['libp2p'], target: string): Promise<RawStream> {
    // parsed as a node list entry is (this package has no multiaddr dependency of its own)
    const own = from.getMultiaddrs()[0]!.toString()
    const { parties } = parseNetwork({ nodes: [target, own], myself: 1 })
    return new RawStream(await from.dialProtocol(parties[0]!.multiaddr, SECURESUM_PROTOCOL, { signal: AbortSignal.timeout(5000) }))
  }

  /** Bytes as they are, no prefix added; waits while the stream is full. */
  async writeRaw (bytes: Uint8Array, signal: AbortSignal = AbortSignal.timeout(5000)): Promise<void> {
    if (!this.stream.send(bytes)) await this.stream.onDrain({ signal })
  }

  async write (frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.writeRaw(concat([varint(frame.length), frame]), signal)
  }

  /** The next length-prefixed reply. */
  async read (signal: AbortSignal = AbortSignal.timeout(5000)): Promise<Reply> {
    while (true) {
      const parsed = this.parse()
      if (parsed !== undefined) return decodeReply(parsed)
      signal.throwIfAborted()
      const next = await Promise.race([
        this.chunks.next(),
        new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
      ])
      if (next.done === true) throw new Error('the stream ended')
      this.buffer = concat([this.buffer, next.value.subarray()])
    }
  }

  async exchange (frame: Uint8Array): Promise<Reply> {
    await this.write(frame)
    return this.read()
  }

  private parse (): Uint8Array | undefined {
    let length = 0
    let scale = 1
    for (let i = 0; i < this.buffer.length && i < 8; i++) {
      const byte = this.buffer[i]!
      length += (byte & 0x7f) * scale
      scale *= 128
      if ((byte & 0x80) === 0) {
        if (this.buffer.length < i + 1 + length) return undefined
        const frame = this.buffer.slice(i + 1, i + 1 + length)
        this.buffer = this.buffer.slice(i + 1 + length)
        return frame
      }
    }
    return undefined
  }
}

/** sfc32: a small, fast, seeded PRNG, so that every fuzz run can be replayed from its seed. */
export class Prng {
  private a: number; private b: number; private c: number; private d: number
  constructor (readonly seed: number) {
    this.a = 0x9e3779b9; this.b = 0x243f6a88; this.c = 0xb7e15162; this.d = seed >>> 0
    for (let i = 0; i < 16; i++) this.u32()
  }

  u32 (): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** An integer in [0, n). */
  int (n: number): number { return Math.floor((this.u32() / 0x1_0000_0000) * n) }
  chance (p: number): boolean { return this.u32() / 0x1_0000_0000 < p }
  pick<T> (items: readonly T[]): T { return items[this.int(items.length)]! }
  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }
}

/** The seed of a fuzz run: FUZZ_SEED when set (to replay a failure), otherwise fresh and printed. */
export function fuzzSeed (): number {
  const fromEnv = process.env.FUZZ_SEED
  return fromEnv === undefined ? (Math.random() * 0x1_0000_0000) >>> 0 : Number(fromEnv) >>> 0
}

let gcFn: (() => void) | undefined
/** A full garbage collection (exposed at run time; node --test starts files without --expose-gc). */
export function fullGc (): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc')
    gcFn = vm.runInNewContext('gc') as () => void
  }
  for (let i = 0; i < 3; i++) gcFn()
}

export interface Memory { readonly rssMB: number, readonly heapMB: number }

/** RSS and heap after a full GC, in MB. */
export async function memoryAfterGc (): Promise<Memory> {
  await sleep(50) // let timers and sockets release what they hold
  fullGc()
  // what a FinalizationRegistry held (AbortSignal.timeout's timers) goes in its callbacks, after a GC
  await sleep(100)
  fullGc()
  const m = process.memoryUsage()
  return { rssMB: m.rss / 2 ** 20, heapMB: m.heapUsed / 2 ** 20 }
}

export function formatMemory (m: Memory): string {
  return `rss ${m.rssMB.toFixed(1)} MB, heap ${m.heapMB.toFixed(1)} MB`
}
