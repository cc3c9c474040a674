/**
 * `simon bench --quick --json` on tiny sizes (--tiny): every line is a JSON object with the
 * fields other tools read, every sum checked out, the files were written, and no worker process
 * is left behind.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execSync } from 'node:child_process'
import { Proc, tempDir } from './helpers.js'

test('simon bench --quick --json (tiny sizes) prints one valid JSON object per measurement', async (t) => {
  const dir = await tempDir(t)
  const bench = new Proc(['bench', '--quick', '--json', '--tiny', '--out', dir])
  t.after(() => bench.kill())
  const r = await bench.exited
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
  assert.ok(lines.length >= 8, `${lines.length} lines`)
  for (const l of lines) {
    for (const key of ['name', 'mode']) assert.equal(typeof l[key], 'string', `${key} in ${JSON.stringify(l)}`)
    for (const key of ['parties', 'length', 'ms', 'rssMB']) assert.ok(typeof l[key] === 'number' && l[key] >= 0, `${key} in ${JSON.stringify(l)}`)
    assert.equal(l.ok, true, `sum checked out: ${JSON.stringify(l)}`)
    if (l.mode !== 'plain') assert.ok(typeof l.ratio === 'number' && l.ratio > 0, `ratio in ${JSON.stringify(l)}`)
    if ((l.length as number) > 1) assert.ok(typeof l.bytesPerPartyOverPlain === 'number' && l.bytesPerPartyOverPlain > 0, `bytes in ${JSON.stringify(l)}`)
  }
  const names = new Set(lines.map(l => l.name))
  for (const name of names) {
    const modes = lines.filter(l => l.name === name).map(l => l.mode)
    assert.ok(modes.includes('plain') && modes.some(m => m === 'mesh' || m === 'lean'), `${String(name)}: plain and secure`)
  }
  assert.ok(lines.some(l => typeof l.p99Ms === 'number'), 'a latency case with p99')
  const svg = await readFile(join(dir, 'chart.svg'), 'utf8')
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  assert.match(await readFile(join(dir, 'latest.md'), 'utf8'), /\| parties x length \|/)
  assert.equal((await readFile(join(dir, 'latest.jsonl'), 'utf8')).trim().split('\n').length, lines.length)
  // every worker was ended
  const left = execSync('ps -eo args').toString().split('\n').filter(a => a.includes('bench/worker.js') && a.includes(process.cwd()))
  assert.deepEqual(left, [])
})
