/**
 * A statistics task (Simon's StatisticsUnivariate, StatisticsBivariate, StatisticsFrequency,
 * StatisticsContingency, MinimumMaximum) over SecureSum: its stages are SecureSum tasks of the
 * same parties, named `<task>/<stage>`, whose parameters bind the whole statistics task in
 * (core's stageParameters). Every party runs the same stages in the same order: the next stage
 * follows from totals every party holds. core decides what each stage adds and what the totals
 * mean; this class only creates the stages, gives them their inputs and waits for their totals.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import type { AbortOptions } from '@libp2p/interface'
import {
  advanceExtremes, bivariateFigures, decodeScaled, bivariateSums, bucketVector, checkTaskId, contingencyCategoriesOf, contingencyVector,
  declaredCounts, extremesContributions, extremesOfList, extremesDone, extremesOf, frequencyCategoriesOf, frequencyVector, histogramOf,
  INITIAL_BUCKETS, InvalidInputError, labelCounts, minCountOf, nextBucketCount, pairLabel, ProtocolError, readBuckets,
  resolveStatisticsParameters, scaledValues, SimonError, STAGE_DIGITS, stageParameters, startExtremes, statisticsFixedPoint,
  suppressedBivariate, suppressedUnivariate, tableOf, taskDigest, taskFingerprint, TaskCancelledError, univariateFigures,
  univariateSums, MAX_BUCKETS, MAX_LABEL_ROUNDS, type ExtremesSearch, type RandomBytes, type StatisticsMicroprotocol, type TaskDescriptor,
  type TaskParameters
} from '@simon-p2p/core'
import type { SecureSumTask, TaskStatus } from './driver.js'
import type { Network } from './network.js'
import type { SecureSumService } from './service.js'
import { untilAborted } from './abort.js'

export interface StatisticsTaskInit {
  /** The task id; a random UUID when absent. The same at every party. */
  readonly taskId?: string
  readonly microprotocol: StatisticsMicroprotocol
  readonly parameters?: unknown
  readonly network: Network
  /** Each stage's deadline from its input. */
  readonly timeoutMs?: number
}

/** What a statistics task gives every party: `{"inputs": n, "result": {...Simon's output names}}`. */
export interface StatisticsResult {
  readonly inputs: number
  readonly result: Readonly<Record<string, unknown>>
}

/** Room left in a task id for the longest stage suffix (`/labels/12/16384`). */
const STAGE_SUFFIX_BYTES = 24

/** One party's input, checked and reduced: what each stage adds. */
type Prepared =
  | { readonly kind: 'univariate', readonly sums: bigint[], readonly min: bigint, readonly max: bigint }
  | { readonly kind: 'bivariate', readonly sums: bigint[] }
  | { readonly kind: 'extremes', readonly min: bigint, readonly max: bigint }
  | { readonly kind: 'counts', readonly counts: Map<string, number> }

/** Figures under their output names, as the result carries them. */
const named = (figures: object): Readonly<Record<string, unknown>> => figures as Readonly<Record<string, unknown>>

const asIntegers = (sum: unknown): bigint[] => {
  if (!Array.isArray(sum)) throw new ProtocolError('a statistics stage gave a total that is not a vector')
  return sum.map(v => BigInt(String(v)))
}

export class StatisticsTask {
  readonly id: string
  readonly descriptor: TaskDescriptor
  readonly microprotocol: StatisticsMicroprotocol
  readonly parties: SecureSumTask['parties']
  readonly myself: number
  private readonly service: SecureSumService
  private readonly network: Network
  private readonly timeoutMs: number | undefined
  private readonly randomBytes: RandomBytes
  private readonly digest: Uint8Array
  private readonly stages = new Map<string, SecureSumTask>()
  private readonly settled = Promise.withResolvers<StatisticsResult>()
  private current: string
  private given = false
  private outcome: { result?: StatisticsResult, error?: SimonError } | undefined

  /**
   * Check everything and create the first stages (so the parties may speak to this node).
   * @throws InvalidInputError naming the field (`task`, `parameters.categories`, `network.nodes[1]`, ...)
   */
  constructor (service: SecureSumService, init: StatisticsTaskInit, randomBytes: RandomBytes = n => new Uint8Array(nodeRandomBytes(n))) {
    this.service = service
    this.microprotocol = init.microprotocol
    this.id = checkTaskId(init.taskId ?? crypto.randomUUID())
    if (new TextEncoder().encode(this.id).length > 128 - STAGE_SUFFIX_BYTES) throw new InvalidInputError('task', `longer than ${128 - STAGE_SUFFIX_BYTES} bytes (a statistics task names its stages after it)`)
    this.network = init.network
    this.timeoutMs = init.timeoutMs
    this.randomBytes = randomBytes
    const parties = (init.network as { nodes?: readonly unknown[] } | null)?.nodes?.length
    if (typeof parties !== 'number' || parties < 2) throw new InvalidInputError('network.nodes', 'must list at least two parties')
    const parameters = resolveStatisticsParameters(init.microprotocol, init.parameters, parties)
    const [first, ...others] = this.firstStages(parameters)
    this.current = first!.name
    const opened = this.open(parameters, first!.name, first!.digits)
    this.descriptor = { taskId: this.id, microprotocol: init.microprotocol as TaskDescriptor['microprotocol'], parameters, peers: opened.descriptor.peers }
    this.parties = opened.parties
    this.myself = opened.myself
    this.digest = taskDigest(this.descriptor)
    try {
      for (const s of others) this.open(parameters, s.name, s.digits)
    } catch (err) {
      this.dispose('a stage could not be created')
      throw err
    }
  }

  get fingerprint (): string { return taskFingerprint(this.digest) }
  /** Whether the service forgot every stage (idle or finished past its retention): this task is gone too. */
  get forgotten (): boolean { return [...this.stages.values()].every(s => this.service.getTask(s.id) !== s) }
  get finished (): boolean { return this.outcome !== undefined }
  get hasInput (): boolean { return this.given }
  /**
   * The longest chain of messages over the stages (as SecureSumTask's `hops`, known when traced):
   * the stages of one chain (named alike up to the first '/': the extremes search's rounds, the
   * label buckets' retries) run one after another, the chains side by side.
   */
  get hops (): number {
    const chains = new Map<string, number>()
    for (const [name, stage] of this.stages) {
      const chain = name.split('/')[0]!
      chains.set(chain, (chains.get(chain) ?? 0) + stage.hops)
    }
    return Math.max(0, ...chains.values())
  }

  get step (): string { return this.outcome === undefined ? this.current : this.outcome.error === undefined ? 'done' : 'failed' }

  status (): TaskStatus & { stage: string } {
    const stage = this.stages.get(this.current)
    const inner = stage?.status()
    const error = this.outcome?.error
    return {
      id: this.id,
      stage: this.current,
      step: this.outcome === undefined ? (inner?.step ?? 'input') : this.step,
      missing: inner?.missing ?? [],
      ...(error === undefined ? {} : { error: { name: error.name, code: error.code, message: error.message } })
    }
  }

  /**
   * Give this party's input: checked whole first (a bad value throws, naming it, and nothing is sent).
   * @param value StatisticsUnivariate, MinimumMaximum: a list of numbers; StatisticsBivariate: a list of
   *   [x, y]; StatisticsFrequency: a list of labels; StatisticsContingency: a list of [row, column]
   * @throws InvalidInputError naming `value` or `value[i]`
   */
  input (value: unknown): void {
    if (this.given) throw new InvalidInputError('value', `task ${this.id} already has this party's input`)
    if (this.outcome !== undefined) throw new InvalidInputError('task', `task ${this.id} has ${this.step}`)
    const prepared = this.prepare(value)
    this.given = true
    this.run(prepared).then(result => this.settle({ result }), (err: unknown) => this.settle({ error: this.asError(err) }))
  }

  /**
   * Wait for the result.
   * @throws the failing stage's typed error; TaskCancelledError when `signal` aborts first
   */
  async result (options: AbortOptions = {}): Promise<StatisticsResult> {
    if (!this.given && this.outcome === undefined) throw new InvalidInputError('task', `no input has been given to task ${this.id} at this party yet: call input() first`)
    const { signal } = options
    if (signal === undefined) return this.settled.promise
    return untilAborted(this.settled.promise, signal, () => new TaskCancelledError(`waiting for the result of ${this.id} was aborted`))
  }

  /** Resolves once every stage's messages were delivered or given up. */
  async flush (options: AbortOptions = {}): Promise<void> {
    await Promise.all([...this.stages.values()].map(async s => s.flush(options)))
  }

  /** Forget every stage (cancelling a running one: the others are told). */
  dispose (reason: string): void {
    for (const id of [...this.stages.values()].map(s => s.id)) this.service.deleteTask(id)
    if (this.outcome === undefined) this.settle({ error: new TaskCancelledError(reason) })
  }

  private settle (outcome: { result?: StatisticsResult, error?: SimonError }): void {
    if (this.outcome !== undefined) return
    this.outcome = outcome
    if (outcome.error !== undefined) {
      // a stage still running (the extremes search beside failed moments) ends too; the others are told
      for (const stage of this.stages.values()) if (!stage.finished) stage.cancel(`statistics task ${this.id} failed: ${outcome.error.code}`)
      this.settled.reject(outcome.error)
      this.settled.promise.catch(() => {})
    } else {
      this.settled.resolve(outcome.result!)
    }
  }

  private asError (err: unknown): SimonError {
    return err instanceof SimonError ? err : new ProtocolError(`statistics task ${this.id}: ${(err as Error)?.message ?? String(err)}`)
  }

  private get parameters (): TaskParameters { return this.descriptor.parameters }

  /** The stages that exist before any input: the first of each chain. */
  private firstStages (p: TaskParameters): Array<{ name: string, digits: number }> {
    const fp = statisticsFixedPoint(p)
    const extremes = { name: 'extremes/0', digits: STAGE_DIGITS.extremes }
    switch (this.microprotocol) {
      case 'StatisticsUnivariate': return [{ name: 'moments', digits: STAGE_DIGITS.powers(fp, 6) }, ...(minCountOf(p) > 0 ? [] : [extremes])]
      case 'StatisticsBivariate': return [{ name: 'moments', digits: STAGE_DIGITS.powers(fp, 2) }]
      case 'MinimumMaximum': return [extremes]
      default: return p.categories !== undefined ? [{ name: 'counts', digits: STAGE_DIGITS.counts }] : [{ name: `labels/0/${INITIAL_BUCKETS}`, digits: STAGE_DIGITS.labels }]
    }
  }

  private open (parameters: TaskParameters, name: string, digits: number): SecureSumTask {
    const existing = this.stages.get(name)
    if (existing !== undefined) return existing
    const task = this.service.createTask({
      taskId: `${this.id}/${name}`,
      microprotocol: 'SecureSum',
      parameters: stageParameters(this.microprotocol, parameters, name, digits),
      network: this.network,
      ...(this.timeoutMs === undefined ? {} : { timeoutMs: this.timeoutMs })
    })
    this.stages.set(name, task)
    return task
  }

  /** One stage: create it (unless it exists), add this party's vector, wait for the totals. */
  private async stage (name: string, digits: number, vector: bigint[]): Promise<bigint[]> {
    const task = this.open(this.parameters, name, digits)
    this.current = name
    task.input(vector)
    return asIntegers((await task.result()).result.sum)
  }

  private prepare (value: unknown): Prepared {
    const fp = statisticsFixedPoint(this.parameters)
    switch (this.microprotocol) {
      case 'StatisticsUnivariate': {
        const u = univariateSums(scaledValues(value, fp), fp)
        return { kind: 'univariate', ...u }
      }
      case 'StatisticsBivariate': return { kind: 'bivariate', sums: bivariateSums(value, fp) }
      case 'MinimumMaximum': {
        return { kind: 'extremes', ...extremesOfList(scaledValues(value, fp)) }
      }
      case 'StatisticsFrequency': {
        const declared = frequencyCategoriesOf(this.parameters)
        return { kind: 'counts', counts: labelCounts(value, false, declared === undefined ? undefined : { rows: new Set(declared) }) }
      }
      case 'StatisticsContingency': {
        const declared = contingencyCategoriesOf(this.parameters)
        return { kind: 'counts', counts: labelCounts(value, true, declared === undefined ? undefined : { rows: new Set(declared[0]), columns: new Set(declared[1]) }) }
      }
    }
  }

  private async run (input: Prepared): Promise<StatisticsResult> {
    const p = this.parameters
    const fp = statisticsFixedPoint(p)
    const minCount = BigInt(minCountOf(p))
    const inputs = this.parties.length
    switch (input.kind) {
      case 'univariate': {
        const moments = this.stage('moments', STAGE_DIGITS.powers(fp, 6), input.sums)
        // with min_count the search waits for the count, and is not run for too few samples
        const extremes = minCount > 0n ? undefined : this.extremes(input.min, input.max)
        // awaited below; if the moments fail first, its own failure must not go unhandled
        extremes?.catch(() => {})
        const totals = await moments
        if (totals[0]! < minCount) return { inputs, result: named(suppressedUnivariate()) }
        return { inputs, result: named(univariateFigures(totals, await (extremes ?? this.extremes(input.min, input.max)), fp)) }
      }
      case 'bivariate': {
        const totals = await this.stage('moments', STAGE_DIGITS.powers(fp, 2), input.sums)
        return { inputs, result: named(totals[0]! < minCount ? suppressedBivariate() : bivariateFigures(totals, fp)) }
      }
      case 'extremes': {
        const { minimum, maximum } = await this.extremes(input.min, input.max)
        return { inputs, result: { minimum: decodeScaled(minimum, fp), maximum: decodeScaled(maximum, fp) } }
      }
      case 'counts': return { inputs, result: named(await this.categories(input.counts)) }
    }
  }

  /** The extremes search, one stage per round. */
  private async extremes (ownMin: bigint, ownMax: bigint): Promise<{ minimum: bigint, maximum: bigint }> {
    let search: ExtremesSearch = startExtremes(statisticsFixedPoint(this.parameters))
    while (!extremesDone(search)) {
      const totals = await this.stage(`extremes/${search.round}`, STAGE_DIGITS.extremes, extremesContributions(search, ownMax, ownMin, this.randomBytes))
      search = advanceExtremes(search, totals)
    }
    return extremesOf(search)
  }

  /** Counts over declared categories (one stage), or found labels (bucket rounds). */
  private async categories (counts: Map<string, number>): Promise<object> {
    const p = this.parameters
    const minCount = minCountOf(p)
    const pairs = this.microprotocol === 'StatisticsContingency'
    const frequency = frequencyCategoriesOf(p)
    const contingency = contingencyCategoriesOf(p)
    if (frequency !== undefined) {
      const totals = await this.stage('counts', STAGE_DIGITS.counts, frequencyVector(counts, frequency))
      return histogramOf(declaredCounts(totals, frequency), frequency, minCount)
    }
    if (contingency !== undefined) {
      const totals = await this.stage('counts', STAGE_DIGITS.counts, contingencyVector(counts, contingency[0], contingency[1]))
      const cells = contingency[0].flatMap(r => contingency[1].map(c => pairLabel(r, c)))
      return tableOf(declaredCounts(totals, cells), contingency, minCount)
    }
    let buckets = INITIAL_BUCKETS
    for (let round = 0; ; round++) {
      const totals = await this.stage(`labels/${round}/${buckets}`, STAGE_DIGITS.labels, bucketVector(counts, this.digest, round, buckets))
      const reading = readBuckets(totals, this.digest, buckets)
      if (reading.complete) return pairs ? tableOf(reading.counts, undefined, minCount) : histogramOf(reading.counts, undefined, minCount)
      const next = nextBucketCount(buckets, reading.occupied, reading.collided, round)
      if (next === undefined) throw new ProtocolError(`labels still collide after ${MAX_LABEL_ROUNDS} rounds (up to ${MAX_BUCKETS} buckets): declare parameters.categories`)
      buckets = next
    }
  }
}
