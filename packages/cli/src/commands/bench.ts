/**
 * `simon bench`: plain (insecure) and secure sums of the same inputs, every party a real libp2p
 * node over TCP on 127.0.0.1, the parties in worker processes of their own. Prints a table (or,
 * with --json, one JSON object per line) and writes bench-results/: latest.jsonl, latest.md and
 * chart.svg. With --netlab, the vector cases on test hosts (scripts/netlab, root), one party per
 * host, links capped at 100 Mbit/s and at 1 Gbit/s, against the time the link alone needs.
 */
import { cpus, totalmem } from 'node:os'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { FAST_FRAME_ELEMENTS, InvalidInputError, MAX_PARTIES } from '@simon-p2p/core'
import { chart, linkTable, table, type BenchLine } from '../bench/report.js'
import { measure, type CaseSpec, type Measured } from '../bench/runner.js'

export interface BenchOptions {
  readonly json?: boolean
  readonly quick?: boolean
  /** Tiny sizes, for the smoke test (also SIMON_BENCH_TINY=1). */
  readonly tiny?: boolean
  readonly out?: string
  /** Only the cases whose names contain one of these (comma-separated). */
  readonly only?: string
  /** The vector cases on netlab hosts with capped links instead of the loopback cases. */
  readonly netlab?: boolean
  /** --netlab's link rates, Mbit/s, comma-separated (default NETLAB_MBIT). */
  readonly mbit?: string
  /** Only the scale case, with this many parties instead of SCALE_PARTIES (its scaling curve). */
  readonly scale?: string
}

/** The scale case: one scalar sum of this many parties, SCALE_PROCESSES worker processes. */
export const SCALE_PARTIES = 1000
export const SCALE_PROCESSES = 10

/** One scalar sum on fresh nodes, `parties` of them spread over (at most) SCALE_PROCESSES workers. */
function scaleSpec (parties: number): CaseSpec {
  return spec(`scalar-${parties}`, parties, 0, Math.min(SCALE_PROCESSES, parties), 'single', 0)
}

/** @throws InvalidInputError naming `scale` for anything but a whole number of parties from 2 to MAX_PARTIES */
function scaleParties (text: string): number {
  const n = Number(text)
  if (!(Number.isSafeInteger(n) && n >= 2 && n <= MAX_PARTIES)) throw new InvalidInputError('scale', `${JSON.stringify(text)} is not a number of parties from 2 to ${MAX_PARTIES}`)
  return n
}

/** The link rates of --netlab, Mbit/s each way. */
export const NETLAB_MBIT = [100, 1000] as const

const VECTOR = { profile: 'fast' }
const SCALAR = {}
/** Warm-up sums of the 3 x scalar latency cases: V8 has optimised the hot path by then (see CaseSpec.warmRuns). */
const SCALAR_WARM_RUNS = 1000

function spec (name: string, parties: number, length: number, processes: number, kind: CaseSpec['kind'], runs: number): CaseSpec {
  return { name, parties, length, processes, kind, runs, parameters: length === 0 ? SCALAR : VECTOR, frameElements: FAST_FRAME_ELEMENTS }
}

/** @throws InvalidInputError naming `mbit` for anything but positive numbers, comma-separated */
function linkRates (text: string): number[] {
  const rates = text.split(',').map(s => Number(s.trim()))
  if (rates.length === 0 || !rates.every(r => Number.isFinite(r) && r > 0)) throw new InvalidInputError('mbit', `${JSON.stringify(text)} is not a comma-separated list of positive link rates in Mbit/s`)
  return rates
}

/** The --netlab cases: one party per host, each vector case at each rate (tiny: one small case). */
function netlabCases (options: BenchOptions): CaseSpec[] {
  const tiny = options.tiny === true || process.env.SIMON_BENCH_TINY === '1'
  const runs = options.quick === true ? 2 : 5
  const cases: Array<[number, number]> = tiny ? [[3, 1e4]] : [[3, 1e6], [10, 1e5], [20, 1e5]]
  return (options.mbit !== undefined ? linkRates(options.mbit) : tiny ? [NETLAB_MBIT[0]] : NETLAB_MBIT).flatMap(mbit => cases.map(([parties, length]) =>
    ({ ...spec(`vector-${parties}x1e${Math.log10(length)}@${mbit}mbit`, parties, length, parties, 'vector', tiny ? 1 : runs), linkMbit: mbit })))
}

/** StatisticsUnivariate of `length` values per party, in the bench inputs' range (|x| < 1000, three decimals). */
function univariate (name: string, parties: number, length: number, runs: number): CaseSpec {
  return { name, parties, length, processes: parties, kind: 'vector', runs, parameters: { digits_before: 4, digits_after: 3 }, frameElements: FAST_FRAME_ELEMENTS, microprotocol: 'StatisticsUnivariate' }
}

/**
 * Lean mode with a threshold t = 70% of the parties: without dropouts (to compare with lean mode
 * without a threshold, vector-20x1e5), or with `drop` parties dropping at random steps (one sum).
 */
function dropoutSpec (name: string, parties: number, length: number, processes: number, drop: number | undefined, shareTimeout: number, runs = 3): CaseSpec {
  const parameters = { ...VECTOR, mode: 'lean', threshold: Math.ceil(parties * 0.7), share_timeout: shareTimeout }
  return { ...spec(name, parties, length, processes, drop === undefined ? 'vector' : 'single', drop === undefined ? runs : 0), parameters, ...(drop === undefined ? {} : { drop }) }
}

/** The cases: full, --quick (under two minutes here), and tiny (the smoke test); --netlab's own. */
export function benchCases (options: BenchOptions): CaseSpec[] {
  if (options.netlab === true) return netlabCases(options)
  if (options.scale !== undefined) return [scaleSpec(scaleParties(options.scale))]
  if (options.tiny === true || process.env.SIMON_BENCH_TINY === '1') {
    return [
      spec('scalar-3', 3, 0, 3, 'latency', 5),
      spec('vector-3x1e3', 3, 1000, 3, 'vector', 1),
      spec('vector-4x1e3', 4, 1000, 2, 'vector', 1),
      spec('scalar-10', 10, 0, 2, 'single', 1),
      univariate('univariate-3x1e3', 3, 1000, 1),
      dropoutSpec('lean-threshold-5x1e3-drop1', 5, 1000, 5, 1, 1)
    ]
  }
  if (options.quick === true) {
    // the sizes the targets name, fewer runs; without the 20-party case (27 s of process start-up
    // here; its upload bound is also checked by the tests), so that it stays well under two minutes
    return [
      { ...spec('scalar-3', 3, 0, 3, 'latency', 100), warmRuns: SCALAR_WARM_RUNS },
      spec('vector-3x1e6', 3, 1e6, 3, 'vector', 3),
      spec('vector-3x1e7', 3, 1e7, 3, 'vector', 1),
      spec('vector-10x1e5', 10, 1e5, 10, 'vector', 3),
      spec('scalar-100', 100, 0, 4, 'single', 1),
      univariate('univariate-3x1e6', 3, 1e6, 1)
    ]
  }
  return [
    { ...spec('scalar-3', 3, 0, 3, 'latency', 300), warmRuns: SCALAR_WARM_RUNS },
    { ...spec('scalar-3-one-process', 3, 0, 1, 'latency', 300), warmRuns: SCALAR_WARM_RUNS },
    spec('vector-3x1e6', 3, 1e6, 3, 'vector', 7),
    spec('vector-3x1e7', 3, 1e7, 3, 'vector', 3),
    spec('vector-10x1e5', 10, 1e5, 10, 'vector', 7),
    spec('vector-20x1e5', 20, 1e5, 10, 'vector', 5),
    dropoutSpec('lean-threshold-20x1e5', 20, 1e5, 10, undefined, 10, 5),
    dropoutSpec('lean-threshold-20x1e5-drop10', 20, 1e5, 10, 2, 5),
    dropoutSpec('lean-threshold-50x1e5-drop10', 50, 1e5, 10, 5, 25),
    spec('scalar-100', 100, 0, 4, 'single', 2),
    scaleSpec(SCALE_PARTIES),
    univariate('univariate-3x1e6', 3, 1e6, 3)
  ]
}

export function machineDescription (): string {
  const c = cpus()
  return `${c.length} x ${c[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}

export async function runBench (options: BenchOptions): Promise<boolean> {
  if (options.mbit !== undefined && options.netlab !== true) throw new InvalidInputError('mbit', 'link rates need --netlab')
  if (options.scale !== undefined && options.netlab === true) throw new InvalidInputError('scale', 'the scale case runs on loopback, not with --netlab')
  let cases = benchCases(options)
  if (options.only !== undefined) {
    const wanted = options.only.split(',').map(s => s.trim()).filter(s => s !== '')
    cases = cases.filter(c => wanted.some(w => c.name.includes(w)))
    if (cases.length === 0) throw new InvalidInputError('only', `no case matches ${JSON.stringify(options.only)}`)
  }
  const started = new Date()
  const lines: BenchLine[] = []
  const say = (text: string): void => { if (options.json !== true) process.stderr.write(text) }
  say(`simon bench: ${cases.length} cases on ${machineDescription()}\n`)
  for (const c of cases) {
    const byKind: Partial<Record<'plain' | 'secure', BenchLine>> = {}
    for (const kind of ['plain', 'secure'] as const) {
      say(`  ${c.name} ${kind} ...`)
      const t0 = performance.now()
      const m = await measure(c, kind)
      const line: BenchLine = {
        name: c.name,
        parties: c.parties,
        length: Math.max(1, c.length),
        mode: kind === 'plain' ? 'plain' : m.mode,
        ms: round(m.ms),
        ...(m.p99Ms === undefined ? {} : { p99Ms: round(m.p99Ms) }),
        ...(m.coldMs === undefined ? {} : { coldMs: round(m.coldMs) }),
        runs: m.runs,
        ...(m.warmRuns === undefined ? {} : { warmRuns: m.warmRuns }),
        ...(kind === 'secure' && byKind.plain !== undefined ? { ratio: round(m.ms / byKind.plain.ms, 3) } : {}),
        ...(c.length > 0 ? { bytesPerPartyOverPlain: round(m.bytesPerPartyOverPlain, 3) } : {}),
        ...(c.linkMbit === undefined ? {} : linkFields(c.linkMbit, m)),
        rssMB: round(m.rssMB, 0),
        peakRssMBPerParty: round(m.peakRssMBPerParty, 2),
        setupMs: round(m.setupMs, 0),
        cpuMsPerParty: round(m.cpuMsPerParty, 1),
        ...(Number.isFinite(m.hops) ? { hops: m.hops } : {}),
        processes: c.processes,
        ok: m.ok,
        ...(m.problem === undefined ? {} : { problem: m.problem }),
        ...(kind === 'secure' && m.dropped !== undefined ? { dropped: m.dropped, inputs: m.inputs } : {})
      }
      byKind[kind] = line
      lines.push(line)
      say(` ${line.ms} ms (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`)
      if (options.json === true) process.stdout.write(JSON.stringify(line) + '\n')
    }
  }
  const out = resolve(options.out ?? 'bench-results')
  await mkdir(out, { recursive: true })
  const header = `simon-p2p benchmark, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machineDescription()}${options.quick === true ? ', --quick' : ''}${options.netlab === true ? ', --netlab' : ''}`
  const md = `${header}\n\n${table(lines)}${options.netlab === true ? `\n${linkTable(lines)}` : ''}`
  await writeFile(join(out, 'latest.jsonl'), lines.map(l => JSON.stringify(l)).join('\n') + '\n')
  await writeFile(join(out, 'latest.md'), md)
  await writeFile(join(out, 'chart.svg'), chart(lines, header))
  await writeFile(join(out, `bench-${started.toISOString().replace(/[:.]/g, '-')}.jsonl`), lines.map(l => JSON.stringify(l)).join('\n') + '\n')
  if (options.json !== true) {
    process.stdout.write(md)
    process.stdout.write(`\nwritten: ${join(out, 'latest.md')}, ${join(out, 'chart.svg')}, ${join(out, 'latest.jsonl')}\n`)
  }
  return lines.every(l => l.ok)
}

/** The time the link alone needs for the most bytes any party sends, and the measured time over it. */
function linkFields (linkMbit: number, m: Measured): Pick<BenchLine, 'linkMbit' | 'wireBoundMs' | 'overWire' | 'linkBytesPerPartyOverPlain'> {
  const wireBoundMs = m.maxBytesSent * 8 / (linkMbit * 1e3)
  return {
    linkMbit,
    wireBoundMs: round(wireBoundMs),
    overWire: round(m.ms - wireBoundMs),
    ...(m.linkBytesPerPartyOverPlain === undefined ? {} : { linkBytesPerPartyOverPlain: round(m.linkBytesPerPartyOverPlain, 3) })
  }
}

function round (x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
