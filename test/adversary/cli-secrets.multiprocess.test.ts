/**
 * Secrets off the command line, where every user of the machine reads them (`ps`,
 * /proc/<pid>/cmdline): `simon sum --value -` reads the value from stdin, `simon node
 * --token-file` the token from a file. And the gateway flags of `simon node`: `--allow-origin`
 * lets a named origin through, a bind beyond loopback without a token does not start. And the
 * logs of `simon node` in both formats (human with DEBUG, json): no input, key or token in any
 * line. Real `simon` processes on 127.0.0.1, ended by PID.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { freePorts } from '../../packages/cli/src/ports.js'
import { Proc, isAlive, keys as keygen, startNodeProcs, sumOverGateways, tempDir, writeJson } from '../helpers.js'
import { inputForms, keyForms, leaks } from '../secret-forms.js'
import { raw, unboundAddress } from './support.js'

/** The command line of a running process, as any user of the machine reads it. */
async function commandLine (pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ')
}

test('simon sum --value -: the values come from stdin, never the command line; --events shows one fingerprint, the same at every party', async (t) => {
  const dir = await tempDir(t)
  const ks = await keygen(dir, 3)
  const ports = await freePorts(3)
  const network = await writeJson(join(dir, 'network.json'), { nodes: ks.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`) })
  const task = randomUUID()
  const values = ['"123.456789"', '1234.56789\n', ' "12345.6789" ']
  const procs = values.map((value, i) => new Proc(['sum', '--key', ks[i]!.path, '--listen', `/ip4/127.0.0.1/tcp/${ports[i]}`, '--network', network,
    '--myself', String(i), '--task', task, '--value', '-', '--events'], {}, value))
  t.after(() => procs.forEach(p => p.kill()))
  const lines = await Promise.all(procs.map(async p => commandLine(p.pid).catch(() => '')))
  for (const line of lines) assert.ok(!line.includes('123.456789') && !line.includes('1234.56789') && !line.includes('12345.6789'), line)
  const fingerprints: string[] = []
  for (const r of await Promise.all(procs.map(async p => p.exited))) {
    assert.equal(r.code, 0, r.stderr)
    // the result JSON contract, unchanged: no key added
    assert.equal(r.stdout, '{"inputs":3,"result":{"samples":3,"sum":13703.703579}}\n')
    const events = r.stderr.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as { event: string, task?: string, fingerprint?: string })
    assert.equal(events[0]!.event, 'task', 'the first event names the task and its fingerprint')
    assert.equal(events[0]!.task, task)
    assert.match(events[0]!.fingerprint!, /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/)
    assert.equal(events.filter(e => e.event === 'task').length, 1)
    fingerprints.push(events[0]!.fingerprint!)
  }
  assert.equal(new Set(fingerprints).size, 1, `one fingerprint: ${fingerprints.join(' ')}`)

  // a value on stdin that is not JSON: refused naming the field, exit 2, one line
  const bad = new Proc(['sum', '--key', ks[0]!.path, '--listen', `/ip4/127.0.0.1/tcp/${ports[0]}`, '--network', network, '--myself', '0', '--task', randomUUID(), '--value', '-'], {}, 'NaN')
  t.after(() => bad.kill())
  const r = await bad.exited
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^simon sum: InvalidInputError: invalid value: /)
  assert.equal(r.stderr.trim().split('\n').length, 1)
})

test('simon node --token-file: the token is read from the file (trimmed), required at the gateway, and never on the command line; --allow-origin lets that origin through', async (t) => {
  const dir = await tempDir(t)
  const [k] = await keygen(dir, 1)
  const token = `tok-${randomUUID()}`
  const tokenFile = join(dir, 'token')
  await writeFile(tokenFile, `  ${token}\n`, { mode: 0o600 })
  const app = 'http://app.example:3000'
  const node = new Proc(['node', '--key', k!.path, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '127.0.0.1:0', '--token-file', tokenFile, '--allow-origin', app], { SIMON_GATEWAY_TOKEN: '' })
  t.after(() => node.kill())
  const ready = JSON.parse(await node.firstLine()) as { peerId: string, http: string }
  assert.equal(ready.peerId, k!.peerId)
  assert.ok(!(await commandLine(node.pid)).includes(token), 'the token is not on the command line')

  assert.equal((await raw(ready.http, 'GET')).status, 401)
  assert.equal((await raw(ready.http, 'GET', { authorization: `Bearer ${token}x` })).status, 401)
  assert.equal((await raw(ready.http, 'GET', { authorization: `Bearer ${token}` })).status, 200)
  // --allow-origin: the preflight (which carries no token) and the call from that origin
  const preflight = await raw(ready.http, 'OPTIONS', { origin: app, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type' })
  assert.equal(preflight.status, 204, preflight.text)
  assert.equal(preflight.headers['access-control-allow-origin'], app)
  const put = await raw(ready.http, 'PUT', { origin: app, authorization: `Bearer ${token}` }, { protocol: 'Simon' })
  assert.equal(put.status, 202, put.text)
  assert.equal(put.headers['access-control-allow-origin'], app)
  // another origin, even with the token (a page cannot have it, but an allowed list is a list)
  const evil = await raw(ready.http, 'PUT', { origin: 'http://evil.example', authorization: `Bearer ${token}` }, { protocol: 'Simon' })
  assert.equal(evil.status, 403, evil.text)
  assert.equal((evil.body as { error: string }).error, 'ORIGIN_NOT_ALLOWED')
  node.kill('SIGTERM')
  assert.equal((await node.exited).code, 0)

  // both flags, an empty file, a missing file: exit 2 naming --token-file, nothing started
  await writeFile(join(dir, 'empty'), ' \n')
  for (const args of [['--token-file', tokenFile, '--token', token], ['--token-file', join(dir, 'empty')], ['--token-file', join(dir, 'missing')]]) {
    const p = new Proc(['node', '--key', k!.path, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '127.0.0.1:0', ...args])
    t.after(() => p.kill())
    const r = await p.exited
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^simon node: InvalidInputError: invalid token-file: /)
  }
})

test('simon node --http beyond loopback without a token: exit 2 naming --token-file, no ready line, nothing left running', async (t) => {
  const dir = await tempDir(t)
  const [k] = await keygen(dir, 1)
  const [port] = await freePorts(1)
  // an address on no interface here: were the check missing, the listen would fail with another error
  const address = unboundAddress()
  const p = new Proc(['node', '--key', k!.path, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', `${address}:${port}`], { SIMON_GATEWAY_TOKEN: '' })
  t.after(() => p.kill())
  const r = await p.exited
  assert.equal(r.code, 2, r.stderr)
  assert.equal(r.stdout, '', 'no ready line')
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.ok(r.stderr.startsWith(`simon node: InvalidInputError: invalid token: is required to serve the gateway on ${address}, beyond loopback: give one with --token-file FILE`), r.stderr)
  assert.equal(isAlive(p.pid), false)
})

for (const format of ['human', 'json'] as const) {
  test(`simon node --log-format ${format} with DEBUG='simon:*,libp2p:tcp*': the tutorial's sum over three gateways leaves no input, key or token in any log line`, async t => {
    const dir = await tempDir(t)
    const ks = await keygen(dir, 3)
    const token = `tok-${randomUUID()}`
    const tokenFile = join(dir, 'token')
    await writeFile(tokenFile, token, { mode: 0o600 })
    const nodes = await startNodeProcs(t, ks.map(k => ['--key', k.path, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '127.0.0.1:0', '--metrics', '127.0.0.1:0',
      '--token-file', tokenFile, '--log-format', format]), { DEBUG: 'simon:*,libp2p:tcp*', SIMON_GATEWAY_TOKEN: '' })
    const values = [987654.321987, 123456.789012, 555555.444444]
    const { results, taskId } = await sumOverGateways(nodes.map(n => n.ready.http!), values, token)
    for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 1666666.555443 } })
    for (const { proc } of nodes) proc.kill('SIGTERM')
    const logs = await Promise.all(nodes.map(async ({ proc }) => (await proc.exited).stderr))
    const lines = logs.flatMap(log => log.split('\n')).filter(l => l !== '')
    // the logs are real: they name the task, at every node
    for (const log of logs) assert.ok(log.includes(taskId), 'each node logs the task')
    // DEBUG keeps working for libp2p's own components, in their own format (some lines of theirs are stack traces)
    assert.ok(lines.some(l => / libp2p:tcp/.test(l) && !l.startsWith('{')), 'libp2p:tcp* lines')
    if (format === 'json') {
      const json = lines.filter(l => l.startsWith('{"level"'))
      for (const line of json) assert.equal(typeof (JSON.parse(line) as { msg: string }).msg, 'string')
      assert.ok(json.some(l => l.includes('"component":"simon:')), 'the simon:* debug lines, as JSON')
      assert.ok(json.some(l => l.includes(`"task":"${taskId}"`)), 'the task lines')
      assert.deepEqual(lines.filter(l => !l.startsWith('{') && / simon:/.test(l)), [], 'no simon:* line in the human format')
    } else {
      assert.ok(lines.filter(l => l.includes(' simon:')).length >= 9, 'simon:* lines')
      assert.ok(lines.every(l => !l.startsWith('{"level"')), 'no JSON lines in the human format')
    }
    const secrets = [...values.flatMap(v => inputForms(String(v))), ...(await Promise.all(ks.map(async k => keyForms(k.path)))).flat(), token]
    assert.deepEqual(leaks(lines.join('\n'), secrets), [], `${lines.length} log lines`)
    t.diagnostic(`${lines.length} log lines (${format}), ${secrets.length} secret forms searched, none found`)
  })
}
