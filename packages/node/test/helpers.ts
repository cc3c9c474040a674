/**
 * Helpers shared by the node suites (not a test file itself: the runner is given *.test.ts).
 * Every node is a real libp2p host on 127.0.0.1; every helper that starts one registers its stop.
 */
import { createServer } from 'node:net'
import assert from 'node:assert/strict'
import { SimonNode, type SimonNodeInit, type SecureSumTask } from '@simon-p2p/node'
import type { InputValue, SecureSumResult } from '@simon-p2p/core'
import type { PrivateKey } from '@libp2p/interface'

export const LOOPBACK = '/ip4/127.0.0.1/tcp/0'

/** The short deadlines of the suites: a task fails 3 s after its input. */
export const FAST: SimonNodeInit = { taskTimeoutMs: 3000, attemptTimeoutMs: 1000 }

interface After { after: (fn: () => Promise<void> | void) => void }

/**
 * Every node of these suites listens on 127.0.0.1 and every other one connects from there: above
 * libp2p's default of 5 new connections per second per host, so that 20 parties can all connect at once.
 */
export const LOOPBACK_PARTIES: SimonNodeInit = { inboundConnectionsPerHost: 10_000 }

/** Start `n` nodes listening on free loopback ports (with these identities, when given); they are stopped after the test (or suite). */
export async function startNodes (t: After, n: number, init: SimonNodeInit = FAST, keys?: readonly PrivateKey[]): Promise<SimonNode[]> {
  const nodes = await Promise.all(Array.from({ length: n }, async (_, i) => SimonNode.create({ listen: [LOOPBACK], ...LOOPBACK_PARTIES, ...init, ...(keys?.[i] === undefined ? {} : { privateKey: keys[i] }) })))
  t.after(async () => { await Promise.all(nodes.map(async node => node.stop())) })
  return nodes
}

/** The node list of these nodes, in order: each a /ip4/127.0.0.1/tcp/<port>/p2p/<PeerId>. */
export function nodeList (nodes: readonly SimonNode[]): string[] {
  return nodes.map(node => {
    const ma = node.multiaddrs().find(a => a.includes('/tcp/') && !a.includes('/ws'))
    assert.ok(ma?.endsWith(`/p2p/${node.peerId}`) === true, `node ${node.peerId} has a TCP multiaddr ending in its PeerId`)
    return ma
  })
}

let counter = 0
/** A fresh task id, unique within this process. */
export function taskId (label = 'task'): string {
  return `${label}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 10)}`
}

/** Create the same task at every node (party i at node i). */
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

/** Run one secure sum: party i gives inputs[i]; resolves with every party's result. */
export async function secureSum (nodes: readonly SimonNode[], inputs: readonly InputValue[], parameters?: unknown): Promise<SecureSumResult[]> {
  const tasks = createTasks(nodes, { parameters })
  tasks.forEach((task, i) => task.input(inputs[i]!))
  return Promise.all(tasks.map(async task => task.result()))
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function unusedPort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') { reject(new Error('no port')); return }
      server.close(() => resolve(address.port))
    })
  })
}

export async function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Poll `condition` every 10 ms until it holds; fails the test after `timeoutMs`. */
export async function until (condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await sleep(10)
  }
}

/** The error a promise rejects with (fails the test if it resolves), and how long that took. */
export async function rejection (promise: Promise<unknown>): Promise<{ error: Error & Record<string, unknown>, ms: number }> {
  const started = performance.now()
  try {
    const value = await promise
    assert.fail(`expected a rejection, got ${JSON.stringify(value)}`)
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error
    assert.ok(error instanceof Error, `rejected with an Error, got ${String(error)}`)
    return { error: error as Error & Record<string, unknown>, ms: performance.now() - started }
  }
}

/** The value of one sample line (`name{labels} value`) of the Prometheus text format, or undefined. */
export function sample (text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(labels === '' ? `${name} ` : `${name}{${labels}} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}
