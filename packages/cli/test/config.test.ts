/**
 * config.ts: a node's config file is validated key by key (zod), each error naming its key,
 * unknown keys included; paths are resolved against the file's directory.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadNodeConfig } from '../src/config.js'

async function configFile (t: { after: (fn: () => Promise<void>) => void }, doc: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'simon-config-'))
  t.after(async () => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'node.json')
  await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc))
  return file
}

test('a valid file: paths relative to its directory, one listen address becomes a list', async t => {
  const file = await configFile(t, { key: 'a.key', listen: '/ip4/127.0.0.1/tcp/4001', 'token-file': '../token', 'log-format': 'json', 'inbound-connections-per-host': 50 })
  const dir = join(file, '..')
  assert.deepEqual(await loadNodeConfig(file), {
    key: join(dir, 'a.key'), listen: ['/ip4/127.0.0.1/tcp/4001'], 'token-file': join(dir, '..', 'token'), 'log-format': 'json', 'inbound-connections-per-host': 50
  })
})

test('every error names its key: a wrong type, a bad list entry, a bad choice, an unknown key, all at once', async t => {
  const file = await configFile(t, { key: 7, listen: ['/ip4/127.0.0.1/tcp/1', ''], 'log-format': 'xml', 'inbound-connections-per-host': 0.5, prot: 1 })
  const err = await loadNodeConfig(file).then(() => undefined, (e: unknown) => e)
  assert.ok(err instanceof ConfigError, String(err))
  assert.equal(err.code, 'INVALID_INPUT')
  assert.deepEqual(new Set(err.keys), new Set(['key', 'listen[1]', 'log-format', 'inbound-connections-per-host', 'prot']))
  for (const key of err.keys) assert.ok(err.message.includes(`key "${key}"`), err.message)
  assert.ok(err.message.startsWith(`invalid config ${file}: `), err.message)
  assert.match(err.message, /key "prot": is not a setting of simon node/)
})

test('a file that is not JSON, or not an object, is refused naming the config', async t => {
  await assert.rejects(loadNodeConfig(await configFile(t, '{"key": ')), { name: 'InvalidInputError', field: 'config', message: /is not JSON/ })
  await assert.rejects(loadNodeConfig(await configFile(t, [1])), (err: unknown) => err instanceof ConfigError && err.keys[0] === '(the document)')
  await assert.rejects(loadNodeConfig(join(tmpdir(), 'no-such-simon-config.json')), { name: 'InvalidInputError', field: 'config', message: /cannot be read: ENOENT/ })
})

