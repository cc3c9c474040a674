import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { printable } from '../src/text/printable.js'

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/

test('printable: ANSI escapes, C0 and C1 controls, bidi overrides become visible escapes', () => {
  assert.equal(printable('party 1 aborted the task: \u001b[31mred\u001b[0m'), 'party 1 aborted the task: \\x1b[31mred\\x1b[0m')
  assert.equal(printable('a\nb\rc\td\u0000e\u007f'), 'a\\x0ab\\x0dc\\x09d\\x00e\\x7f')
  assert.equal(printable('\u009b2J'), '\\x9b2J')
  assert.equal(printable('\u001b]0;title\u0007'), '\\x1b]0;title\\x07')
  assert.equal(printable('abc\u202egpj.exe'), 'abc\\u202egpj.exe')
  assert.equal(printable('\u2028\u2066\ufeff'), '\\u2028\\u2066\\ufeff')
})

test('printable: leaves printable text alone, Unicode included', () => {
  for (const s of ['', 'timed out after 3 s at step \'share\': no message from party 2', 'ü — ✗ 日本', 'C:\\path\\x1b literal']) assert.equal(printable(s), s)
})

test('printable: no control character survives, whatever the input', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), s => !CONTROL.test(printable(s))))
})
