/**
 * scripts/netlab: hosts it makes reach each other over the bridge (and only over it: a cut link
 * stops them), loopback is up in each, the cap is a tbf qdisc at the rate asked, and every
 * namespace it made is gone after destroy(), after SIGTERM to its CLI, and, for a run that was
 * killed outright, after the next run starts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createLab, PREFIX, unavailable, type Lab } from '../../scripts/netlab/index.mjs'

const exec = promisify(execFile)
const CLI = fileURLToPath(new URL('../../scripts/netlab/cli.mjs', import.meta.url))
const skip = (await unavailable()) ?? false

async function namespaces (): Promise<string[]> {
  return (await exec('ip', ['netns', 'list'])).stdout.split('\n').map(l => l.split(' ')[0]!).filter(n => n !== '')
}

/** From host `from`, connect to host `to`'s port 7000 (served by a node process there); the echoed text, or the error. */
async function reach (lab: Lab, from: number, to: number, text: string, address = lab.host(to).address): Promise<string> {
  const server = spawn('ip', lab.execArgs(to, process.execPath, ['-e', `require('net').createServer(s => s.pipe(s)).listen(7000, () => console.log('up'))`]), { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    await new Promise(resolve => server.stdout.once('data', resolve))
    const client = `const s = require('net').connect(7000, '${address}', () => s.end('${text}')); s.setTimeout(1500, () => { console.log('timeout'); process.exit(0) }); s.on('data', d => process.stdout.write(d)); s.on('error', e => console.log(e.code))`
    return (await exec('ip', lab.execArgs(from, process.execPath, ['-e', client]))).stdout.trim()
  } finally {
    process.kill(server.pid!, 'SIGKILL')
  }
}

test('two hosts: TCP over the bridge, loopback up, a tbf cap, a cut and a restore; destroy removes all', { skip, timeout: 60_000 }, async () => {
  const lab = await createLab({ hosts: 2, mbit: 100 })
  try {
    assert.equal(lab.hosts.length, 2)
    assert.deepEqual(lab.hosts.map(h => h.address), ['10.77.0.1', '10.77.0.2'])
    for (const name of lab.names()) assert.ok(name.startsWith(`${PREFIX}${process.pid}-`), name)
    assert.deepEqual((await namespaces()).filter(n => lab.names().includes(n)).sort(), [...lab.names()].sort())
    assert.equal(await reach(lab, 0, 1, 'over-the-bridge'), 'over-the-bridge')
    assert.equal(await reach(lab, 1, 1, 'loopback', '127.0.0.1'), 'loopback')
    // capped both ways: the host's uploads on its eth0, its downloads on its bridge port
    for (const [namespace, device] of [[lab.host(0).namespace, 'eth0'], [lab.bridge, lab.host(0).port]] as const) {
      const qdisc = (await exec('ip', ['netns', 'exec', namespace, 'tc', 'qdisc', 'show', 'dev', device])).stdout
      assert.match(qdisc, /tbf .*rate 100Mbit/, `${namespace} ${device}: ${qdisc}`)
    }
    const sent = await lab.txBytes(0)
    assert.ok(sent > 0)
    await lab.cut(1)
    assert.match(await reach(lab, 0, 1, 'cut'), /^(timeout|EHOSTUNREACH)$/)
    await lab.restore(1)
    assert.equal(await reach(lab, 0, 1, 'back'), 'back')
    assert.ok(await lab.txBytes(0) > sent)
  } finally {
    await lab.destroy()
  }
  const left = (await namespaces()).filter(n => lab.names().includes(n))
  assert.deepEqual(left, [])
})

test('the CLI removes its hosts on SIGTERM; hosts of a killed run are removed when the next run starts', { skip, timeout: 60_000 }, async () => {
  const upAndKill = async (signal: NodeJS.Signals): Promise<{ pid: number, names: string[] }> => {
    const child = spawn(process.execPath, [CLI, 'up', '2'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    while (!out.includes('netlab: up')) {
      assert.equal(child.exitCode, null, out)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    const names = (await namespaces()).filter(n => n.startsWith(`${PREFIX}${child.pid!}-`))
    assert.equal(names.length, 3, out)
    const exited = new Promise(resolve => child.on('exit', resolve))
    process.kill(child.pid!, signal)
    await exited
    return { pid: child.pid!, names }
  }
  const terminated = await upAndKill('SIGTERM')
  assert.deepEqual((await namespaces()).filter(n => terminated.names.includes(n)), [])
  const killed = await upAndKill('SIGKILL')
  assert.equal((await namespaces()).filter(n => killed.names.includes(n)).length, 3, 'SIGKILL leaves them')
  const lab = await createLab({ hosts: 1 })
  await lab.destroy()
  assert.deepEqual((await namespaces()).filter(n => killed.names.includes(n)), [])
})
