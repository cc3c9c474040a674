/**
 * Core stays pure: no I/O, no libp2p, no clock and no randomness of its own. A line of
 * packages/core/src that imports a platform module or libp2p, reads the time, sets a timer or
 * draws its own randomness fails here, naming the file and the line.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../src', import.meta.url))

/** The only packages core may import: hashing and byte helpers, both pure. */
const ALLOWED_PACKAGES = ['@noble/hashes', 'uint8arrays']

const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'a timer'],
  [/\bDate\b/, 'the clock (Date)'],
  [/\bperformance\s*\.\s*now\b|\bprocess\s*\.\s*hrtime\b/, 'the clock'],
  [/\bMath\s*\.\s*random\b|\bgetRandomValues\b|\brandomBytes\s*\(\s*\d/, 'randomness of its own'],
  [/\bprocess\s*\./, 'the process'],
  [/\bconsole\s*\./, 'output'],
  [/\bfetch\s*\(|\brequire\s*\(/, 'I/O or a CommonJS import']
]

async function sources (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(entries.map(async e => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sources(path)
    return e.name.endsWith('.ts') ? [path] : []
  }))
  return nested.flat()
}

/** The code of a line without its comment and string contents (`// ...`, `* ...`, '...'). */
function codeOf (line: string): string {
  const trimmed = line.trimStart()
  if (trimmed.startsWith('*') || trimmed.startsWith('/*') || trimmed.startsWith('//')) return ''
  return line.replace(/`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'/g, "''").replace(/\/\/.*$/, '')
}

test('packages/core/src imports nothing but pure packages, and reads no clock, timer or randomness', async () => {
  const files = await sources(SRC)
  assert.ok(files.length > 20, `found only ${files.length} source files under ${SRC}`)
  const problems: string[] = []
  for (const file of files) {
    const lines = (await readFile(file, 'utf8')).split('\n')
    lines.forEach((line, i) => {
      const where = `${relative(SRC, file)}:${i + 1}`
      const code = codeOf(line)
      if (code.trim() === '') return
      for (const m of line.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'\s*\)|^\s*import\s+'([^']+)'/g)) {
        const spec = m[1] ?? m[2] ?? m[3]!
        if (spec.startsWith('.')) continue
        if (!ALLOWED_PACKAGES.some(p => spec === p || spec.startsWith(`${p}/`))) problems.push(`${where} imports ${spec}`)
      }
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(code)) problems.push(`${where} uses ${what}: ${line.trim()}`)
    })
  }
  assert.deepEqual(problems, [])
})

test('the purity check catches what it looks for', () => {
  // the patterns themselves, on lines that must be caught and lines that must not
  const caught = ['const t = setTimeout(f, 1)', 'const now = Date.now()', 'x = Math.random()', 'console.log(x)', 'const h = process.hrtime()']
  for (const line of caught) assert.ok(FORBIDDEN.some(([p]) => p.test(codeOf(line))), line)
  const clean = ['// setTimeout is for the node layer', ' * Date.now() is passed in as `now`', "const label = 'Date'", 'tick (now: number): Outgoing[]']
  for (const line of clean) assert.ok(!FORBIDDEN.some(([p]) => p.test(codeOf(line))), line)
})
