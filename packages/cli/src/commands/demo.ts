/**
 * `simon demo`: three `simon sum` processes on localhost, inputs 10, 7 and 14, each with its
 * own key and port; prints each party's result and leaves no process behind. With --hosts, each
 * party runs on a test host of its own (a network namespace of scripts/netlab, root only), which
 * the demo makes and removes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateIdentity, peerIdOf, saveIdentity } from '@simon-p2p/node'
import { createLab, unavailable, type Lab } from '../../../../scripts/netlab/index.mjs'
import { freePorts } from '../ports.js'

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url))

export interface DemoOptions {
  readonly values: string[]
  readonly timeout: string
  /** Each party on a test host of its own (scripts/netlab), not all on 127.0.0.1. */
  readonly hosts?: boolean
}

/** The port every party listens on when it has a host of its own. */
const HOST_PORT = 4001

interface PartyRun { readonly index: number, readonly code: number | null, readonly stdout: string, readonly stderr: string }

function run (child: ChildProcess, index: number): Promise<PartyRun> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  return new Promise(resolve => child.on('close', code => resolve({ index, code, stdout: stdout.trim(), stderr: stderr.trim() })))
}

export async function runDemo (options: DemoOptions): Promise<boolean> {
  const values = options.values
  const dir = await mkdtemp(join(tmpdir(), 'simon-demo-'))
  const children: ChildProcess[] = []
  const killAll = (): void => { for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL') }
  process.once('exit', killAll)
  let lab: Lab | undefined
  try {
    if (options.hosts === true) {
      const reason = await unavailable()
      if (reason !== undefined) throw new Error(`--hosts: ${reason}`)
      lab = await createLab({ hosts: values.length })
      process.stdout.write(`hosts: ${lab.hosts.map(h => `${h.namespace} (${h.address})`).join(', ')}\n`)
    }
    const hostOf = (i: number): string => lab?.host(i).address ?? '127.0.0.1'
    const ports = lab === undefined ? await freePorts(values.length) : values.map(() => HOST_PORT)
    const keys = await Promise.all(values.map(async (_, i) => {
      const key = await generateIdentity()
      const path = join(dir, `party${i}.key`)
      await saveIdentity(key, path)
      return { path, peerId: peerIdOf(key) }
    }))
    const nodes = keys.map((k, i) => `/ip4/${hostOf(i)}/tcp/${ports[i]}/p2p/${k.peerId}`)
    const network = join(dir, 'network.json')
    await writeFile(network, JSON.stringify({ nodes }, null, 2))
    const task = `demo-${randomUUID()}`
    process.stdout.write(`network (${network}):\n${nodes.map((n, i) => `  party ${i}: ${n}`).join('\n')}\n`)
    const runs = values.map((value, i) => {
      const command = [process.execPath, BIN, 'sum', '--key', keys[i]!.path, '--listen', `/ip4/${hostOf(i)}/tcp/${ports[i]}`,
        '--network', network, '--myself', String(i), '--task', task, '--value', value, '--timeout', options.timeout,
        // every party is on 127.0.0.1: let them all connect at once
        ...(lab === undefined ? ['--inbound-connections-per-host', '1000'] : [])]
      // `ip netns exec` execs the command: the pid is the party's own
      const child = lab === undefined
        ? spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('ip', lab.execArgs(i, command[0]!, command.slice(1)), { stdio: ['ignore', 'pipe', 'pipe'] })
      children.push(child)
      process.stdout.write(`party ${i}: started${lab === undefined ? '' : ` on ${lab.host(i).namespace}`}, pid ${child.pid}, input ${value} (known only to this party)\n`)
      return run(child, i)
    })
    const results = await Promise.all(runs)
    for (const r of results) {
      process.stdout.write(r.code === 0 ? `party ${r.index}: ${r.stdout}\n` : `party ${r.index}: failed (exit ${r.code}): ${r.stderr}\n`)
    }
    return results.every(r => r.code === 0)
  } finally {
    killAll()
    process.off('exit', killAll)
    if (lab !== undefined) {
      await Promise.all(children.map(async c => c.exitCode === null && c.signalCode === null ? new Promise(resolve => c.once('close', resolve)) : undefined))
      await lab.destroy()
    }
    await rm(dir, { recursive: true, force: true })
  }
}
