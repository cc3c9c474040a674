/**
 * `simon bench --netlab` on tiny sizes: its cases run on test hosts with capped links, each line
 * carries linkMbit, wireBoundMs (the most bytes any party sent over the link rate) and overWire,
 * every sum checked out, and no worker process or host is left behind.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PREFIX, unavailable } from '../../scripts/netlab/index.mjs'
import { Proc, tempDir } from '../helpers.js'

const skip = (await unavailable()) ?? false

test('simon bench --netlab --json (tiny): link fields on every line, plain and secure, nothing left behind', { skip, timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t)
  const bench = new Proc(['bench', '--netlab', '--tiny', '--json', '--out', dir])
  const r = await bench.exited
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n').map(l => JSON.parse(l) as Record<string, number | string | boolean>)
  assert.deepEqual(lines.map(l => l.mode === 'plain' ? 'plain' : 'secure'), ['plain', 'secure'])
  for (const l of lines) {
    assert.equal(l.ok, true, JSON.stringify(l))
    assert.equal(l.linkMbit, 100)
    // 8 bytes per element: the bound is the busiest party's bytes at 100 Mbit/s
    const bytes = (l.bytesPerPartyOverPlain as number) * (l.length as number) * 8
    assert.ok(Math.abs((l.wireBoundMs as number) - bytes * 8 / 100e3) < 0.05 + 1e-3 * (l.wireBoundMs as number), JSON.stringify(l))
    assert.ok(Math.abs((l.overWire as number) - ((l.ms as number) - (l.wireBoundMs as number))) < 0.02, JSON.stringify(l))
    // what the link carried: at least what the party handed to the network
    assert.ok((l.linkBytesPerPartyOverPlain as number) >= (l.bytesPerPartyOverPlain as number), JSON.stringify(l))
  }
  assert.match(await readFile(join(dir, 'latest.md'), 'utf8'), /\| link Mbit\/s \| parties x length \|/)
  const workers = execSync('ps -eo args').toString().split('\n').filter(a => a.includes('bench/worker.js') && a.includes(process.cwd()))
  assert.deepEqual(workers, [])
  const hosts = execSync('ip netns list').toString().split('\n').filter(n => n.startsWith(`${PREFIX}${bench.pid}-`))
  assert.deepEqual(hosts, [])
})
