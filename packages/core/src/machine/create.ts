/**
 * What the node layer needs of a protocol state machine, whatever the mode (the additive full
 * mesh, the lean mode for large vectors, threshold mode). A machine is pure: it takes the input,
 * the authenticated messages and the time (only as a number passed in), and answers with the
 * messages to send.
 */
import type { WireMessage } from '../wire/codec.js'
import { encodeMessage } from '../wire/codec.js'
import type { InputValue } from '../encoding/fixed-point.js'
import type { SimonError } from '../errors.js'
import type { RandomBytes } from '../field/random.js'
import { SecureSum, type Outgoing, type SecureSumResult } from '../protocols/mesh/machine.js'
import type { TaskDescriptor } from '../task/descriptor.js'
import { ThresholdMachine } from '../protocols/threshold/machine.js'
import { thresholdOf } from '../task/threshold.js'
import type { LeanCrypto } from '../protocols/lean/crypto.js'
import { isTypedInput, leanMachineFor, profileOf, withTypedSum } from '../protocols/lean/index.js'

export interface ProtocolMachine {
  readonly descriptor: TaskDescriptor
  readonly digest: Uint8Array
  readonly myself: number
  readonly parties: number
  /** The current step's name, e.g. 'share', 'partial', 'confirm', 'done', 'failed'. */
  readonly step: string
  readonly finished: boolean
  readonly hasInput: boolean
  readonly result: SecureSumResult | undefined
  readonly error: SimonError | undefined
  /** Validate and take this party's input. @throws InvalidInputError before producing anything */
  input: (value: InputValue, now: number) => Outgoing[]
  /** A message from the peer authenticated as `senderPeerId`. @throws ProtocolError when refused */
  receive: (message: WireMessage, senderPeerId: string, now: number) => Outgoing[]
  /** Fail here; returns the aborts to send (none when `notify` is false). */
  fail: (error: SimonError, notify?: boolean) => Outgoing[]
  waitingFor: () => { step: string, missing: number[] }
  /** The frame for one of this machine's messages. */
  encode: (message: WireMessage) => Uint8Array
  /** When the machine next wants `tick` (absolute, in the clock of `now`); undefined for never. */
  nextDeadline?: () => number | undefined
  /** Time has reached a deadline the machine asked for. */
  tick?: (now: number) => Outgoing[]
  /** After done, how long deliveries still under way may go on; until the task's deadline when absent. */
  readonly lingerMs?: number
  /** Parties this machine will send to once it has its input; the node may connect to them early. */
  readonly neighbours?: readonly number[]
  /** How far a long sum has come (lean mode counts frames), for progress bars. */
  readonly progress?: { done: number, total: number }
}

export interface MachineInit {
  readonly descriptor: TaskDescriptor
  readonly myself: number
  readonly randomBytes: RandomBytes
  readonly maxLength?: number
  /** Key agreement and keystream for lean mode; without them `auto` runs the full mesh. */
  readonly lean?: LeanCrypto
}

/** The additive full-mesh SecureSum as a ProtocolMachine. */
class FullMeshMachine implements ProtocolMachine {
  private readonly m: SecureSum
  private typed = false
  constructor (init: MachineInit) { this.m = new SecureSum(init) }
  get descriptor (): TaskDescriptor { return this.m.descriptor }
  get digest (): Uint8Array { return this.m.digest }
  get myself (): number { return this.m.myself }
  get parties (): number { return this.m.parties }
  get step (): string { return this.m.step }
  get finished (): boolean { return this.m.finished }
  get hasInput (): boolean { return this.m.hasInput }
  private typedResult: SecureSumResult | undefined
  get result (): SecureSumResult | undefined {
    if (!this.typed || this.m.result === undefined) return this.m.result
    return (this.typedResult ??= withTypedSum(this.m.result))
  }
  get error (): SimonError | undefined { return this.m.error }
  input (value: InputValue): Outgoing[] {
    const out = this.m.input(value)
    this.typed = isTypedInput(value) && profileOf(this.m.descriptor.parameters) === 'fast'
    return out
  }
  receive (message: WireMessage, senderPeerId: string): Outgoing[] { return this.m.receive(message, senderPeerId) }
  fail (error: SimonError, notify?: boolean): Outgoing[] { return this.m.fail(error, notify) }
  waitingFor (): { step: string, missing: number[] } { return this.m.waitingFor() }
  encode (message: WireMessage): Uint8Array { return encodeMessage(message, this.m.field.bytes) }
}

/** The machine for a task, chosen by its parameters. */
export function createMachine (init: MachineInit): ProtocolMachine {
  const threshold = thresholdOf(init.descriptor.parameters)
  if (threshold !== undefined && threshold < init.descriptor.peers.length) return new ThresholdMachine(init)
  return leanMachineFor(init, () => new FullMeshMachine(init)) ?? new FullMeshMachine(init)
}
