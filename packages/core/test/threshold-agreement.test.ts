import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { agreedSet, intersect, partySet, type PartySet } from '../src/protocols/threshold/agreement.js'

const set = (...members: number[]): PartySet => partySet(members)

describe('partySet', () => {
  test('sorted, without repeats, with a key equal for equal sets', () => {
    assert.deepEqual(set(3, 1, 3, 0), { members: [0, 1, 3], key: '0,1,3' })
    assert.equal(set(2, 1).key, set(1, 2).key)
    assert.deepEqual(intersect(set(0, 1, 2, 5), set(5, 2, 9)), set(2, 5))
  })
})

describe('agreedSet', () => {
  test('the intersection of the proposals of at least t members', () => {
    assert.deepEqual(agreedSet([set(0, 1, 2, 3), undefined, set(0, 1, 2), set(0, 1, 2, 3, 4)], 3), set(0, 1, 2))
  })
  test('proposals of fewer than t members are ignored', () => {
    assert.deepEqual(agreedSet([set(0), set(0, 1, 2, 3), set(1, 2, 3)], 3), set(1, 2, 3))
    assert.equal(agreedSet([set(0), set(1, 2), undefined], 3), undefined)
    assert.equal(agreedSet([], 3), undefined)
  })
  test('an intersection of fewer than t: the largest proposal instead, the lowest index among equals', () => {
    assert.deepEqual(agreedSet([undefined, set(0, 1, 2), set(2, 3, 4), set(0, 2, 3)], 3), set(0, 1, 2))
    assert.deepEqual(agreedSet([set(0, 1, 2), set(2, 3, 4, 5), set(0, 3, 5)], 3), set(2, 3, 4, 5))
  })
  test('property: parties that hold the same proposals choose the same set, of at least t, inside one of the proposals', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 9 }).chain(n => fc.record({
      n: fc.constant(n),
      t: fc.integer({ min: Math.floor(n / 2) + 1, max: n }),
      proposals: fc.array(fc.option(fc.subarray(Array.from({ length: n }, (_, j) => j)), { freq: 3 }), { minLength: n, maxLength: n }),
      order: fc.array(fc.nat(), { minLength: n, maxLength: n })
    })), ({ t, proposals }) => {
      const sets = proposals.map(p => (p === null ? undefined : partySet(p)))
      const chosen = agreedSet(sets, t)
      const big = sets.filter(p => p !== undefined && p.members.length >= t) as PartySet[]
      if (big.length === 0) { assert.equal(chosen, undefined); return }
      assert.ok(chosen !== undefined && chosen.members.length >= t)
      assert.ok(big.some(p => chosen.members.every(j => p.members.includes(j))))
      assert.deepEqual(agreedSet(sets.slice(), t), chosen)
    }), { numRuns: 300 })
  })
})
