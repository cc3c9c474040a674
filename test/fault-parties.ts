/**
 * Helpers for fault tests (not a test file): parties as real `simon sum` processes with
 * --events, whose JSON progress lines on stderr say exactly when to kill -9 them.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateIdentity, peerIdOf, saveIdentity } from '@simon-p2p/node'
import { freePorts } from '../packages/cli/src/ports.js'
import { Proc, tempDir, writeJson } from './helpers.js'

export interface Net {
  readonly dir: string
  readonly keys: Array<{ path: string, peerId: string }>
  readonly ports: number[]
  /** The network file, the same at every party. */
  readonly network: string
}

type After = Parameters<typeof tempDir>[0]

/** `count` identity keys (made in this process: faster than `count` keygen processes), ports and the network file. */
export async function network (t: After, count: number): Promise<Net> {
  const dir = await tempDir(t)
  const keys = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const key = await generateIdentity()
    const path = join(dir, `k${i}.key`)
    await saveIdentity(key, path)
    return { path, peerId: peerIdOf(key) }
  }))
  const ports = await freePorts(count)
  const file = await writeJson(join(dir, 'network.json'), { nodes: keys.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`) })
  return { dir, keys, ports, network: file }
}

export type ProgressEvent = { event: 'step', step: string } | { event: 'delivered', kind: string, to: number } |
{ event: 'received', kind: string, from: number } | { event: 'frozen' }

/**
 * A `simon sum` party with --events that reads its value from a named pipe: it starts its node,
 * joins the task (event: step 'input') and waits until the test gives the value.
 */
export class Party extends Proc {
  private readonly pipe: string
  private readonly spawnedAt = performance.now()
  /** When the value was given (performance.now()). */
  givenAt: number | undefined

  constructor (readonly index: number, net: Net, task: string, private readonly value: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
    const pipe = join(net.dir, `value-${task}-${index}`)
    execFileSync('mkfifo', [pipe])
    super(['sum', '--key', net.keys[index]!.path, '--listen', `/ip4/127.0.0.1/tcp/${net.ports[index]}`, '--network', net.network,
      '--myself', String(index), '--task', task, '--value-file', pipe, '--events', ...extra], env)
    this.pipe = pipe
    // SIMON_FAULT_LOGS=<dir>: each party's progress lines go to <dir>/<task>-<index>.log when it ends (to study a failed run)
    const logs = process.env.SIMON_FAULT_LOGS
    if (logs !== undefined && logs !== '') {
      let stamped = ''
      this.child.stderr!.on('data', (d: Buffer) => {
        const atLineStart = stamped === '' || stamped.endsWith('\n')
        stamped += d.toString().replace(/\n(?=.)/g, `\n${Date.now()} `).replace(/^/, atLineStart ? `${Date.now()} ` : '')
      })
      void this.exited.then(async () => writeFile(join(logs, `${task}-${index}.log`), stamped))
    }
  }

  /** Up and waiting for its value: its node listens and it has joined the task. */
  async joined (): Promise<void> {
    await this.until(() => this.has(e => e.event === 'step' && e.step === 'input'), 'joining the task')
  }

  /** Give the party its value now. */
  async give (): Promise<void> {
    await writeFile(this.pipe, this.value)
    this.givenAt = performance.now()
  }

  /** Milliseconds from its value to its exit. */
  async msFromInput (): Promise<number> {
    const r = await this.exited
    assert.ok(this.givenAt !== undefined, `party ${this.index} never got its value`)
    return this.spawnedAt + r.ms - this.givenAt
  }

  private readonly parsed: ProgressEvent[] = []
  private parsedUpTo = 0

  /** The progress events printed so far (parsed once each, as they come). */
  events (): ProgressEvent[] {
    const end = this.stderr.lastIndexOf('\n') + 1
    if (end > this.parsedUpTo) {
      for (const line of this.stderr.slice(this.parsedUpTo, end).split('\n')) {
        if (line.startsWith('{')) this.parsed.push(JSON.parse(line) as ProgressEvent)
      }
      this.parsedUpTo = end
    }
    return this.parsed
  }

  /** The lines on stderr that are not progress events (the one error line, if it failed). */
  errorLines (): string[] {
    return this.stderr.split('\n').filter(l => l !== '' && !l.startsWith('{'))
  }

  count (kind: 'delivered' | 'received', messageKind: string): number {
    return this.events().filter(e => e.event === kind && e.kind === messageKind).length
  }

  has (pred: (e: ProgressEvent) => boolean): boolean { return this.events().some(pred) }

  /** Wait until the events satisfy `condition`; fails (naming `what`) after `timeoutMs` or if the process ends first. */
  async until (condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) assert.fail(`party ${this.index} ended (${String(this.child.exitCode ?? this.child.signalCode)}) before ${what}: ${this.stderr}`)
      if (Date.now() > deadline) assert.fail(`party ${this.index}: no ${what} within ${timeoutMs} ms: ${this.stderr}`)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }

  /** kill -9, and check that it was the kill that ended the process. */
  async killNow (): Promise<void> {
    this.kill('SIGKILL')
    const r = await this.exited
    assert.equal(r.signal, 'SIGKILL', `party ${this.index} had already ended (${String(r.code)}): ${r.stderr}`)
  }
}

/** A party (fault tests only) that freezes once every other party took its messages of all these kinds. */
export const freezingAfter = (...kinds: string[]): NodeJS.ProcessEnv => ({ SIMON_FAILPOINT_FREEZE_AFTER: kinds.join(',') })

/** A party (fault tests only) that sends the first batch of this step only to these parties, and freezes once they took it: it dies in the middle of a broadcast. */
export const sendingOnly = (step: string, parties: readonly number[]): NodeJS.ProcessEnv => ({ SIMON_FAILPOINT_SEND_ONLY: `${step}:${parties.join('+')}` })

/** A party (fault tests only) that freezes when its task enters this step, before the step's messages leave. */
export const freezingAt = (step: string): NodeJS.ProcessEnv => ({ SIMON_FAILPOINT_FREEZE_AT: step })

/** A party (fault tests only) that never sends messages of these kinds, as if it died just before sending them. */
export const withholding = (...kinds: string[]): NodeJS.ProcessEnv => ({ SIMON_FAILPOINT_WITHHOLD: kinds.join(',') })

/** The result line of a party that exited 0. */
export async function resultOf (p: Party): Promise<unknown> {
  const r = await p.exited
  assert.equal(r.code, 0, `party ${p.index} exited ${String(r.code)} (${String(r.signal)}): ${p.errorLines().join(' | ')}`)
  return JSON.parse(r.stdout)
}
