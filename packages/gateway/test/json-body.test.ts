/** Request bodies: JSON, with integers beyond 2^53 kept exact and prototype keys refused. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseJsonBody } from '@simon-p2p/gateway'

test('plain JSON is JSON.parse\'s result; an empty body is undefined', () => {
  for (const text of ['{}', '[]', '{"a": [1, 2.5, -3e2, "x\\"9007199254740993"], "b": null}', '9007199254740991', '-9007199254740991', '"s"', '1.5e300']) {
    assert.deepEqual(parseJsonBody(text), JSON.parse(text), text)
  }
  assert.equal(parseJsonBody(''), undefined)
  assert.equal(parseJsonBody(' \n'), undefined)
})

test('integers beyond MAX_SAFE_INTEGER become exact bigints, outside strings only', () => {
  assert.deepEqual(parseJsonBody('{"value": 1180591620717411303424}'), { value: 1180591620717411303424n })
  assert.deepEqual(parseJsonBody('[9007199254740992, -9007199254740993, 9007199254740991, 1e30, 12345678901234567890.5]'),
    [9007199254740992n, -9007199254740993n, 9007199254740991, 1e30, 12345678901234567890.5])
  assert.deepEqual(parseJsonBody('{"s": "12345678901234567890", "n": 12345678901234567890}'), { s: '12345678901234567890', n: 12345678901234567890n })
  assert.deepEqual(parseJsonBody('{"s": "a\\\\", "n": 99999999999999999999}'), { s: 'a\\', n: 99999999999999999999n })
})

test('malformed JSON and prototype keys are MALFORMED_BODY', () => {
  for (const text of ['{', '{"a": 1,}', "{'a': 1}", 'NaN', '{"n": 99999999999999999999', '"unterminated']) {
    assert.throws(() => parseJsonBody(text), { name: 'GatewayError', code: 'MALFORMED_BODY' }, text)
  }
  for (const text of ['{"__proto__": {"polluted": true}}', '{"a": {"constructor": {"prototype": {}}}}', '{"\\u005f_proto__": 1}', '{"__proto__": 1, "n": 99999999999999999999}']) {
    assert.throws(() => parseJsonBody(text), { name: 'GatewayError', code: 'MALFORMED_BODY', message: /refused/ }, text)
  }
  assert.deepEqual(parseJsonBody('{"constructor": "fine"}'), { constructor: 'fine' })
})
