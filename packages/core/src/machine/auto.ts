/**
 * The default mode: the additive full mesh or lean mode, whichever is faster for the task's size.
 * The size is known only with the input, so the choice is made then (or, when another party's
 * message comes first, by the mode that message belongs to). All parties hold inputs of one
 * shape, so all of them choose alike; a party whose input has another shape is named.
 */
import { encodeMessage, type WireMessage } from '../wire/codec.js'
import { isVectorInput, type InputValue } from '../encoding/fixed-point.js'
import { ProtocolError, type SimonError } from '../errors.js'
import { digestsEqual, taskDigest, type TaskDescriptor } from '../task/descriptor.js'
import { fieldOf } from '../task/parameters.js'
import { isLeanMessage, type Topology } from '../wire/lean.js'
import { TREE_MAX_ELEMENTS } from '../protocols/lean/tree.js'
import { segmentTopology } from '../protocols/lean/plan.js'
import type { Outgoing, ProtocolMachine, Received, SecureSumResult } from './types.js'

/**
 * From this many parties on, lean mode is the default whatever the size: the full mesh opens a
 * connection to every other party (a Noise handshake costs ~15 ms of CPU for both ends here)
 * and sends 3 (n - 1) messages per party, lean mode opens two and sends a few per ring step.
 */
export const LEAN_MIN_PARTIES = 8
/**
 * From this many elements (input and sample count) times the other parties on, lean mode is the
 * default: the full mesh uploads 2 (n - 1) copies of the input, lean mode about 2, and the extra
 * ring steps no longer matter. Measured on 2 cores; see README-lean.md.
 */
export const LEAN_MIN_UPLOAD_ELEMENTS = 1 << 10

/** The mode `auto` picks for this many parties and elements per input (1 for a scalar). */
export function chooseMode (parties: number, length: number): 'mesh' | 'lean' {
  if (parties >= LEAN_MIN_PARTIES) return 'lean'
  return (length + 1) * (parties - 1) >= LEAN_MIN_UPLOAD_ELEMENTS ? 'lean' : 'mesh'
}

/**
 * How lean mode moves an input of this many elements among this many parties: along a tree when
 * small, otherwise by direct sends among few parties and on a ring among many (plan.ts).
 */
export function chooseTopology (parties: number, length: number): Topology {
  return length + 1 <= TREE_MAX_ELEMENTS ? 'tree' : segmentTopology(parties)
}

/** The machine families a task may run: the full mesh, or lean mode on a ring or a tree. */
export type Family = 'mesh' | Topology

/** The family a message belongs to, when it tells (a first message always does). */
function familyOf (m: WireMessage): Family | undefined {
  if (m.kind === 'abort') return undefined
  if (m.kind === 'lean-nonces') return m.topology
  return isLeanMessage(m) ? undefined : 'mesh'
}

const FAMILY_NAMES: Record<Family, string> = { mesh: 'the full mesh', ring: 'lean mode on a ring', tree: 'lean mode on a tree', direct: 'lean mode with direct sends' }

/** What another party's first message says about its input, for the error that names it. */
function describeMessage (m: WireMessage): string {
  if (m.kind === 'lean-nonces') {
    const e = m.entries[m.from]
    if (e !== undefined) return e.shape === 'scalar' ? 'a scalar' : `a vector of ${e.length} elements`
  }
  if (m.kind === 'share' || m.kind === 'partial') return m.shape === 'scalar' ? 'a scalar' : `a vector of ${m.elements.length - 1} elements`
  return 'an input of another size'
}

/**
 * A machine that becomes the full mesh or lean mode (ring or tree) once the input's size is
 * known, or once another party's first message tells which. Mode `auto` uses all three, mode
 * `lean` the ring and the tree.
 */
export class AutoMachine implements ProtocolMachine {
  readonly descriptor: TaskDescriptor
  readonly digest: Uint8Array
  readonly myself: number
  readonly parties: number
  private inner: ProtocolMachine | undefined
  private family: Family | undefined
  private committed = false
  private readonly elementBytes: number

  constructor (descriptor: TaskDescriptor, myself: number,
    private readonly make: Partial<Record<Family, () => ProtocolMachine>>,
    private readonly choose: (length: number) => Family) {
    this.descriptor = descriptor
    this.digest = taskDigest(descriptor)
    this.myself = myself
    this.parties = descriptor.peers.length
    this.elementBytes = fieldOf(descriptor.parameters).bytes
  }

  get step (): string { return this.inner?.step ?? 'input' }
  get finished (): boolean { return this.inner?.finished ?? false }
  get hasInput (): boolean { return this.inner?.hasInput ?? false }
  get result (): SecureSumResult | undefined { return this.inner?.result }
  get error (): SimonError | undefined { return this.inner?.error }
  get progress (): { done: number, total: number } | undefined { return this.inner?.progress }
  get hops (): number | undefined { return this.inner?.hops }
  get neighbours (): readonly number[] | undefined { return this.inner?.neighbours }
  /** The mode chosen ('mesh' or 'lean'), once it is. */
  get mode (): 'mesh' | 'lean' | undefined { return this.family === undefined ? undefined : this.family === 'mesh' ? 'mesh' : 'lean' }
  /** The family chosen, once it is. */
  get chosen (): Family | undefined { return this.family }

  input (value: InputValue, now: number): Outgoing[] {
    if (this.inner === undefined) {
      this.become(this.choose(isVectorInput(value) ? value.length : 1))
    }
    try {
      const out = this.inner!.input(value, now)
      this.committed = true
      return out
    } catch (err) {
      // nothing was sent: a corrected input may still choose the other mode
      if (!this.committed) { this.inner = undefined; this.family = undefined }
      throw err
    }
  }

  receive (message: WireMessage, senderPeerId: string, now: number): Received {
    const family = familyOf(message)
    const inner = this.inner
    if (inner === undefined) return this.settleOn(family, message, senderPeerId, now)
    this.committed = true
    const sender = this.descriptor.peers.indexOf(senderPeerId)
    // A listed party speaking for itself about this very task whose message belongs to another
    // family this task may run: its input has another shape. Anything else is the kernel's to judge.
    const genuine = sender >= 0 && sender !== this.myself && message.from === sender &&
      message.taskId === this.descriptor.taskId && digestsEqual(message.digest, this.digest)
    if (family !== undefined && family !== this.family && this.make[family] !== undefined && genuine && !inner.finished) {
      const error = new ProtocolError(`party ${sender} has ${describeMessage(message)} and runs ${FAMILY_NAMES[family]}; this party runs ${FAMILY_NAMES[this.family!]}: the inputs differ in shape`, sender)
      return { verdict: { status: 'refused', code: error.code, error }, out: inner.fail(error) }
    }
    return inner.receive(message, senderPeerId, now)
  }

  /** Fail here. Before the input the topology is not known: every other party is told. */
  fail (error: SimonError, notify?: boolean): Outgoing[] {
    if (this.inner !== undefined) return this.inner.fail(error, notify)
    this.become(this.fallback())
    return this.toEveryone(this.inner!.fail(error, notify), -1)
  }

  waitingFor (): { step: string, missing: number[] } {
    return this.inner?.waitingFor() ?? { step: 'input', missing: [this.myself] }
  }

  nextDeadline (): number | undefined { return this.inner?.nextDeadline() }

  tick (now: number): Outgoing[] { return this.inner?.tick(now) ?? [] }

  /** Encoding settles nothing: every family writes the same frames at the field's width. */
  encode (message: WireMessage): Uint8Array {
    return this.inner?.encode(message) ?? encodeMessage(message, this.elementBytes)
  }

  /**
   * The first message before this party's input: a machine of the family it names (or the
   * default) judges it, and the mode is settled only when it was taken. A refused message
   * settles nothing; an abort or a mismatch that fails the task is passed on to every party,
   * since the topology whose neighbours would relay it is not known yet.
   */
  private settleOn (family: Family | undefined, message: WireMessage, senderPeerId: string, now: number): Received {
    const chosen = family !== undefined && this.make[family] !== undefined ? family : this.fallback()
    const candidate = this.make[chosen]!()
    const received = candidate.receive(message, senderPeerId, now)
    if (received.verdict.status === 'refused' && received.verdict.error !== candidate.error) return received
    this.family = chosen
    this.inner = candidate
    this.committed = true
    if (!candidate.finished || family !== undefined) return received
    return { verdict: received.verdict, out: this.toEveryone(received.out, this.descriptor.peers.indexOf(senderPeerId)) }
  }

  /** The aborts in `out`, sent instead to every party but this one and `except` (none when `out` has none). */
  private toEveryone (out: Outgoing[], except: number): Outgoing[] {
    const abort = out.find(o => o.message.kind === 'abort')
    if (abort === undefined) return out
    const to = Array.from({ length: this.parties }, (_, j) => j).filter(j => j !== this.myself && j !== except)
    return to.map(j => ({ to: j, message: abort.message }))
  }

  private fallback (): Family {
    return this.make.mesh !== undefined ? 'mesh' : 'ring'
  }

  private become (family: Family): void {
    const chosen = this.make[family] !== undefined ? family : this.fallback()
    this.family = chosen
    this.inner = this.make[chosen]!()
  }
}
