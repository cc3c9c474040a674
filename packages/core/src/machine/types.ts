/**
 * What every protocol machine shares with the node layer: the messages it asks to send, the
 * result it reaches, the verdict on each message it is given, and the machine itself. A machine
 * is pure: it takes the input, the authenticated messages and the time (a number passed in), and
 * answers with the messages to send.
 */
import type { WireMessage } from '../wire/codec.js'
import type { InputValue } from '../encoding/fixed-point.js'
import type { SimonError } from '../errors.js'
import type { RandomBytes } from '../field/random.js'
import type { TaskDescriptor } from '../task/descriptor.js'
import type { LeanCrypto } from '../protocols/lean/crypto.js'
import type { Agreement } from '../protocols/threshold/agreement.js'

/** One total: a number when it reads back exactly, otherwise a decimal string. */
export type Sum = number | string

/** What a sum gives every party: `{"inputs": n, "result": {"samples": s, "sum": total}}`. */
export interface SecureSumResult {
  /** How many parties' inputs the total holds. */
  readonly inputs: number
  readonly result: {
    /** Total sample count: 1 per scalar input, the length per vector input. */
    readonly samples: number
    /**
     * The exact total: a number when it reads back exactly, otherwise a decimal string; element-wise
     * for vectors. In the fast profile a typed-array input gets a Float64Array (every total of that
     * profile reads back exactly).
     */
    readonly sum: Sum | Sum[] | Float64Array
  }
}

/** A message for party `to`. */
export interface Outgoing { readonly to: number, readonly message: WireMessage }

/**
 * What became of a message given to `receive`; the node answers the sender with it.
 * - accepted `OK`: taken; `LATE`: the task had finished here, the message changed nothing
 * - held: kept until this party can use it (its own input, an earlier step's message)
 * - refused: not taken, with the reason; the task goes on unless the message made it fail
 *   (a first message whose task description differs), in which case `error` is the task's error
 */
export type Verdict =
  | { readonly status: 'accepted', readonly code: 'OK' | 'LATE' }
  | { readonly status: 'held', readonly code: 'HELD' }
  | { readonly status: 'refused', readonly code: string, readonly error: SimonError }

/** The verdict on a received message and the messages to send because of it. */
export interface Received { readonly verdict: Verdict, readonly out: Outgoing[] }

/** The longest vector accepted by default, from this party or any other. */
export const DEFAULT_MAX_LENGTH = 1 << 24

/**
 * Signatures with the parties' identity keys (the keys behind their PeerIds), for the messages a
 * deviating party must not be able to tell differently to different parties (threshold mode's
 * commits), and for what nobody may substitute on its way (lean mode's ephemeral keys).
 * Injected, like randomness: core has no key of its own.
 */
export interface IdentitySigner {
  /** This party's signature over `data` with its identity key. */
  readonly sign: (data: Uint8Array) => Uint8Array
  /** Whether `signature` over `data` is by the identity key of `peerId`; false for a key it cannot check. */
  readonly verify: (peerId: string, data: Uint8Array, signature: Uint8Array) => boolean
}

export interface MachineInit {
  readonly descriptor: TaskDescriptor
  readonly myself: number
  readonly randomBytes: RandomBytes
  /** The longest vector accepted, from this party or any other. */
  readonly maxLength?: number
  /** Ephemeral key agreement and keystream for lean mode; without them (or without `identity`) `auto` runs the full mesh. */
  readonly lean?: LeanCrypto
  /** Identity signatures; threshold mode needs them (its commits are signed), and lean mode (its ephemeral keys are). */
  readonly identity?: IdentitySigner
  /**
   * Send traced frames, whose header carries a hop counter (wire/frame.ts), so that `hops` is
   * known: for measurement (the benchmark). Off by default; a node of an earlier build refuses
   * traced frames.
   */
  readonly traceHops?: boolean
}

/** What the node layer drives, whatever the mode (full mesh, threshold, lean ring or tree, auto). */
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
  /**
   * Validate and take this party's input.
   * @throws InvalidInputError before producing anything
   */
  input: (value: InputValue, now: number) => Outgoing[]
  /** A message from the peer authenticated as `senderPeerId`; never throws for what a peer sent. */
  receive: (message: WireMessage, senderPeerId: string, now: number) => Received
  /** Fail here; returns the aborts to send (none when `notify` is false). */
  fail: (error: SimonError, notify?: boolean) => Outgoing[]
  /** The step this party is at and the parties it still waits for there. */
  waitingFor: () => { step: string, missing: number[] }
  /** The frame for one of this machine's messages. */
  encode: (message: WireMessage) => Uint8Array
  /** When the machine next wants `tick` (absolute, in the clock of `now`); undefined for never. */
  nextDeadline: () => number | undefined
  /** Time has reached a deadline the machine asked for. */
  tick: (now: number) => Outgoing[]
  /** After done, how long deliveries still under way may go on; until the task's deadline when absent. */
  readonly lingerMs?: number
  /** Parties this machine will send to once it has its input; the node may connect to them early. */
  readonly neighbours?: readonly number[]
  /** How far a long sum has come (lean mode counts frames), for progress bars. */
  readonly progress?: { done: number, total: number }
  /** Threshold mode: the agreed input set, whom it leaves out by whose proposal, who equivocated. */
  readonly agreement?: Agreement
  /** The mode a machine that chooses it (mode 'auto' or 'lean') has chosen, once it has. */
  readonly mode?: 'mesh' | 'lean'
  /**
   * The longest chain of messages, one after another, that reached this party before its
   * result: the highest hop counter among the traced messages it took (0 when none was traced).
   */
  readonly hops?: number
}
