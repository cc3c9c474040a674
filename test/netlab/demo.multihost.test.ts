/** `simon demo --hosts`: the three parties on three test hosts of their own; 31 at each, no process or host left. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { unavailable } from '../../scripts/netlab/index.mjs'
import { isAlive, Proc } from '../helpers.js'

const exec = promisify(execFile)
const skip = (await unavailable()) ?? false

test('simon demo --hosts: three processes on three hosts, 31 at each, none left behind', { skip, timeout: 60_000 }, async () => {
  const r = await new Proc(['demo', '--hosts']).exited
  assert.equal(r.code, 0, r.stderr)
  const results = r.stdout.split('\n').filter(l => /^party \d: \{/.test(l))
  assert.deepEqual(results, [0, 1, 2].map(i => `party ${i}: {"inputs":3,"result":{"samples":3,"sum":31}}`))
  const addresses = [...r.stdout.matchAll(/party \d: \/ip4\/([\d.]+)\/tcp\//g)].map(m => m[1])
  assert.deepEqual(addresses, ['10.77.0.1', '10.77.0.2', '10.77.0.3'], r.stdout)
  const hosts = [...r.stdout.matchAll(/started on (\S+), pid (\d+)/g)]
  assert.equal(hosts.length, 3, r.stdout)
  for (const [, , pid] of hosts) assert.equal(isAlive(Number(pid)), false, `pid ${pid} still running`)
  const left = (await exec('ip', ['netns', 'list'])).stdout
  for (const [, namespace] of hosts) assert.ok(!left.includes(namespace!), `${namespace} still there`)
})
