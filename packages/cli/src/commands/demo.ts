/**
 * `simon demo`: three `simon sum` processes on localhost, inputs 10, 7 and 14, each with its
 * own key and port; prints each party's result and leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateIdentity, peerIdOf, saveIdentity } from '@simon-p2p/node'
import { freePorts } from '../ports.js'

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url))

export interface DemoOptions { readonly values: string[], readonly timeout: string }

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
  try {
    const ports = await freePorts(values.length)
    const keys = await Promise.all(values.map(async (_, i) => {
      const key = await generateIdentity()
      const path = join(dir, `party${i}.key`)
      await saveIdentity(key, path)
      return { path, peerId: peerIdOf(key) }
    }))
    const nodes = keys.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`)
    const network = join(dir, 'network.json')
    await writeFile(network, JSON.stringify({ nodes }, null, 2))
    const task = `demo-${randomUUID()}`
    process.stdout.write(`network (${network}):\n${nodes.map((n, i) => `  party ${i}: ${n}`).join('\n')}\n`)
    const runs = values.map((value, i) => {
      const child = spawn(process.execPath, [BIN, 'sum', '--key', keys[i]!.path, '--listen', `/ip4/127.0.0.1/tcp/${ports[i]}`,
        '--network', network, '--myself', String(i), '--task', task, '--value', value, '--timeout', options.timeout,
        // every party is on 127.0.0.1: let them all connect at once
        '--inbound-connections-per-host', '1000'],
      { stdio: ['ignore', 'pipe', 'pipe'] })
      children.push(child)
      process.stdout.write(`party ${i}: started, pid ${child.pid}, input ${value} (known only to this party)\n`)
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
    await rm(dir, { recursive: true, force: true })
  }
}
