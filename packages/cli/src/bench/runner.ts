/**
 * Runs one benchmark case: starts the worker processes that host its parties, sets their
 * nodes up, runs plain and secure sums, and measures them. Workers are ended by PID. A case
 * with a link rate runs each worker on a test host of its own (scripts/netlab), its link capped.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createLab, HOST_DEVICE, unavailable, type Lab } from '../../../../scripts/netlab/index.mjs'
import { prng, type BenchCase, type Drop, type FromWorker, type PartyRun, type ToWorker } from './protocol.js'

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url))

export interface CaseSpec {
  readonly name: string
  readonly parties: number
  /** Elements per input; 0 for a scalar. */
  readonly length: number
  readonly processes: number
  /** 'vector': repeated sums, median; 'latency': back-to-back sums, median and p99; 'single': one sum on fresh nodes. */
  readonly kind: 'vector' | 'latency' | 'single'
  /** Measured sums (after one warm-up sum, except for 'single'). */
  readonly runs: number
  /**
   * 'latency' cases: sums run back to back before the measured ones (default min(20, runs)). A
   * node process runs its first few hundred sums at about twice the warm time, until V8 has
   * optimised the hot path (3 x scalar: 5.4 ms over sums 1-300 of a fresh process, 2.9 ms from
   * sum 600 on, 2026-12-02), so "warm" needs more than a few.
   */
  readonly warmRuns?: number
  readonly parameters: Record<string, unknown>
  readonly frameElements: number
  /** Each worker on a netlab host of its own, its link capped at this many Mbit/s each way; loopback when undefined. */
  readonly linkMbit?: number
  /** A statistics microprotocol instead of SecureSum (plain: its accumulators in the clear). */
  readonly microprotocol?: string
  /** Parties that drop out of the secure sum, each at a random step (lean mode with a threshold). */
  readonly drop?: number
}

/** The steps of lean mode with a threshold at which a party may drop out (its node stopped). */
export const DROP_STEPS = ['keys', 'key-set', 'collect', 'input-set', 'unmask', 'total'] as const

/**
 * `count` parties and a random step for each, the same in every run of a case. No two lie half the
 * ring apart, so that no segment loses both its holders (README-lean.md, liveness L4).
 */
export function chooseDrops (parties: number, count: number, seed: number): Drop[] {
  const next = prng(seed)
  const half = Math.floor(parties / 2)
  const chosen: number[] = []
  while (chosen.length < count) {
    const j = Math.floor(next() * parties)
    // the holders of a segment lie floor(m / 2) apart in the key set, m = parties less those dropped before their keys left
    const apart = (a: number): boolean => { const d = Math.abs(a - j); return Math.min(d, parties - d) < half - count }
    if (!chosen.includes(j) && chosen.every(apart)) chosen.push(j)
  }
  return chosen.sort((a, b) => a - b).map(party => ({ party, step: DROP_STEPS[Math.floor(next() * DROP_STEPS.length)]! }))
}

export interface Measured {
  readonly kind: 'plain' | 'secure'
  readonly mode: string
  /** Median over measured sums (the one sum for 'single'). */
  readonly ms: number
  readonly p99Ms?: number
  readonly coldMs?: number
  readonly runs: number
  /** 'latency' cases: the sums run before the measured ones. */
  readonly warmRuns?: number
  /** Per sum, the most any party sent, over the plaintext bytes of one input (8 per element). */
  readonly bytesPerPartyOverPlain: number
  /** Per sum, the most bytes any party sent (frames written on its streams, NodeStats.bytesWritten; an attempt that opened no stream wrote nothing), the largest over the sums. */
  readonly maxBytesSent: number
  /** Per sum, the most bytes any host's link carried out (its eth0's tx_bytes: all headers), over the plaintext bytes of one input; netlab cases only. */
  readonly linkBytesPerPartyOverPlain?: number
  readonly rssMB: number
  /** The peak RSS of each worker over the parties it hosts, the most of these (MB). */
  readonly peakRssMBPerParty: number
  /** From starting the worker processes to every node listening with its input made (ms). */
  readonly setupMs: number
  /** Median over sums of the most CPU any worker process used during the sum, per party it hosts. */
  readonly cpuMsPerParty: number
  /** The longest chain of messages, one after another, from the first input to the last result (the most over the sums). */
  readonly hops: number
  readonly ok: boolean
  readonly problem?: string
  /** Parties that dropped out, and how many inputs the sum held (cases with dropouts). */
  readonly dropped?: number
  readonly inputs?: number
}

class Worker {
  readonly child: ChildProcess
  private readonly waiting: Array<{ type: string, resolve: (m: FromWorker) => void, reject: (e: Error) => void }> = []
  stderr = ''

  /** @param host in this lab host (its index), when given: `ip netns exec` execs node there, the IPC channel passed on */
  constructor (host?: { lab: Lab, index: number }) {
    // SIMON_BENCH_PROFILE=<dir>: each worker writes a CPU profile there (where the time goes)
    const profile = process.env.SIMON_BENCH_PROFILE
    const execArgv = profile === undefined || profile === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', profile]
    // SIMON_BENCH_NODE_ARGS: more node options for the workers (e.g. --trace-gc), for investigations
    execArgv.push(...(process.env.SIMON_BENCH_NODE_ARGS ?? '').split(' ').filter(a => a !== ''))
    const stdio = ['ignore', process.env.SIMON_BENCH_NODE_ARGS === undefined ? 'ignore' : 'inherit', 'pipe', 'ipc'] as const
    this.child = host === undefined
      ? fork(WORKER, [], { stdio: [...stdio], execArgv })
      : spawn('ip', host.lab.execArgs(host.index, process.execPath, [...execArgv, WORKER]), { stdio: [...stdio] })
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000) })
    this.child.on('message', (m: FromWorker) => {
      if (m.type === 'error') {
        for (const w of this.waiting.splice(0)) w.reject(new Error(`worker ${this.child.pid}: ${m.message}`))
        return
      }
      const i = this.waiting.findIndex(w => w.type === m.type)
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m)
    })
    this.child.on('exit', code => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`worker ${this.child.pid} exited (${String(code)}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`))
    })
  }

  async request<T extends FromWorker['type']> (message: ToWorker, type: T, timeoutMs = 300_000): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${this.child.pid}: no '${type}' within ${timeoutMs} ms`)), timeoutMs)
      this.waiting.push({
        type,
        resolve: m => { clearTimeout(timer); resolve(m as Extract<FromWorker, { type: T }>) },
        reject: e => { clearTimeout(timer); reject(e) }
      })
      this.child.send(message)
    })
  }

  /** Resolves once the process has exited, ending it by PID after `graceMs`. */
  async exited (graceMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const timer = setTimeout(() => this.kill(), graceMs)
    await new Promise(resolve => this.child.once('exit', resolve))
    clearTimeout(timer)
  }

  kill (): void {
    const pid = this.child.pid
    if (pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      try { process.kill(pid, 'SIGKILL') } catch {}
    }
  }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s[(s.length - 1) >> 1]!
}

function percentile (xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
}

/** One sum's CPU per party: the busiest worker's CPU over the parties it hosts (they share it). */
function cpuPerParty (runs: PartyRun[], processes: number, parties: number): number {
  return Math.max(...runs.map(r => r.cpuMs ?? NaN)) / Math.ceil(parties / processes)
}

/** The longest chain of messages over some sums: the highest hop counter any party saw. */
function hopsOf (sums: PartyRun[][]): number {
  return Math.max(...sums.flatMap(runs => runs.map(r => r.hops ?? NaN)))
}

/** One sum's time: from the first party's input to the last party's result. */
function sumMs (runs: PartyRun[]): number {
  return Math.max(...runs.map(r => r.resultAt)) - Math.min(...runs.map(r => r.inputAt))
}

/** Each worker's host link counter (bytes sent so far). */
async function linkCounters (workers: Worker[]): Promise<number[]> {
  return Promise.all(workers.map(async w => (await w.request({ type: 'link' }, 'link', 20_000)).bytesSent))
}

/** Test hosts for a case with a link rate, one per worker; undefined for a loopback case. */
async function hostsFor (spec: CaseSpec): Promise<Lab | undefined> {
  if (spec.linkMbit === undefined) return undefined
  const reason = await unavailable()
  if (reason !== undefined) throw new Error(`${spec.name}: ${reason}`)
  return createLab({ hosts: spec.processes, mbit: spec.linkMbit })
}

/** Start workers and nodes for a case; `parties` are spread over `processes` workers in contiguous blocks. */
async function setUp (spec: CaseSpec, lab: Lab | undefined): Promise<{ workers: Worker[], blocks: number[][], nodes: string[], checks: number[], setupMs: number }> {
  const t0 = performance.now()
  const workers = Array.from({ length: spec.processes }, (_, index) => new Worker(lab === undefined ? undefined : { lab, index }))
  try {
    const blocks = workers.map((_, w) => Array.from({ length: spec.parties }, (_, i) => i).filter(i => Math.floor(i * spec.processes / spec.parties) === w))
    const keys = await Promise.all(workers.map(async (w, i) => w.request({ type: 'keys', parties: blocks[i]! }, 'keys', 60_000)))
    const allow = keys.flatMap(k => k.peerIds)
    const started = await Promise.all(workers.map(async (w, i) => w.request({
      type: 'start',
      allow,
      frameElements: spec.frameElements,
      ...(lab === undefined ? {} : { listen: `/ip4/${lab.host(i).address}/tcp/0`, linkDevice: HOST_DEVICE })
    }, 'started', 120_000)))
    const nodes = started.flatMap(s => s.multiaddrs)
    const c: BenchCase = { length: spec.length, parties: spec.parties, seed: spec.parties * 1000 + spec.length % 997 }
    const prepared = await Promise.all(workers.map(async w => w.request({ type: 'prepare', case: c }, 'prepared', 120_000)))
    return { workers, blocks, nodes, checks: prepared.flatMap(p => p.checks), setupMs: performance.now() - t0 }
  } catch (err) {
    for (const w of workers) w.kill()
    throw err
  }
}

/** Stop the workers: the most peak RSS of any worker, and of any worker over the parties it hosts (MB). */
async function stop (workers: Worker[], blocks: number[][]): Promise<{ rssMB: number, peakRssMBPerParty: number }> {
  const rss = await Promise.all(workers.map(async w => {
    try {
      return (await w.request({ type: 'stop' }, 'stopped', 20_000)).maxRssMB
    } catch {
      return NaN
    } finally {
      // ended before their hosts (if any) are removed; a profiling worker first writes its profile
      await w.exited(process.env.SIMON_BENCH_PROFILE === undefined || process.env.SIMON_BENCH_PROFILE === '' ? 500 : 30_000)
    }
  }))
  const finite = (xs: number[]): number[] => xs.filter(x => Number.isFinite(x))
  return { rssMB: Math.max(...finite(rss)), peakRssMBPerParty: Math.max(...finite(rss.map((r, i) => r / Math.max(1, blocks[i]!.length)))) }
}

/** Measure one kind of sum (plain or secure) of a case, on workers (and, with a link rate, hosts) of its own. */
export async function measure (spec: CaseSpec, kind: 'plain' | 'secure'): Promise<Measured> {
  const lab = await hostsFor(spec)
  try {
    return await measureOn(spec, kind, lab)
  } finally {
    await lab?.destroy()
  }
}

async function measureOn (spec: CaseSpec, kind: 'plain' | 'secure', lab: Lab | undefined): Promise<Measured> {
  const { workers, blocks, nodes, checks, setupMs } = await setUp(spec, lab)
  const tolerance = 1e-6 * Math.max(1, spec.length) * spec.parties
  const problems: string[] = []
  const drops = kind === 'secure' && spec.drop !== undefined ? chooseDrops(spec.parties, spec.drop, spec.parties * 31 + spec.length % 101) : []
  // the parties still up; each must hold the sum over the set it reports (all parties without one)
  const check = (runs: PartyRun[]): void => {
    const reported = new Set(runs.map(r => r.party))
    if (runs.length !== spec.parties || reported.size !== spec.parties) problems.push(`${reported.size} of ${spec.parties} parties reported a run`)
    for (const r of runs) {
      if (r.dropped === true) continue
      const expected = (r.agreed ?? checks.map((_, j) => j)).reduce((s, j) => s + checks[j]!, 0)
      if (!(Math.abs(r.check - expected) <= tolerance)) problems.push(`party ${r.party}: sum check ${r.check} != ${expected}`)
    }
  }
  const plainBytes = Math.max(1, spec.length) * 8
  try {
    const parameters = kind === 'secure' ? spec.parameters : {}
    const id = `${spec.name}-${kind}-${process.pid}`
    if (spec.kind === 'latency') {
      const loop = async (suffix: string, count: number): Promise<PartyRun[][]> => {
        const per = await Promise.all(workers.map(async w => w.request({ type: 'loop', id: `${id}-${suffix}`, kind, parameters, nodes, count }, 'looped')))
        return Array.from({ length: count }, (_, k) => per.flatMap(p => p.runs[k]!))
      }
      const warmRuns = spec.warmRuns ?? Math.min(20, spec.runs)
      const warm = await loop('warm', warmRuns)
      const sums = await loop('run', spec.runs)
      for (const s of [...warm, ...sums]) check(s)
      const times = sums.map(sumMs)
      return { kind, mode: sums[0]![0]!.mode ?? kind, ms: median(times), p99Ms: percentile(times, 0.99), coldMs: sumMs(warm[0]!), runs: spec.runs, warmRuns, bytesPerPartyOverPlain: NaN, maxBytesSent: NaN, cpuMsPerParty: median(sums.map(s => cpuPerParty(s, spec.processes, spec.parties))), hops: hopsOf([...warm, ...sums]), ...await stop(workers, blocks), setupMs, ok: problems.length === 0, ...(problems.length > 0 ? { problem: problems[0] } : {}) }
    }
    // per sum, the most bytes any host's link sent: read once every party has its result (so all was delivered)
    const linkPerSum: number[] = []
    const runOne = async (k: number): Promise<PartyRun[]> => {
      const before = lab === undefined ? undefined : await linkCounters(workers)
      const per = await Promise.all(workers.map(async w => w.request({ type: 'run', id: `${id}-${k}`, kind, parameters, nodes, ...(spec.microprotocol === undefined ? {} : { microprotocol: spec.microprotocol }), ...(drops.length > 0 ? { drops } : {}) }, 'ran')))
      const runs = per.flatMap(p => p.runs)
      check(runs)
      if (before !== undefined) {
        const after = await linkCounters(workers)
        linkPerSum.push(Math.max(...after.map((a, i) => a - before[i]!)))
      }
      return runs
    }
    const cold = await runOne(0)
    const measured: PartyRun[][] = []
    for (let k = 1; k <= spec.runs; k++) measured.push(await runOne(k))
    const all = (spec.kind === 'single' ? [cold, ...measured] : measured).map(runs => runs.filter(r => r.dropped !== true))
    const times = spec.kind === 'single' ? [sumMs(all[0]!)] : all.map(sumMs)
    // the parties still up: the most any of them sent
    const maxBytesSent = Math.max(...all.map(runs => Math.max(...runs.map(r => r.bytesSent))))
    const agreed = all[0]!.find(r => r.agreed !== undefined)?.agreed
    const dropped = all[0]!.length < cold.length ? cold.length - all[0]!.length : 0
    return {
      kind,
      mode: all[0]![0]?.mode ?? kind,
      ms: median(times),
      coldMs: sumMs(cold),
      runs: times.length,
      bytesPerPartyOverPlain: maxBytesSent / plainBytes,
      maxBytesSent,
      ...(lab === undefined ? {} : { linkBytesPerPartyOverPlain: Math.max(...(spec.kind === 'single' ? linkPerSum : linkPerSum.slice(1))) / plainBytes }),
      cpuMsPerParty: median(all.map(runs => cpuPerParty(runs, spec.processes, spec.parties))),
      hops: hopsOf([cold, ...measured]),
      ...await stop(workers, blocks),
      setupMs,
      ok: problems.length === 0,
      ...(problems.length > 0 ? { problem: problems[0] } : {}),
      ...(spec.drop === undefined ? {} : { dropped, inputs: agreed?.length ?? spec.parties })
    }
  } catch (err) {
    for (const w of workers) w.kill()
    throw err
  }
}
