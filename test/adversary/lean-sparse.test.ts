/**
 * Lean mode on a sparse masking graph (parameter neighbours; above 100 parties by default), over
 * real libp2p nodes on 127.0.0.1: a relay of the tree that hands its child the inboxes of parties
 * outside the child's subtree (tags routed where they do not belong) is refused, naming it, and no
 * party ends with a total other than the true one.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { SimonNode } from '@simon-p2p/node'
import type { Reply } from '@simon-p2p/core'
import { decodeMessage, encodeMessage } from '../../packages/core/src/wire/codec.js'
import { createTasks, startNodes } from '../hardening/support.js'

interface ServiceInternals {
  channels: { send: (peerId: string, target: unknown, frame: Uint8Array, signal: AbortSignal, attemptTimeoutMs?: number) => Promise<Reply> }
}
const internals = (node: SimonNode): ServiceInternals => node.secureSum as unknown as ServiceInternals

test('a tree relay that routes another subtree\'s confirmation inboxes to its child is refused, naming it; no wrong total', async t => {
  const n = 12
  const nodes = await startNodes(t, n)
  // party 1 (children 3 and 4) hands party 3 the inboxes of its own subtree {3, 7, 8} and, besides, party 4's
  const channels = internals(nodes[1]!).channels
  const send = channels.send.bind(channels)
  const forged: Array<Promise<Reply>> = []
  channels.send = async (peerId, target, frame, signal, ms) => {
    if (peerId === nodes[3]!.peerId && frame.length > 0) {
      const m = decodeMessage(frame)
      if (m.kind === 'lean-confirm' && m.pass === 'distribute') {
        assert.deepEqual(m.tags.map(x => x.party), [3, 7, 8], 'party 3 is due the inboxes of its subtree only')
        const tags = [...m.tags.slice(0, 1), { party: 4, blob: Uint8Array.from(m.tags[0]!.blob) }, ...m.tags.slice(1)]
        const reply = send(peerId, target, encodeMessage({ ...m, tags }, 8), signal, ms)
        forged.push(reply)
        return reply
      }
    }
    return send(peerId, target, frame, signal, ms)
  }
  const tasks = createTasks(nodes, { parameters: { profile: 'fast', mode: 'lean', neighbours: 4 }, timeoutMs: 6000 })
  const inputs = Array.from({ length: n }, (_, p) => p + 1)
  tasks.forEach((task, i) => task.input(inputs[i]!))
  const outcomes = await Promise.allSettled(tasks.map(async task => task.result()))
  assert.equal(forged.length >= 1, true, 'party 1 sent party 3 the forged inboxes')
  const reply = await forged[0]!
  assert.equal(reply.status, 'refused', 'party 3 refuses inboxes of a party outside its subtree')
  assert.equal(reply.code, 'PROTOCOL_VIOLATION')
  assert.match(reply.message, /party 1\b/, 'the refusal names the relay')
  assert.equal(outcomes[3]!.status, 'rejected', 'party 3 ends without a result')
  const total = inputs.reduce((a, b) => a + b, 0)
  for (const o of outcomes) if (o.status === 'fulfilled') assert.deepEqual(o.value.result, { samples: n, sum: total })
})
