/**
 * `pnpm bench -- --quick --json` on tiny sizes (--tiny): every line is a JSON object with the
 * fields other tools read, every sum checked out, the files were written, and no worker process
 * is left behind. It runs the root package.json's `bench` script the way pnpm runs it: the
 * script, then a literal `--`, then the options.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execSync, spawn } from 'node:child_process'
import { tempDir } from './helpers.js'

const ROOT = new URL('..', import.meta.url)

/** What `pnpm bench -- <args>` runs: the script line with the arguments appended, `--` included. */
async function pnpmBench (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const pkg = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> }
  const line = [pkg.scripts.bench, '--', ...args.map(a => `'${a.replace(/'/g, `'\\''`)}'`)].join(' ')
  const child = spawn('sh', ['-c', line], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${new URL('node_modules/.bin', ROOT).pathname}:${process.env.PATH ?? ''}` } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  return new Promise(resolve => child.on('close', code => resolve({ code, stdout, stderr })))
}

test('pnpm bench -- --quick --json (tiny sizes) prints one valid JSON object per measurement', async (t) => {
  const dir = await tempDir(t)
  const r = await pnpmBench(['--quick', '--json', '--tiny', '--out', dir])
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
  assert.ok(lines.some(l => String(l.name).startsWith('univariate-') && typeof l.ratio === 'number'), 'a StatisticsUnivariate case with its secure/plain ratio')
  const svg = await readFile(join(dir, 'chart.svg'), 'utf8')
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  assert.match(await readFile(join(dir, 'latest.md'), 'utf8'), /\| parties x length \|/)
  assert.equal((await readFile(join(dir, 'latest.jsonl'), 'utf8')).trim().split('\n').length, lines.length)
  // every worker was ended
  const left = execSync('ps -eo args').toString().split('\n').filter(a => a.includes('bench/worker.js') && a.includes(process.cwd()))
  assert.deepEqual(left, [])
})
