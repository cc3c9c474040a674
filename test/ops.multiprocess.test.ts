/**
 * Running a node like a service, with real `simon node` processes on 127.0.0.1 ended by PID:
 * started from config files, the tutorial's sum over their gateways, then /metrics scraped over
 * HTTP (the counters moved, the token and Host rules hold, no input or task id appears);
 * --check-config's output and exit codes; every flag of `simon node` has a config key.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { NODE_CONFIG_KEYS } from '../packages/cli/src/config.js'
import { Proc, keys as keygen, startNodeProcs, sumOverGateways, tempDir, writeJson } from './helpers.js'
import { inputForms } from './secret-forms.js'
import { raw, unboundAddress } from './adversary/support.js'
import { sample } from '../packages/node/test/helpers.js'

const VALUES = [123.456789, 1234.56789, 12345.6789]

test('three `simon node --config FILE` processes: the tutorial\'s sum over their gateways, then /metrics over HTTP shows it, with the token and without any input or task id', async t => {
  const dir = await tempDir(t)
  const keys = await keygen(dir, 3)
  const token = `tok-${randomUUID()}`
  await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 })
  const configs = await Promise.all(keys.map(async (k, i) => writeJson(join(dir, `node${i}.json`), {
    key: `k${i}.key`, // relative to the config file
    listen: ['/ip4/127.0.0.1/tcp/0'],
    http: '127.0.0.1:0',
    metrics: '127.0.0.1:0',
    'token-file': 'token',
    'log-format': 'json',
    'inbound-connections-per-host': 10_000
  })))
  const nodes = await startNodeProcs(t, configs.map(c => ['--config', c]))
  nodes.forEach(({ ready }, i) => {
    assert.equal(ready.peerId, keys[i]!.peerId)
    assert.match(ready.metrics!, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  })
  const { results, taskId } = await sumOverGateways(nodes.map(n => n.ready.http!), VALUES, token)
  for (const r of results) assert.deepEqual(r, { inputs: 3, result: { samples: 3, sum: 13703.703579 } })

  const secrets = VALUES.flatMap(v => inputForms(String(v)))
  for (const { ready } of nodes) {
    const url = ready.metrics!
    assert.equal((await raw(url, 'GET')).status, 401, 'no token')
    assert.equal((await raw(url, 'GET', { authorization: `Bearer ${token}x` })).status, 401, 'a wrong token')
    assert.equal((await raw(url, 'GET', { authorization: `Bearer ${token}`, host: 'rebound.example' })).status, 421, 'a Host it does not serve')
    const answer = await raw(url, 'GET', { authorization: `Bearer ${token}` })
    assert.equal(answer.status, 200)
    assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    const text = answer.text
    const line = text.split('\n').find(l => l.startsWith('simon_sums_total{'))
    assert.match(line ?? '', /^simon_sums_total\{microprotocol="SecureSum",mode="(mesh|lean)",outcome="ok"\} 1$/, text)
    const mode = /mode="(\w+)"/.exec(line!)![1]
    const labels = `microprotocol="SecureSum",mode="${mode}",outcome="ok"`
    assert.equal(sample(text, 'simon_sum_duration_seconds_count', labels), 1)
    assert.ok(sample(text, 'simon_protocol_bytes_total', 'protocol="/simon-p2p/securesum/1.0.0",direction="sent"')! > 0)
    assert.ok(sample(text, 'simon_protocol_bytes_total', 'protocol="/simon-p2p/securesum/1.0.0",direction="received"')! > 0)
    assert.equal(sample(text, 'simon_tasks', 'step="done"'), 1)
    assert.equal(sample(text, 'simon_held_messages'), 0)
    assert.equal(sample(text, 'simon_connected_parties'), 2)
    // libp2p's own, through @libp2p/prometheus-metrics
    assert.ok(sample(text, 'libp2p_noise_xxhandshake_successes_total')! >= 1, 'libp2p\'s handshakes')
    assert.ok(sample(text, 'libp2p_transport_manager_listeners')! >= 1)
    for (const direction of ['sent', 'received']) {
      assert.ok(sample(text, 'libp2p_data_transfer_bytes_total', `protocol="/simon-p2p/securesum/1.0.0 ${direction}"`)! > 0, `libp2p's bytes ${direction} on the SecureSum protocol`)
    }
    assert.ok(!text.includes(taskId), 'no task id')
    assert.ok(!text.includes(token), 'no token')
    for (const s of secrets.filter(s => s.length >= 6)) assert.ok(!text.includes(s), `no input (${s})`)
  }

  for (const { proc } of nodes) proc.kill('SIGTERM')
  for (const { proc } of nodes) {
    const r = await proc.exited
    assert.equal(r.code, 0, r.stderr.slice(-2000))
    // --log-format json from the config file: every stderr line is a JSON object; the task's carry its id, step and party
    const lines = r.stderr.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as { msg: string, task?: string, step?: string, party?: number })
    const own = lines.filter(l => l.task === taskId)
    assert.ok(own.some(l => l.msg === 'task done' && l.step === 'done' && typeof l.party === 'number'), JSON.stringify(own))
  }
})

test('simon node --check-config FILE: prints the resolved settings (token redacted), exit 0; a bad file exits 2 naming each key, and nothing starts', async t => {
  const dir = await tempDir(t)
  const [k] = await keygen(dir, 1)
  const token = `tok-${randomUUID()}`
  await writeFile(join(dir, 'token'), token)
  const good = await writeJson(join(dir, 'good.json'), { key: 'k0.key', listen: '/ip4/127.0.0.1/tcp/4001', http: '8080', metrics: '127.0.0.1:9464', 'token-file': 'token' })
  // a flag given on the command line wins over the file's key
  const ok = await new Proc(['node', '--check-config', good, '--log-format', 'json']).exited
  assert.equal(ok.code, 0, ok.stderr)
  assert.ok(!ok.stdout.includes(token), 'the token is redacted')
  assert.deepEqual(JSON.parse(ok.stdout), {
    ok: true,
    config: good,
    peerId: k!.peerId,
    key: k!.path,
    listen: ['/ip4/127.0.0.1/tcp/4001'],
    http: 'http://127.0.0.1:8080',
    metrics: 'http://127.0.0.1:9464/metrics',
    token: `<redacted> (from token-file ${join(dir, 'token')})`,
    'allow-origin': [],
    'allow-host': [],
    allow: [],
    'inbound-connections-per-host': 10_000, // from SIMON_INBOUND_CONNECTIONS_PER_HOST, which Proc sets
    'log-format': 'json'
  })

  const cases: Array<{ doc: unknown, error: RegExp }> = [
    { doc: { key: 'k0.key', listen: 4001, prot: 'x' }, error: /^simon node: ConfigError: invalid config \S+: key "listen": .*; key "prot": is not a setting of simon node/ },
    { doc: { key: 'k0.key', listen: ['/ip4/127.0.0.1/tcp/1'], 'log-format': 'xml' }, error: /^simon node: ConfigError: invalid config \S+: key "log-format": / },
    { doc: { key: 'k0.key', listen: ['/ip9/nowhere'] }, error: /^simon node: InvalidInputError: invalid listen\[0\]: "\/ip9\/nowhere" is not a multiaddr/ },
    { doc: { key: 'missing.key', listen: ['/ip4/127.0.0.1/tcp/1'] }, error: /^simon node: \w+Error: .*missing\.key/ },
    { doc: { listen: ['/ip4/127.0.0.1/tcp/1'] }, error: /^simon node: InvalidInputError: invalid key: is required: give --key FILE, or "key" in the --config file/ },
    { doc: { key: 'k0.key', listen: ['/ip4/127.0.0.1/tcp/1'], metrics: `${unboundAddress()}:9464` }, error: /^simon node: InvalidInputError: invalid token: is required to serve metrics on \S+, beyond loopback/ }
  ]
  for (const [i, c] of cases.entries()) {
    const file = await writeJson(join(dir, `bad${i}.json`), c.doc)
    for (const flag of ['--check-config', '--config']) {
      const p = new Proc(['node', flag, file], { SIMON_GATEWAY_TOKEN: '' })
      t.after(() => p.kill())
      const r = await p.exited
      assert.equal(r.code, 2, `${flag} ${JSON.stringify(c.doc)}: ${r.stderr}`)
      assert.equal(r.stdout, '', 'nothing started, nothing printed')
      assert.match(r.stderr, c.error)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  }
})

test('every flag of simon node has a config key, named as the flag', async () => {
  const help = await new Proc(['node', '--help']).exited
  assert.equal(help.code, 0, help.stderr)
  const flags = [...help.stdout.matchAll(/^  --([a-z-]+) /gm)].map(m => m[1]!).filter(f => !['config', 'check-config', 'help'].includes(f))
  assert.ok(flags.length >= 10, help.stdout)
  assert.deepEqual(flags, NODE_CONFIG_KEYS)
})
