/**
 * `simon sum` with vectors as real OS processes: --profile fast with --value-file in JSON
 * and in raw .f64, lean and auto mode, results in the same shape as --value; bad fast inputs
 * refused with exit code 2 before the node starts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { freePorts } from '../packages/cli/src/ports.js'
import { Proc, tempDir, writeJson } from './helpers.js'

async function setup (t: Parameters<typeof tempDir>[0], count: number): Promise<{ dir: string, keys: string[], ports: number[], network: string }> {
  const dir = await tempDir(t)
  const keys = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const path = join(dir, `k${i}.key`)
    const r = await new Proc(['keygen', '--out', path]).exited
    assert.equal(r.code, 0, r.stderr)
    return { path, peerId: (JSON.parse(r.stdout) as { peerId: string }).peerId }
  }))
  const ports = await freePorts(count)
  const network = await writeJson(join(dir, 'network.json'), { nodes: keys.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`) })
  return { dir, keys: keys.map(k => k.path), ports, network }
}

function values (party: number, length: number): number[] {
  return Array.from({ length }, (_, k) => ((k * 31 + party * 977) % 20001 - 10000) / 100)
}

test('three parties sum 2 x 10^4-element vectors from .f64 and JSON value files (fast profile, lean mode on the ring)', async (t) => {
  const length = 20_000
  const s = await setup(t, 3)
  const files = await Promise.all([0, 1, 2].map(async p => {
    const v = values(p, length)
    if (p === 1) {
      const path = join(s.dir, `v${p}.json`)
      await writeFile(path, JSON.stringify(v))
      return path
    }
    const path = join(s.dir, `v${p}.f64`)
    await writeFile(path, new Uint8Array(Float64Array.from(v).buffer))
    return path
  }))
  const task = randomUUID()
  const procs = [0, 1, 2].map(i => new Proc(['sum', '--key', s.keys[i]!, '--listen', `/ip4/127.0.0.1/tcp/${s.ports[i]}`, '--network', s.network,
    '--myself', String(i), '--task', task, '--value-file', files[i]!, '--profile', 'fast', '--timeout', '60']))
  t.after(() => procs.forEach(p => p.kill()))
  const [v0, v1, v2] = [0, 1, 2].map(p => values(p, length))
  const expected = v0!.map((x, k) => Math.round((x + v1![k]! + v2![k]!) * 100) / 100)
  for (const r of await Promise.all(procs.map(async p => p.exited))) {
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal')
    const out = JSON.parse(r.stdout) as { inputs: number, result: { samples: number, sum: number[] } }
    assert.equal(out.inputs, 3)
    assert.equal(out.result.samples, 3 * length)
    // element by element: a failing deepEqual of 10^5 elements would take minutes to describe
    const wrong = expected.findIndex((x, k) => out.result.sum[k] !== x)
    assert.equal(wrong, -1, `element ${wrong}: ${out.result.sum[wrong]} != ${expected[wrong]}`)
    assert.equal(out.result.sum.length, length)
  }
})

test('bad fast-profile inputs exit 2 naming the element, before any node starts', async (t) => {
  const s = await setup(t, 3)
  const file = join(s.dir, 'bad.f64')
  await writeFile(file, new Uint8Array(Float64Array.of(1, 2e6).buffer))
  const odd = join(s.dir, 'odd.f64')
  await writeFile(odd, new Uint8Array(12))
  for (const [args, pattern] of [
    [['--value-file', file, '--profile', 'fast'], /value\[1\]/],
    [['--value-file', odd, '--profile', 'fast'], /value-file.*not a whole number/],
    [['--value', '[1, 2]', '--profile', 'turbo'], /parameters\.profile/],
    [['--value', '[1, 2]', '--mode', 'ring'], /parameters\.mode/]
  ] as const) {
    const r = await new Proc(['sum', '--key', s.keys[0]!, '--listen', `/ip4/127.0.0.1/tcp/${s.ports[0]}`, '--network', s.network,
      '--myself', '0', '--task', randomUUID(), '--timeout', '5', ...args]).exited
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, pattern)
  }
})
