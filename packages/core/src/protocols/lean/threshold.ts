/**
 * Lean mode with a threshold t < n: SecAgg with the server's jobs done by the parties, as a pure
 * state machine (README-lean.md, "Dropouts", has the protocol, the security argument and the
 * liveness conditions). Steps at party i:
 *   keys      draw s_i, b_i and a nonce; send each party j i's signed keys and j's shares of s_i, b_i
 *   key-set   propose the parties whose keys it holds; commit to one set and the hash of its
 *             members' keys; U1 = the certified set (a party whose keys of U1 are not the
 *             certified ones, a restarted party among them, neither masks nor unmasks)
 *   collect   mask with PRG(b_i) and the pair masks of U1; send each segment to its two holders
 *   input-set holders propose the parties whose pieces they hold in full (one still short of some
 *             within half a window of another's proposal); W = the certified set
 *   unmask    send every party its shares: of b_j for j in W, of s_j for j in U1 \ W
 *   total     holders unmask their segments and send the totals to all
 *   confirm   SHA-256(digest, W, total); done with t equal confirmations
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import type { AbortMessage, WireMessage } from '../../wire/codec.js'
import type { LeanDataMessage } from '../../wire/lean.js'
import { buildFastDataFrame } from '../../wire/lean.js'
import type { LtKeysMessage, LtUnmaskMessage } from '../../wire/lean-threshold.js'
import type { InputValue, Shape } from '../../encoding/fixed-point.js'
import { isTypedInput } from '../../encoding/fast.js'
import { InvalidInputError, ProtocolError, ResultMismatchError, TaskAbortedError, type SimonError } from '../../errors.js'
import { fastVectors, isFastModulus, wideVectors, type VectorOps } from '../../field/vectors.js'
import { HELD, Kernel } from '../../machine/kernel.js'
import type { IdentitySigner, Outgoing } from '../../machine/types.js'
import { describeShape } from '../../machine/wide.js'
import { digestsEqual } from '../../task/descriptor.js'
import { DEFAULT_SHARE_TIMEOUT_S, thresholdOf } from '../../task/parameters.js'
import { isDropout, leftOut, partySet, type Agreement, type PartySet } from '../threshold/agreement.js'
import { checkPeers, frameIv, nonceHash, NONCE_BYTES, pairKeys, portableHmac, type EphemeralKey, type Hmac, type LeanCrypto, type PairKeys } from './crypto.js'
import type { LeanMachineInit } from './base.js'
import { Collection } from './collection.js'
import {
  drawSecrets, keySetHash, keysStatement, reconstructKey, reconstructSelfKey, selfMaskCommitment, SHARING_FIELD, splitSecrets, type DropoutSecrets
} from './dropout-secrets.js'
import { SurvivorAgreement } from './survivors.js'

export type LeanThresholdStep = 'input' | 'keys' | 'key-set' | 'collect' | 'input-set' | 'unmask' | 'total' | 'confirm' | 'done' | 'failed'

/** Abort codes that mean "that party gave up": the others carry on without it. */
const KINDS: ReadonlySet<string> = new Set(['lt-keys', 'lt-propose', 'lt-commit', 'lt-unmask', 'lean-data', 'confirm'])
const RESULT_LABEL = new TextEncoder().encode('simon-p2p/lean-threshold/v1/result')

/** What a party's keys message said, once its signature checked out. */
interface PartyKeys {
  readonly nonce: Uint8Array
  readonly publicKey: Uint8Array
  readonly selfCommitment: Uint8Array
  readonly shape: Shape
  readonly length: number
  /** This party's shares of that party's s and b. */
  readonly shares: readonly bigint[]
}

export class LeanThresholdMachine<V extends Float64Array | bigint[] = Float64Array | bigint[]> extends Kernel<LeanThresholdStep> {
  protected readonly kinds = KINDS
  protected readonly modeName = 'lean mode with a threshold'
  readonly threshold: number
  readonly shareTimeoutMs: number
  private readonly ops: VectorOps<V>
  private readonly crypto: LeanCrypto
  private readonly ephemeralFrom: NonNullable<LeanCrypto['ephemeralFrom']>
  private readonly identity: IdentitySigner
  private readonly hash: (data: Uint8Array) => Uint8Array
  private readonly mac: Hmac

  private inputAt: number | undefined
  /** The clock as last seen: deadlines at or before it have been acted on. */
  private clock = 0
  private shape: { kind: Shape, length: number } | undefined
  private typedInput = false
  /** Input and sample count, then zeros up to n elements (so that no segment is empty). */
  private x: V | undefined
  private elements = 0
  private secrets: DropoutSecrets | undefined
  private readonly keys: Array<PartyKeys | undefined>
  private keysClosed = false
  private readonly keyRound: SurvivorAgreement
  private readonly inputRound: SurvivorAgreement
  private collection: Collection | undefined
  /** How many frames this party holds (its two segments'), once the collection is planned. */
  private framesHeld = 0
  private collectAt: number | undefined
  private collectClosed = false
  private masked = false
  /** Whether this party holds the certified keys of every member of U1 (else it only watches); undefined until it holds them all. */
  private certifiedKeys: boolean | undefined
  private pairs: Array<PairKeys | undefined> = []
  private nonceDigest: Uint8Array | undefined
  /** pieces[sender]: the masked frames it sent for the segments this party holds. */
  private readonly pieces = new Map<number, Map<number, V>>()
  private readonly pending: LeanDataMessage[] = []
  private inputSetAt: number | undefined
  /** The primary holders that had made no input-set proposal when this party decided. */
  private primariesSilent = new Set<number>()
  private released = false
  private readonly unmasks: Array<{ from: number, shares: readonly bigint[] }> = []
  private unmasked: { selfKeys: Map<number, Uint8Array>, dropped: Map<number, EphemeralKey> } | undefined
  private readonly totalsSent = new Set<number>()
  private totals: Array<V | undefined> = []
  private totalsCount = 0
  private ownHash: Uint8Array | undefined
  private readonly confirms: Array<Uint8Array | undefined>
  private readonly gaveUp = new Set<number>()

  constructor (init: LeanMachineInit, ops?: VectorOps<V>) {
    super(init)
    const n = this.parties
    const t = thresholdOf(init.descriptor.parameters)
    if (t === undefined || t <= n / 2 || t >= n) throw new InvalidInputError('parameters.threshold', `lean mode with a threshold needs n/2 < t < n, got ${String(t)} for ${n} parties`)
    if (init.lean.ephemeralFrom === undefined) throw new InvalidInputError('parameters.threshold', 'lean mode with a threshold shares its X25519 keys, and this node cannot make one from its private bytes')
    const seconds = init.descriptor.parameters.share_timeout
    this.threshold = t
    this.shareTimeoutMs = (typeof seconds === 'number' ? seconds : DEFAULT_SHARE_TIMEOUT_S) * 1000
    this.ops = ops ?? (isFastModulus(init.descriptor.parameters.modulus) ? fastVectors : wideVectors(this.field)) as unknown as VectorOps<V>
    this.crypto = init.lean
    this.ephemeralFrom = init.lean.ephemeralFrom
    this.identity = init.identity
    this.hash = init.lean.sha256 ?? (data => nobleSha256(data))
    this.mac = init.lean.hmacSha256 ?? portableHmac
    this.keys = new Array(n).fill(undefined)
    this.confirms = new Array(n).fill(undefined)
    const round = (name: 'keys' | 'inputs', keysOf?: (set: PartySet) => Uint8Array): SurvivorAgreement =>
      new SurvivorAgreement(name, t, n, init.myself, this.shareTimeoutMs, init.descriptor.peers, this.digest, init.identity, keysOf)
    this.keyRound = round('keys', set => keySetHash(this.digest, set.members, j => this.keys[j]!))
    this.inputRound = round('inputs')
  }

  /** After done, deliveries (a confirmation others may still need) go on this long. */
  get lingerMs (): number { return this.shareTimeoutMs }
  /** The key set U1, once certified. */
  get keySet (): readonly number[] | undefined { return this.keyRound.certified?.members }
  /** The input set W, once certified. */
  get agreedInputs (): readonly number[] | undefined { return this.inputRound.certified?.members }
  get agreement (): Agreement | undefined {
    const w = this.inputRound.certified
    if (w === undefined) return undefined
    const equivocated = [...new Set([...this.keyRound.certificates.equivocators(), ...this.inputRound.certificates.equivocators()])].sort((a, b) => a - b)
    return { inputs: w.members, leftOut: leftOut(w, this.keyRound.certified === undefined ? this.inputRound.proposals : this.proposalsOverKeySet()), equivocated }
  }

  get progress (): { done: number, total: number } {
    const order: LeanThresholdStep[] = ['input', 'keys', 'key-set', 'collect', 'input-set', 'unmask', 'total', 'confirm', 'done']
    return { done: Math.max(0, order.indexOf(this._step)), total: order.length - 1 }
  }

  waitingFor (): { step: string, missing: number[] } {
    const all = Array.from({ length: this.parties }, (_, j) => j)
    const u1 = this.keyRound.certified?.members ?? all
    switch (this._step) {
      case 'input': return { step: 'input', missing: [this.myself] }
      case 'keys': return { step: 'keys', missing: all.filter(j => this.keys[j] === undefined) }
      case 'key-set': return { step: 'key-set', missing: all.filter(j => this.keyRound.commits[j] === undefined) }
      case 'collect': return { step: 'collect', missing: u1.filter(j => !this.complete(j)) }
      case 'input-set': return { step: 'input-set', missing: u1.filter(j => this.inputRound.commits[j] === undefined) }
      case 'unmask': return { step: 'unmask', missing: all.filter(j => !this.unmasks.some(u => u.from === j)) }
      case 'total': {
        const plan = this.collection!.plan
        const missing = new Set<number>()
        for (let g = 0; g < plan.frames; g++) if (this.totals[g] === undefined) for (const h of this.collection!.holders(plan.frameSegment[g]!)) missing.add(h)
        return { step: 'total', missing: [...missing].sort((a, b) => a - b) }
      }
      case 'confirm': return { step: 'confirm', missing: all.filter(j => this.confirms[j] === undefined) }
      default: return { step: this._step, missing: [] }
    }
  }

  /**
   * Encode the input (padded), draw the secrets, and send every party its keys message.
   * @throws InvalidInputError before anything is produced
   */
  protected takeInput (value: InputValue, now: number): Outgoing[] {
    const encoded = this.ops.encode(value, this.fp, this.maxLength)
    checkPeers(this.crypto, this.descriptor.peers, this.myself)
    const own = { kind: encoded.shape, length: encoded.length }
    for (let j = 0; j < this.parties; j++) {
      const k = this.keys[j]
      if (k !== undefined && (k.shape !== own.kind || k.length !== own.length)) {
        throw new InvalidInputError('value', `party ${j} has ${describeShape(k.shape, k.length)}, this input is ${describeShape(own.kind, own.length)}`)
      }
    }
    this.shape = own
    this.typedInput = isTypedInput(value)
    this.elements = encoded.length + 1
    const padded = this.ops.alloc(Math.max(this.elements, this.parties))
    this.ops.copyInto(padded, encoded.elements, 0)
    this.x = padded
    this.inputAt = now
    this.clock = Math.max(this.clock, now)
    const secrets = drawSecrets(this.randomBytes, this.ephemeralFrom)
    this.secrets = secrets
    const nonce = this.randomBytes(NONCE_BYTES).slice()
    const publicKey = secrets.key.publicKey
    const selfCommitment = selfMaskCommitment(this.digest, this.myself, secrets.selfKey)
    const signature = this.identity.sign(keysStatement(this.digest, this.myself, nonce, publicKey, selfCommitment))
    const shares = splitSecrets(secrets, this.parties, this.threshold, this.randomBytes)
    this.keys[this.myself] = { nonce, publicKey, selfCommitment, shape: own.kind, length: own.length, shares: shares[this.myself]! }
    const out: Outgoing[] = []
    for (let j = 0; j < this.parties; j++) {
      if (j === this.myself) continue
      const message: LtKeysMessage = {
        kind: 'lt-keys', ...this.header(), descriptor: this.canonical, shape: own.kind, length: own.length, nonce, publicKey, selfCommitment, signature, shares: shares[j]!
      }
      out.push({ to: j, message })
    }
    return [...out, ...this.advance(now)]
  }

  protected slot (m: WireMessage): readonly [string, string] {
    switch (m.kind) {
      case 'lt-keys': return ['keys', 'sent its keys']
      case 'lt-propose': return [`propose/${m.round}`, `proposed a ${m.round === 'keys' ? 'key' : 'input'} set`]
      case 'lt-commit': return [`commit/${m.round}`, `committed to a ${m.round === 'keys' ? 'key' : 'input'} set`]
      case 'lt-unmask': return ['unmask', 'sent its unmasking shares']
      case 'lean-data': return [`${m.phase}/${m.frame}`, `sent ${m.phase === 'reduce' ? 'its masked' : 'the total of'} frame ${m.frame}`]
      default: return ['confirm', 'sent its confirmation']
    }
  }

  protected take (m: WireMessage, from: number, now: number): Outgoing[] | typeof HELD {
    this.clock = Math.max(this.clock, now)
    switch (m.kind) {
      case 'lt-keys': this.takeKeys(m, from); break
      case 'lt-propose': {
        (m.round === 'keys' ? this.keyRound : this.inputRound).takeProposal(from, m.members, now)
        break
      }
      case 'lt-commit': (m.round === 'keys' ? this.keyRound : this.inputRound).takeCommit(from, m.members, m.signature, m.keys); break
      case 'lt-unmask': this.takeUnmask(m, from); break
      case 'lean-data': {
        if (this.collection === undefined) { this.pending.push(m); return HELD }
        const error = this.takeData(m, from)
        if (error !== undefined) return this.fail(error)
        break
      }
      case 'confirm': this.confirms[from] = m.hash; break
      default: return []
    }
    return this.advance(now)
  }

  protected override onAbort (m: AbortMessage, sender: number, now: number): Outgoing[] {
    if (!isDropout(m.code)) return this.fail(new TaskAbortedError(sender, m.code, m.reason), false)
    this.gaveUp.add(sender)
    return this.advance(now)
  }

  override nextDeadline (): number | undefined {
    if (this.inputAt === undefined || this.finished) return undefined
    const candidates = [
      this.keyRound.proposedAt === undefined && !this.keysClosed ? this.inputAt + this.shareTimeoutMs : undefined,
      this.keyRound.proposedAt === undefined ? this.keyRound.hurryAt(this.inputAt) : undefined,
      this.keyRound.windowEnd,
      this.collectAt !== undefined && !this.collectClosed && this.inputRound.proposedAt === undefined ? this.collectAt + this.shareTimeoutMs : undefined,
      this.collectAt !== undefined && this.inputRound.proposedAt === undefined ? this.inputRound.hurryAt(this.collectAt) : undefined,
      this.inputRound.windowEnd,
      this.inputSetAt !== undefined ? this.inputSetAt + this.shareTimeoutMs : undefined
    ].filter((d): d is number => d !== undefined && d > this.clock)
    return candidates.length === 0 ? undefined : Math.min(...candidates)
  }

  override tick (now: number): Outgoing[] {
    this.clock = Math.max(this.clock, now)
    return this.advance(now)
  }

  private takeKeys (m: LtKeysMessage, from: number): void {
    const statement = keysStatement(this.digest, from, m.nonce, m.publicKey, m.selfCommitment)
    if (!this.identity.verify(this.descriptor.peers[from]!, statement, m.signature)) throw new ProtocolError(`the keys of party ${from} do not carry its signature for this task`, from)
    if (m.shares.length !== 2 || m.shares.some(s => s >= SHARING_FIELD.p)) throw new ProtocolError(`party ${from} sent ${m.shares.length} shares, not two of the sharing field`, from)
    const own = this.shape
    if (own !== undefined && (m.shape !== own.kind || m.length !== own.length)) {
      throw new ProtocolError(`party ${from} has ${describeShape(m.shape, m.length)}, this party has ${describeShape(own.kind, own.length)}`, from)
    }
    this.keys[from] = { nonce: m.nonce, publicKey: m.publicKey, selfCommitment: m.selfCommitment, shape: m.shape, length: m.length, shares: m.shares }
  }

  private takeUnmask (m: LtUnmaskMessage, from: number): void {
    const set = partySet(m.members)
    this.inputRound.certificates.check(set, m.certificate, from, this.parties)
    const u1 = this.keyRound.certified
    if (u1 === undefined) return
    if (partySet(m.keySet).key !== partySet(u1.members).key) throw new ProtocolError(`party ${from} unmasks over another key set than the certified one`, from)
    if (!set.members.every(j => u1.members.includes(j))) throw new ProtocolError(`party ${from} unmasks an input set beyond the key set`, from)
    if (m.shares.length !== u1.members.length || m.shares.some(s => s >= SHARING_FIELD.p)) throw new ProtocolError(`party ${from} sent ${m.shares.length} unmasking shares for ${u1.members.length} parties`, from)
    this.unmasks.push({ from, shares: m.shares })
  }

  /** A masked piece (reduce) for a segment this party holds, or a segment's total (gather). */
  private takeData (m: LeanDataMessage, from: number): SimonError | undefined {
    const c = this.collection!
    const g = m.frame
    if (!Number.isSafeInteger(g) || g >= c.plan.frames || m.step !== 0) throw new ProtocolError(`party ${from} sent frame ${g} step ${m.step}; the task has ${c.plan.frames} frames`, from)
    const count = c.plan.frameCount[g]!
    if ((m.elements instanceof Float64Array) !== (this.x instanceof Float64Array) || m.elements.length !== count) {
      return new ProtocolError(`party ${from} sent frame ${g} with ${m.elements.length} elements of another profile or count (expected ${count})`, from)
    }
    const elements = m.elements as V
    if (this.ops.findInvalid(elements) >= 0) return new ProtocolError(`party ${from} sent an element outside the field`, from)
    if (m.phase === 'reduce') {
      if (!c.members.includes(from)) throw new ProtocolError(`party ${from} is not in the key set and sent a masked frame`, from)
      if (!c.holdsFrame(this.myself, g)) throw new ProtocolError(`party ${from} sent frame ${g}, which this party does not hold`, from)
      this.storePiece(from, g, elements)
      return undefined
    }
    if (!c.holders(c.plan.frameSegment[g]!).includes(from)) throw new ProtocolError(`party ${from} sent the total of frame ${g}, which it does not hold`, from)
    if (this.totals[g] === undefined) { this.totals[g] = elements; this.totalsCount++ }
    return undefined
  }

  private storePiece (from: number, g: number, elements: V): void {
    let frames = this.pieces.get(from)
    if (frames === undefined) { frames = new Map(); this.pieces.set(from, frames) }
    frames.set(g, elements)
  }

  /** Whether this party holds `party`'s pieces of every frame it holds. */
  private complete (party: number): boolean {
    if (this.collection === undefined) return false
    return (this.pieces.get(party)?.size ?? 0) === this.framesHeld
  }

  private send (to: number, body: Omit<WireMessage, 'taskId' | 'digest' | 'from'>): Outgoing {
    return { to, message: { ...this.header(), ...body } as WireMessage }
  }

  /** Move on as far as the messages at hand and the time allow. */
  private advance (now: number): Outgoing[] {
    if (this.inputAt === undefined || this.finished) return []
    const out: Outgoing[] = []
    const all = Array.from({ length: this.parties }, (_, j) => j)
    const held = all.filter(j => this.keys[j] !== undefined)
    // the key set: proposed once every key is in, or st after the input, or st/2 after another
    // party's proposal (it may hold keys of a party that died in the middle of sending them)
    if (now >= this.inputAt + this.shareTimeoutMs) this.keysClosed = true
    const keysHurried = now >= (this.keyRound.hurryAt(this.inputAt) ?? Infinity)
    if (this.keyRound.proposedAt === undefined && this.keyRound.commitment === undefined &&
      (held.length === this.parties || ((this.keysClosed || keysHurried) && held.length >= this.threshold))) {
      out.push(...this.broadcast(this.keyRound.propose(held, now)))
    }
    const keyCommit = this.keyRound.decide(now, all, set => set.members.every(j => this.keys[j] !== undefined))
    if (keyCommit !== undefined) out.push(...this.broadcast(keyCommit))
    const u1 = this.keyRound.certified
    if (u1 === undefined) return this.settle(out)
    if (this.collection === undefined) out.push(...this.startCollection(u1, now))
    if (this.finished) return out
    // the input set: every member of U1 holds two segments
    const members = u1.members
    const holder = this.masked
    if (holder) {
      if (now >= this.collectAt! + this.shareTimeoutMs) this.collectClosed = true
      // Another holder's proposal starts the others' windows: one still short of pieces proposes
      // within half a window of it, so that its proposal (which leaves out a party whose piece it
      // lacks) is in before those windows end. Else a party that died while its pieces went out
      // could be in W with a piece the backup of some segment never got, and if that segment's
      // primary died too, nobody could total it.
      const hurried = now >= (this.inputRound.hurryAt(this.collectAt!) ?? Infinity)
      const complete = members.filter(j => this.complete(j))
      if (this.inputRound.proposedAt === undefined && this.inputRound.commitment === undefined &&
        (complete.length === members.length || ((this.collectClosed || hurried) && complete.length >= this.threshold))) {
        out.push(...this.broadcast(this.inputRound.propose(complete, now)))
      }
      const wasDecided = this.inputRound.decided
      const inputCommit = this.inputRound.decide(now, members, set => set.members.every(j => this.complete(j)))
      if (!wasDecided && this.inputRound.decided) {
        this.primariesSilent = new Set(members.filter(j => this.inputRound.proposals[j] === undefined))
      }
      if (inputCommit !== undefined) out.push(...this.broadcast(inputCommit))
    }
    const w = this.inputRound.certified
    if (w === undefined) return this.settle(out)
    this.inputSetAt ??= now
    if (!this.released) out.push(...this.release(u1, w))
    out.push(...this.sendTotals(u1, w, now))
    if (this.finished) return out
    if (this.totalsCount === this.collection!.plan.frames && this.ownHash === undefined) out.push(...this.confirm(w))
    if (this.ownHash !== undefined) {
      let matching = 0
      for (let j = 0; j < this.parties; j++) {
        const h = this.confirms[j]
        if (h === undefined) continue
        if (!digestsEqual(h, this.ownHash)) return [...out, ...this.fail(new ResultMismatchError(j))]
        matching++
      }
      if (matching >= this.threshold && this.backupServed(now)) this.finish(w)
    }
    return this.settle(out)
  }

  private settle (out: Outgoing[]): Outgoing[] {
    this.updateStep()
    return out
  }

  /** Whether this party holds the keys of every member of U1 and they are the certified ones (once true, true). */
  private holdsCertifiedKeys (): boolean {
    if (this.certifiedKeys !== undefined) return this.certifiedKeys
    const u1 = this.keyRound.certified
    if (u1 === undefined || !u1.members.every(j => this.keys[j] !== undefined)) return false
    // every member's keys are in (a party's keys fill their slot once): the answer is final
    this.certifiedKeys = this.keyRound.holdsCertifiedKeys()
    return this.certifiedKeys
  }

  /** U1 is certified: the plan of the collection; if this party is in U1 with every key, mask and send its pieces. */
  private startCollection (u1: PartySet, now: number): Outgoing[] {
    const c = new Collection(u1.members, this.x!.length, this.ops.frameElements)
    this.collection = c
    this.framesHeld = c.framesHeldBy(this.myself).length
    this.totals = new Array(c.plan.frames).fill(undefined)
    this.collectAt = now
    const out: Outgoing[] = []
    if (u1.members.includes(this.myself) && this.holdsCertifiedKeys()) out.push(...this.mask(u1))
    const pending = this.pending.splice(0)
    for (const m of pending) {
      try {
        const error = this.takeData(m, m.from)
        if (error !== undefined) return [...out, ...this.fail(error)]
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err
      }
    }
    return out
  }

  /** y_i = x_i + PRG(b_i) + the pair masks of U1, frame by frame, to both holders of each frame's segment. */
  private mask (u1: PartySet): Outgoing[] {
    const c = this.collection!
    this.nonceDigest = nonceHash(u1.members.map(j => this.keys[j]!.nonce))
    this.pairs = this.descriptor.peers.map((_, k) => {
      if (k === this.myself || !u1.members.includes(k)) return undefined
      const secret = this.secrets!.key.agree(this.keys[k]!.publicKey)
      const keys = pairKeys(secret, this.digest, this.nonceDigest!, this.myself, k, this.mac)
      secret.fill(0)
      return keys
    })
    this.masked = true
    const out: Outgoing[] = []
    for (let g = 0; g < c.plan.frames; g++) {
      const count = c.plan.frameCount[g]!
      const base = { kind: 'lean-data' as const, ...this.header(), phase: 'reduce' as const, step: 0, frame: g }
      const built = this.x instanceof Float64Array ? buildFastDataFrame(base, count) : undefined
      const elements = (built?.elements ?? this.ops.alloc(count)) as V
      this.ops.copyRange(elements, this.x!, c.plan.frameStart[g]!, count)
      const iv = frameIv(g)
      this.ops.addKeystream(elements, 0, count, this.crypto.keystream(this.secrets!.selfKey, iv), false)
      for (let k = 0; k < this.parties; k++) {
        const keys = this.pairs[k]
        if (keys !== undefined) this.ops.addKeystream(elements, 0, count, this.crypto.keystream(keys.mask, iv), this.myself > k)
      }
      // one frame per holder: the node wipes each frame once it is delivered
      let first = true
      for (const h of new Set(c.holders(c.plan.frameSegment[g]!))) {
        if (h === this.myself) { this.storePiece(this.myself, g, this.ops.slice(elements, 0, count)); continue }
        out.push({ to: h, message: first ? this.dataMessage(base, elements, built?.wire) : this.copyOf(base, elements) })
        first = false
      }
    }
    return out
  }

  private dataMessage (base: Omit<LeanDataMessage, 'elements' | 'wire'>, elements: V, wire: Uint8Array | undefined): LeanDataMessage {
    return wire === undefined ? { ...base, elements } : { ...base, elements, wire }
  }

  /** A data message of its own (its own frame, in the fast profile) with a copy of `elements`. */
  private copyOf (base: Omit<LeanDataMessage, 'elements' | 'wire'>, elements: V): LeanDataMessage {
    const built = elements instanceof Float64Array ? buildFastDataFrame(base, elements.length) : undefined
    if (built === undefined) return { ...base, elements: this.ops.slice(elements, 0, elements.length) }
    built.elements.set(elements as Float64Array)
    return { ...base, elements: built.elements, wire: built.wire }
  }

  /** W is certified: this party's shares for every member of U1 (of b for W, of s for the rest), to everyone, once. */
  private release (u1: PartySet, w: PartySet): Outgoing[] {
    // shares of keys other than the certified ones would spoil the reconstruction: none at all
    if (!this.holdsCertifiedKeys()) return []
    this.released = true
    const inW = new Set(w.members)
    const shares = u1.members.map(j => this.keys[j]!.shares[inW.has(j) ? 1 : 0]!)
    this.unmasks.push({ from: this.myself, shares })
    const certificate = this.inputRound.certificates.certificate(w)!
    return this.broadcast({ kind: 'lt-unmask', keySet: [...u1.members], members: [...w.members], certificate, shares })
  }

  /**
   * The segments whose totals this party sends: its primary one at once, to everyone; its backup
   * one at once to everyone when the primary made no input-set proposal or gave up and its total
   * has not come, and else one window after W to every party whose confirmation has not come. A
   * total that reached this party says nothing of the others: a primary can die in the middle of
   * sending it (README-lean.md, liveness L4).
   */
  private sendTotals (u1: PartySet, w: PartySet, now: number): Outgoing[] {
    const c = this.collection!
    const mine = c.segmentsOf(this.myself)
    if (mine === undefined || !this.masked || !w.members.every(j => this.complete(j))) return []
    // to: undefined for every other party
    const due: Array<{ segment: number, to?: readonly number[] }> = []
    if (!this.totalsSent.has(mine.primary)) due.push({ segment: mine.primary })
    if (!this.totalsSent.has(mine.backup) && mine.backup !== mine.primary) {
      const primary = c.holders(mine.backup)[0]
      const arrived = c.plan.framesOf(mine.backup).every(g => this.totals[g] !== undefined)
      if (!arrived && (this.primariesSilent.has(primary) || this.gaveUp.has(primary))) due.push({ segment: mine.backup })
      else if (now >= this.inputSetAt! + this.shareTimeoutMs) {
        const unconfirmed = Array.from({ length: this.parties }, (_, j) => j).filter(j => j !== this.myself && this.confirms[j] === undefined)
        due.push({ segment: mine.backup, to: unconfirmed })
      }
    }
    if (due.length === 0) return []
    if (this.unmasked === undefined) {
      if (this.unmasks.length < this.threshold) return []
      const error = this.reconstruct(u1, w)
      if (error !== undefined) return this.fail(error)
    }
    const out: Outgoing[] = []
    for (const { segment, to } of due) {
      this.totalsSent.add(segment)
      // nobody left to send it to, and the total is here: nothing to compute
      if (to?.length === 0 && c.plan.framesOf(segment).every(g => this.totals[g] !== undefined)) continue
      for (const g of c.plan.framesOf(segment)) {
        const total = this.unmaskFrame(w, g)
        if (this.totals[g] === undefined) { this.totals[g] = total; this.totalsCount++ }
        out.push(...this.broadcast({ kind: 'lean-data', phase: 'gather', step: 0, frame: g, elements: total }, to))
      }
    }
    return out
  }

  /**
   * Whether this party may finish: a backup holder stays until its segment's primary has
   * confirmed (then the primary, alive, delivers its total to everyone) or it has sent the
   * segment's total itself (one window after W at the latest), so that it is not gone when a
   * primary that died in the middle of sending its total left some parties without it.
   */
  private backupServed (now: number): boolean {
    const c = this.collection!
    const mine = c.segmentsOf(this.myself)
    if (mine === undefined || !this.masked || mine.backup === mine.primary || this.totalsSent.has(mine.backup)) return true
    return this.confirms[c.holders(mine.backup)[0]] !== undefined || now >= this.inputSetAt! + this.shareTimeoutMs
  }

  /** From the first t unmask messages: b_j for j in W, s_j for j in U1 \ W, each checked against what j signed. */
  private reconstruct (u1: PartySet, w: PartySet): SimonError | undefined {
    const used = this.unmasks.slice(0, this.threshold)
    const inW = new Set(w.members)
    const selfKeys = new Map<number, Uint8Array>()
    const dropped = new Map<number, EphemeralKey>()
    for (let at = 0; at < u1.members.length; at++) {
      const j = u1.members[at]!
      const points = used.map(u => ({ index: u.from, value: u.shares[at]! }))
      const k = this.keys[j]!
      if (inW.has(j)) {
        const key = reconstructSelfKey(points, this.digest, j, k.selfCommitment)
        if (key === undefined) return new ProtocolError(`the shares of party ${j}'s self-mask key (from parties ${used.map(u => u.from).join(', ')}) do not give the key it committed to`)
        selfKeys.set(j, key)
      } else {
        const key = reconstructKey(points, k.publicKey, this.ephemeralFrom)
        if (key === undefined) return new ProtocolError(`the shares of party ${j}'s private key (from parties ${used.map(u => u.from).join(', ')}) do not give the key it signed`)
        dropped.set(j, key)
      }
    }
    this.unmasked = { selfKeys, dropped }
    return undefined
  }

  /** The total over W of frame g: the pieces of W, less each self mask, less each W member's masks with the dropped. */
  private unmaskFrame (w: PartySet, g: number): V {
    const c = this.collection!
    const count = c.plan.frameCount[g]!
    const total = this.ops.alloc(count)
    const iv = frameIv(g)
    const { selfKeys, dropped } = this.unmasked!
    for (const i of w.members) {
      this.ops.addInto(total, this.pieces.get(i)!.get(g)!, 0)
      this.ops.addKeystream(total, 0, count, this.crypto.keystream(selfKeys.get(i)!, iv), true)
      for (const [j, key] of dropped) {
        const secret = key.agree(this.keys[i]!.publicKey)
        const keys = pairKeys(secret, this.digest, this.nonceDigest!, i, j, this.mac)
        secret.fill(0)
        // i added its mask with j when i < j and subtracted it when i > j: undo that
        this.ops.addKeystream(total, 0, count, this.crypto.keystream(keys.mask, iv), i < j)
        keys.mask.fill(0); keys.tag.fill(0)
      }
    }
    return total
  }

  private confirm (w: PartySet): Outgoing[] {
    const total = this.ops.alloc(this.x!.length)
    const plan = this.collection!.plan
    for (let g = 0; g < plan.frames; g++) this.ops.copyInto(total, this.totals[g]!, plan.frameStart[g]!)
    this.x = total
    this.ownHash = this.hash(concat([RESULT_LABEL, this.digest, new TextEncoder().encode(w.key), this.hash(this.ops.toBytes(total))]))
    this.confirms[this.myself] = this.ownHash
    return this.broadcast({ kind: 'confirm', hash: this.ownHash })
  }

  private finish (w: PartySet): void {
    const total = this.ops.slice(this.x!, 0, this.elements)
    const { samples, sum } = this.ops.decode(total, this.fp, this.shape!.kind, this.typedInput)
    this.succeed({ inputs: w.members.length, result: { samples, sum } })
  }

  /** The proposals of the input set, read over U1 (parties outside it are not left out: they never had keys in). */
  private proposalsOverKeySet (): Array<PartySet | undefined> {
    const u1 = new Set(this.keyRound.certified!.members)
    return this.inputRound.proposals.map((p, j) => (u1.has(j) ? p : undefined))
  }

  private updateStep (): void {
    if (this.finished) return
    if (this.inputAt === undefined) this._step = 'input'
    else if (this.ownHash !== undefined) this._step = 'confirm'
    else if (this.collection === undefined) this._step = this.keyRound.proposedAt !== undefined ? 'key-set' : 'keys'
    else if (this.inputRound.certified !== undefined) this._step = this.unmasked === undefined && this.masked ? 'unmask' : 'total'
    else if (this.inputRound.proposedAt !== undefined || this.inputRound.commitment !== undefined) this._step = 'input-set'
    else this._step = 'collect'
  }

  /** Drop the input, the pieces, the totals and every key and share this task still holds. */
  protected forget (): void {
    if (this.x instanceof Float64Array) this.x.fill(0)
    this.x = undefined
    this.secrets?.key.wipe()
    this.secrets?.privateKey.fill(0)
    this.secrets?.selfKey.fill(0)
    this.secrets = undefined
    for (const k of this.pairs) { k?.mask.fill(0); k?.tag.fill(0) }
    this.pairs = []
    this.pieces.clear()
    this.pending.length = 0
    if (this.unmasked !== undefined) {
      for (const k of this.unmasked.selfKeys.values()) k.fill(0)
      for (const k of this.unmasked.dropped.values()) k.wipe()
      this.unmasked = undefined
    }
  }
}
