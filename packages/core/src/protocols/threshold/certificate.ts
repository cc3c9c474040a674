/**
 * Signed commits and certificates (./README.md has the argument). A party commits to one input
 * set by signing (a domain tag, the task digest, the set) with its identity key; a certificate for
 * a set is t valid signed commits of distinct parties to it. Honest parties sign one set each.
 * With at most f deviating parties, who may sign any number of sets, and t > (n + f) / 2, two
 * certificates for different sets would need 2t - n > f parties that signed both: at most one set
 * is ever certified, and an honest party reveals a partial sum only for a certified set.
 */
import { concat } from 'uint8arrays/concat'
import type { IdentitySigner } from '../../machine/types.js'
import type { SignedCommit } from '../../wire/codec.js'
import { ProtocolError } from '../../errors.js'
import type { PartySet } from './agreement.js'

const COMMIT_LABEL = new TextEncoder().encode('simon-p2p/threshold/commit/v1\n')

/**
 * What a party signs to commit to `set` in the task of `digest`; `label` tells apart the
 * agreements of different modes and rounds, so that no commit of one counts for another.
 */
export function commitPayload (digest: Uint8Array, set: PartySet, label: Uint8Array = COMMIT_LABEL): Uint8Array {
  return concat([label, digest, new TextEncoder().encode(set.key)])
}

export class Certificates {
  /** Per set (by key): the parties whose signed commit to it checked out, and their signatures. */
  private readonly bySet = new Map<string, { readonly set: PartySet, readonly signers: Map<number, Uint8Array> }>()
  private certifiedSet: PartySet | undefined

  constructor (
    private readonly threshold: number,
    private readonly peers: readonly string[],
    private readonly digest: Uint8Array,
    private readonly identity: IdentitySigner,
    /** The domain tag of this agreement's commits (threshold mode's by default). */
    private readonly label: Uint8Array = COMMIT_LABEL
  ) {}

  /** This party's signature on its commit to `set`. */
  sign (set: PartySet): Uint8Array {
    return this.identity.sign(commitPayload(this.digest, set, this.label))
  }

  /**
   * Record `party`'s signed commit to `set`.
   * @returns false, recording nothing, when the signature is not by that party's identity key
   */
  add (party: number, set: PartySet, signature: Uint8Array): boolean {
    const entry = this.bySet.get(set.key)
    if (entry?.signers.has(party) === true) return true
    const peer = this.peers[party]
    if (peer === undefined || !this.identity.verify(peer, commitPayload(this.digest, set, this.label), signature)) return false
    const signers = entry?.signers ?? new Map<number, Uint8Array>()
    signers.set(party, signature)
    if (entry === undefined) this.bySet.set(set.key, { set, signers })
    if (this.certifiedSet === undefined && signers.size >= this.threshold) this.certifiedSet = set
    return true
  }

  /**
   * Take the certificate a partial sum from `from` comes with: t signed commits of distinct parties
   * to `set`. Each valid one is recorded (the set may become certified here).
   * @throws ProtocolError for a short certificate, a party named twice or off the list, or a
   *   signature that is not its party's
   */
  check (set: PartySet, certificate: readonly SignedCommit[], from: number, parties: number): void {
    const signers = new Set<number>()
    for (const { party, signature } of certificate) {
      if (!Number.isSafeInteger(party) || party < 0 || party >= parties || signers.has(party)) {
        throw new ProtocolError(`party ${from} sent a certificate that names party ${party} twice or off the list`, from)
      }
      if (!this.add(party, set, signature)) throw new ProtocolError(`party ${from} sent a certificate with a commit not signed by party ${party}`, from)
      signers.add(party)
    }
    if (signers.size < this.threshold) {
      throw new ProtocolError(`party ${from} revealed a partial sum over a set certified by ${signers.size} commits, fewer than the threshold ${this.threshold}`, from)
    }
  }

  /** The first set t distinct parties signed (within the task's bound, the only one that can be). */
  get certified (): PartySet | undefined { return this.certifiedSet }

  /** The certificate for `set`: t signed commits, the lowest parties first; undefined before t. */
  certificate (set: PartySet): SignedCommit[] | undefined {
    const signers = this.bySet.get(set.key)?.signers
    if (signers === undefined || signers.size < this.threshold) return undefined
    return [...signers].sort(([a], [b]) => a - b).slice(0, this.threshold).map(([party, signature]) => ({ party, signature }))
  }

  /** Parties proven to deviate: each signed commits to two different sets. */
  equivocators (): number[] {
    const sets = new Map<number, number>()
    for (const { signers } of this.bySet.values()) for (const party of signers.keys()) sets.set(party, (sets.get(party) ?? 0) + 1)
    return [...sets].filter(([, count]) => count > 1).map(([party]) => party).sort((a, b) => a - b)
  }
}
