/**
 * The wire kinds of lean mode with a threshold (48..51, wire/lean-threshold.ts): every kind round
 * trips through encodeMessage / decodeMessage / peekFrame; a truncated or padded frame, a share
 * wider than the sharing field's 66 bytes and an unknown round are refused.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { decodeMessage, encodeMessage, peekFrame, type WireMessage } from '../src/wire/codec.js'
import { CodecError } from '../src/errors.js'
import { SHARING_FIELD } from '../src/protocols/lean/dropout-secrets.js'

const header = { taskId: 'lt-codec', digest: new Uint8Array(32).fill(7), from: 3 }
const big = SHARING_FIELD.p - 1n
const bytes = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v)

const MESSAGES: WireMessage[] = [
  { ...header, kind: 'lt-keys', descriptor: '{"task":"x"}', shape: 'vector', length: 5, nonce: bytes(16, 1), publicKey: bytes(32, 2), selfCommitment: bytes(32, 3), signature: bytes(64, 4), shares: [big, 1n] },
  { ...header, kind: 'lt-propose', round: 'keys', members: [0, 1, 3, 9] },
  { ...header, kind: 'lt-propose', round: 'inputs', members: [2, 3] },
  { ...header, kind: 'lt-commit', round: 'inputs', members: [0, 2, 3], signature: bytes(64, 5) },
  { ...header, kind: 'lt-commit', round: 'keys', members: [0, 1, 2, 3], keys: bytes(32, 7), signature: bytes(64, 5) },
  { ...header, kind: 'lt-unmask', keySet: [0, 1, 2, 3], members: [0, 2, 3], certificate: [{ party: 0, signature: bytes(64, 6) }, { party: 2, signature: bytes(64, 8) }], shares: [1n, 2n, big, 0n] }
]

const refused = (frame: Uint8Array): void => assert.throws(() => decodeMessage(frame), (e: unknown) => e instanceof CodecError)

describe('codec: lean mode with a threshold (kinds 48..51)', () => {
  test('every kind round trips, and its header reads alone', () => {
    for (const m of MESSAGES) {
      const frame = encodeMessage(m, 8)
      assert.deepEqual(decodeMessage(frame), m, m.kind)
      assert.equal(peekFrame(frame).kind, m.kind)
    }
  })

  test('a truncated or padded frame is refused, at every length', () => {
    for (const m of MESSAGES) {
      const frame = encodeMessage(m, 8)
      for (let cut = 1; cut < frame.length; cut += Math.max(1, frame.length >> 5)) refused(frame.subarray(0, cut))
      const padded = new Uint8Array(frame.length + 1)
      padded.set(frame)
      refused(padded)
    }
  })

  test('a share that does not fit 66 bytes cannot be encoded; an unknown round is refused', () => {
    assert.throws(() => encodeMessage({ ...MESSAGES[0]!, shares: [1n << 528n] } as WireMessage, 8), (e: unknown) => e instanceof CodecError)
    const frame = encodeMessage(MESSAGES[1]!, 8)
    const bad = frame.slice()
    bad[frame.length - 1 - 2 - 2] = 7 // the round byte, before the u16 bitmap length and 2 bitmap bytes
    refused(bad)
  })

  test('a commit of the key round carries its 32-byte key-set hash, one of the input round none', () => {
    const keysCommit = MESSAGES.find(m => m.kind === 'lt-commit' && m.round === 'keys')! as Extract<WireMessage, { kind: 'lt-commit' }>
    const inputsCommit = MESSAGES.find(m => m.kind === 'lt-commit' && m.round === 'inputs')! as Extract<WireMessage, { kind: 'lt-commit' }>
    const { keys: _, ...withoutKeys } = keysCommit
    for (const bad of [withoutKeys, { ...keysCommit, keys: bytes(31, 7) }, { ...inputsCommit, keys: bytes(32, 7) }]) {
      assert.throws(() => encodeMessage(bad as WireMessage, 8), (e: unknown) => e instanceof CodecError && /key-set hash/.test(e.message))
    }
    assert.equal(encodeMessage(keysCommit, 8).length - encodeMessage({ ...keysCommit, round: 'inputs', keys: undefined } as unknown as WireMessage, 8).length, 32)
  })
})
