/** Helpers for multi-process tests: real OS processes of the built CLI, ended by PID. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import assert from 'node:assert/strict'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

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
   */
  constructor (args: string[], env: NodeJS.ProcessEnv = {}, stdin?: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, SIMON_INBOUND_CONNECTIONS_PER_HOST: '10000', ...env } })
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

/** `simon keygen` `count` times in `dir` (k0.key, k1.key, ...): each file's path and PeerId. */
export async function keyFiles (dir: string, count: number): Promise<Array<{ path: string, peerId: string }>> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const path = join(dir, `k${i}.key`)
    const r = await new Proc(['keygen', '--out', path]).exited
    assert.equal(r.code, 0, r.stderr)
    const { peerId } = JSON.parse(r.stdout) as { peerId: string }
    assert.match(peerId, /^12D3KooW/)
    return { path, peerId }
  }))
}
