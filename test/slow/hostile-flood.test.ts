/**
 * A listed peer that writes frames forever and never reads a reply (slow suite). The node answers
 * each frame and keeps nothing of it, so the memory it spends stays flat; the flooder's own unread
 * replies fill its stream's read buffer (4 MiB) and end its stream. Honest sums complete while the
 * flood runs. (Faster hostile-stream cases: test/hardening/hostile-streams.test.ts.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  concat, formatMemory, memoryAfterGc, nodeList, RawStream, secureSum, startNodes, taskId, varint
} from '../hardening/support.js'

test('a listed peer that writes frames forever and never reads a reply: the node\'s memory stays flat, the stream ends, honest sums complete meanwhile', { timeout: 300_000 }, async t => {
  const [victim, b, c, mallory] = await startNodes(t, 4)
  victim!.createTask({ taskId: taskId('bait'), microprotocol: 'SecureSum', network: { nodes: nodeList([victim!, mallory!]), myself: 0 } })
  const before = await memoryAfterGc()
  // tiny frames (one length byte and 7 bytes of garbage) with long answers: the most replies per byte
  const frame = concat([varint(7), randomBytes(7)])
  const raw = await RawStream.open(mallory!.libp2p, victim!)
  const started = Date.now()
  let sent = 0
  let ended = ''
  const flood = (async () => {
    while (Date.now() - started < 180_000) {
      if (raw.stream.status !== 'open') { ended = `stream ${raw.stream.status}`; return }
      if (!raw.stream.send(frame)) {
        try { await raw.stream.onDrain({ signal: AbortSignal.timeout(5000) }) } catch { ended = 'stalled for 5 s'; return }
      }
      sent++
      // mallory shares this process with the honest parties: let them run between her writes
      if (sent % 256 === 0) await new Promise(resolve => setImmediate(resolve))
    }
    ended = 'still writing after 180 s'
  })()
  let sums = 0
  while (ended === '') {
    for (const r of await secureSum([victim!, b!, c!], [sums, 1, 2])) assert.equal(r.result.sum, sums + 3)
    sums++
  }
  await flood
  const after = await memoryAfterGc()
  const seconds = (Date.now() - started) / 1000
  t.diagnostic(`flood of ${sent} frames (${(sent * frame.length / 2 ** 20).toFixed(1)} MB) over ${seconds.toFixed(0)} s ended: ${ended}; ${sums} honest sums meanwhile; victim ${formatMemory(before)} -> ${formatMemory(after)}; frames the victim took and answered: ${victim!.stats().framesReceived}`)
  assert.notEqual(ended, 'still writing after 180 s')
  assert.ok(sums >= 1, 'honest sums completed during the flood')
  assert.ok(after.heapMB - before.heapMB < 32, `heap ${formatMemory(before)} -> ${formatMemory(after)}`)
  // and after it
  for (const r of await secureSum([victim!, b!, c!], [10, 7, 14])) assert.equal(r.result.sum, 31)
})
