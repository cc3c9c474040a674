/**
 * The Python client's exact requests (examples/python-client/tutorial_requests.py, python3 with
 * `requests`) against three gateways: in this process, with a token, and as three `simon node
 * --http` processes started by the example's own script.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startGateways } from './helpers.js'

const EXAMPLE = fileURLToPath(new URL('../../../examples/python-client/', import.meta.url))
const SCRIPT = `${EXAMPLE}tutorial_requests.py`
const STATISTICS = `${EXAMPLE}statistics_requests.py`
const START = `${EXAMPLE}start_gateways.mjs`
const CLI = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url))
const RESULT = '{"inputs": 3, "result": {"samples": 3, "sum": 31}}'

interface Run { code: number | null, stdout: string, stderr: string }

async function run (command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIMON_GATEWAY_TOKEN: '', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${command} ran over ${timeoutMs} ms: ${stdout} ${stderr}`)) }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

function assert31 (r: Run): void {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  for (const party of ['A', 'B', 'C']) assert.ok(r.stdout.includes(`party ${party}: ${RESULT}`), r.stdout)
  assert.ok(r.stdout.includes('the sum is 31 at all three parties'))
}

test('python3 + requests: the client\'s exact requests, 31 at all three gateways', async (t) => {
  const gateways = await startGateways(t, 3)
  assert31(await run('python3', [SCRIPT, ...gateways.map(g => g.url)]))
})

test('python3 + requests: every statistics microprotocol through three gateways meets Simon\'s known answers', async (t) => {
  const gateways = await startGateways(t, 3)
  const r = await run('python3', [STATISTICS, ...gateways.map(g => g.url)], {}, 120_000)
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  for (const microprotocol of ['StatisticsUnivariate', 'StatisticsBivariate', 'StatisticsFrequency', 'StatisticsContingency', 'MinimumMaximum']) {
    for (const party of ['A', 'B', 'C']) assert.ok(r.stdout.includes(`${microprotocol} party ${party}: {"inputs": 3, "result": {`), `${microprotocol} at ${party}\n${r.stdout}`)
  }
  assert.ok(r.stdout.includes('every statistics microprotocol met its known answers at all three parties'))
})

test('python3 + requests with the bearer token; without it the client sees 401 and the body', async (t) => {
  const gateways = await startGateways(t, 3, { token: 'py-secret' })
  const urls = gateways.map(g => g.url)
  assert31(await run('python3', [SCRIPT, ...urls], { SIMON_GATEWAY_TOKEN: 'py-secret' }))
  const refused = await run('python3', [SCRIPT, ...urls])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /answered 401: \{"code":401,"error":"UNAUTHORIZED"/)
})

test('start_gateways.mjs: three `simon node --http` processes, then the Python tutorial', { skip: existsSync(CLI) ? false : 'the CLI is not built' }, async () => {
  const r = await run(process.execPath, [START, '--ports', '0,0,0', '--', 'python3', SCRIPT])
  assert31(r)
  const pids = [...r.stdout.matchAll(/pid (\d+)\)/g)].map(m => Number(m[1]))
  assert.equal(pids.length, 3, r.stdout)
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `process ${pid} was stopped`)
})
