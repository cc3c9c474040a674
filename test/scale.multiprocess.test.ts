/**
 * Scale, cheaply: one scalar SecureSum of 160 parties hosted by 4 worker processes of the
 * benchmark (real OS processes, each party a SimonNode over TCP on 127.0.0.1; the workers are
 * ended by PID), in mode auto (lean mode on the tree, every party masked with every other).
 * Every party must report a run, and the sum of all 160 inputs: inputs have three decimals, and
 * the benchmark checks each party's sum to 1.6 x 10^-4, under their resolution. How long it takes
 * is the benchmark's figure (`simon bench --scale <parties>`), not this test's.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execSync } from 'node:child_process'
import { FAST_FRAME_ELEMENTS } from '@simon-p2p/core'
import { measure, type CaseSpec } from '../packages/cli/dist/bench/runner.js'

const PARTIES = 160
const PROCESSES = 4

test(`one scalar sum of ${PARTIES} parties in ${PROCESSES} processes: every party holds the exact sum`, async () => {
  const spec: CaseSpec = { name: `scalar-${PARTIES}`, parties: PARTIES, length: 0, processes: PROCESSES, kind: 'single', runs: 0, parameters: {}, frameElements: FAST_FRAME_ELEMENTS }
  const m = await measure(spec, 'secure')
  assert.equal(m.problem, undefined)
  assert.equal(m.ok, true)
  assert.equal(m.mode, 'lean')
  assert.equal(m.runs, 1)
  // traced: at least up the tree (7 levels below the root) and back down
  assert.ok(m.hops >= 2 * Math.floor(Math.log2(PARTIES)), `hops ${m.hops}`)
  assert.ok(m.peakRssMBPerParty > 0 && m.peakRssMBPerParty < m.rssMB, `peak RSS per party ${m.peakRssMBPerParty} MB, per process ${m.rssMB} MB`)
  const left = execSync('ps -eo pid,args').toString().split('\n').filter(a => a.includes('bench/worker.js') && a.includes(process.cwd()))
  assert.deepEqual(left, [])
})
