/**
 * The kernel for machines that carry whole vectors of bigint field elements (the full mesh and
 * threshold mode): the input's shape, the checks on every vector another party sends, decoding
 * the total and hashing it for the confirmation round.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { decodeScaled, encodeInput, type InputValue, type Shape } from '../encoding/fixed-point.js'
import { isTypedInput, withTypedSum } from '../encoding/fast.js'
import { InvalidInputError, ProtocolError, type SimonError } from '../errors.js'
import { profileOf } from '../task/parameters.js'
import { Kernel } from './kernel.js'
import type { Outgoing, SecureSumResult } from './types.js'

/** How a party's input is described in errors. */
export function describeShape (kind: Shape, length: number): string {
  return kind === 'scalar' ? 'a scalar' : `a vector of ${length} elements`
}

export abstract class WideKernel<S extends string = string> extends Kernel<S> {
  /** The task's shape: this party's input, or the first vector another party sent. */
  protected shape: { kind: Shape, length: number } | undefined
  private typedInput = false

  /**
   * This party's input as field elements with its sample count last.
   * @throws InvalidInputError for a bad value, or one whose shape differs from what others sent
   */
  protected encodeOwn (value: InputValue): { kind: Shape, secret: bigint[] } {
    const encoded = encodeInput(value, this.fp, 'value', this.maxLength)
    const shapeError = this.checkShape(encoded.shape, encoded.values.length, this.myself)
    if (shapeError !== undefined) throw new InvalidInputError('value', shapeError)
    this.shape = { kind: encoded.shape, length: encoded.values.length }
    this.typedInput = isTypedInput(value) && profileOf(this.descriptor.parameters) === 'fast'
    return { kind: encoded.shape, secret: [...encoded.values, BigInt(encoded.samples)] }
  }

  /** Deal one share to every other party (share j to party j); this party keeps its own. */
  protected deal (kind: Shape, split: bigint[][]): { own: bigint[], out: Outgoing[] } {
    const out: Outgoing[] = []
    for (let j = 0; j < this.parties; j++) {
      if (j !== this.myself) out.push({ to: j, message: { kind: 'share', ...this.header(), shape: kind, descriptor: this.canonical, elements: split[j]! } })
    }
    return { own: split[this.myself]!, out }
  }

  /** Shape and length must be the same at all parties; the extra element is the sample count. */
  protected checkShape (kind: Shape, length: number, from: number): string | undefined {
    if (this.shape === undefined) return undefined
    if (this.shape.kind !== kind || this.shape.length !== length) {
      return `party ${from} has ${describeShape(kind, length)}, the task has ${describeShape(this.shape.kind, this.shape.length)}`
    }
    return undefined
  }

  /** The error for a vector from `from` that does not fit the task, or undefined (and the shape is then known). */
  protected checkElements (shape: Shape, elements: bigint[], from: number): SimonError | undefined {
    const length = elements.length - 1
    if (length < 1 || length > this.maxLength || (shape === 'scalar' && length !== 1)) {
      return new ProtocolError(`party ${from} sent ${elements.length} elements for a ${shape}`, from)
    }
    const shapeError = this.checkShape(shape, length, from)
    if (shapeError !== undefined) return new ProtocolError(shapeError, from)
    for (const x of elements) {
      if (x >= this.field.p) return new ProtocolError(`party ${from} sent an element outside the field`, from)
    }
    this.shape ??= { kind: shape, length }
    return undefined
  }

  /** The result from the total of `inputs` parties' inputs (sample count last). */
  protected decode (total: bigint[], inputs: number): SecureSumResult {
    const samples = Number(this.field.toSigned(total[total.length - 1]!))
    const values = total.slice(0, -1).map(x => decodeScaled(this.field.toSigned(x), this.fp))
    const result = { inputs, result: { samples, sum: this.shape!.kind === 'scalar' ? values[0]! : values } }
    return this.typedInput ? withTypedSum(result) : result
  }

  /** SHA-256 over the task digest, `label` and the total: what the confirmation round compares. */
  protected resultHash (label: string, total: readonly bigint[]): Uint8Array {
    const text = new TextEncoder().encode(`${label}${total.map(x => x.toString(16)).join(',')}`)
    return sha256(concat([this.digest, text]))
  }
}
