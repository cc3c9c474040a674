import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidInputError } from '../src/errors.js'
import { taskDigest } from '../src/task/descriptor.js'
import { resolveParameters } from '../src/task/parameters.js'
import { DEFAULT_SHARE_TIMEOUT_S } from '../src/task/parameters.js'

function refused (fn: () => unknown, field: string, reason?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, String(err))
    assert.equal(err.field, field)
    if (reason !== undefined) assert.match(err.reason, reason)
    return true
  })
}

describe('threshold parameters', () => {
  test('threshold must be an integer with n/2 < t <= n', () => {
    refused(() => resolveParameters({ threshold: 2 }, 4), 'parameters.threshold', /from 3 to 4 for 4 parties, got 2/)
    refused(() => resolveParameters({ threshold: 1 }, 3), 'parameters.threshold', /from 2 to 3 for 3 parties, got 1/)
    refused(() => resolveParameters({ threshold: 6 }, 5), 'parameters.threshold', /from 3 to 5/)
    refused(() => resolveParameters({ threshold: 0 }, 5), 'parameters.threshold')
    refused(() => resolveParameters({ threshold: -3 }, 5), 'parameters.threshold')
    refused(() => resolveParameters({ threshold: 2.5 }, 5), 'parameters.threshold', /must be an integer/)
    refused(() => resolveParameters({ threshold: '3' }, 5), 'parameters.threshold', /must be an integer/)
    for (const t of [3, 4]) assert.equal(resolveParameters({ threshold: t }, 5).threshold, t)
    assert.equal(resolveParameters({ threshold: 11 }, 20).threshold, 11)
    refused(() => resolveParameters({ threshold: 10 }, 20), 'parameters.threshold')
  })

  test('t = n is the full mesh: neither key is kept, so the digest is the one without them', () => {
    const full = resolveParameters({}, 5)
    assert.deepEqual(resolveParameters({ threshold: 5 }, 5), full)
    assert.deepEqual(resolveParameters({ threshold: 5, share_timeout: 3 }, 5), full)
    assert.deepEqual(resolveParameters({ share_timeout: 3 }, 5), full)
    assert.deepEqual(resolveParameters({ threshold: null }, 5), full)
  })

  test('share_timeout: a positive number of seconds, default filled in, both bound into the digest', () => {
    assert.equal(resolveParameters({ threshold: 3 }, 5).share_timeout, DEFAULT_SHARE_TIMEOUT_S)
    assert.equal(resolveParameters({ threshold: 3, share_timeout: 0.5 }, 5).share_timeout, 0.5)
    for (const bad of [0, -1, 'x', Infinity, 3601]) {
      refused(() => resolveParameters({ threshold: 3, share_timeout: bad }, 5), 'parameters.share_timeout')
    }
    // checked even when it would be dropped: a typo is not silently ignored
    refused(() => resolveParameters({ share_timeout: -1 }, 5), 'parameters.share_timeout')
    const digest = (params: Record<string, unknown>): string => Buffer.from(taskDigest({ taskId: 't', microprotocol: 'SecureSum', parameters: resolveParameters(params, 5), peers: ['a', 'b', 'c', 'd', 'e'] })).toString('hex')
    assert.notEqual(digest({ threshold: 3 }), digest({ threshold: 4 }))
    assert.notEqual(digest({ threshold: 3 }), digest({}))
    assert.notEqual(digest({ threshold: 3 }), digest({ threshold: 3, share_timeout: 5 }))
    assert.equal(digest({ threshold: 3 }), digest({ threshold: 3, share_timeout: DEFAULT_SHARE_TIMEOUT_S }))
  })

  test('mode mesh needs every party: refused with threshold < n, naming parameters.mode; lean (with a threshold), auto and the fast profile are fine', () => {
    refused(() => resolveParameters({ threshold: 3, mode: 'mesh' }, 5), 'parameters.mode', /mode mesh needs all 5 parties; threshold 3 runs threshold mode/)
    const lean = resolveParameters({ threshold: 3, mode: 'lean', profile: 'fast' }, 5)
    assert.deepEqual([lean.mode, lean.threshold, lean.max_deviating, lean.profile], ['lean', 3, 0, 'fast'])
    refused(() => resolveParameters({ threshold: 4, mode: 'lean', max_deviating: 3 }, 5), 'parameters.max_deviating')
    assert.equal(resolveParameters({ threshold: 5, mode: 'lean' }, 5).mode, 'lean')
    assert.equal(resolveParameters({ threshold: 3, mode: 'auto' }, 5).threshold, 3)
    assert.equal(resolveParameters({ threshold: 3, profile: 'fast' }, 5).profile, 'fast')
  })

  test('resolved parameters resolve to themselves (an invitation carries them to the others)', () => {
    const once = resolveParameters({ threshold: 3, share_timeout: 2 }, 5)
    assert.deepEqual(resolveParameters(once, 5), once)
  })
})
