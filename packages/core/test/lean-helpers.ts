/**
 * Test-only helpers for lean mode (not a test file itself): a LeanCrypto from node:crypto with
 * pair secrets everyone can compute (tests only!), and an in-memory network that delivers every
 * message through the wire codec in an order the test chooses.
 */
import { createCipheriv, createHash } from 'node:crypto'
import {
  createMachine, decodeMessage, LeanMachine, TreeMachine, type InputValue, type LeanCrypto, type Outgoing, type ProtocolMachine,
  type TaskDescriptor, type WireMessage, taskDigest, resolveParameters
} from '../src/index.js'
import { seededRandomBytes } from './helpers.js'

const ZEROS = new Uint8Array(1 << 21)

/** AES-128-CTR keystream, as the node layer has it. */
export function aesKeystream (key: Uint8Array, iv: Uint8Array): (length: number) => Uint8Array {
  const cipher = createCipheriv('aes-128-ctr', key, iv)
  return (length: number) => {
    let out = new Uint8Array(0)
    while (out.length < length) {
      const chunk = cipher.update(ZEROS.subarray(0, Math.min(ZEROS.length, length - out.length)))
      const next = new Uint8Array(out.length + chunk.length)
      next.set(out); next.set(chunk, out.length)
      out = next
    }
    return out
  }
}

/** A LeanCrypto whose pair secret is a hash of both PeerIds: symmetric, but public. Tests only. */
export function testLeanCrypto (self: string): LeanCrypto {
  return {
    keystream: aesKeystream,
    pairSecret: (peer: string) => new Uint8Array(createHash('sha256').update([self, peer].sort().join('|')).digest()),
    sha256: data => new Uint8Array(createHash('sha256').update(data).digest())
  }
}

/** PeerId-shaped names for n parties. */
export function peerNames (n: number): string[] {
  return Array.from({ length: n }, (_, i) => `12D3KooWtestpeer${String(i).padStart(4, '0')}`)
}

export function descriptorFor (n: number, parameters: unknown, taskId = 'lean-task'): TaskDescriptor {
  return { taskId, microprotocol: 'SecureSum', parameters: resolveParameters(parameters, n), peers: peerNames(n) }
}

export interface Envelope { readonly from: number, readonly to: number, readonly message: WireMessage }

export interface Network {
  readonly machines: ProtocolMachine[]
  readonly peers: string[]
  /** Messages sent and not yet delivered. */
  readonly queue: Envelope[]
  /** Parties that have not given their input yet. */
  readonly waitingInput: number[]
  /** Deliver queue[index] (through the codec); refusals are recorded, not thrown. */
  deliver: (index: number) => void
  input: (party: number) => void
  refusals: Array<{ to: number, kind: string, code: string }>
  /** Total frame bytes each party has sent. */
  sentBytes: number[]
  /** Frame bytes of data messages (partial sums and totals) each party has sent. */
  dataBytes: number[]
}

/**
 * Machines for one task at every party, and the queue between them.
 * @param tamper may replace a message in transit (return it unchanged to pass it on)
 */
export function network (descriptor: TaskDescriptor, inputs: readonly InputValue[], options: { withLean?: boolean, tamper?: (e: Envelope) => WireMessage, seed?: string, topology?: 'ring' | 'tree' } = {}): Network {
  const n = descriptor.peers.length
  const peers = [...descriptor.peers]
  const machines = peers.map((peer, myself): ProtocolMachine => {
    const init = {
      descriptor, myself, randomBytes: seededRandomBytes(`${options.seed ?? 'lean'}-${myself}`),
      ...(options.withLean === false ? {} : { lean: testLeanCrypto(peer) })
    }
    // a topology asked for: that machine itself, whatever the input's size
    if (options.topology === 'ring') return new LeanMachine({ ...init, lean: testLeanCrypto(peer) })
    if (options.topology === 'tree') return new TreeMachine({ ...init, lean: testLeanCrypto(peer) })
    return createMachine(init)
  })
  const queue: Envelope[] = []
  const refusals: Network['refusals'] = []
  const sentBytes = new Array(n).fill(0)
  const dataBytes = new Array(n).fill(0)
  const post = (from: number, out: Outgoing[]): void => {
    for (const o of out) {
      const frame = machines[from]!.encode(o.message)
      sentBytes[from] += frame.length
      if (o.message.kind === 'lean-data') dataBytes[from] += frame.length
      queue.push({ from, to: o.to, message: decodeMessage(frame) })
    }
  }
  const waitingInput = Array.from({ length: n }, (_, i) => i)
  return {
    machines,
    peers,
    queue,
    waitingInput,
    refusals,
    sentBytes,
    dataBytes,
    deliver (index: number) {
      const [e] = queue.splice(index, 1)
      const message = options.tamper?.(e!) ?? e!.message
      const machine = machines[e!.to]!
      const { verdict, out } = machine.receive(message, peers[e!.from]!, 0)
      // a refusal that leaves the task going on; one that failed it shows on machine.error
      if (verdict.status === 'refused' && verdict.error !== machine.error) refusals.push({ to: e!.to, kind: message.kind, code: verdict.code })
      post(e!.to, out)
    },
    input (party: number) {
      waitingInput.splice(waitingInput.indexOf(party), 1)
      post(party, machines[party]!.input(inputs[party]!, 0))
    }
  }
}

/** A deterministic PRNG (mulberry32) for delivery orders. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Run to quiescence, choosing each next event (an input or a delivery) with `pick`. */
export function runNetwork (net: Network, pick: (choices: number) => number): void {
  for (let guard = 0; guard < 1_000_000; guard++) {
    const choices = net.queue.length + net.waitingInput.length
    if (choices === 0) return
    const c = pick(choices)
    if (c < net.waitingInput.length) net.input(net.waitingInput[c]!)
    else net.deliver(c - net.waitingInput.length)
  }
  throw new Error('runNetwork: no quiescence')
}

export function digestOf (d: TaskDescriptor): Uint8Array { return taskDigest(d) }
