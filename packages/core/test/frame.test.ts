/** The frame reader and writer under every codec: lengths checked and named, copies kept, strict UTF-8. */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { CodecError } from '../src/errors.js'
import {
  DEFAULT_DECODE_LIMITS, DIGEST_BYTES, encodeHeader, FrameReader, FrameWriter, readHeader, readKindCode, startFrame, WIRE_VERSION
} from '../src/wire/frame.js'
import { decodeMessage, encodeMessage } from '../src/wire/codec.js'

const digest = new Uint8Array(DIGEST_BYTES).fill(9)

describe('frame reader and writer', () => {
  test('a header written by startFrame reads back', () => {
    const w = startFrame(encodeHeader({ taskId: '\uFEFFtask', digest, from: 7 }), 2, 1)
    w.u8(0xee)
    const r = new FrameReader(w.done())
    assert.equal(readKindCode(r), 2)
    assert.deepEqual(readHeader(r), { taskId: '\uFEFFtask', digest, from: 7 }, 'a leading U+FEFF is kept')
    assert.equal(r.u8('body'), 0xee)
    r.end()
  })

  test('a truncated read names what it was reading', () => {
    const frame = startFrame(encodeHeader({ taskId: 'task', digest, from: 1 }), 2, 0).done()
    const r = new FrameReader(frame.subarray(0, 10))
    readKindCode(r)
    assert.throws(() => readHeader(r), (err: unknown) => err instanceof CodecError && /truncated: digest needs 32 bytes at offset 7, frame has 10$/.test(err.message))
  })

  test('what a decoded message keeps is copied out of the frame, so the frame can be wiped', () => {
    const frame = Buffer.from(encodeMessage({ kind: 'confirm', taskId: 't', digest, from: 0, hash: new Uint8Array(32).fill(5) }, 8))
    const m = decodeMessage(frame)
    frame.fill(0)
    assert.ok(m.kind === 'confirm')
    assert.deepEqual(m.digest, digest)
    assert.deepEqual(m.hash, new Uint8Array(32).fill(5))
  })

  test('text that is not UTF-8 is refused, naming the field', () => {
    const r = new FrameReader(Uint8Array.of(0xc3, 0x28))
    assert.throws(() => r.text(2, 'reason'), (err: unknown) => err instanceof CodecError && err.message.endsWith('reason is not valid UTF-8'))
  })

  test('an elements block round trips, and its width and count are checked against the limits', () => {
    const w = new FrameWriter(2 + 4 + 2 * 3)
    w.elements([1n, 0xffffffn], 3)
    const block = w.done()
    assert.deepEqual(new FrameReader(block).elements(DEFAULT_DECODE_LIMITS), [1n, 0xffffffn])
    assert.throws(() => new FrameReader(block).elements({ maxElements: 1, maxElementBytes: 3 }), CodecError)
    assert.throws(() => new FrameReader(block).elements({ maxElements: 2, maxElementBytes: 2 }), CodecError)
    assert.throws(() => new FrameWriter(2 + 4 + 3).elements([1n << 24n], 3), CodecError)
  })

  test('a frame not filled to its size is refused by done, and the version is checked', () => {
    assert.throws(() => new FrameWriter(2).done(), CodecError)
    assert.throws(() => readKindCode(new FrameReader(Uint8Array.of(WIRE_VERSION + 1, 1))), CodecError)
  })
})
