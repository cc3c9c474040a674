/**
 * The SecureSum protocol in the additive full mesh, as a pure state machine on the kernel: it
 * takes the local input and the messages of other parties, and answers with the messages to
 * send. No I/O, no clock, no randomness of its own (RandomBytes is injected).
 *
 * Rounds, for n parties, all needed:
 *   share    party i splits [input..., samples] into n additive shares, sends share j to party j
 *   partial  with one share from every party, party j sends the element-wise sum to every party
 *   reveal   with all n partial sums, each party adds them up and decodes the total
 *   confirm  parties exchange SHA-256(digest, total); all must match
 */
import type { AbortMessage, WireMessage } from '../../wire/codec.js'
import type { InputValue } from '../../encoding/fixed-point.js'
import { ResultMismatchError, TaskTimeoutError } from '../../errors.js'
import type { MachineInit, Outgoing, SecureSumResult } from '../../machine/types.js'
import { WideKernel } from '../../machine/wide.js'
import { digestsEqual } from '../../task/descriptor.js'
import { splitAdditive, sumVectors } from './shares.js'

export type Step = 'input' | 'share' | 'partial' | 'confirm' | 'done' | 'failed'

const KINDS: ReadonlySet<string> = new Set(['share', 'partial', 'confirm'])

/** Every slot filled (deliberately not a type predicate: the slots are cleared again later). */
function complete (slots: ReadonlyArray<unknown>): boolean {
  return slots.every(s => s !== undefined)
}

function missingIn (slots: ReadonlyArray<unknown>): number[] {
  return slots.flatMap((v, i) => (v === undefined ? [i] : []))
}

export class SecureSum extends WideKernel<Step> {
  protected readonly kinds = KINDS
  protected readonly modeName = 'the additive full mesh'
  private readonly shares: Array<bigint[] | undefined>
  private readonly partials: Array<bigint[] | undefined>
  private readonly confirms: Array<Uint8Array | undefined>
  private ownHash: Uint8Array | undefined
  private pendingResult: SecureSumResult | undefined

  constructor (init: MachineInit) {
    super(init)
    this.shares = new Array(this.parties).fill(undefined)
    this.partials = new Array(this.parties).fill(undefined)
    this.confirms = new Array(this.parties).fill(undefined)
  }


  waitingFor (): { step: Step, missing: number[] } {
    switch (this._step) {
      case 'input': return { step: 'input', missing: [this.myself] }
      case 'share': return { step: 'share', missing: missingIn(this.shares) }
      case 'partial': return { step: 'partial', missing: missingIn(this.partials) }
      case 'confirm': return { step: 'confirm', missing: missingIn(this.confirms) }
      default: return { step: this._step, missing: [] }
    }
  }

  /** Split the input and send share j to party j. */
  protected takeInput (value: InputValue): Outgoing[] {
    const { kind, secret } = this.encodeOwn(value)
    const split = splitAdditive(this.field, secret, this.parties, this.randomBytes)
    this._step = 'share'
    const { own, out } = this.deal(kind, split)
    this.shares[this.myself] = own
    return [...out, ...this.advance()]
  }

  protected slot (m: WireMessage): readonly [string, string] {
    if (m.kind === 'share') return ['share', 'sent its share']
    return m.kind === 'partial' ? ['partial', 'sent its partial sum'] : ['confirm', 'sent its confirmation']
  }

  protected take (m: WireMessage, from: number): Outgoing[] {
    switch (m.kind) {
      case 'share': {
        const error = this.checkElements(m.shape, m.elements, from)
        if (error !== undefined) return this.fail(error)
        this.shares[from] = m.elements
        return this.advance()
      }
      case 'partial': {
        const error = this.checkElements(m.shape, m.elements, from)
        if (error !== undefined) return this.fail(error)
        this.partials[from] = m.elements
        return this.advance()
      }
      case 'confirm':
        this.confirms[from] = m.hash
        return this.advance()
      default:
        return []
    }
  }

  /**
   * Another party's deadline passed: this party cannot finish either, for the same kind of
   * reason. It fails with a timeout naming whom it still waits for itself, not with an abort that
   * names only the party whose deadline happened to pass first.
   */
  protected override onAbort (m: AbortMessage, sender: number, now: number): Outgoing[] {
    if (m.code !== 'TIMEOUT') return super.onAbort(m, sender, now)
    const { step, missing } = this.waitingFor()
    return this.fail(new TaskTimeoutError(step, missing, undefined, { party: sender, reason: m.reason }), false)
  }

  /** Move on as far as the messages at hand allow. */
  private advance (): Outgoing[] {
    const out: Outgoing[] = []
    if (this._step === 'share' && complete(this.shares)) {
      const partial = sumVectors(this.field, this.shares as bigint[][])
      this.shares.fill(undefined)
      this.partials[this.myself] = partial
      this._step = 'partial'
      out.push(...this.broadcast({ kind: 'partial', shape: this.shape!.kind, elements: partial }))
    }
    if (this._step === 'partial' && complete(this.partials)) {
      const total = sumVectors(this.field, this.partials as bigint[][])
      this.partials.fill(undefined)
      this.pendingResult = this.decode(total, this.parties)
      this.ownHash = this.resultHash('', total)
      this.confirms[this.myself] = this.ownHash
      this._step = 'confirm'
      out.push(...this.broadcast({ kind: 'confirm', hash: this.ownHash }))
    }
    if (this._step === 'confirm') {
      for (let j = 0; j < this.parties; j++) {
        const h = this.confirms[j]
        if (h !== undefined && !digestsEqual(h, this.ownHash!)) return [...out, ...this.fail(new ResultMismatchError(j))]
      }
      if (complete(this.confirms)) this.succeed(this.pendingResult!)
    }
    return out
  }

  /** Drop every share and partial sum this task still holds. */
  protected forget (): void {
    this.shares.fill(undefined)
    this.partials.fill(undefined)
    this.pendingResult = undefined
  }
}
