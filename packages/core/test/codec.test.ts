import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  decodeMessage, decodeReply, DEFAULT_DECODE_LIMITS, encodeMessage, encodeReply, WIRE_VERSION,
  type Reply, type WireMessage
} from '../src/wire/codec.js'
import { CodecError } from '../src/errors.js'

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { ignoreBOM: true })
/** No lone surrogates: the text survives UTF-8 unchanged. */
const wellFormed = (s: string): boolean => strictUtf8.decode(utf8.encode(s)) === s

function isCodecError (err: unknown): boolean {
  assert.ok(err instanceof CodecError, `expected CodecError, got ${String(err)}`)
  assert.equal(err.name, 'CodecError')
  assert.equal(err.code, 'MALFORMED_FRAME')
  return true
}

const DIGEST = Uint8Array.from({ length: 32 }, (_, i) => i + 1)

const samples: Array<[WireMessage, number]> = [
  [{ kind: 'share', taskId: 'task-1', digest: DIGEST, from: 2, shape: 'scalar', descriptor: '{"v":1}', elements: [5n, (1n << 127n) - 2n] }, 16],
  [{ kind: 'share', taskId: 'task-1', digest: DIGEST, from: 0, shape: 'vector', descriptor: '', elements: [0n, 1n, 2n, 3n] }, 1],
  [{ kind: 'partial', taskId: 'ü-task', digest: DIGEST, from: 1, shape: 'vector', elements: [1n, 2n, 3n] }, 8],
  [{ kind: 'partial', taskId: 't', digest: DIGEST, from: 4294967295, shape: 'scalar', elements: [] }, 16],
  [{ kind: 'confirm', taskId: 'task-1', digest: DIGEST, from: 1, hash: new Uint8Array(32).fill(0xab) }, 16],
  [{ kind: 'abort', taskId: 'task-1', digest: DIGEST, from: 0, code: 'DIGEST_MISMATCH', reason: 'parameters.digits_after: 12 here, 6 at party 1 — ü' }, 16],
  [{ kind: 'abort', taskId: 'task-1', digest: DIGEST, from: 0, code: '', reason: '' }, 16]
]

// Arbitraries ---------------------------------------------------------------------------------

const taskIdArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter(s => {
  const n = utf8.encode(s).length
  return n >= 1 && n <= 128 && wellFormed(s)
})
const textArb = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength: max }).filter(s => s.length <= max && wellFormed(s))
const header = {
  taskId: taskIdArb,
  digest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  from: fc.nat({ max: 0xffffffff })
}
const withElements = fc.integer({ min: 1, max: 20 }).chain(width => fc.record({
  width: fc.constant(width),
  elements: fc.array(fc.bigInt({ min: 0n, max: (1n << BigInt(8 * width)) - 1n }), { maxLength: 8 })
}))
const messageArb: fc.Arbitrary<[WireMessage, number]> = fc.oneof(
  fc.record({ ...header, shape: fc.constantFrom('scalar' as const, 'vector' as const), descriptor: textArb(200), e: withElements })
    .map(({ e, ...h }): [WireMessage, number] => [{ kind: 'share', ...h, elements: e.elements }, e.width]),
  fc.record({ ...header, shape: fc.constantFrom('scalar' as const, 'vector' as const), e: withElements })
    .map(({ e, ...h }): [WireMessage, number] => [{ kind: 'partial', ...h, elements: e.elements }, e.width]),
  fc.record({ ...header, hash: fc.uint8Array({ minLength: 32, maxLength: 32 }), w: fc.integer({ min: 1, max: 64 }) })
    .map(({ w, ...h }): [WireMessage, number] => [{ kind: 'confirm', ...h }, w]),
  fc.record({ ...header, code: textArb(64), reason: textArb(300), w: fc.integer({ min: 1, max: 64 }) })
    .map(({ w, ...h }): [WireMessage, number] => [{ kind: 'abort', ...h }, w])
)

// Helpers to build hand-made frames ------------------------------------------------------------

function u32 (v: number): number[] { return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff] }
function u16 (v: number): number[] { return [(v >>> 8) & 0xff, v & 0xff] }
function frameHeader (kind: number, taskId: number[] = [0x74], from = 1): number[] {
  return [WIRE_VERSION, kind, taskId.length, ...taskId, ...DIGEST, ...u32(from)]
}

describe('encodeMessage / decodeMessage', () => {
  test('round trip of every message kind', () => {
    for (const [m, w] of samples) assert.deepEqual(decodeMessage(encodeMessage(m, w)), m)
  })

  test('property: round trip of random messages', () => {
    fc.assert(fc.property(messageArb, ([m, w]) => {
      const frame = encodeMessage(m, w)
      assert.deepEqual(decodeMessage(frame), m)
      // a frame inside a larger buffer decodes the same
      const padded = new Uint8Array(frame.length + 7)
      padded.set(frame, 3)
      assert.deepEqual(decodeMessage(padded.subarray(3, 3 + frame.length)), m)
    }), { numRuns: 300 })
  })

  test('known answer: partial frame layout', () => {
    const m: WireMessage = { kind: 'partial', taskId: 'ab', digest: DIGEST, from: 258, shape: 'vector', elements: [1n, 0x0203n] }
    const expected = [1, 2, 2, 0x61, 0x62, ...DIGEST, 0, 0, 1, 2, 1, 0, 2, 0, 0, 0, 2, 0, 1, 2, 3]
    assert.deepEqual([...encodeMessage(m, 2)], expected)
  })

  test('known answer: abort and confirm frame layout', () => {
    const abort: WireMessage = { kind: 'abort', taskId: 't', digest: DIGEST, from: 0, code: 'AB', reason: 'é' }
    assert.deepEqual([...encodeMessage(abort, 16)], [...frameHeader(4, [0x74], 0), 0, 2, 0x41, 0x42, 0, 2, 0xc3, 0xa9])
    const hash = new Uint8Array(32).fill(9)
    const confirm: WireMessage = { kind: 'confirm', taskId: 't', digest: DIGEST, from: 3, hash }
    assert.deepEqual([...encodeMessage(confirm, 16)], [...frameHeader(3, [0x74], 3), ...hash])
  })

  test('a task id starting with U+FEFF survives', () => {
    const m: WireMessage = { kind: 'partial', taskId: '\uFEFFtask', digest: DIGEST, from: 1, shape: 'scalar', elements: [1n, 2n] }
    assert.equal(decodeMessage(encodeMessage(m, 16)).taskId, '\uFEFFtask')
    const a: WireMessage = { kind: 'abort', taskId: 't', digest: DIGEST, from: 1, code: '\uFEFFC', reason: '\uFEFFwhy' }
    assert.deepEqual(decodeMessage(encodeMessage(a, 16)), a)
  })

  test('abort code and reason are cut to 64 and 4000 characters', () => {
    const m: WireMessage = { kind: 'abort', taskId: 't', digest: DIGEST, from: 0, code: 'C'.repeat(100), reason: 'r'.repeat(5000) }
    const back = decodeMessage(encodeMessage(m, 16))
    assert.ok(back.kind === 'abort')
    assert.equal(back.code, 'C'.repeat(64))
    assert.equal(back.reason, 'r'.repeat(4000))
  })

  test('encoding refuses what the format cannot carry', () => {
    const base = samples[2]![0]
    assert.throws(() => encodeMessage({ ...base, taskId: '' }, 8), isCodecError)
    assert.throws(() => encodeMessage({ ...base, taskId: 'x'.repeat(129) }, 8), isCodecError)
    assert.throws(() => encodeMessage({ ...base, taskId: 'é'.repeat(65) }, 8), isCodecError)
    assert.throws(() => encodeMessage({ ...base, digest: new Uint8Array(31) }, 8), isCodecError)
    assert.throws(() => encodeMessage({ ...base, kind: 'partial', shape: 'scalar', elements: [1n << 64n] } as WireMessage, 8), isCodecError)
    assert.throws(() => encodeMessage({ ...base, kind: 'partial', shape: 'scalar', elements: [-1n] } as WireMessage, 8), isCodecError)
    assert.throws(() => encodeMessage({ kind: 'confirm', taskId: 't', digest: DIGEST, from: 0, hash: new Uint8Array(33) }, 8), isCodecError)
    assert.deepEqual(decodeMessage(encodeMessage({ ...base, kind: 'partial', shape: 'scalar', elements: [(1n << 64n) - 1n] } as WireMessage, 8)).kind, 'partial')
  })

  test('every strict prefix of a valid frame is refused', () => {
    for (const [m, w] of samples) {
      const frame = encodeMessage(m, w)
      for (let k = 0; k < frame.length; k++) {
        assert.throws(() => decodeMessage(frame.subarray(0, k)), isCodecError, `${m.kind} prefix of ${k} bytes`)
      }
    }
  })

  test('trailing bytes are refused', () => {
    for (const [m, w] of samples) {
      const frame = encodeMessage(m, w)
      for (const extra of [[0], [1, 2, 3]]) {
        assert.throws(() => decodeMessage(Uint8Array.from([...frame, ...extra])), isCodecError, m.kind)
      }
    }
  })

  test('unknown version, kind and shape are refused', () => {
    const frame = encodeMessage(samples[2]![0], samples[2]![1])
    for (const version of [0, 2, 255]) {
      const f = frame.slice()
      f[0] = version
      assert.throws(() => decodeMessage(f), isCodecError, `version ${version}`)
    }
    for (const kind of [0, 5, 255]) {
      const f = frame.slice()
      f[1] = kind
      assert.throws(() => decodeMessage(f), isCodecError, `kind ${kind}`)
    }
    const shapeAt = 3 + 'ü-task'.length + 1 + 32 + 4 // 'ü' is two bytes
    assert.equal(frame[shapeAt], 1)
    const f = frame.slice()
    f[shapeAt] = 2
    assert.throws(() => decodeMessage(f), isCodecError, 'shape 2')
  })

  test('a task id length of 0 or over 128 is refused', () => {
    assert.throws(() => decodeMessage(Uint8Array.from([1, 3, 0, ...DIGEST, 0, 0, 0, 0, ...new Uint8Array(32)])), isCodecError)
    const long = new Array(129).fill(0x61)
    assert.throws(() => decodeMessage(Uint8Array.from([...frameHeader(3, long), ...new Uint8Array(32)])), isCodecError)
    const ok = new Array(128).fill(0x61)
    assert.equal(decodeMessage(Uint8Array.from([...frameHeader(3, ok), ...new Uint8Array(32)])).taskId, 'a'.repeat(128))
  })

  test('element width 0 or over the limit is refused', () => {
    for (const width of [0, 641, 65535]) {
      const frame = Uint8Array.from([...frameHeader(2), 0, ...u16(width), ...u32(1), ...new Uint8Array(Math.max(width, 1))])
      assert.throws(() => decodeMessage(frame), isCodecError, `width ${width}`)
    }
    const limits = { maxElements: 10, maxElementBytes: 4 }
    assert.throws(() => decodeMessage(Uint8Array.from([...frameHeader(2), 0, ...u16(5), ...u32(1), 0, 0, 0, 0, 7]), limits), isCodecError)
    assert.deepEqual((decodeMessage(Uint8Array.from([...frameHeader(2), 0, ...u16(4), ...u32(1), 0, 0, 0, 7]), limits) as { elements: bigint[] }).elements, [7n])
  })

  test('an element count over the limit is refused before anything is allocated', () => {
    // 47 bytes: header with a one-byte task id, shape, width 16, count 2^31, and no elements at all
    const frame = Uint8Array.from([...frameHeader(2), 1, ...u16(16), ...u32(0x80000000)])
    assert.equal(frame.length, 47)
    const t0 = performance.now()
    assert.throws(() => decodeMessage(frame), isCodecError)
    // even with the limits raised, the missing bytes are noticed before allocating
    assert.throws(() => decodeMessage(frame, { maxElements: 2 ** 32, maxElementBytes: 640 }), isCodecError)
    const wide = Uint8Array.from([...frameHeader(2), 1, ...u16(640), ...u32(0xffffffff)])
    assert.throws(() => decodeMessage(wide, { maxElements: 2 ** 32, maxElementBytes: 640 }), isCodecError)
    assert.ok(performance.now() - t0 < 100, `took ${performance.now() - t0} ms`)
    // the same for a share, whose descriptor length comes first
    const share = Uint8Array.from([...frameHeader(1), 0, ...u32(0), ...u16(16), ...u32(DEFAULT_DECODE_LIMITS.maxElements + 1)])
    assert.throws(() => decodeMessage(share), isCodecError)
    const hugeDescriptor = Uint8Array.from([...frameHeader(1), 0, ...u32(0xffffffff)])
    assert.throws(() => decodeMessage(hugeDescriptor), isCodecError)
  })

  test('a count at the limit is fine, one over is refused', () => {
    const limits = { maxElements: 3, maxElementBytes: 1 }
    const ok = Uint8Array.from([...frameHeader(2), 1, ...u16(1), ...u32(3), 4, 5, 6])
    assert.deepEqual((decodeMessage(ok, limits) as { elements: bigint[] }).elements, [4n, 5n, 6n])
    const over = Uint8Array.from([...frameHeader(2), 1, ...u16(1), ...u32(4), 4, 5, 6, 7])
    assert.throws(() => decodeMessage(over, limits), isCodecError)
  })

  test('invalid UTF-8 is refused in the task id, descriptor, code and reason', () => {
    for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80] /* a surrogate */, [0xc0, 0xaf] /* overlong */, [0xe2, 0x82]]) {
      assert.throws(() => decodeMessage(Uint8Array.from([...frameHeader(3, bad), ...new Uint8Array(32)])), isCodecError, `task id ${bad.join(',')}`)
      assert.throws(() => decodeMessage(Uint8Array.from([...frameHeader(1), 0, ...u32(bad.length), ...bad, ...u16(1), ...u32(0)])), isCodecError, 'descriptor')
      assert.throws(() => decodeMessage(Uint8Array.from([...frameHeader(4), ...u16(bad.length), ...bad, ...u16(0)])), isCodecError, 'code')
      assert.throws(() => decodeMessage(Uint8Array.from([...frameHeader(4), ...u16(0), ...u16(bad.length), ...bad])), isCodecError, 'reason')
    }
  })

  test('property: random bytes either decode or throw CodecError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      try {
        const m = decodeMessage(bytes)
        assert.ok(['share', 'partial', 'confirm', 'abort'].includes(m.kind))
      } catch (err) {
        isCodecError(err)
      }
    }), { numRuns: 1000 })
  })

  test('property: random frames with a valid start either decode or throw CodecError', () => {
    const start = fc.record({ kind: fc.integer({ min: 1, max: 4 }), id: fc.uint8Array({ minLength: 0, maxLength: 5 }), body: fc.uint8Array({ maxLength: 60 }) })
      .map(({ kind, id, body }) => Uint8Array.from([WIRE_VERSION, kind, id.length, ...id, ...DIGEST, 0, 0, 0, 1, ...body]))
    fc.assert(fc.property(start, (bytes) => {
      try {
        decodeMessage(bytes, { maxElements: 16, maxElementBytes: 16 })
      } catch (err) {
        isCodecError(err)
      }
    }), { numRuns: 1000 })
  })

  test('property: valid frames with a byte changed either decode or throw CodecError', () => {
    fc.assert(fc.property(messageArb, fc.nat(), fc.integer({ min: 1, max: 255 }), ([m, w], at, xor) => {
      const frame = encodeMessage(m, w)
      frame[at % frame.length]! ^= xor
      try {
        decodeMessage(frame)
      } catch (err) {
        isCodecError(err)
      }
    }), { numRuns: 500 })
  })
})

describe('encodeReply / decodeReply', () => {
  const replyArb: fc.Arbitrary<Reply> = fc.record({
    status: fc.constantFrom('accepted' as const, 'held' as const, 'refused' as const),
    code: textArb(64),
    message: textArb(300)
  }).map(r => ({ ...r }))

  test('round trip', () => {
    const r: Reply = { status: 'refused', code: 'DIGEST_MISMATCH', message: 'parameters.digits_after differs' }
    assert.deepEqual(decodeReply(encodeReply(r)), r)
    fc.assert(fc.property(replyArb, (reply) => {
      assert.deepEqual(decodeReply(encodeReply(reply)), reply)
    }), { numRuns: 300 })
  })

  test('known answer', () => {
    assert.deepEqual([...encodeReply({ status: 'accepted', code: '', message: '' })], [1, 0, 0, 0, 0, 0])
    assert.deepEqual([...encodeReply({ status: 'held', code: 'H', message: 'm' })], [1, 1, 0, 1, 0x48, 0, 1, 0x6d])
    assert.deepEqual([...encodeReply({ status: 'refused', code: '', message: '' })], [1, 2, 0, 0, 0, 0])
  })

  test('code and message are cut to 64 and 4000 characters', () => {
    const back = decodeReply(encodeReply({ status: 'held', code: 'c'.repeat(70), message: 'm'.repeat(4001) }))
    assert.equal(back.code.length, 64)
    assert.equal(back.message.length, 4000)
  })

  test('refuses unknown version and status, prefixes and trailing bytes', () => {
    const frame = encodeReply({ status: 'held', code: 'HELD', message: 'waiting for the task' })
    for (let k = 0; k < frame.length; k++) assert.throws(() => decodeReply(frame.subarray(0, k)), isCodecError, `prefix ${k}`)
    assert.throws(() => decodeReply(Uint8Array.from([...frame, 0])), isCodecError)
    assert.throws(() => decodeReply(Uint8Array.from([2, 0, 0, 0, 0, 0])), isCodecError)
    assert.throws(() => decodeReply(Uint8Array.from([1, 3, 0, 0, 0, 0])), isCodecError)
    assert.throws(() => decodeReply(Uint8Array.from([1, 0, 0, 1, 0xff, 0, 0])), isCodecError)
  })

  test('property: random bytes either decode or throw CodecError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      try {
        const r = decodeReply(bytes)
        assert.ok(['accepted', 'held', 'refused'].includes(r.status))
      } catch (err) {
        isCodecError(err)
      }
    }), { numRuns: 1000 })
  })
})
