/**
 * Typed errors. Every failure has its own class with a stable `name` and `code`, so callers
 * (and tests) branch on those and never on message text. Messages say what happened and, for
 * bad input, which field and why.
 */
export class SimonError extends Error {
  /** A stable, machine-readable code, e.g. `INVALID_INPUT`. */
  readonly code: string

  constructor (message: string, code: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** A value given by the caller is not acceptable; nothing has been sent to any peer. */
export class InvalidInputError extends SimonError {
  override name = 'InvalidInputError'
  /** The parameter at fault, as a path: `value`, `value[3]`, `network.myself`. */
  readonly field: string
  readonly reason: string

  constructor (field: string, reason: string) {
    super(`invalid ${field}: ${reason}`, 'INVALID_INPUT')
    this.field = field
    this.reason = reason
  }
}

/** A frame on the wire could not be decoded. */
export class CodecError extends SimonError {
  override name = 'CodecError'
  constructor (message: string) {
    super(`malformed frame: ${message}`, 'MALFORMED_FRAME')
  }
}

/** A peer sent a message that breaks the protocol (wrong index, second share for a slot, bad length). */
export class ProtocolError extends SimonError {
  override name = 'ProtocolError'
  /** The index of the party whose message was refused, when known. */
  readonly party: number | undefined
  constructor (message: string, party?: number) {
    super(message, 'PROTOCOL_VIOLATION')
    this.party = party
  }
}

/** Two parties hold different task descriptions (network, parameters, microprotocol). */
export class DigestMismatchError extends SimonError {
  override name = 'DigestMismatchError'
  /** The index of the party whose description differs. */
  readonly party: number
  /** Each difference, e.g. `parameters.digits_after: 12 here, 6 at party 1`. */
  readonly differences: string[]
  constructor (party: number, differences: string[]) {
    super(`task description differs at party ${party}: ${differences.join('; ')}`, 'DIGEST_MISMATCH')
    this.party = party
    this.differences = differences
  }
}

/** A wait ran past its deadline; says which parties were missing at which step. */
export class TaskTimeoutError extends SimonError {
  override name = 'TaskTimeoutError'
  readonly step: string
  readonly missing: number[]
  /** Set when another party's deadline ended the task here: that party's index (its own timeout is `reason`). */
  readonly party: number | undefined
  /**
   * @param seconds this party's deadline; unused when `remote` says another party's deadline passed
   * @param remote the party whose timeout ended the task, and the reason its abort gave
   */
  constructor (step: string, missing: number[], seconds: number | undefined, remote?: { party: number, reason: string }) {
    const who = missing.length === 1 ? `party ${missing[0]}` : `parties ${missing.join(', ')}`
    super(remote === undefined
      ? `timed out after ${String(seconds)} s at step '${step}': no message from ${who}`
      : `party ${remote.party} ${remote.reason}`, 'TIMEOUT')
    this.step = step
    this.missing = missing
    this.party = remote?.party
  }
}

/** The parties computed different results (a party told different parties different partial sums). */
export class ResultMismatchError extends SimonError {
  override name = 'ResultMismatchError'
  readonly party: number
  constructor (party: number) {
    super(`result confirmation from party ${party} does not match the result computed here`, 'RESULT_MISMATCH')
    this.party = party
  }
}

/** Another party gave up on the task and told us why. */
export class TaskAbortedError extends SimonError {
  override name = 'TaskAbortedError'
  readonly party: number
  readonly remoteCode: string
  constructor (party: number, remoteCode: string, reason: string) {
    super(`party ${party} aborted the task: ${reason}`, 'ABORTED')
    this.party = party
    this.remoteCode = remoteCode
  }
}

/** The task was cancelled locally (AbortSignal, delete, node stop). */
export class TaskCancelledError extends SimonError {
  override name = 'TaskCancelledError'
  constructor (reason: string) {
    super(`task cancelled: ${reason}`, 'CANCELLED')
  }
}

/**
 * Threshold mode: the partial sums of the agreed input set do not lie on one polynomial of
 * degree t-1, so at least one party revealed a wrong partial sum.
 */
export class InconsistentPartialError extends SimonError {
  override name = 'InconsistentPartialError'
  /** The index whose partial sum did not fit (see `identified` for how sure that is). */
  readonly party: number
  /**
   * True when removing this party's partial sum alone makes all the others agree; false when the
   * partial sums at hand cannot tell which one is wrong, and `party` is the lowest index that did
   * not fit the polynomial through the `threshold` lowest indices.
   */
  readonly identified: boolean
  /** The parties whose partial sums were compared. */
  readonly compared: number[]
  constructor (party: number, identified: boolean, compared: number[]) {
    super(identified
      ? `the partial sum of party ${party} does not fit the others (parties ${compared.join(', ')}); the others agree without it`
      : `the partial sum of party ${party} does not fit the polynomial through the lowest-index partial sums (parties ${compared.join(', ')} compared; which one is wrong cannot be told from these)`,
    'INCONSISTENT_PARTIAL')
    this.party = party
    this.identified = identified
    this.compared = compared
  }
}
