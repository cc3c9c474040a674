import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { canonicalDescriptor, checkMicroprotocol, checkTaskId, describeDifferences, digestsEqual, MAX_TASK_ID_BYTES, parseCanonicalDescriptor, taskDigest, taskFingerprint, type TaskDescriptor } from '../src/task/descriptor.js'
import { fieldOf, fixedPointOf, resolveParameters } from '../src/task/parameters.js'
import { InvalidInputError } from '../src/errors.js'
import { P127, P61, P89 } from './helpers.js'

function refused (fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`)
    assert.equal(err.name, 'InvalidInputError')
    assert.equal(err.code, 'INVALID_INPUT')
    assert.equal(err.field, field)
    return true
  })
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function descriptor (overrides: Partial<TaskDescriptor> = {}): TaskDescriptor {
  return {
    taskId: '7f3c2a9e-1b4d-4e8f-9a0b-c1d2e3f4a5b6',
    microprotocol: 'SecureSum',
    parameters: resolveParameters(undefined, 3),
    peers: ['12D3KooWA', '12D3KooWB', '12D3KooWC'],
    ...overrides
  }
}

describe('resolveParameters', () => {
  test('defaults: 12 digits before, 12 after, the smallest Mersenne prime holding n sums', () => {
    // 4 * 3 * (10^24 - 1) ~ 1.2e25 fits below 2^89 - 1 ~ 6.2e26
    const expected = { digits_before: 12, digits_after: 12, modulus: P89.toString() }
    assert.deepEqual(resolveParameters(undefined, 3), expected)
    assert.deepEqual(resolveParameters({}, 3), expected)
    assert.deepEqual(resolveParameters({ digits_before: null, digits_after: null, modulus: null }, 3), expected)
    // 155 parties at 12/12 no longer fit 2^89 - 1; the next listed prime is 2^107 - 1
    assert.equal(resolveParameters({}, 154).modulus, P89.toString())
    assert.equal(resolveParameters({}, 155).modulus, ((1n << 107n) - 1n).toString())
    // wider inputs: 3 parties at 20/12 digits need 2^127 - 1
    assert.equal(resolveParameters({ digits_before: 20 }, 3).modulus, P127.toString())
    // narrow inputs: 3 parties at 6/6 fit 2^61 - 1
    assert.deepEqual(resolveParameters({ digits_before: 6, digits_after: 6 }, 3), { digits_before: 6, digits_after: 6, modulus: P61.toString() })
  })

  test('the chosen modulus always holds 4 * n * maxScaled', () => {
    for (const n of [1, 2, 3, 10, 100, 1024]) {
      const p = BigInt(resolveParameters({}, n).modulus)
      assert.ok(p > 4n * BigInt(n) * (10n ** 24n - 1n))
    }
  })

  test('parameters must be an object', () => {
    for (const bad of [null, [], 'x', 3, true]) refused(() => resolveParameters(bad, 3), 'parameters')
  })

  test('an unknown parameter is refused by name', () => {
    refused(() => resolveParameters({ quorum: 2 }, 3), 'parameters.quorum')
    refused(() => resolveParameters({ digits_after: 6, digitsAfter: 6 }, 3), 'parameters.digitsAfter')
  })

  test('digits are checked', () => {
    refused(() => resolveParameters({ digits_after: '6' }, 3), 'parameters.digits_after')
    refused(() => resolveParameters({ digits_after: 1.5 }, 3), 'parameters.digits_after')
    refused(() => resolveParameters({ digits_after: -1 }, 3), 'parameters.digits_after')
    refused(() => resolveParameters({ digits_before: 1001 }, 3), 'parameters.digits_before')
    refused(() => resolveParameters({ digits_before: 0, digits_after: 0 }, 3), 'parameters.digits_before')
    // no built-in prime holds 10^2000
    refused(() => resolveParameters({ digits_before: 1000, digits_after: 1000 }, 3), 'parameters')
  })

  test('a custom modulus is checked: a decimal string, prime, large enough', () => {
    assert.deepEqual(resolveParameters({ modulus: P127.toString() }, 3), { digits_before: 12, digits_after: 12, modulus: P127.toString() })
    // 1 party at 1/0 digits: |x| <= 9, so p must exceed 36
    const tiny = { digits_before: 1, digits_after: 0 }
    assert.equal(resolveParameters({ ...tiny, modulus: '37' }, 1).modulus, '37')
    assert.equal(resolveParameters({ ...tiny, modulus: '0037' }, 1).modulus, '37')
    refused(() => resolveParameters({ ...tiny, modulus: '31' }, 1), 'parameters.modulus')
    refused(() => resolveParameters({ ...tiny, modulus: '37' }, 2), 'parameters.modulus')
    refused(() => resolveParameters({ modulus: '13' }, 3), 'parameters.modulus')
    refused(() => resolveParameters({ modulus: P61.toString() }, 3), 'parameters.modulus')
    // not prime: 2^127 + 1 is divisible by 3
    refused(() => resolveParameters({ modulus: ((1n << 127n) + 1n).toString() }, 3), 'parameters.modulus')
    refused(() => resolveParameters({ ...tiny, modulus: '2' }, 1), 'parameters.modulus')
    // not a decimal string
    for (const bad of [170141183460469231731687303715884105727n, 37, '0x25', '', '-37', '37.0', ' 37', '1e40', { p: 37 }]) {
      refused(() => resolveParameters({ ...tiny, modulus: bad }, 1), 'parameters.modulus')
    }
    refused(() => resolveParameters({ modulus: '1'.repeat(2001) }, 3), 'parameters.modulus')
  })

  test('fixedPointOf and fieldOf read the resolved parameters', () => {
    const params = resolveParameters({ digits_before: 6, digits_after: 3 }, 2)
    assert.deepEqual(fixedPointOf(params), { digitsBefore: 6, digitsAfter: 3 })
    assert.equal(fieldOf(params).p, P61)
  })
})

describe('task digest', () => {
  test('canonical text has a fixed key order and no whitespace', () => {
    const d = descriptor()
    const shuffled: TaskDescriptor = {
      peers: [...d.peers],
      parameters: { modulus: d.parameters.modulus, digits_after: 12, digits_before: 12 },
      microprotocol: 'SecureSum',
      taskId: d.taskId
    }
    assert.equal(canonicalDescriptor(shuffled), canonicalDescriptor(d))
    assert.equal(canonicalDescriptor(d),
      `{"v":1,"taskId":"${d.taskId}","microprotocol":"SecureSum","parameters":{"digits_after":12,"digits_before":12,"modulus":"${P89}"},"peers":["12D3KooWA","12D3KooWB","12D3KooWC"]}`)
    assert.deepEqual(parseCanonicalDescriptor(canonicalDescriptor(d)), d)
  })

  test('parseCanonicalDescriptor refuses another version', () => {
    refused(() => parseCanonicalDescriptor('{"v":2,"peers":[],"parameters":{}}'), 'descriptor')
    refused(() => parseCanonicalDescriptor('{"v":1,"parameters":{}}'), 'descriptor')
    assert.throws(() => parseCanonicalDescriptor('not json'), { name: 'SyntaxError' })
  })

  test('is SHA-256 over a domain tag and the canonical text (known answer)', () => {
    const d = descriptor()
    const expected = createHash('sha256').update(`simon-p2p/task-digest/v1\n${canonicalDescriptor(d)}`).digest()
    const digest = taskDigest(d)
    assert.equal(digest.length, 32)
    assert.equal(hex(digest), expected.toString('hex'))
  })

  test('is stable: equal descriptors, equal digests', () => {
    const a = taskDigest(descriptor())
    const b = taskDigest(structuredClone(descriptor()))
    assert.equal(hex(a), hex(b))
    assert.equal(digestsEqual(a, b), true)
  })

  test('changes when any field changes', () => {
    const base = descriptor()
    const d0 = hex(taskDigest(base))
    const variants: TaskDescriptor[] = [
      { ...base, taskId: base.taskId + 'x' },
      { ...base, microprotocol: 'SecureSumX' as 'SecureSum' },
      { ...base, parameters: { ...base.parameters, digits_before: 11 } },
      { ...base, parameters: { ...base.parameters, digits_after: 6 } },
      { ...base, parameters: { ...base.parameters, modulus: P127.toString() } },
      { ...base, peers: ['12D3KooWB', '12D3KooWA', '12D3KooWC'] },
      { ...base, peers: ['12D3KooWA', '12D3KooWB'] },
      { ...base, peers: [...base.peers, '12D3KooWD'] },
      { ...base, peers: ['12D3KooWA', '12D3KooWB', '12D3KooWc'] }
    ]
    const seen = new Set([d0])
    for (const v of variants) {
      const d = hex(taskDigest(v))
      assert.ok(!seen.has(d), `variant ${canonicalDescriptor(v)} has a digest already seen`)
      seen.add(d)
    }
  })

  test('property: a different descriptor gives a different digest', () => {
    const peerId = fc.string({ minLength: 1, maxLength: 12 })
    const desc = fc.record({
      taskId: fc.string({ minLength: 1, maxLength: 20 }),
      microprotocol: fc.constant('SecureSum' as const),
      parameters: fc.record({ digits_before: fc.nat({ max: 30 }), digits_after: fc.nat({ max: 30 }), modulus: fc.constantFrom(P61, P89, P127).map(String) }),
      peers: fc.array(peerId, { minLength: 1, maxLength: 5 })
    })
    fc.assert(fc.property(desc, desc, (a, b) => {
      const same = canonicalDescriptor(a) === canonicalDescriptor(b)
      assert.equal(digestsEqual(taskDigest(a), taskDigest(b)), same)
    }), { numRuns: 300 })
  })

  test('digestsEqual compares length and every byte', () => {
    const a = new Uint8Array(32).fill(7)
    assert.equal(digestsEqual(a, a.slice()), true)
    assert.equal(digestsEqual(a, a.slice(0, 31)), false)
    for (const i of [0, 17, 31]) {
      const b = a.slice()
      b[i] = 8
      assert.equal(digestsEqual(a, b), false)
    }
  })
})

describe('describeDifferences', () => {
  const startsWithAny = (list: string[], prefix: string): boolean => list.some(s => s.startsWith(prefix))

  test('names swapped nodes by index', () => {
    const local = descriptor()
    const remote = descriptor({ peers: ['12D3KooWA', '12D3KooWC', '12D3KooWB'] })
    const diff = describeDifferences(local, remote, 2)
    assert.equal(diff.length, 2)
    assert.ok(diff[0]!.startsWith('network.nodes[1]:'), diff[0])
    assert.ok(diff[1]!.startsWith('network.nodes[2]:'), diff[1])
    assert.match(diff[0]!, /at party 2/)
  })

  test('names a parameter', () => {
    const local = descriptor()
    const remote = descriptor({ parameters: { ...local.parameters, digits_after: 6 } })
    assert.deepEqual(describeDifferences(local, remote, 1), ['parameters.digits_after: 12 here, 6 at party 1'])
  })

  test('names the task, microprotocol, modulus and node count', () => {
    const local = descriptor()
    const remote: TaskDescriptor = {
      taskId: 'other',
      microprotocol: 'Other' as 'SecureSum',
      parameters: { ...local.parameters, modulus: P127.toString() },
      peers: ['12D3KooWA']
    }
    const diff = describeDifferences(local, remote, 0)
    assert.equal(diff.length, 4)
    for (const name of ['task:', 'microprotocol:', 'parameters.modulus:', 'network.nodes:']) assert.ok(startsWithAny(diff, name), `${name} in ${diff.join('; ')}`)
  })

  test('says so when no field differs', () => {
    const diff = describeDifferences(descriptor(), descriptor(), 1)
    assert.equal(diff.length, 1)
    assert.ok(!startsWithAny(diff, 'network') && !startsWithAny(diff, 'parameters'))
  })
})

describe('checkTaskId and checkMicroprotocol', () => {
  test('accepts ids up to 128 UTF-8 bytes', () => {
    assert.equal(MAX_TASK_ID_BYTES, 128)
    assert.equal(checkTaskId('a'), 'a')
    assert.equal(checkTaskId('a'.repeat(128)), 'a'.repeat(128))
    assert.equal(checkTaskId('é'.repeat(64)), 'é'.repeat(64))
    assert.equal(checkTaskId('7f3c2a9e-1b4d-4e8f-9a0b-c1d2e3f4a5b6'), '7f3c2a9e-1b4d-4e8f-9a0b-c1d2e3f4a5b6')
  })

  test('refuses empty, too long, control characters and non-strings', () => {
    refused(() => checkTaskId(''), 'task')
    refused(() => checkTaskId('a'.repeat(129)), 'task')
    refused(() => checkTaskId('é'.repeat(65)), 'task') // 65 characters, 130 bytes
    refused(() => checkTaskId('a\nb'), 'task')
    refused(() => checkTaskId('\u0000'), 'task')
    refused(() => checkTaskId('tab\there'), 'task')
    for (const bad of [5, null, undefined, {}, ['a']]) refused(() => checkTaskId(bad), 'task')
    refused(() => checkTaskId('', 'task_id'), 'task_id')
  })

  test('knows SecureSum only', () => {
    assert.equal(checkMicroprotocol('SecureSum'), 'SecureSum')
    for (const bad of ['securesum', 'SecureSumX', '', 1, null]) refused(() => checkMicroprotocol(bad), 'microprotocol')
    refused(() => checkMicroprotocol('x', 'protocol'), 'protocol')
  })
})

describe('taskFingerprint', () => {
  test('the first 8 bytes of the digest in hex, in four groups of four', () => {
    const digest = Uint8Array.from([0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, ...new Array<number>(24).fill(0xff)])
    assert.equal(taskFingerprint(digest), 'a1b2-c3d4-e5f6-0718')
    assert.equal(taskFingerprint(new Uint8Array(32)), '0000-0000-0000-0000')
    const d = taskDigest(descriptor())
    assert.equal(taskFingerprint(d).replace(/-/g, ''), hex(d).slice(0, 16))
  })

  test('equal exactly when the task is: any other peer, order or parameter shows another fingerprint', () => {
    const base = taskFingerprint(taskDigest(descriptor()))
    assert.equal(taskFingerprint(taskDigest(descriptor())), base)
    assert.notEqual(taskFingerprint(taskDigest(descriptor({ peers: ['12D3KooWA', '12D3KooWB', '12D3KooWEvil'] }))), base)
    assert.notEqual(taskFingerprint(taskDigest(descriptor({ peers: ['12D3KooWB', '12D3KooWA', '12D3KooWC'] }))), base)
    assert.notEqual(taskFingerprint(taskDigest(descriptor({ parameters: resolveParameters({ digits_after: 6 }, 3) }))), base)
  })

  test('refuses what is not a digest', () => {
    refused(() => taskFingerprint(new Uint8Array(7)), 'digest')
    refused(() => taskFingerprint('a1b2c3d4e5f60718' as unknown as Uint8Array), 'digest')
  })
})
