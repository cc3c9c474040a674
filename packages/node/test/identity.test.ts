/**
 * Identity keys on disk: round trip, file mode, no silent overwrite, clear refusals; and a node
 * restarted with its saved key keeps its PeerId and serves a new task.
 */
import '@simon-p2p/node' // first: the Promise.withResolvers polyfill for the restart test (Node 20)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SimonNode } from '@simon-p2p/node'
import { generateIdentity, loadIdentity, peerIdOf, saveIdentity } from '../src/identity.js'
import { createTasks, FAST, LOOPBACK, startNodes } from './helpers.js'

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'simon-identity-'))
  t.after(async () => rm(dir, { recursive: true, force: true }))
  return dir
}

async function refusesKey (path: string): Promise<void> {
  await assert.rejects(loadIdentity(path), (err: Error & Record<string, unknown>) => {
    assert.equal(err.name, 'InvalidInputError')
    assert.equal(err.code, 'INVALID_INPUT')
    assert.equal(err.field, 'key')
    return true
  })
}

test('save then load keeps the key and its PeerId; the file is 0600 and says which PeerId it holds', async t => {
  const dir = await tempDir(t)
  const key = await generateIdentity()
  const path = join(dir, 'node.key')
  await saveIdentity(key, path)
  const loaded = await loadIdentity(path)
  assert.equal(peerIdOf(loaded), peerIdOf(key))
  assert.ok(loaded.equals(key))
  assert.equal(loaded.type, 'Ed25519')
  assert.equal((await stat(path)).mode & 0o777, 0o600)
  const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  assert.equal(doc.type, 'simon-p2p/identity')
  assert.equal(doc.version, 1)
  assert.equal(doc.peerId, peerIdOf(key))
})

test('an existing file is not overwritten unless asked; an overwritten file is 0600 again', async t => {
  const dir = await tempDir(t)
  const first = await generateIdentity()
  const second = await generateIdentity()
  const path = join(dir, 'node.key')
  await saveIdentity(first, path)
  await assert.rejects(saveIdentity(second, path), (err: NodeJS.ErrnoException) => err.code === 'EEXIST')
  assert.equal(peerIdOf(await loadIdentity(path)), peerIdOf(first), 'the first key is still there')
  await saveIdentity(second, path, true)
  assert.equal(peerIdOf(await loadIdentity(path)), peerIdOf(second))
  // a key file someone made world-readable is tightened when it is rewritten
  const loose = join(dir, 'loose.key')
  await writeFile(loose, 'old', { mode: 0o644 })
  await saveIdentity(first, loose, true)
  assert.equal((await stat(loose)).mode & 0o777, 0o600)
  assert.equal(peerIdOf(await loadIdentity(loose)), peerIdOf(first))
})

test('a missing, garbage or inconsistent key file is refused, naming the field key', async t => {
  const dir = await tempDir(t)
  await refusesKey(join(dir, 'missing.key'))
  await refusesKey(dir) // a directory
  const write = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name)
    await writeFile(path, text)
    return path
  }
  await refusesKey(await write('garbage.key', 'not json at all'))
  await refusesKey(await write('empty.key', ''))
  await refusesKey(await write('null.key', 'null'))
  await refusesKey(await write('other.key', JSON.stringify({ type: 'something-else', privateKey: 'AAAA' })))
  await refusesKey(await write('nokey.key', JSON.stringify({ type: 'simon-p2p/identity', version: 1 })))
  await refusesKey(await write('badkey.key', JSON.stringify({ type: 'simon-p2p/identity', version: 1, privateKey: 'bm90IGEga2V5' })))
  // a real key whose recorded PeerId belongs to another key
  const key = await generateIdentity()
  const other = await generateIdentity()
  const good = join(dir, 'good.key')
  await saveIdentity(key, good)
  const doc = JSON.parse(await readFile(good, 'utf8')) as Record<string, unknown>
  await refusesKey(await write('mismatch.key', JSON.stringify({ ...doc, peerId: peerIdOf(other) })))
})

test('a node restarted with its saved key keeps its PeerId and serves a new task', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'node.key')
  await saveIdentity(await generateIdentity(), path)
  const [peer] = await startNodes(t, 1)

  const first = await SimonNode.create({ privateKey: await loadIdentity(path), listen: [LOOPBACK], ...FAST })
  const peerId = first.peerId
  try {
    const tasks = createTasks([first, peer!])
    tasks[0]!.input(1)
    tasks[1]!.input(2)
    for (const r of await Promise.all(tasks.map(async task => task.result()))) assert.deepEqual(r.result, { samples: 2, sum: 3 })
  } finally {
    await first.stop()
  }

  const again = await SimonNode.create({ privateKey: await loadIdentity(path), listen: [LOOPBACK], ...FAST })
  try {
    assert.equal(again.peerId, peerId)
    assert.equal(peerIdOf(await loadIdentity(path)), peerId)
    // the peer still has a channel to the old process under this PeerId; the new task gets through anyway
    const tasks = createTasks([again, peer!])
    tasks[0]!.input(10)
    tasks[1]!.input(20)
    for (const r of await Promise.all(tasks.map(async task => task.result()))) assert.deepEqual(r, { inputs: 2, result: { samples: 2, sum: 30 } })
  } finally {
    await again.stop()
  }
})
