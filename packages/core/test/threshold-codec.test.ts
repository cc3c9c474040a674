import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeMessage, encodeMessage, type WireMessage } from '../src/wire/codec.js'
import { CodecError } from '../src/errors.js'

const header = { taskId: 'task-1', digest: new Uint8Array(32).fill(7), from: 3 }
const membersArb = fc.uniqueArray(fc.integer({ min: 0, max: 1100 }), { maxLength: 40 }).map(a => a.sort((x, y) => x - y))
const signatureArb = fc.uint8Array({ minLength: 1, maxLength: 80 })
const certificateArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 1100 }), signatureArb).map(([party, signature]) => ({ party, signature })), { maxLength: 12 })
const SIGNATURE = new Uint8Array(64).fill(9)

describe('codec: threshold mode kinds (32..34)', () => {
  test('property: propose, commit and set-partial round trip', () => {
    fc.assert(fc.property(membersArb, fc.constantFrom('propose', 'commit', 'set-partial'), fc.array(fc.bigInt({ min: 0n, max: (1n << 61n) - 2n }), { minLength: 1, maxLength: 5 }), signatureArb, certificateArb, (members, kind, elements, signature, certificate) => {
      const m = (kind === 'set-partial'
        ? { ...header, kind, members, certificate, shape: 'vector', elements }
        : kind === 'commit' ? { ...header, kind, members, signature } : { ...header, kind, members }) as WireMessage
      assert.deepEqual(decodeMessage(encodeMessage(m, 8)), m)
    }), { numRuns: 300 })
  })

  test('known answer: a commit to parties 0, 2 and 9 is kind 33 with a two-byte bitmap 0xA0 0x40, then its signature', () => {
    const frame = encodeMessage({ ...header, kind: 'commit', members: [0, 2, 9], signature: SIGNATURE }, 8)
    assert.equal(frame[1], 33)
    assert.deepEqual([...frame.subarray(frame.length - 70, frame.length - 66)], [0, 2, 0xa0, 0x40])
    assert.deepEqual([...frame.subarray(frame.length - 66, frame.length - 64)], [0, 64])
    assert.deepEqual(frame.subarray(frame.length - 64), SIGNATURE)
    assert.equal(encodeMessage({ ...header, kind: 'propose', members: [] }, 8)[1], 32)
    assert.equal(encodeMessage({ ...header, kind: 'set-partial', members: [1], certificate: [], shape: 'scalar', elements: [1n, 1n] }, 8)[1], 34)
  })

  test('a signature of no bytes or of more than 512 is refused when encoding and decoding', () => {
    for (const signature of [new Uint8Array(0), new Uint8Array(513)]) {
      assert.throws(() => encodeMessage({ ...header, kind: 'commit', members: [0], signature }, 8), CodecError)
      assert.throws(() => encodeMessage({ ...header, kind: 'set-partial', members: [0], certificate: [{ party: 0, signature }], shape: 'scalar', elements: [1n, 1n] }, 8), CodecError)
    }
    const frame = encodeMessage({ ...header, kind: 'commit', members: [0], signature: Uint8Array.of(1) }, 8)
    const empty = frame.slice(0, frame.length - 1)
    empty[empty.length - 1] = 0 // the length says 0 bytes
    assert.throws(() => decodeMessage(empty), /signature of 0 bytes/)
  })

  test('members that are not ascending distinct indices are refused when encoding', () => {
    for (const members of [[2, 1], [1, 1], [-1], [1.5], [0x10000 * 8]]) {
      assert.throws(() => encodeMessage({ ...header, kind: 'propose', members }, 8), CodecError)
    }
  })

  test('truncated threshold frames are refused', () => {
    const frame = encodeMessage({ ...header, kind: 'set-partial', members: [0, 1, 2], certificate: [{ party: 1, signature: SIGNATURE }], shape: 'scalar', elements: [5n, 1n] }, 8)
    for (let cut = 1; cut < frame.length; cut++) assert.throws(() => decodeMessage(frame.subarray(0, cut)), CodecError)
    assert.throws(() => decodeMessage(new Uint8Array([...frame, 0])), CodecError)
  })
})
