/**
 * KeyValueStorage: values a party keeps on its own node, to be named as a task's input source.
 * A value never leaves the node that stored it; delete() forgets it.
 */
import { randomUUID } from 'node:crypto'

type TypedArrayConstructor = new (length: number) => { set: (source: ArrayLike<unknown>) => void }

/**
 * A deep copy. A typed array or DataView is copied alone: structuredClone would copy the whole
 * buffer it views (the caller's neighbouring data too), and delete() zeroes only the view.
 */
function copyOf (value: unknown): unknown {
  if (!ArrayBuffer.isView(value)) return structuredClone(value)
  if (value instanceof DataView) {
    return new DataView(new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice().buffer)
  }
  // the base type (a Buffer is stored as a Uint8Array, as structuredClone would store it)
  const tag = (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag]
  const Type = (globalThis as unknown as Record<string, TypedArrayConstructor>)[tag]!
  const copy = new Type((value as unknown as ArrayLike<unknown>).length)
  copy.set(value as unknown as ArrayLike<unknown>)
  return copy
}

export class KeyValueStorage {
  private readonly values = new Map<string, unknown>()

  /** Store a value; returns its id (a UUID). */
  create (value: unknown): string {
    const id = randomUUID()
    // A copy, so that zeroing it on delete never touches the caller's own array.
    this.values.set(id, copyOf(value))
    return id
  }

  has (id: string): boolean { return this.values.has(id) }

  /** @returns the stored value, or undefined when there is none */
  get (id: string): unknown { return this.values.get(id) }

  /** @returns whether a value was removed */
  delete (id: string): boolean {
    const value = this.values.get(id)
    if (ArrayBuffer.isView(value)) new Uint8Array(value.buffer, value.byteOffset, value.byteLength).fill(0)
    return this.values.delete(id)
  }

  get size (): number { return this.values.size }
}
