/**
 * What a curious party of a statistics task holds: every stage total its own node computed,
 * read as an attacker would (at its node, stage by stage), over real libp2p nodes. Each test
 * passes only when the attack fails: the view is the same whichever of the other parties holds
 * which labels (found labels: the union and the counts, not who holds which), and the same for
 * any data with the same minimum and maximum (MinimumMaximum: nothing beyond them).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { nextBucketCount, readBuckets, taskDigest, INITIAL_BUCKETS, type TaskDescriptor } from '@simon-p2p/core'
import type { SimonNode, StatisticsTask } from '@simon-p2p/node'
import { nodeList, startNodes, taskId } from '../../packages/node/test/helpers.js'

async function runAt (nodes: readonly SimonNode[], id: string, microprotocol: string, inputs: unknown[]): Promise<StatisticsTask[]> {
  const list = nodeList(nodes)
  const tasks = nodes.map((node, myself) => node.createTask({ taskId: id, microprotocol, parameters: { digits_before: 4, digits_after: 3 }, network: { nodes: list, myself } }) as StatisticsTask)
  tasks.forEach((task, i) => task.input(inputs[i]))
  await Promise.all(tasks.map(async task => task.result()))
  return tasks
}

/** The totals of a stage as party 0's node holds them. */
async function stageTotals (node: SimonNode, id: string): Promise<bigint[]> {
  const stage = node.secureSum.getTask(id)
  assert.ok(stage !== undefined, `stage ${id} at party 0`)
  return ((await stage.result()).result.sum as Array<number | string>).map(v => BigInt(v))
}

async function forget (nodes: readonly SimonNode[], tasks: StatisticsTask[], id: string): Promise<void> {
  await Promise.all(tasks.map(async task => task.flush()))
  for (const node of nodes) node.deleteTask(id)
}

test('found labels: party 0 holds the same stage totals when parties 1 and 2 exchange their inputs', async (t) => {
  const nodes = await startNodes(t, 3, { taskTimeoutMs: 20_000, attemptTimeoutMs: 2000 })
  const id = taskId('view-labels')
  const own = ['A', 'B']
  const one = ['C', 'C', 'rare-label-of-party-1']
  const two = ['A', 'D', 'D', 'D']
  const views: bigint[][][] = []
  for (const inputs of [[own, one, two], [own, two, one]]) {
    const tasks = await runAt(nodes, id, 'StatisticsFrequency', inputs)
    const salt = taskDigest(tasks[0]!.descriptor as TaskDescriptor)
    const view: bigint[][] = []
    let buckets = INITIAL_BUCKETS
    for (let round = 0; ; round++) {
      const totals = await stageTotals(nodes[0]!, `${id}/labels/${round}/${buckets}`)
      view.push(totals)
      const reading = readBuckets(totals, salt, buckets)
      if (reading.complete) break
      buckets = nextBucketCount(buckets, reading.occupied, reading.collided, round)!
    }
    views.push(view)
    await forget(nodes, tasks, id)
  }
  assert.deepEqual(views[0], views[1], 'the same totals: nothing tells party 0 whether party 1 or party 2 holds rare-label-of-party-1')
})

test('MinimumMaximum: party 0 learns the same answers in the same rounds for any data with the same extremes', async (t) => {
  const nodes = await startNodes(t, 3, { taskTimeoutMs: 20_000, attemptTimeoutMs: 2000 })
  const id = taskId('view-extremes')
  const M = 1n << 64n
  const answers: boolean[][][] = []
  const lows: bigint[] = []
  for (const inputs of [[[2], [-5, 3], [7]], [[2], [7, 0, 6.5], [-5, 1, -4.999]]]) {
    const tasks = await runAt(nodes, id, 'MinimumMaximum', inputs)
    assert.deepEqual(await tasks[0]!.result(), { inputs: 3, result: { minimum: -5, maximum: 7 } })
    const rounds: boolean[][] = []
    for (let round = 0; nodes[0]!.secureSum.getTask(`${id}/extremes/${round}`) !== undefined; round++) {
      const totals = await stageTotals(nodes[0]!, `${id}/extremes/${round}`)
      rounds.push(totals.map(v => v % M !== 0n))
      lows.push(...totals.map(v => v % M))
    }
    answers.push(rounds)
    await forget(nodes, tasks, id)
  }
  assert.ok(answers[0]!.length >= 2, `${answers[0]!.length} rounds`)
  assert.deepEqual(answers[0], answers[1], 'the answers are a function of the extremes alone')
  // the non-zero low parts are random: no two alike, so they carry no count of holders
  const nonZero = lows.filter(v => v !== 0n)
  assert.equal(new Set(nonZero).size, nonZero.length)
})
