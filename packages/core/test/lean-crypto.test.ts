/** Lean mode's key derivation and tags: HKDF over an injected HMAC equals RFC 5869's, keys are symmetric; the statement an ephemeral key is signed under binds every field. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { confirmTag, ephemeralStatement, frameIv, hkdfWith, pairKeys, portableHmac, type Hmac } from '../src/protocols/lean/crypto.js'

const nodeHmac: Hmac = (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest())

test('hkdfWith is HKDF-SHA256 (RFC 5869), with the portable or a native HMAC', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 100 }), (ikm, salt, info, length) => {
    const expected = hkdf(sha256, ikm, salt, info, length)
    assert.deepEqual(hkdfWith(portableHmac, ikm, salt, info, length), expected)
    assert.deepEqual(hkdfWith(nodeHmac, ikm, salt, info, length), expected)
  }), { numRuns: 200 })
})

test('RFC 5869 test case 1', () => {
  const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
  const okm = hkdfWith(portableHmac, hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42)
  assert.equal(Buffer.from(okm).toString('hex'), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865')
})

test('pair keys are the same from both ends, differ by pair, nonces and digest; tags by key and hash', () => {
  const secret = new Uint8Array(32).fill(9)
  const digest = new Uint8Array(32).fill(1)
  const nonces = new Uint8Array(32).fill(2)
  const ab = pairKeys(secret, digest, nonces, 2, 5)
  assert.deepEqual(pairKeys(secret, digest, nonces, 5, 2, nodeHmac), ab)
  assert.equal(ab.mask.length, 16)
  assert.equal(ab.tag.length, 32)
  assert.notDeepEqual(pairKeys(secret, digest, nonces, 2, 6).mask, ab.mask)
  assert.notDeepEqual(pairKeys(secret, digest, new Uint8Array(32).fill(3), 2, 5).mask, ab.mask)
  assert.notDeepEqual(pairKeys(secret, new Uint8Array(32), nonces, 2, 5).mask, ab.mask)
  const hash = new Uint8Array(32).fill(4)
  assert.deepEqual(confirmTag(ab.tag, hash), confirmTag(ab.tag, hash, nodeHmac))
  assert.equal(confirmTag(ab.tag, hash).length, 16)
  assert.notDeepEqual(confirmTag(ab.tag, new Uint8Array(32)), confirmTag(ab.tag, hash))
  assert.deepEqual(frameIv(258), Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0))
})

test('the signed statement of an ephemeral key: the domain tag, then digest, party, nonce and key; any change makes another', () => {
  const digest = new Uint8Array(32).fill(1)
  const nonce = new Uint8Array(16).fill(2)
  const key = new Uint8Array(32).fill(3)
  const statement = ephemeralStatement(digest, 258, nonce, key)
  const tag = new TextEncoder().encode('simon-p2p/lean/v1/ephemeral-key')
  assert.deepEqual(statement, Uint8Array.from([...tag, ...digest, 0, 0, 1, 2, ...nonce, ...key]))
  for (const other of [
    ephemeralStatement(new Uint8Array(32).fill(9), 258, nonce, key),
    ephemeralStatement(digest, 259, nonce, key),
    ephemeralStatement(digest, 258, new Uint8Array(16).fill(9), key),
    ephemeralStatement(digest, 258, nonce, new Uint8Array(32).fill(9))
  ]) assert.notDeepEqual(other, statement)
})
