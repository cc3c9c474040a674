/** Helpers for multi-process tests: real OS processes of the built CLI, ended by PID. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../packages/cli/src/ports.js'

export const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url))

export interface Exited { readonly code: number | null, readonly signal: NodeJS.Signals | null, readonly stdout: string, readonly stderr: string, readonly ms: number }

export class Proc {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly exited: Promise<Exited>
  private readonly started = performance.now()

  /**
   * @param env added to this process's environment; every party of these tests listens on 127.0.0.1
   *   and connects from there, so SIMON_INBOUND_CONNECTIONS_PER_HOST lifts libp2p's 5 per second per host
   * @param stdin when given, written to the process's stdin, which is then closed (stdin is ignored otherwise)
   * @param namespace when given, the process runs in this network namespace (a netlab test host):
   *   `ip netns exec` execs the command, so the pid is still the CLI's own
   */
  constructor (args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string, namespace?: string) {
    const command = [process.execPath, BIN, ...args]
    const [file, ...argv] = namespace === undefined ? command : ['ip', 'netns', 'exec', namespace, ...command]
    this.child = spawn(file!, argv, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, SIMON_INBOUND_CONNECTIONS_PER_HOST: '10000', ...env } })
    if (stdin !== undefined) this.child.stdin!.end(stdin)
    this.child.stdout!.on('data', (d: Buffer) => { this.stdout += d.toString() })
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString() })
    this.exited = new Promise(resolve => this.child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, ms: performance.now() - this.started })))
  }

  get pid (): number { return this.child.pid! }

  /** The first stdout line, once written. */
  async firstLine (timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (!this.stdout.includes('\n')) {
      if (this.child.exitCode !== null) throw new Error(`process exited ${this.child.exitCode} before its first line: ${this.stderr}`)
      if (Date.now() > deadline) throw new Error(`no first line within ${timeoutMs} ms: ${this.stderr}`)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    return this.stdout.slice(0, this.stdout.indexOf('\n'))
  }

  /** End by PID (SIGKILL unless another signal is given), if still running. */
  kill (signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.pid, signal)
  }
}

export function isAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

export async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'simon-test-'))
  t.after(async () => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function writeJson (path: string, value: unknown): Promise<string> {
  await writeFile(path, JSON.stringify(value))
  return path
}

/** Parties of `simon sum` processes: keys made by `simon keygen`, free ports, and the network file. */
export async function keys (dir: string, count: number): Promise<Array<{ path: string, peerId: string }>> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const path = join(dir, `k${i}.key`)
    const p = new Proc(['keygen', '--out', path])
    const r = await p.exited
    assert.equal(r.code, 0, r.stderr)
    const { peerId } = JSON.parse(r.stdout) as { peerId: string }
    assert.match(peerId, /^12D3KooW/)
    return { path, peerId }
  }))
}

export async function setup (t: Parameters<typeof tempDir>[0], count: number): Promise<{ dir: string, ks: Array<{ path: string, peerId: string }>, ports: number[], network: string }> {
  const dir = await tempDir(t)
  const ks = await keys(dir, count)
  const ports = await freePorts(count)
  const network = await writeJson(join(dir, 'network.json'), { nodes: ks.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`) })
  return { dir, ks, ports, network }
}

/** Party i's `simon sum` process; without a value, `extra` gives it (--value-file, say). */
export function party (s: Awaited<ReturnType<typeof setup>>, i: number, task: string, value: string | undefined, extra: string[] = []): Proc {
  return new Proc(['sum', '--key', s.ks[i]!.path, '--listen', `/ip4/127.0.0.1/tcp/${s.ports[i]}`, '--network', s.network,
    '--myself', String(i), '--task', task, ...(value === undefined ? [] : ['--value', value]), ...extra])
}


/** The ready line of `simon node`. */
export interface NodeReady { readonly peerId: string, readonly multiaddrs: string[], readonly http?: string, readonly metrics?: string }

/** Start one `simon node` process per argument list; resolves once all have printed their ready lines (ended by PID after the test). */
export async function startNodeProcs (t: { after: (fn: () => void) => void }, argLists: string[][], env: NodeJS.ProcessEnv = {}): Promise<Array<{ proc: Proc, ready: NodeReady }>> {
  const procs = argLists.map(args => new Proc(['node', ...args], env))
  t.after(() => procs.forEach(p => p.kill()))
  return Promise.all(procs.map(async proc => ({ proc, ready: JSON.parse(await proc.firstLine()) as NodeReady })))
}

/**
 * The tutorial's steps through each party's gateway (the fdrtd client's calls, over HTTP): party 0
 * creates the task and invites, the others join, each gives its value. The node list is the gateways' URLs.
 * @returns each party's result, and the task id
 */
export async function sumOverGateways (urls: readonly string[], values: readonly number[], token?: string): Promise<{ results: unknown[], taskId: string }> {
  const { Api, HttpInterface } = await import('@simon-p2p/api')
  const apis = urls.map(url => new Api(new HttpInterface(url, token === undefined ? {} : { token })))
  const nodes = [...urls]
  const protocols = await Promise.all(apis.map(async api => api.selectMicroservice({ protocol: 'Simon' })))
  const first = await protocols[0]!.create({ microprotocol: 'SecureSum', network: { nodes, myself: 0 } })
  const invitation = await first.invite()
  const tasks = [first, ...await Promise.all(protocols.slice(1).map(async (p, i) => p.join({ invitation, network: { nodes, myself: i + 1 } })))]
  await Promise.all(tasks.map(async (task, i) => task.input({ value: values[i] })))
  return { results: await Promise.all(tasks.map(async task => task.result())), taskId: first.callback as string }
}
