/**
 * Test-only helpers for lean mode (not a test file itself): a LeanCrypto from node:crypto with
 * pair secrets everyone can compute (tests only!), and PeerId-shaped names for a task's parties.
 * The network they run on is sim.ts.
 */
import { createCipheriv, createHash } from 'node:crypto'
import type { LeanCrypto } from '../src/protocols/lean/crypto.js'
import type { TaskDescriptor } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'

const ZEROS = new Uint8Array(1 << 21)

/** AES-128-CTR keystream, as the node layer has it. */
export function aesKeystream (key: Uint8Array, iv: Uint8Array): (length: number) => Uint8Array {
  const cipher = createCipheriv('aes-128-ctr', key, iv)
  return (length: number) => {
    let out = new Uint8Array(0)
    while (out.length < length) {
      const chunk = cipher.update(ZEROS.subarray(0, Math.min(ZEROS.length, length - out.length)))
      const next = new Uint8Array(out.length + chunk.length)
      next.set(out); next.set(chunk, out.length)
      out = next
    }
    return out
  }
}

/** A LeanCrypto whose pair secret is a hash of both PeerIds: symmetric, but public. Tests only. */
export function testLeanCrypto (self: string): LeanCrypto {
  return {
    keystream: aesKeystream,
    pairSecret: (peer: string) => new Uint8Array(createHash('sha256').update([self, peer].sort().join('|')).digest()),
    sha256: data => new Uint8Array(createHash('sha256').update(data).digest())
  }
}

/** PeerId-shaped names for n parties. */
export function peerNames (n: number): string[] {
  return Array.from({ length: n }, (_, i) => `12D3KooWtestpeer${String(i).padStart(4, '0')}`)
}

export function descriptorFor (n: number, parameters: unknown, taskId = 'lean-task'): TaskDescriptor {
  return { taskId, microprotocol: 'SecureSum', parameters: resolveParameters(parameters, n), peers: peerNames(n) }
}
