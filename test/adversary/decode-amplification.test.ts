/**
 * Decode amplification: a listed peer sends frames that would cost far more decoded than on the
 * wire (2^24 elements of one byte: 16.8 MB that would become 2^24 BigInts, about 512 MiB, and
 * seconds of blocked event loop), and the largest frames allowed, for a scalar task. Each is
 * refused from its header and its elements block's width and count, before a BigInt is made. The
 * victim runs in a process of its own, so its memory is measured alone; an unrelated sum with
 * two other nodes keeps completing during the attack, and the attacked task still completes.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_MAX_FRAME_BYTES } from '@simon-p2p/node'
import { nodeList, RawStream, startNodes, taskId } from '../hardening/support.js'
import { defaultWidth, shareFrame, sumsWithVictim, VictimProcess } from './victim.js'

/** A correctness bound, not a benchmark: the unrelated sum completes, and within this. */
const SUM_BOUND_MS = 5000

test('2^24 one-byte elements and the largest frames allowed, for a scalar task: refused before decoding; the victim\'s memory stays flat and an unrelated sum keeps completing', { timeout: 240_000 }, async t => {
  const victim = await VictimProcess.start(t)
  const [a, b, mallory] = await startNodes(t, 3, { taskTimeoutMs: 120_000, attemptTimeoutMs: 5000 })
  const width = defaultWidth(2)
  assert.equal(width, defaultWidth(3), 'the 2- and 3-party tasks have the same field')

  // the attacked task: a scalar sum of the victim (party 0) and mallory (party 1)
  const target = taskId('scalar')
  const pair = [victim.address, nodeList([mallory!])[0]!]
  await victim.createTask(target, pair, 0, { timeoutMs: 120_000 })
  const mallorysTask = mallory!.createTask({ taskId: target, microprotocol: 'SecureSum', network: { nodes: pair, myself: 1 }, timeoutMs: 120_000 })

  // the unrelated sum: the victim with a and b, a fresh task each time
  const unrelated = sumsWithVictim(victim, [a!, b!], 'unrelated')
  const warm = await unrelated()
  const raw = await RawStream.openAt(mallory!.libp2p, victim.address)
  const start = await victim.memory()
  const oneByte = shareFrame(target, 1, 1 << 24, 1)
  const fieldWide = shareFrame(target, 1, Math.floor((1 << 24) / width), width)
  const largest = shareFrame(target, 1, Math.floor((DEFAULT_MAX_FRAME_BYTES - 200) / width), width)
  assert.ok(largest.length <= DEFAULT_MAX_FRAME_BYTES)

  const latencies: number[] = []
  let attacking = true
  const background = (async () => { while (attacking) latencies.push(await unrelated()) })()
  const refusals = new Map<string, number>()
  const send = async (frame: Uint8Array): Promise<void> => {
    const reply = await raw.exchange(frame)
    assert.equal(reply.status, 'refused', `reply ${JSON.stringify(reply)}`)
    refusals.set(reply.code, (refusals.get(reply.code) ?? 0) + 1)
  }
  /** 8 frames of 2^24 one-byte elements (4 before the victim's input), 4 of the field's width, 2 of the largest size allowed. */
  const attack = async (disguise: (frame: Uint8Array) => Uint8Array, beforeInput: () => Promise<void>): Promise<void> => {
    for (let i = 0; i < 4; i++) await send(disguise(oneByte))
    await beforeInput()
    for (let i = 0; i < 4; i++) await send(disguise(oneByte))
    for (let i = 0; i < 4; i++) await send(disguise(fieldWide))
    for (let i = 0; i < 2; i++) await send(disguise(largest))
  }

  // Control: the same frames with an unknown kind in their second byte, refused from the header.
  // What the victim's memory grows by over them is what receiving frames of these sizes costs at
  // all (libp2p's buffers and copies on the way in, the frame buffered whole): the attack's baseline.
  await attack(frame => { const junk = frame.slice(); junk[1] = 99; return junk }, async () => {})
  const control = await victim.memory(true)
  // the attack: before the victim's input the task's vectors may be long, but one byte is not the
  // field's width; after it the task is a scalar: at most 2 elements, whatever their width
  await attack(frame => frame, async () => victim.input(target, 5))
  const attacked = await victim.memory()
  attacking = false
  await background

  const controlGrowth = control.peakRssMB - start.rssMB
  const beyond = attacked.peakRssMB - Math.max(control.peakRssMB, control.rssMB)
  const stall = Math.max(control.maxLoopDelayMs, attacked.maxLoopDelayMs)
  t.diagnostic(`attack frames: ${(oneByte.length / 2 ** 20).toFixed(1)} MiB of 2^24 x 1 byte (8), ${(fieldWide.length / 2 ** 20).toFixed(1)} MiB of ${Math.floor((1 << 24) / width)} x ${width} bytes (4), ${(largest.length / 2 ** 20).toFixed(1)} MiB, the largest allowed (2); replies ${JSON.stringify([...refusals])}`)
  t.diagnostic(`victim rss ${start.rssMB.toFixed(1)} MB at the start; the control frames took it to a peak of +${controlGrowth.toFixed(1)} MB; the attack frames added +${beyond.toFixed(1)} MB beyond that (heap after GC ${attacked.heapMB.toFixed(1)} MB); longest event-loop stall ${stall.toFixed(0)} ms`)
  t.diagnostic(`unrelated sums: warm ${warm.toFixed(0)} ms, ${latencies.length} during control and attack, slowest ${Math.max(...latencies).toFixed(0)} ms`)

  assert.deepEqual([...refusals], [['MALFORMED_FRAME', 28]], 'every frame refused as malformed (header, width or count), none decoded')
  // decoded, one 2^24-element frame alone would have made 2^24 BigInts: about 512 MiB, and the
  // attack sends eight. Receiving the same bytes refused at their header varies from run to run by
  // tens of MB of RSS (allocator and GC timing: 15 to 66 MB beyond the control seen here), so the
  // bound sits at a quarter of one decoded frame: far below what any decoded frame costs
  assert.ok(beyond < 128, `the attack frames grew the victim's RSS by ${beyond.toFixed(1)} MB beyond what the same bytes cost refused at their header`)
  assert.ok(attacked.heapMB - start.heapMB < 32, `heap after GC ${start.heapMB.toFixed(1)} -> ${attacked.heapMB.toFixed(1)} MB: nothing kept`)
  assert.ok(stall < 1000, `no decoding stall in the victim's event loop (longest ${stall.toFixed(0)} ms)`)
  assert.ok(latencies.length >= 1, 'unrelated sums completed during the attack')
  for (const ms of latencies) assert.ok(ms < SUM_BOUND_MS, `an unrelated sum took ${ms.toFixed(0)} ms during the attack`)

  // the refused frames changed nothing: mallory's honest input completes the scalar sum at both
  mallorysTask.input(7)
  for (const r of await Promise.all([victim.result(target), mallorysTask.result()])) assert.deepEqual(r, { inputs: 2, result: { samples: 2, sum: 12 } })
})
