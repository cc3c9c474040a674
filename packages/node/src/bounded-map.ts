/**
 * A Map of at most `max` entries: adding a key when it is full forgets the oldest one first. The
 * caches of parsed node list entries and of PeerIds' keys are of this kind.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  private readonly max: number

  constructor (max: number) {
    super()
    this.max = max
  }

  override set (key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.delete(this.keys().next().value!)
    return super.set(key, value)
  }
}
