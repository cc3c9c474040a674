/**
 * Shared by the adversary suites (not a test file): the victim, a SimonNode in a process of its
 * own (fixtures/victim.ts) so that its memory is its own; the attacker and the other parties run in
 * the test's process. Frames of the attacks are built here.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { encodeMessage, fieldOf, resolveParameters, type InputValue, type SecureSumResult } from '@simon-p2p/core'
import assert from 'node:assert/strict'
import type { NodeStats, SimonNode, SimonNodeInit } from '@simon-p2p/node'
import { nodeList, taskId } from '../hardening/support.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/victim.ts', import.meta.url))

export interface VictimMemory { readonly rssMB: number, readonly heapMB: number, readonly peakRssMB: number, readonly maxLoopDelayMs: number }

interface After { after: (fn: () => Promise<void> | void) => void }

export class VictimProcess {
  private next = 0
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  peerId = ''
  /** Its TCP multiaddr, ending in /p2p/<PeerId>. */
  address = ''

  private constructor (private readonly child: ChildProcess) {
    child.on('message', (m: { id?: number, ok?: unknown, error?: { name: string, code?: string, message: string } }) => {
      if (m.id === undefined) return
      const w = this.waiting.get(m.id)
      this.waiting.delete(m.id)
      if (m.error !== undefined) w?.reject(Object.assign(new Error(m.error.message), m.error))
      else w?.resolve(m.ok)
    })
    child.on('exit', code => { for (const w of this.waiting.values()) w.reject(new Error(`the victim exited (${String(code)})`)) })
  }

  /** Start the victim's process and its node (listening on 127.0.0.1); it stops after the test. */
  static async start (t: After, init: SimonNodeInit = {}): Promise<VictimProcess> {
    const child = fork(FIXTURE, [], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve())
      child.once('exit', code => reject(new Error(`the victim exited (${String(code)}) before it was ready`)))
    })
    const victim = new VictimProcess(child)
    t.after(async () => victim.stop())
    const started = await victim.call('start', { init }) as { peerId: string, multiaddrs: string[] }
    victim.peerId = started.peerId
    victim.address = started.multiaddrs.find(a => a.includes('/tcp/') && !a.includes('/ws'))!
    return victim
  }

  async call (cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.next++
    const answer = new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }))
    this.child.send({ id, cmd, args })
    return answer
  }

  async createTask (taskId: string, nodes: string[], myself: number, options: { parameters?: unknown, timeoutMs?: number } = {}): Promise<void> {
    await this.call('create', { taskId, nodes, myself, ...options })
  }

  async input (taskId: string, value: InputValue): Promise<void> { await this.call('input', { taskId, value }) }
  async result (taskId: string): Promise<SecureSumResult> { return this.call('result', { taskId }) as Promise<SecureSumResult> }
  async status (taskId: string): Promise<{ step: string, missing: number[], mode: string | null }> {
    return this.call('status', { taskId }) as Promise<{ step: string, missing: number[], mode: string | null }>
  }

  async stats (): Promise<NodeStats> { return this.call('stats') as Promise<NodeStats> }

  /** Memory after a full GC, and the peaks since the last reset (`reset` starts a new window). */
  async memory (reset = false): Promise<VictimMemory> { return this.call('memory', { reset }) as Promise<VictimMemory> }

  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise(resolve => this.child.once('exit', resolve))
    await this.call('stop').catch(() => {})
    await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 5000))])
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
  }
}

/** The element width of a task with default parameters among `parties` parties (12 bytes for 2^89 - 1). */
export function defaultWidth (parties: number): number {
  return fieldOf(resolveParameters({}, parties)).bytes
}

/**
 * A share for `taskId` from party `from` whose elements block holds `count` elements of `width`
 * bytes (all zero bytes: what they hold does not matter, their number and width do).
 */
export function shareFrame (taskId: string, from: number, count: number, width: number, digest: Uint8Array = new Uint8Array(32)): Uint8Array {
  const empty = encodeMessage({ kind: 'share', taskId, digest, from, shape: 'vector', descriptor: '{}', elements: [] }, width)
  const frame = new Uint8Array(empty.length + count * width)
  frame.set(empty)
  new DataView(frame.buffer).setUint32(empty.length - 4, count)
  return frame
}

/**
 * A sum of the victim with two other nodes that the attack leaves alone, a fresh task each call:
 * it must complete, exactly; resolves with how long it took (ms).
 */
export function sumsWithVictim (victim: VictimProcess, others: readonly [SimonNode, SimonNode], label: string): () => Promise<number> {
  const trio = [victim.address, ...nodeList(others)]
  let sums = 0
  return async () => {
    const id = taskId(label)
    const started = performance.now()
    await victim.createTask(id, trio, 0, { timeoutMs: 30_000 })
    const tasks = others.map((node, k) => node.createTask({ taskId: id, microprotocol: 'SecureSum', network: { nodes: trio, myself: k + 1 }, timeoutMs: 30_000 }))
    await victim.input(id, sums)
    tasks.forEach((task, k) => task.input(k + 1))
    const results = await Promise.all([victim.result(id), ...tasks.map(async task => task.result())])
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: sums + 3 } })
    sums++
    return performance.now() - started
  }
}
