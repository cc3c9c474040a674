/**
 * BoundedMap: at most `max` entries, the oldest forgotten first; replacing a key forgets nothing.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BoundedMap } from '../src/bounded-map.js'

test('a full map forgets its oldest entry for a new key, and nothing for a key it holds', () => {
  const map = new BoundedMap<string, number>(3)
  for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) map.set(k, v)
  map.set('b', 20)
  assert.deepEqual([...map], [['a', 1], ['b', 20], ['c', 3]], 'replacing a value evicts nothing')
  map.set('d', 4)
  assert.deepEqual([...map], [['b', 20], ['c', 3], ['d', 4]], 'the oldest key went first')
  assert.equal(map.size, 3)
})
