/**
 * `simon sum` and `simon node` as real OS processes on 127.0.0.1, ended by PID.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { freePorts } from '../packages/cli/src/ports.js'
import { Proc, isAlive, keyFiles, tempDir, writeJson } from './helpers.js'

async function setup (t: Parameters<typeof tempDir>[0], count: number): Promise<{ dir: string, ks: Array<{ path: string, peerId: string }>, ports: number[], network: string }> {
  const dir = await tempDir(t)
  const ks = await keyFiles(dir, count)
  const ports = await freePorts(count)
  const network = await writeJson(join(dir, 'network.json'), { nodes: ks.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`) })
  return { dir, ks, ports, network }
}

function party (s: Awaited<ReturnType<typeof setup>>, i: number, task: string, value: string, extra: string[] = []): Proc {
  return new Proc(['sum', '--key', s.ks[i]!.path, '--listen', `/ip4/127.0.0.1/tcp/${s.ports[i]}`, '--network', s.network,
    '--myself', String(i), '--task', task, '--value', value, ...extra])
}

test('three simon sum processes: 10 + 7 + 14 = 31 at every party', async (t) => {
  const s = await setup(t, 3)
  const task = randomUUID()
  const procs = ['10', '7', '14'].map((v, i) => party(s, i, task, v))
  t.after(() => procs.forEach(p => p.kill()))
  for (const r of await Promise.all(procs.map(async p => p.exited))) {
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), { inputs: 3, result: { samples: 3, sum: 31 } })
  }
})

test('three simon sum processes: exact decimals "123.456789" + "1234.56789" + "12345.6789" = 13703.703579', async (t) => {
  const s = await setup(t, 3)
  const task = randomUUID()
  const procs = ['"123.456789"', '1234.56789', '"12345.6789"'].map((v, i) => party(s, i, task, v))
  t.after(() => procs.forEach(p => p.kill()))
  for (const r of await Promise.all(procs.map(async p => p.exited))) {
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), '{"inputs":3,"result":{"samples":3,"sum":13703.703579}}')
  }
})

test('integer strings of any size and arrays, with digits chosen per task', async (t) => {
  const s = await setup(t, 3)
  const task = randomUUID()
  const big = '123456789012345678901234567890'
  const values = [`["${big}", 1]`, '["1", 2]', '[-1, 3]']
  const procs = values.map((v, i) => party(s, i, task, v, ['--digits-before', '40', '--digits-after', '0']))
  t.after(() => procs.forEach(p => p.kill()))
  for (const r of await Promise.all(procs.map(async p => p.exited))) {
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), { inputs: 3, result: { samples: 6, sum: [big, 6] } })
  }
})

test('a party that never arrives: the others fail within their deadline, naming index 2', async (t) => {
  const s = await setup(t, 3)
  const task = randomUUID()
  const procs = ['10', '7'].map((v, i) => party(s, i, task, v, ['--timeout', '3']))
  t.after(() => procs.forEach(p => p.kill()))
  for (const r of await Promise.all(procs.map(async p => p.exited))) {
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    // the first party to time out tells the other, so each fails with a timeout of its own or
    // with that party's abort; either way the line names the missing index
    assert.match(lines[0]!, /^simon sum: (TaskTimeoutError|TaskAbortedError): .*timed out after 3 s at step 'share': no message from party 2$/)
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`)
  }
})

test('bad input: one line on stderr naming the field, exit 2, and the other parties never get a share from it', async (t) => {
  const s = await setup(t, 3)
  const task = randomUUID()
  const bad = party(s, 0, task, 'NaN')
  const r = await bad.exited
  assert.equal(r.code, 2)
  assert.match(r.stderr.trim(), /^simon sum: InvalidInputError: invalid value: /)
  assert.equal(r.stderr.trim().split('\n').length, 1)
  const out = party(s, 1, task, '1e13', ['--timeout', '3'])
  const r2 = await out.exited
  assert.equal(r2.code, 2)
  assert.match(r2.stderr, /invalid value: 1e13 is out of range/)
})

test('simon node: ready line, then a clean exit 0 on SIGTERM and on SIGINT', async (t) => {
  const dir = await tempDir(t)
  const [k] = await keyFiles(dir, 1)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const p = new Proc(['node', '--key', k!.path, '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws'])
    t.after(() => p.kill())
    const ready = JSON.parse(await p.firstLine()) as { peerId: string, multiaddrs: string[] }
    assert.equal(ready.peerId, k!.peerId)
    assert.ok(ready.multiaddrs.some(a => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(a)), JSON.stringify(ready))
    assert.ok(ready.multiaddrs.some(a => a.includes('/ws/p2p/')), JSON.stringify(ready))
    assert.ok(ready.multiaddrs.every(a => a.endsWith(`/p2p/${k!.peerId}`)))
    p.kill(signal)
    const r = await p.exited
    assert.equal(r.code, 0, `${signal}: exit code ${r.code}, signal ${r.signal}, stderr ${r.stderr}`)
    assert.equal(isAlive(p.pid), false)
  }
})

test('simon demo: three processes, 31 at each, none left behind', async () => {
  const demo = new Proc(['demo'])
  const r = await demo.exited
  assert.equal(r.code, 0, r.stderr)
  const results = r.stdout.split('\n').filter(l => /^party \d: \{/.test(l))
  assert.deepEqual(results, [0, 1, 2].map(i => `party ${i}: {"inputs":3,"result":{"samples":3,"sum":31}}`))
  const pids = [...r.stdout.matchAll(/pid (\d+)/g)].map(m => Number(m[1]))
  assert.equal(pids.length, 3)
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still running`)
})
