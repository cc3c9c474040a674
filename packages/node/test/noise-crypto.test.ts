/**
 * Noise's crypto with X25519 off DER: the same secret as the library's default for any key pair
 * (both ends), also for the pairs it makes itself (their KeyObjects kept) and after such a pair's
 * bytes were changed, a low-order public key refused as the default refuses it, and a node that
 * uses it completes Noise handshakes with a libp2p node on the library's default.
 */
import '@simon-p2p/node' // first: the Promise.withResolvers polyfill (Node 20)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { noiseCrypto } from '../src/noise-crypto.js'
import { LOOPBACK, startNodes } from './helpers.js'

const publicKeyOf = (privateKey: Uint8Array): Uint8Array => defaultCrypto.generateX25519KeyPairFromSeed(privateKey).publicKey

test('the agreement equals the default crypto\'s, at both ends, for any private keys', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
    const ours = noiseCrypto.generateX25519SharedKey(a, publicKeyOf(b))
    assert.deepEqual(new Uint8Array(ours), new Uint8Array(defaultCrypto.generateX25519SharedKey(a, publicKeyOf(b))))
    assert.deepEqual(new Uint8Array(ours), new Uint8Array(noiseCrypto.generateX25519SharedKey(b, publicKeyOf(a))))
  }), { numRuns: 200 })
})

test('a pair it makes agrees as the default does with the same bytes, also once those bytes are changed', () => {
  for (let i = 0; i < 50; i++) {
    const own = noiseCrypto.generateX25519KeyPair()
    assert.deepEqual(own.publicKey, defaultCrypto.generateX25519KeyPairFromSeed(own.privateKey).publicKey)
    const other = defaultCrypto.generateX25519KeyPair()
    assert.deepEqual(new Uint8Array(noiseCrypto.generateX25519SharedKey(own.privateKey, other.publicKey)), new Uint8Array(defaultCrypto.generateX25519SharedKey(own.privateKey, other.publicKey)))
    own.privateKey[0]! ^= 0x40
    assert.deepEqual(new Uint8Array(noiseCrypto.generateX25519SharedKey(own.privateKey, other.publicKey)), new Uint8Array(defaultCrypto.generateX25519SharedKey(own.privateKey, other.publicKey)))
  }
})

test('a low-order public key (all zeros) is refused, as the default refuses it', () => {
  const own = defaultCrypto.generateX25519KeyPair()
  assert.throws(() => defaultCrypto.generateX25519SharedKey(own.privateKey, new Uint8Array(32)))
  assert.throws(() => noiseCrypto.generateX25519SharedKey(own.privateKey, new Uint8Array(32)))
})

test('a SimonNode completes a Noise handshake with a libp2p node on the default crypto', async t => {
  const other = await createLibp2p({ addresses: { listen: [LOOPBACK] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  t.after(async () => other.stop())
  const [node] = await startNodes(t, 1)
  const connection = await node!.libp2p.dial(multiaddr(other.getMultiaddrs()[0]!))
  assert.equal(connection.remotePeer.toString(), other.peerId.toString())
  assert.equal(connection.encryption, '/noise')
})
