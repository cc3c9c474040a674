/**
 * KeyValueStorage: values a party keeps on its own node.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { KeyValueStorage } from '../src/kv-store.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('create returns a fresh UUID; get returns an equal copy; has and size follow', () => {
  const kv = new KeyValueStorage()
  const list = [1, '2.5', 3n]
  const a = kv.create(42)
  const b = kv.create(list)
  const c = kv.create({ nested: { x: 1 } })
  assert.match(a, UUID)
  assert.equal(new Set([a, b, c]).size, 3)
  assert.equal(kv.size, 3)
  assert.equal(kv.get(a), 42)
  assert.deepEqual(kv.get(b), [1, '2.5', 3n])
  assert.notEqual(kv.get(b), list, 'a copy, not the caller\'s array')
  list.push(4)
  assert.deepEqual(kv.get(b), [1, '2.5', 3n], 'later changes by the caller do not reach the stored value')
  assert.deepEqual(kv.get(c), { nested: { x: 1 } })
  assert.equal(kv.has(a), true)
  assert.equal(kv.has('nope'), false)
  assert.equal(kv.get('nope'), undefined)
})

test('delete removes the value once; unknown ids give false', () => {
  const kv = new KeyValueStorage()
  const id = kv.create('7')
  assert.equal(kv.delete(id), true)
  assert.equal(kv.has(id), false)
  assert.equal(kv.get(id), undefined)
  assert.equal(kv.size, 0)
  assert.equal(kv.delete(id), false)
  assert.equal(kv.delete('00000000-0000-4000-8000-000000000000'), false)
  assert.equal(kv.delete(''), false)
})

test('delete of a typed array zeroes the stored copy, not the caller\'s array', () => {
  const kv = new KeyValueStorage()
  const mine = new Float64Array([1.5, -2, 3e9])
  const id = kv.create(mine)
  const stored = kv.get(id) as Float64Array
  assert.ok(stored instanceof Float64Array)
  assert.notEqual(stored.buffer, mine.buffer)
  assert.deepEqual([...stored], [1.5, -2, 3e9])
  assert.equal(kv.delete(id), true)
  assert.deepEqual([...stored], [0, 0, 0], 'the stored copy was zeroed')
  assert.deepEqual([...mine], [1.5, -2, 3e9], 'the caller\'s array is untouched')

  const ints = new BigInt64Array([5n, -6n])
  const intsId = kv.create(ints)
  const storedInts = kv.get(intsId) as BigInt64Array
  kv.delete(intsId)
  assert.deepEqual([...storedInts], [0n, 0n])
  assert.deepEqual([...ints], [5n, -6n])

  // a Node Buffer (a Uint8Array whose slice() shares memory) is copied too
  const buf = Buffer.from([9, 8, 7])
  const bufId = kv.create(buf)
  const storedBuf = kv.get(bufId) as Uint8Array
  kv.delete(bufId)
  assert.deepEqual([...storedBuf], [0, 0, 0])
  assert.deepEqual([...buf], [9, 8, 7])
})

test('a typed array that views part of a larger buffer: the stored copy holds that part only, all zeroed on delete', () => {
  const kv = new KeyValueStorage()
  const whole = new Float64Array([111, 1, 2, 222])
  const view = whole.subarray(1, 3)
  const id = kv.create(view)
  const stored = kv.get(id) as Float64Array
  assert.deepEqual([...stored], [1, 2])
  // the stored copy must not keep the caller's neighbouring values (111, 222) around
  assert.deepEqual([...new Float64Array(stored.buffer)].filter(x => x === 111 || x === 222), [])
  assert.equal(kv.delete(id), true)
  assert.ok(new Uint8Array(stored.buffer).every(b => b === 0), 'every byte the store held is zero')
  assert.deepEqual([...whole], [111, 1, 2, 222])

  const bytes = new Uint8Array([0xaa, 1, 2, 3, 0xbb])
  const dv = new DataView(bytes.buffer, 1, 3)
  const dvId = kv.create(dv)
  const storedDv = kv.get(dvId) as DataView
  assert.ok(storedDv instanceof DataView)
  assert.deepEqual([...new Uint8Array(storedDv.buffer)], [1, 2, 3])
  kv.delete(dvId)
  assert.deepEqual([...new Uint8Array(storedDv.buffer)], [0, 0, 0])
  assert.deepEqual([...bytes], [0xaa, 1, 2, 3, 0xbb])
})
