/**
 * The wire format pinned byte for byte: one frame of every message kind and a reply, as the
 * codec of wire version 1 wrote them (recorded before the codecs were rebuilt on one frame
 * reader and writer). A node of the previous version must read what this one writes, and back.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { decodeMessage, decodeReply, encodeMessage, encodeReply, type Reply, type WireMessage } from '../src/wire/codec.js'
import { buildFastDataFrame } from '../src/wire/lean.js'
import { LITTLE_ENDIAN } from '../src/field/fast.js'

const digest = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
// a two-byte UTF-8 character in the task id, and a sender index above 255
const header = { taskId: 'task-λ', digest, from: 258 }
// version 01 | kind | task id length 07 | 'task-λ' | digest 01..20 | sender 00000102
const head = (kind: string): string => `01${kind}077461736b2dcebb0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2000000102`

const golden: Array<{ name: string, message: WireMessage, elementBytes: number, hex: string }> = [
  {
    name: 'share',
    message: { kind: 'share', ...header, shape: 'vector', descriptor: '{"v":1}', elements: [0n, 5n, (1n << 127n) - 2n] },
    elementBytes: 16,
    hex: head('01') + '01000000077b2276223a317d00100000000300000000000000000000000000000000000000000000000000000000000000057ffffffffffffffffffffffffffffffe'
  },
  {
    name: 'partial',
    message: { kind: 'partial', ...header, shape: 'scalar', elements: [1n, 0xabcdn] },
    elementBytes: 3,
    hex: head('02') + '0000030000000200000100abcd'
  },
  {
    name: 'confirm',
    message: { kind: 'confirm', ...header, hash: new Uint8Array(32).fill(0xab) },
    elementBytes: 16,
    hex: head('03') + 'ab'.repeat(32)
  },
  {
    name: 'abort',
    message: { kind: 'abort', ...header, code: 'DIGEST_MISMATCH', reason: 'party 1 — ü' },
    elementBytes: 16,
    hex: head('04') + '000f4449474553545f4d49534d41544348000e7061727479203120e2809420c3bc'
  },
  {
    name: 'propose',
    message: { kind: 'propose', ...header, members: [0, 2, 9] },
    elementBytes: 16,
    hex: head('20') + '0002a040'
  },
  {
    name: 'commit',
    message: { kind: 'commit', ...header, members: [1, 7, 8, 15], signature: Uint8Array.of(0xaa, 0xbb, 0xcc) },
    elementBytes: 16,
    // members, then the signature: u16 length 3 | aa bb cc
    hex: head('21') + '00024181' + '0003aabbcc'
  },
  {
    name: 'set-partial',
    message: { kind: 'set-partial', ...header, members: [0, 3], certificate: [{ party: 0, signature: Uint8Array.of(1) }, { party: 3, signature: Uint8Array.of(2, 3) }], shape: 'vector', elements: [7n, 256n] },
    elementBytes: 2,
    // members | u16 2 commits | (u32 0 | u16 1 | 01) (u32 3 | u16 2 | 02 03) | shape | elements
    hex: head('22') + '000190' + '0002' + '00000000000101' + '00000003' + '00020203' + '0100020000000200070100'
  },
  {
    name: 'lean-nonces',
    message: {
      kind: 'lean-nonces',
      ...header,
      pass: 'distribute',
      topology: 'tree',
      descriptor: '{"v":1}',
      entries: [
        { party: 0, nonce: new Uint8Array(16).fill(0x11), shape: 'scalar', length: 1, publicKey: new Uint8Array(32).fill(0xe0), signature: new Uint8Array(64).fill(0x50) },
        { party: 2, nonce: new Uint8Array(16).fill(0x22), shape: 'vector', length: 300, publicKey: new Uint8Array(32).fill(0xe2), signature: new Uint8Array(64).fill(0x52) }
      ]
    },
    elementBytes: 16,
    // pass 01 | tree 01 | descriptor u32 7 '{"v":1}' | u16 2 entries, each:
    // u32 party | 16-byte nonce | u8 shape | u32 length | 32-byte ephemeral key | 64-byte signature
    hex: head('10') + '0101000000077b2276223a317d0002' +
      '00000000' + '11'.repeat(16) + '00' + '00000001' + 'e0'.repeat(32) + '50'.repeat(64) +
      '00000002' + '22'.repeat(16) + '01' + '0000012c' + 'e2'.repeat(32) + '52'.repeat(64)
  },
  {
    // 3 pad bytes: the 46-byte header and 10 bytes of body put the u32 count at 60, the doubles at 64
    name: 'lean-data, fast profile',
    message: { kind: 'lean-data', ...header, phase: 'gather', step: 3, frame: 9, elements: Float64Array.of(5, 6, 2 ** 52 - 48) },
    elementBytes: 12,
    hex: head('11') + '0100000003000000090003000000000000030000000000001440000000000000' + '1840a0ffffffffff2f43'
  },
  {
    name: 'lean-data, wide profile',
    message: { kind: 'lean-data', ...header, phase: 'reduce', step: 1, frame: 0, elements: [1n, (1n << 89n) - 2n] },
    elementBytes: 12,
    hex: head('11') + '00000000010000000001000c0000000200000000000000000000000101fffffffffffffffffffffe'
  },
  {
    name: 'lean-confirm',
    message: {
      kind: 'lean-confirm',
      ...header,
      pass: 'collect',
      tags: [{ party: 1, blob: new Uint8Array(4).fill(0xc1) }, { party: 4, blob: new Uint8Array(4).fill(0xc4) }]
    },
    elementBytes: 16,
    hex: head('12') + '00' + '0002' + '00000004' + '00000001c1c1c1c1' + '00000004c4c4c4c4'
  }
]

const reply: Reply = { status: 'refused', code: 'TASK_UNKNOWN', message: 'no task ü' }
// version 01 | status 02 | code length 000c | code | message length 000a | message
const replyHex = '0102000c5441534b5f554e4b4e4f574e000a6e6f207461736b20c3bc'

describe('wire format, pinned bytes (version 1)', () => {
  for (const { name, message, elementBytes, hex } of golden) {
    test(`${name}: encoded as recorded, and the recorded frame decodes to it`, () => {
      assert.equal(bytesToHex(encodeMessage(message, elementBytes)), hex)
      assert.deepEqual(decodeMessage(hexToBytes(hex)), message)
    })
  }

  test('a fast data frame built in place is the recorded frame', { skip: !LITTLE_ENDIAN }, () => {
    const fast = golden.find(g => g.name === 'lean-data, fast profile')!
    const { elements, ...rest } = fast.message as Extract<WireMessage, { kind: 'lean-data' }>
    const built = buildFastDataFrame(rest, elements.length)!
    built.elements.set(elements as Float64Array)
    assert.equal(bytesToHex(built.wire), fast.hex)
  })

  test('reply: encoded as recorded, and the recorded reply decodes to it', () => {
    assert.equal(bytesToHex(encodeReply(reply)), replyHex)
    assert.deepEqual(decodeReply(hexToBytes(replyHex)), reply)
  })
})
