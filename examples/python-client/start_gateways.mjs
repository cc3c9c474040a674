#!/usr/bin/env node
/**
 * Start three simon-p2p nodes, each with its fdrtd gateway on localhost, for the Python tutorial:
 * `simon node --key K --listen /ip4/127.0.0.1/tcp/0 --http 127.0.0.1:PORT`, three OS processes,
 * each with a fresh identity key in a temporary folder.
 *
 *   node examples/python-client/start_gateways.mjs                 # until Ctrl-C
 *   node examples/python-client/start_gateways.mjs -- python3 examples/python-client/tutorial_requests.py
 *   node examples/python-client/start_gateways.mjs --ports 0,0,0 -- CMD ...   # free ports
 *
 * With a command after `--`, it runs the command once the gateways are up (their URLs in
 * $SIMON_GATEWAY_URLS, space-separated), stops them, and exits with the command's code.
 * $SIMON_GATEWAY_TOKEN, when set, is passed on: the gateways then require it.
 * Needs the built CLI (`npx -y pnpm@10.34.9 install`, which builds, or `npx tsc -b`).
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url))
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000

const args = process.argv.slice(2)
const dash = args.indexOf('--')
const options = dash < 0 ? args : args.slice(0, dash)
const command = dash < 0 ? [] : args.slice(dash + 1)
const portsAt = options.indexOf('--ports')
const ports = (portsAt < 0 ? '55501,55502,55503' : options[portsAt + 1] ?? '').split(',').map(Number)
if (ports.length !== 3 || !ports.every(p => Number.isInteger(p) && p >= 0 && p <= 65535)) {
  console.error('usage: start_gateways.mjs [--ports P1,P2,P3] [-- command args...]')
  process.exit(2)
}
if (!existsSync(BIN)) {
  console.error(`${BIN} does not exist: build first (npx -y pnpm@10.34.9 install, or npx tsc -b)`)
  process.exit(2)
}

const keys = await mkdtemp(join(tmpdir(), 'simon-gateways-'))
const nodes = []

/** The first stdout line of a process: its ready line. */
function readyLine (child) {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`no ready line within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS)
    child.stdout.on('data', (d) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) { clearTimeout(timer); resolve(JSON.parse(out.slice(0, nl))) }
    })
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited with code ${code} before it was ready`)) })
  })
}

/** End each node by its PID (SIGTERM, then SIGKILL), and remove the keys. */
async function stopAll () {
  await Promise.all(nodes.map(({ child }) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return }
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => { clearTimeout(kill); resolve() })
    child.kill('SIGTERM')
  })))
  await rm(keys, { recursive: true, force: true })
}

let exitCode = 0
try {
  for (const [i, port] of ports.entries()) {
    const key = join(keys, `party${i}.key`)
    const made = spawnSync(process.execPath, [BIN, 'keygen', '--out', key], { encoding: 'utf8' })
    if (made.status !== 0) throw new Error(`keygen failed: ${made.stderr}`)
    const child = spawn(process.execPath, [BIN, 'node', '--key', key, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    nodes.push({ child, ready: readyLine(child) })
  }
  const ready = await Promise.all(nodes.map(n => n.ready))
  ready.forEach((r, i) => console.log(`gateway ${i}: ${r.http}  (node ${r.peerId}, pid ${nodes[i].child.pid})`))
  const urls = ready.map(r => r.http)

  if (command.length > 0) {
    const run = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, SIMON_GATEWAY_URLS: urls.join(' ') } })
    exitCode = await new Promise((resolve) => {
      run.on('error', (err) => { console.error(`cannot run ${command[0]}: ${err.message}`); resolve(127) })
      run.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)))
    })
  } else {
    console.log('ready: run the tutorial in another terminal; Ctrl-C stops the gateways')
    await new Promise((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve) })
  }
} catch (err) {
  console.error(`start_gateways: ${err.message}`)
  exitCode = 1
} finally {
  await stopAll()
}
process.exit(exitCode)
