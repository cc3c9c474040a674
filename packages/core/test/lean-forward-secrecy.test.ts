/**
 * Lean mode's forward secrecy: pair secrets come from X25519 keys drawn per task, each signed by
 * its party's identity key and wiped when the task ends. A sum whose frames were all logged stays
 * masked for whoever later steals an identity key (the old static scheme, run as a control,
 * gives the input away to the same attack); every ephemeral private key and pair secret is zero
 * once the task is done, failed or cancelled; a key whose signature does not check out is
 * refused, naming the party, and no sum completes with it.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { LeanMachine, ProtocolError, TaskAbortedError, TaskCancelledError, TreeMachine, type ProtocolMachine } from '../src/index.js'
import type { LeanEntry, LeanNoncesMessage } from '../src/wire/lean.js'
import { ephemeralStatement } from '../src/protocols/lean/crypto.js'
import { descriptorFor, testLeanCrypto, x25519, type EphemeralRecord } from './lean-helpers.js'
import { encodedInput, matchingElements, readLog, staticLeanCrypto, staticPairSecret, staticPublicKey, stripMasks } from './lean-attack.js'
import { testIdentity, testIdentityKeys } from './identity-helpers.js'
import { machinesFor, Sim, type Tamper } from './sim.js'

const LENGTH = 5000

function vector (party: number, length: number): Float64Array {
  const v = new Float64Array(length)
  for (let k = 0; k < length; k++) v[k] = ((k * 7919 + party * 104729) % 2_000_001 - 1_000_000) / 1000
  return v
}

interface Recorded { readonly sim: Sim, readonly records: EphemeralRecord[][] }

/** A fast-profile lean sum of n parties on a ring or a tree, every ephemeral key recorded; `scheme: 'static'` runs the old static keys. */
function recordedSum (n: number, options: { topology?: 'ring' | 'tree', scheme?: 'ephemeral' | 'static', tamper?: Tamper, length?: number, taskId?: string } = {}): Recorded {
  const descriptor = descriptorFor(n, { profile: 'fast', mode: 'lean' }, options.taskId ?? 'fs-task')
  const records: EphemeralRecord[][] = descriptor.peers.map(() => [])
  const machines = machinesFor<ProtocolMachine>(descriptor.peers.map(() => descriptor), {
    seed: 'fs',
    make: init => {
      const self = init.descriptor.peers[init.myself]!
      const record = (r: EphemeralRecord): void => { records[init.myself]!.push(r) }
      const lean = options.scheme === 'static' ? staticLeanCrypto(self, testIdentityKeys(self).seed, record) : testLeanCrypto(self, record)
      return options.topology === 'tree' ? new TreeMachine({ ...init, lean }) : new LeanMachine({ ...init, lean })
    }
  })
  const inputs = descriptor.peers.map((_, p) => vector(p, options.length ?? LENGTH))
  return { sim: new Sim(machines, { inputs, tamper: options.tamper }), records }
}

function assertAllDone (sim: Sim): void {
  for (const [i, m] of sim.machines.entries()) assert.equal(m.step, 'done', `party ${i}: ${m.error?.message ?? ''}`)
}

/** Every ephemeral key wiped (its private bytes zero) and every secret agreed with it zeroed. */
function assertWiped (records: EphemeralRecord[][]): void {
  for (const [party, list] of records.entries()) {
    assert.equal(list.length, 1, `party ${party} drew one ephemeral key for its task`)
    for (const r of list) {
      assert.ok(r.wiped, `party ${party}'s ephemeral key was wiped`)
      assert.ok(r.privateKey.every(b => b === 0), `party ${party}'s ephemeral private key is zero`)
      assert.ok(r.kept.some(b => b !== 0), 'the copy the test kept is not')
      for (const s of r.secrets) assert.ok(s.every(b => b === 0), `a pair secret of party ${party} is zero`)
    }
  }
}

describe('a stolen identity key does not unmask logged sums', () => {
  // party 2 is curious: it logs every frame it sends and receives (among them party 1's masked
  // segment, y_1 = x_1 + m_12 - m_01, at reduce step 0) and keeps its own identity key; later it
  // steals party 0's identity key file. Party 1 is party 0's neighbour.
  const [stolen, target, insider] = [0, 1, 2]
  const view = (sim: Sim): Uint8Array[] => sim.sent.filter(m => m.to === insider || m.from === insider).map(m => m.frame)

  test('the static pair keys a stolen key gives do not strip the masks; the ephemeral keys, wiped by every party, would', () => {
    const { sim, records } = recordedSum(3)
    sim.run()
    assertAllDone(sim)
    const log = readLog(view(sim), target)
    const peers = sim.peers
    const expected = encodedInput(vector(target, LENGTH), 3)
    // the old scheme's secrets of both pairs of party 1, from the stolen key and the insider's own
    const fromKeyFiles = [staticPairSecret(testIdentityKeys(peers[stolen]!).seed, testIdentityKeys(peers[target]!).publicKey), undefined,
      staticPairSecret(testIdentityKeys(peers[insider]!).seed, testIdentityKeys(peers[target]!).publicKey)]
    const attempt = stripMasks(log, target, fromKeyFiles)
    assert.ok(attempt.elements.length > 1000, 'party 1 sent a segment of its input')
    assert.equal(matchingElements(attempt, expected), 0, 'no element of party 1\'s input comes out')
    // the identity keys did sign the ephemeral keys in the log, and that is all they did
    for (const [k, publicKey] of log.publicKeys.entries()) assert.notDeepEqual(publicKey, staticPublicKey(testIdentityKeys(peers[k]!).seed))
    // with the ephemeral private keys of parties 0 and 2 (copies the test took; the machines wiped theirs) the same attack works
    const ephemeralSecrets = [x25519(records[stolen]![0]!.kept, log.publicKeys[target]!), undefined, x25519(records[insider]![0]!.kept, log.publicKeys[target]!)]
    const control = stripMasks(log, target, ephemeralSecrets)
    assert.equal(matchingElements(control, expected), control.elements.length, 'the right keys give party 1\'s segment back')
    assertWiped(records)
  })

  test('control: the same attack on the old static scheme gives the input away', () => {
    const { sim, records } = recordedSum(3, { scheme: 'static' })
    sim.run()
    assertAllDone(sim)
    const log = readLog(view(sim), target)
    const peers = sim.peers
    for (const [k, publicKey] of log.publicKeys.entries()) assert.deepEqual(publicKey, staticPublicKey(testIdentityKeys(peers[k]!).seed), 'the static key, the same in every task')
    const fromKeyFiles = [staticPairSecret(testIdentityKeys(peers[stolen]!).seed, testIdentityKeys(peers[target]!).publicKey), undefined,
      staticPairSecret(testIdentityKeys(peers[insider]!).seed, testIdentityKeys(peers[target]!).publicKey)]
    const attempt = stripMasks(log, target, fromKeyFiles)
    assert.equal(matchingElements(attempt, encodedInput(vector(target, LENGTH), 3)), attempt.elements.length, 'party 1\'s segment in the clear')
    assert.ok(records.every(list => list.length === 1))
  })
})

describe('ephemeral keys and pair secrets are wiped when the task ends', () => {
  for (const topology of ['ring', 'tree'] as const) {
    const length = topology === 'ring' ? LENGTH : 40

    test(`done (${topology})`, () => {
      const { sim, records } = recordedSum(4, { topology, length })
      sim.run()
      assertAllDone(sim)
      assertWiped(records)
    })

    test(`cancelled with secrets agreed, and failed by the abort (${topology})`, () => {
      const { sim, records } = recordedSum(4, { topology, length })
      for (let i = 0; i < 4; i++) sim.input(i)
      // party 2 on the ring, party 0 (the root) on the tree: the first to agree secrets with others
      const victim = topology === 'ring' ? 2 : 0
      while (records[victim]![0]!.secrets.length === 0) sim.deliver(0)
      assert.ok(records[victim]![0]!.secrets.some(s => s.some(b => b !== 0)), 'a secret is agreed and live')
      sim.post(victim, sim.machines[victim]!.fail(new TaskCancelledError('test')))
      sim.run()
      for (const [i, m] of sim.machines.entries()) {
        assert.equal(m.step, 'failed', `party ${i}`)
        assert.ok(i === victim ? m.error instanceof TaskCancelledError : m.error instanceof TaskAbortedError)
      }
      assertWiped(records)
    })
  }

  test('each task draws its own key: two runs of one task at one party sign different ephemeral keys', () => {
    const descriptor = descriptorFor(3, { profile: 'fast', mode: 'lean' }, 'twice')
    const self = descriptor.peers[0]!
    const records: EphemeralRecord[] = []
    // one LeanCrypto for both runs, as a node has one; the same nonce in both
    const lean = testLeanCrypto(self, r => records.push(r))
    const entryOf = (): LeanEntry => {
      const machine = new LeanMachine({ descriptor, myself: 0, randomBytes: n => new Uint8Array(n).fill(1), lean, identity: testIdentity(self) })
      return (machine.input(vector(0, LENGTH), 0)[0]!.message as LeanNoncesMessage).entries[0]!
    }
    const [a, b] = [entryOf(), entryOf()]
    assert.deepEqual(a.nonce, b.nonce)
    assert.equal(records.length, 2)
    assert.notDeepEqual(a.publicKey, b.publicKey)
    assert.notDeepEqual(a.signature, b.signature)
  })
})

describe('a signed key that allows no agreement', () => {
  test('a party that signs a low-order point fails the task at the first party to use it, which names it', () => {
    // party 0 itself (dishonest, its own identity key) signs the all-zero point as its ephemeral key
    const tamper: Tamper = e => {
      const m = e.message
      if (m.kind !== 'lean-nonces' || e.from !== 0) return m
      return { ...m, entries: m.entries.map(x => x.party !== 0 ? x : { ...x, publicKey: new Uint8Array(32), signature: testIdentity(descriptorFor(3, {}).peers[0]!).sign(ephemeralStatement(m.digest, 0, x.nonce, new Uint8Array(32))) }) }
    }
    const { sim } = recordedSum(3, { tamper })
    sim.run()
    const error = sim.machines[1]!.error
    assert.ok(error instanceof ProtocolError && error.party === 0, error?.message)
    assert.match(error.message, /^the ephemeral key of party 0 allows no key agreement/)
    for (const m of sim.machines) assert.equal(m.step, 'failed')
  })
})

describe('an ephemeral key whose signature does not check out is refused', () => {
  const peers = descriptorFor(3, {}).peers
  /** Substitutions a party in the middle (or the network) might make for party `victim`'s entry. */
  const forgeries: Array<{ name: string, forge: (e: LeanEntry, digest: Uint8Array) => LeanEntry }> = [
    { name: 'its own key, the genuine signature kept', forge: e => ({ ...e, publicKey: new Uint8Array(32).fill(9) }) },
    { name: 'its own key, signed by its own identity key', forge: (e, digest) => ({ ...e, publicKey: new Uint8Array(32).fill(9), signature: testIdentity(peers[1]!).sign(ephemeralStatement(digest, e.party, e.nonce, new Uint8Array(32).fill(9))) }) },
    { name: 'the genuine key with a random signature', forge: e => ({ ...e, signature: new Uint8Array(64).fill(7) }) },
    { name: 'the genuine key and signature with another nonce', forge: e => ({ ...e, nonce: new Uint8Array(16).fill(5) }) }
  ]

  for (const topology of ['ring', 'tree'] as const) {
    for (const pass of ['collect', 'distribute'] as const) {
      for (const { name, forge } of forgeries) {
        test(`${topology}, ${pass} pass: ${name}`, () => {
          // the entry of party 0 as it passes party 1 on its way to party 2 (ring collect: 0 -> 1 -> 2;
          // ring distribute: 2 -> 0 -> 1 -> ..., so party 0's own entry reaches party 1 from party 0 itself;
          // tree (parent (j - 1) / 2) of 4: party 3's entry goes up through party 1 to the root, and down again)
          const n = topology === 'ring' ? (pass === 'collect' ? 3 : 4) : 4
          const [victim, relay, receiver] = topology === 'ring' ? (pass === 'collect' ? [0, 1, 2] : [3, 0, 1]) : (pass === 'collect' ? [3, 1, 0] : [0, 0, 1])
          let forged = false
          const tamper: Tamper = e => {
            const m = e.message
            if (forged || m.kind !== 'lean-nonces' || m.pass !== pass || e.from !== relay || e.to !== receiver) return m
            forged = true
            return { ...m, entries: m.entries.map(x => x.party === victim ? forge(x, m.digest) : x) }
          }
          const { sim } = recordedSum(n, { topology, tamper, length: topology === 'ring' ? LENGTH : 40 })
          sim.run()
          assert.ok(forged, 'the entry was substituted on its way')
          const error = sim.machines[receiver]!.error
          assert.ok(error instanceof ProtocolError, `party ${receiver} refused it: ${error?.message ?? 'no error'}`)
          assert.equal(error.party, relay, 'naming the party that handed it on')
          assert.match(error.message, new RegExp(`^the ephemeral key of party ${victim}\\b.*does not carry party ${victim}'s signature for this task$`))
          for (const [i, m] of sim.machines.entries()) {
            assert.equal(m.step, 'failed', `party ${i} has no sum`)
            assert.equal(m.result, undefined)
          }
          assert.ok(!sim.sent.some(m => m.message.kind === 'lean-data' && m.from === receiver), 'the receiver masked nothing with the substituted key')
        })
      }
    }
  }
})
