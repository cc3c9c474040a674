/**
 * A benchmark worker process: hosts some parties (one SimonNode each, TCP on 127.0.0.1), makes
 * their inputs, and runs the sums `simon bench` asks for, reporting wall-clock times, bytes
 * sent and, when stopped, its peak RSS. Started by `simon bench` with child_process.fork.
 */
import '@simon-p2p/node'
import { readFileSync } from 'node:fs'
import type { PrivateKey } from '@libp2p/interface'
import { chooseMode, isStatisticsMicroprotocol, UNIVARIATE_ELEMENTS, type InputValue } from '@simon-p2p/core'
import { generateIdentity, peerIdOf, SecureSumTask, SimonNode } from '@simon-p2p/node'
import { PlainSum } from './plain.js'
import { benchInput, elementSum, plainStatistics, type BenchCase, type Drop, type FromWorker, type PartyRun, type ToWorker } from './protocol.js'

const now = (): number => performance.timeOrigin + performance.now()

interface Party {
  readonly index: number
  readonly key: PrivateKey
  node?: SimonNode
  plain?: PlainSum
  input?: InputValue
}

let parties: Party[] = []
let benchCase: BenchCase | undefined
/** The host link's sent-bytes counter, when this worker has a host of its own. */
let linkCounter: string | undefined

function send (message: FromWorker): void {
  process.send!(message)
}

function resultCheck (sum: unknown): number {
  if (typeof sum === 'number') return sum
  if (typeof sum === 'string') return Number(sum)
  if (sum instanceof Float64Array) return elementSum(sum)
  if (Array.isArray(sum)) return elementSum(sum.map(Number))
  return NaN
}

async function secureSum (p: Party, id: string, parameters: Record<string, unknown>, nodes: string[], account: boolean, microprotocol = 'SecureSum', drop?: Drop): Promise<PartyRun> {
  const node = p.node!
  const before = node.stats().bytesWritten
  const inputAt = now()
  const task = node.createTask({ taskId: id, microprotocol, parameters, network: { nodes, myself: p.index } })
  if (drop !== undefined && task instanceof SecureSumTask) {
    // drop out as a killed party would: the node stops, every connection cut, at that step
    const stopped = new Promise<'step'>(resolve => task.onProgress(e => { if (e.event === 'step' && e.step === drop.step) resolve('step') }))
    task.input(p.input!)
    // a party that passed its step without entering it (not every party enters every step) finishes
    if (await Promise.race([stopped, task.result().then(() => 'done' as const, () => 'step' as const)]) === 'step') {
      const bytesSent = node.stats().bytesWritten - before
      await node.stop()
      return { party: p.index, inputAt, resultAt: inputAt, bytesSent, check: NaN, dropped: true }
    }
  } else {
    task.input(p.input! as never)
  }
  const result = await task.result()
  const agreed = task instanceof SecureSumTask ? task.status().agreement?.inputs : undefined
  const resultAt = now()
  const statistics = isStatisticsMicroprotocol(microprotocol)
  // a statistics task sums a vector of its own (the power sums), then searches the extremes
  const length = statistics ? UNIVARIATE_ELEMENTS : typeof p.input === 'number' ? 1 : (p.input as Float64Array).length
  const mode = parameters.mode === undefined ? chooseMode(nodes.length, length) : String(parameters.mode)
  // the stats count frames written on a stream (the upload); the last confirmation may still be on its way
  if (account) {
    await task.flush()
    node.deleteTask(id)
  }
  const hops = task.hops
  return { party: p.index, inputAt, resultAt, bytesSent: node.stats().bytesWritten - before, check: resultCheck(result.result.sum), mode, hops, ...(agreed === undefined ? {} : { agreed: [...agreed] }) }
}

async function plainSum (p: Party, id: string, nodes: string[], statistics: boolean): Promise<PartyRun> {
  const input = typeof p.input === 'number' ? Float64Array.of(p.input) : p.input as Float64Array
  const inputAt = now()
  // a statistics case: the accumulators in the clear, exchanged unprotected; element 1 is the sum
  const { result, bytesSent, hops } = await p.plain!.run(id, statistics ? plainStatistics(input) : input, nodes, p.index)
  const resultAt = now()
  return { party: p.index, inputAt, resultAt, bytesSent, check: statistics ? result[1]! : elementSum(result), mode: 'plain', hops }
}

async function one (p: Party, kind: 'secure' | 'plain', id: string, parameters: Record<string, unknown>, nodes: string[], account = true, microprotocol?: string, drop?: Drop): Promise<PartyRun> {
  const cpu = process.cpuUsage()
  const statistics = isStatisticsMicroprotocol(microprotocol)
  const run = await (kind === 'secure' ? secureSum(p, id, parameters, nodes, account, microprotocol, drop) : plainSum(p, id, nodes, statistics))
  const used = process.cpuUsage(cpu)
  return { ...run, cpuMs: (used.user + used.system) / 1000 }
}

async function handle (m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'keys': {
      parties = await Promise.all(m.parties.map(async index => ({ index, key: await generateIdentity() })))
      send({ type: 'keys', peerIds: parties.map(p => peerIdOf(p.key)) })
      return
    }
    case 'start': {
      if (m.linkDevice !== undefined) linkCounter = `/sys/class/net/${m.linkDevice}/statistics/tx_bytes`
      await Promise.all(parties.map(async p => {
        // on 127.0.0.1 every party of the benchmark is on one host: above libp2p's 5 new connections per second per host
        p.node = await SimonNode.create({ privateKey: p.key, listen: [m.listen ?? '/ip4/127.0.0.1/tcp/0'], allowPeers: m.allow, taskTimeoutMs: 300_000, attemptTimeoutMs: 60_000, inboundConnectionsPerHost: 100_000, traceHops: true })
        // served from the start: another party may send before this one is asked to run
        p.plain = new PlainSum(p.node.libp2p, m.frameElements)
        await p.plain.serve()
      }))
      send({ type: 'started', multiaddrs: parties.map(p => p.node!.multiaddrs().find(a => a.includes('/tcp/') && !a.includes('/ws'))!) })
      return
    }
    case 'prepare': {
      benchCase = m.case
      for (const p of parties) p.input = benchInput(m.case, p.index)
      send({ type: 'prepared', checks: parties.map(p => elementSum(p.input as Float64Array | number)) })
      return
    }
    case 'run': {
      const runs = await Promise.all(parties.map(async p => one(p, m.kind, m.id, m.parameters, m.nodes, true, m.microprotocol, m.drops?.find(d => d.party === p.index))))
      send({ type: 'ran', id: m.id, runs })
      return
    }
    case 'loop': {
      const perParty = await Promise.all(parties.map(async p => {
        const runs: PartyRun[] = []
        for (let k = 0; k < m.count; k++) runs.push(await one(p, m.kind, `${m.id}-${k}`, m.parameters, m.nodes, false))
        return runs
      }))
      // per sum, the runs of this worker's parties
      send({ type: 'looped', id: m.id, runs: Array.from({ length: m.count }, (_, k) => perParty.map(r => r[k]!)) })
      return
    }
    case 'link': {
      send({ type: 'link', bytesSent: linkCounter === undefined ? NaN : Number(readFileSync(linkCounter, 'utf8')) })
      return
    }
    case 'stop': {
      await Promise.all(parties.map(async p => p.node?.stop())) // a dropped party's node has stopped already (stop is idempotent)
      send({ type: 'stopped', maxRssMB: process.resourceUsage().maxRSS / 1024 })
      setTimeout(() => process.exit(0), 50)
    }
  }
}

process.on('message', (m: ToWorker) => {
  handle(m).catch(err => send({ type: 'error', message: (err as Error).stack ?? String(err) }))
})
process.on('disconnect', () => process.exit(0))
void benchCase
