/**
 * Attacks on lean mode's keys over real libp2p nodes on 127.0.0.1 (three SimonNodes, a vector of
 * 5000 elements: direct sends). Each test passes only when the attack fails.
 *
 * Stolen key: party 2 logs every frame of a sum (the test logs what every node receives, more
 * than party 2 sees) and holds its own identity key; later it steals party 0's identity key
 * file and tries to strip the masks of party 1's part of party 2's segment. Under the old
 * static scheme the two key files give both of party 1's pair secrets, hence its input; now the
 * pair secrets came from ephemeral keys that every node wiped when the task ended.
 *
 * Man in the middle: party 1 hands party 2 a nonce entry of party 0 with an ephemeral key of its
 * own (party 0's signature kept, or its own); party 2 refuses it (with direct sends each party
 * sends only its own entry), and the sum uses party 0's own key. The ring's relay case (the
 * forged key refused, naming party 0, and no party sums) is tested in memory
 * (packages/core/test/lean-machine.test.ts, an altered nonce list).
 *
 * The observation hooks wrap private members of the service in the test only (its inbound
 * `onFrame`, its `channels.send`, its `lean`), not production code.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, sign } from 'node:crypto'
import { join } from 'node:path'
import { generateIdentity, loadIdentity, saveIdentity, SimonNode, type SecureSumTask } from '@simon-p2p/node'
import type { EphemeralKey, LeanCrypto, Reply } from '@simon-p2p/core'
import { decodeMessage, encodeMessage } from '../../packages/core/src/wire/codec.js'
import { ephemeralStatement } from '../../packages/core/src/protocols/lean/crypto.js'
import { encodedInput, matchingElements, readLog, staticPairSecret, stripMasks } from '../../packages/core/test/lean-attack.js'
import { rawEphemeral } from '../../packages/core/test/lean-helpers.js'
import { tempDir } from '../helpers.js'
import { createTasks, LOOPBACK } from '../hardening/support.js'

const LENGTH = 5000
const PARAMETERS = { profile: 'fast', mode: 'lean' }

function vector (party: number): Float64Array {
  const v = new Float64Array(LENGTH)
  for (let k = 0; k < LENGTH; k++) v[k] = ((k * 7919 + party * 104729) % 2_000_001 - 1_000_000) / 1000
  return v
}

/** The private members of the service the test wraps. */
interface ServiceInternals {
  onFrame: (frame: Uint8Array, senderPeerId: string) => Reply
  lean: LeanCrypto | undefined
  channels: { send: (peerId: string, target: unknown, frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs?: number) => Promise<Reply> }
}
const internals = (node: SimonNode): ServiceInternals => node.secureSum as unknown as ServiceInternals

/** Log a copy of every frame the node receives. */
function logInbound (node: SimonNode, log: Uint8Array[]): void {
  const service = internals(node)
  const onFrame = service.onFrame.bind(service)
  // Uint8Array.from: a Buffer's slice is a view, and the node wipes the frame once decoded
  service.onFrame = (frame, sender) => { log.push(Uint8Array.from(frame)); return onFrame(frame, sender) }
}

/** What a recording LeanCrypto saw of one ephemeral key. */
interface Seen { publicKey: Uint8Array, wiped: boolean, secrets: Array<{ theirs: Uint8Array, returned: Uint8Array, copy: Uint8Array }> }

/** Wrap the node's LeanCrypto so that every ephemeral key, and every secret it agreed (as returned, and a copy), is seen. */
function recordLean (node: SimonNode, seen: Seen[]): void {
  const service = internals(node)
  const inner = service.lean!
  service.lean = {
    ...inner,
    ephemeral: (): EphemeralKey => {
      const key = inner.ephemeral()
      const s: Seen = { publicKey: key.publicKey, wiped: false, secrets: [] }
      seen.push(s)
      return {
        publicKey: key.publicKey,
        agree: theirs => { const returned = key.agree(theirs); s.secrets.push({ theirs, returned, copy: Uint8Array.from(returned) }); return returned },
        wipe: () => { key.wipe(); s.wiped = true }
      }
    }
  }
}

/** An Ed25519 signature with the identity whose seed is given (libp2p's raw key is seed, then public key). */
function signWith (seed: Uint8Array, data: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' })
  return new Uint8Array(sign(null, data, key))
}

/** Three nodes with fresh identities; party 0's identity is also saved as a key file. */
async function startParties (t: { after: (fn: () => Promise<void>) => void }): Promise<{ nodes: SimonNode[], keyFile: string, seeds: Uint8Array[], publicKeys: Uint8Array[] }> {
  const dir = await tempDir(t)
  const keys = await Promise.all([0, 1, 2].map(async () => generateIdentity()))
  const keyFile = join(dir, 'party-0.key')
  await saveIdentity(keys[0]!, keyFile)
  const nodes = await Promise.all(keys.map(async privateKey => SimonNode.create({ privateKey, listen: [LOOPBACK], taskTimeoutMs: 20_000, attemptTimeoutMs: 5000 })))
  t.after(async () => { await Promise.all(nodes.map(async node => node.stop())) })
  return { nodes, keyFile, seeds: keys.map(k => k.raw.subarray(0, 32)), publicKeys: keys.map(k => k.publicKey.raw) }
}

test('a stolen identity key file does not strip the masks of a logged lean sum over libp2p', async t => {
  const { nodes, keyFile, seeds, publicKeys } = await startParties(t)
  const log: Uint8Array[] = []
  const seen: Seen[][] = nodes.map(() => [])
  nodes.forEach((node, i) => { logInbound(node, log); recordLean(node, seen[i]!) })
  const tasks = createTasks(nodes, { parameters: PARAMETERS })
  tasks.forEach((task, i) => task.input(vector(i)))
  const results = await Promise.all(tasks.map(async task => task.result()))
  await Promise.all(tasks.map(async task => task.flush()))
  assert.equal(results[0]!.result.samples, 3 * LENGTH)

  // the attacker: the log, its own key (party 2's; here as the node's key) and the stolen key file
  const [stolen, target, insider] = [0, 1, 2]
  const lean = readLog(log, target)
  assert.equal(lean.parties, 3)
  const stolenSeed = (await loadIdentity(keyFile)).raw.subarray(0, 32)
  const fromKeyFiles = [staticPairSecret(stolenSeed, publicKeys[target]!), undefined, staticPairSecret(seeds[insider]!, publicKeys[target]!)]
  const expected = encodedInput(vector(target), 3)
  const attempt = stripMasks(lean, target, fromKeyFiles)
  assert.ok(attempt.elements.length > 1000, `party 1's masked segment is in the log (${attempt.elements.length} elements)`)
  assert.equal(matchingElements(attempt, expected), 0, 'no element of party 1\'s input comes out')

  // the same attack with the ephemeral secrets (copies the test took; the nodes wiped theirs) would have worked
  const secretWith = (party: number): Uint8Array => seen[party]![0]!.secrets.find(s => Buffer.from(s.theirs).equals(Buffer.from(lean.publicKeys[target]!)))!.copy
  const control = stripMasks(lean, target, [secretWith(stolen), undefined, secretWith(insider)])
  assert.equal(matchingElements(control, expected), control.elements.length, 'the ephemeral secrets give party 1\'s segment back')

  for (const [i, list] of seen.entries()) {
    assert.equal(list.length, 1, `node ${i} drew one ephemeral key for the task`)
    assert.ok(list[0]!.wiped, `node ${i} wiped its ephemeral key`)
    assert.equal(list[0]!.secrets.length, 2)
    for (const s of list[0]!.secrets) assert.ok(s.returned.every(b => b === 0), `node ${i} zeroed the pair secret it agreed`)
  }
})

test('a man in the middle cannot put its own ephemeral key in an honest party\'s nonce entry', async t => {
  // what party 1 signs the substituted key with: nothing (party 0's signature kept), or its own identity key
  const forgeries: Array<{ name: string, signature: (relaySeed: Uint8Array, statement: Uint8Array) => Uint8Array | undefined }> = [
    { name: 'party 0\'s signature kept', signature: () => undefined },
    { name: 'signed by the relay\'s own identity key', signature: (relaySeed, statement) => signWith(relaySeed, statement) }
  ]
  for (const forgery of forgeries) {
    await t.test(forgery.name, async t => {
      const { nodes, seeds } = await startParties(t)
      // with direct sends (3 parties) every entry comes from its own party: party 1 sends party 2,
      // besides its own entry, one of party 0 with a key of its own, as a ring relay would hand it on
      const mitm = rawEphemeral('mitm', new Uint8Array(32).fill(0x42))
      let substituted = 0
      // the forged frame's reply, awaited once the sum is over (replies may be held up to 50 ms)
      const forgedReplies: Array<Promise<Reply>> = []
      const channels = internals(nodes[1]!).channels
      const send = channels.send.bind(channels)
      channels.send = async (peerId, target, frame, signal, ms) => {
        const m = decodeMessage(frame)
        if (m.kind === 'lean-nonces' && m.pass === 'collect' && peerId === nodes[2]!.peerId) {
          substituted++
          assert.equal(m.topology, 'direct')
          const own = m.entries[0]!
          const nonce = new Uint8Array(16).fill(7)
          const statement = ephemeralStatement(m.digest, 0, nonce, mitm.publicKey)
          const entry = { ...own, party: 0, nonce, publicKey: mitm.publicKey, signature: forgery.signature(seeds[1]!, statement) ?? own.signature }
          const reply = send(peerId, target, frame, signal, ms)
          forgedReplies.push(send(peerId, target, encodeMessage({ ...m, entries: [entry] }, 8), signal, ms))
          return reply
        }
        return send(peerId, target, frame, signal, ms)
      }
      const tasks: SecureSumTask[] = createTasks(nodes, { parameters: PARAMETERS, timeoutMs: 20_000 })
      tasks.forEach((task, i) => task.input(vector(i)))
      const results = await Promise.all(tasks.map(async task => task.result()))
      assert.equal(substituted, 1, 'party 1 sent party 2 its entry once')
      const forged = await Promise.all(forgedReplies)
      assert.equal(forged.length, 1, 'and the forged one')
      assert.equal(forged[0]!.status, 'refused', 'party 2 refuses the entry party 1 sent for party 0')
      assert.equal(forged[0]!.code, 'PROTOCOL_VIOLATION')
      // the masks cancelled and the tags checked out: party 2 agreed its pair secret with party 0's own key, not the forged one
      const expected = Array.from({ length: LENGTH }, (_, k) => [0, 1, 2].reduce((s, p) => s + vector(p)[k]!, 0))
      for (const r of results) {
        assert.equal(r.result.samples, 3 * LENGTH)
        const sum = r.result.sum as Float64Array
        for (const k of [0, 1, LENGTH - 1]) assert.ok(Math.abs(sum[k]! - expected[k]!) < 1e-6, `element ${k}`)
      }
      await Promise.all(tasks.map(async task => task.flush()))
    })
  }
})
