/**
 * Frames judged from their header before any element is decoded: peekFrame reads the header
 * alone, decodedCost counts what decoding would cost without making a BigInt, the decode limits
 * hold a width equal to the field's and a count within the task's, and admitFrame checks the
 * authenticated sender against the task's list and the index it claims.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { buildFastDataFrame } from '../src/wire/lean.js'
import { decodedCost, decodeMessage, encodeMessage, peekFrame, type WireMessage } from '../src/wire/codec.js'
import { bigintBytes, DEFAULT_DECODE_LIMITS } from '../src/wire/frame.js'
import { admitFrame, frameLimits } from '../src/wire/admission.js'
import { CodecError, ProtocolError } from '../src/errors.js'
import { resolveParameters, fieldOf } from '../src/task/parameters.js'
import { FAST_FRAME_ELEMENTS, WIDE_FRAME_ELEMENTS } from '../src/field/vectors.js'
import { DEFAULT_MAX_LENGTH } from '../src/machine/types.js'
import type { TaskDescriptor } from '../src/task/descriptor.js'
import { peerNames } from './lean-helpers.js'

const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i)
const PEERS = peerNames(3)
const descriptor: TaskDescriptor = { taskId: 'task-a', microprotocol: 'SecureSum', parameters: resolveParameters({}, 3), peers: PEERS }
const WIDTH = fieldOf(descriptor.parameters).bytes
const fast: TaskDescriptor = { ...descriptor, parameters: resolveParameters({ profile: 'fast' }, 3) }

/** A share frame whose elements block says `count` elements of `width` bytes (the bytes are all there). */
function shareFrame (count: number, width: number, from = 1): Uint8Array {
  return encodeMessage({ kind: 'share', taskId: 'task-a', digest: DIGEST, from, shape: 'vector', descriptor: '{}', elements: new Array<bigint>(count).fill(7n) }, width)
}

function refusedAs (name: string): (err: unknown) => boolean {
  return err => { assert.equal((err as Error).name, name, String(err)); return true }
}

describe('peekFrame', () => {
  test('reads version, kind, task id, digest and sender of every kind, the same as decodeMessage', () => {
    const header = { taskId: 'ü-task', digest: DIGEST, from: 2 }
    const messages: Array<[WireMessage, number]> = [
      [{ kind: 'share', ...header, shape: 'scalar', descriptor: '{}', elements: [1n, 1n] }, 16],
      [{ kind: 'partial', ...header, shape: 'scalar', elements: [1n, 1n] }, 16],
      [{ kind: 'confirm', ...header, hash: new Uint8Array(32) }, 16],
      [{ kind: 'abort', ...header, code: 'X', reason: 'y' }, 16],
      [{ kind: 'propose', ...header, members: [0, 2] }, 16],
      [{ kind: 'lean-nonces', ...header, pass: 'collect', topology: 'tree', descriptor: '{}', entries: [] }, 16],
      [{ kind: 'lean-data', ...header, phase: 'reduce', step: 0, frame: 0, elements: Float64Array.of(1, 2) }, 16],
      [{ kind: 'lean-confirm', ...header, pass: 'collect', tags: [] }, 16]
    ]
    for (const [m, width] of messages) {
      const frame = encodeMessage(m, width)
      const peek = peekFrame(frame)
      assert.deepEqual(peek, { version: 1, kind: m.kind, taskId: 'ü-task', digest: DIGEST, from: 2 }, m.kind)
      assert.equal(decodeMessage(frame).kind, peek.kind)
    }
  })

  test('does not read the body: a frame cut right after its header peeks, and decodes as truncated', () => {
    const frame = shareFrame(1000, 1)
    const headerBytes = 3 + 'task-a'.length + 32 + 4
    const cut = frame.subarray(0, headerBytes)
    assert.deepEqual(peekFrame(cut).kind, 'share')
    assert.throws(() => decodeMessage(cut), CodecError)
    assert.throws(() => peekFrame(frame.subarray(0, headerBytes - 1)), CodecError)
  })

  test('refuses another version and an unknown kind', () => {
    const frame = shareFrame(1, 1)
    assert.throws(() => peekFrame(Uint8Array.from([2, ...frame.subarray(1)])), CodecError)
    assert.throws(() => peekFrame(Uint8Array.from([1, 99, ...frame.subarray(2)])), CodecError)
    assert.throws(() => peekFrame(Uint8Array.from([1, 31, ...frame.subarray(2)])), CodecError)
  })
})

describe('decodedCost', () => {
  test('counts a BigInt and a slot per wide element, whatever its wire width, without making one', () => {
    const frame = shareFrame(1 << 16, 1)
    assert.equal(bigintBytes(1), 32)
    assert.equal(bigintBytes(12), 40)
    assert.equal(decodedCost(frame), frame.length + (1 << 16) * 32)
    const wide = shareFrame(100, 12)
    assert.equal(decodedCost(wide), wide.length + 100 * 40)
  })

  test('fast-profile data costs its raw size; a frame without elements costs its size', () => {
    const built = buildFastDataFrame({ kind: 'lean-data', taskId: 'task-a', digest: DIGEST, from: 1, phase: 'reduce', step: 0, frame: 0 }, 1000)
    assert.ok(built !== undefined)
    assert.equal(decodedCost(built.wire), built.wire.length)
    const abort = encodeMessage({ kind: 'abort', taskId: 't', digest: DIGEST, from: 0, code: 'X', reason: 'why' }, 16)
    assert.equal(decodedCost(abort), abort.length)
  })

  test('refuses what decodeMessage refuses, with the same limits', () => {
    const frame = shareFrame(10, 4)
    assert.throws(() => decodedCost(frame.subarray(0, frame.length - 1)), CodecError)
    assert.throws(() => decodedCost(frame, { maxElements: 9 }), CodecError)
    assert.throws(() => decodedCost(frame, { maxElements: 10, elementBytes: 8 }), CodecError)
    assert.equal(decodedCost(frame, { maxElements: 10, elementBytes: 4 }), frame.length + 10 * 32)
    assert.equal(DEFAULT_DECODE_LIMITS.maxElements, 1 << 24)
  })
})

describe('decode limits: a width equal to the field\'s, a count within the task\'s', () => {
  test('elementBytes must be matched exactly, not only not exceeded', () => {
    const narrow = shareFrame(3, 1)
    assert.throws(() => decodeMessage(narrow, { maxElements: 10, elementBytes: 12 }), /element width 1, the task's field has 12/)
    assert.throws(() => decodeMessage(shareFrame(3, 13), { maxElements: 10, elementBytes: 12 }), CodecError)
    assert.deepEqual((decodeMessage(shareFrame(3, 12), { maxElements: 3, elementBytes: 12 }) as { elements: bigint[] }).elements, [7n, 7n, 7n])
  })

  test('2^24 one-byte elements for a scalar task are refused at the count, before a BigInt is made', () => {
    const limits = frameLimits({ descriptor, myself: 0, inputLength: 1 }, 'share')
    assert.deepEqual(limits, { maxElements: 2, elementBytes: WIDTH })
    // 2^24 elements of one byte, all there: refused at the width, before the count is even read
    const empty = shareFrame(0, 1)
    const huge = new Uint8Array(empty.length + (1 << 24))
    huge.set(empty)
    new DataView(huge.buffer).setUint32(empty.length - 4, 1 << 24)
    assert.equal(decodedCost(huge), huge.length + (1 << 24) * 32, 'half a GiB, had it been decoded')
    const started = performance.now()
    assert.throws(() => decodeMessage(huge, limits), /element width 1, the task's field has/)
    // the field's width but 2^24 of them: refused at the count (the bytes need not even be there)
    const counted = shareFrame(0, WIDTH)
    new DataView(counted.buffer).setUint32(counted.length - 4, 1 << 24)
    assert.throws(() => decodeMessage(counted, limits), /exceed the limit of 2/)
    assert.ok(performance.now() - started < 50, 'refused without decoding')
  })

  test('before the input: the longest vector plus one; after it: the input\'s length plus one', () => {
    assert.equal(frameLimits({ descriptor, myself: 0 }, 'share').maxElements, DEFAULT_MAX_LENGTH + 1)
    assert.equal(frameLimits({ descriptor, myself: 0, maxLength: 100 }, 'partial').maxElements, 101)
    assert.equal(frameLimits({ descriptor, myself: 0, inputLength: 5 }, 'set-partial').maxElements, 6)
    assert.equal(frameLimits({ descriptor, myself: 0, inputLength: 5 }, 'confirm').elementBytes, WIDTH)
  })

  test('lean data frames hold at most one frame of the profile\'s size', () => {
    assert.equal(frameLimits({ descriptor, myself: 0 }, 'lean-data').maxElements, WIDE_FRAME_ELEMENTS)
    assert.equal(frameLimits({ descriptor: fast, myself: 0 }, 'lean-data').maxElements, FAST_FRAME_ELEMENTS)
    assert.equal(frameLimits({ descriptor: fast, myself: 0, inputLength: 9 }, 'lean-data').maxElements, 10)
    assert.equal(frameLimits({ descriptor: fast, myself: 0, inputLength: 1 << 20 }, 'lean-data').maxElements, FAST_FRAME_ELEMENTS)
  })
})

describe('admitFrame', () => {
  const task = { descriptor, myself: 0, inputLength: 1 }
  const peek = (from: number, kind: WireMessage['kind'] = 'share'): ReturnType<typeof peekFrame> => ({ version: 1, kind, taskId: 'task-a', digest: DIGEST, from })

  test('a listed party speaking for itself gets the task\'s limits', () => {
    assert.deepEqual(admitFrame(task, peek(1), PEERS[1]!), { maxElements: 2, elementBytes: WIDTH })
    assert.deepEqual(admitFrame(task, peek(2, 'lean-nonces'), PEERS[2]!), { maxElements: 2, elementBytes: WIDTH })
  })

  test('a peer not on this task\'s list is refused, whatever index it claims', () => {
    for (const from of [0, 1, 2, 3]) assert.throws(() => admitFrame(task, peek(from), 'some-other-peer'), refusedAs('ProtocolError'))
  })

  test('a listed party speaking for another index, or for this party, is refused; an index outside the list too', () => {
    assert.throws(() => admitFrame(task, peek(2), PEERS[1]!), /is party 1 and may not speak for party 2/)
    assert.throws(() => admitFrame(task, peek(0), PEERS[1]!), ProtocolError)
    assert.throws(() => admitFrame(task, peek(7), PEERS[1]!), /not in the task's node list/)
    assert.throws(() => admitFrame(task, peek(1), PEERS[0]!), /cannot come from this party itself/)
  })

  test('an abort from a listed party may carry another index (the kernel honours it); never from outside the list', () => {
    assert.deepEqual(admitFrame(task, peek(2, 'abort'), PEERS[1]!), { maxElements: 2, elementBytes: WIDTH })
    assert.throws(() => admitFrame(task, peek(2, 'abort'), 'some-other-peer'), ProtocolError)
  })

  test('a frame that names another task is refused', () => {
    assert.throws(() => admitFrame(task, { ...peek(1), taskId: 'task-b' }, PEERS[1]!), /delivered to task task-a/)
  })
})
