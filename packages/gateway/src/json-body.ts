/**
 * JSON request bodies, parsed so that integers stay exact: Python sends `2**70` as the literal
 * 1180591620717411303424, which JSON.parse would round to a double. Integer literals beyond
 * Number.MAX_SAFE_INTEGER become bigints (the engine takes them exactly); everything else is
 * JSON.parse's own result. Prototype keys are refused, as fastify's default parser does.
 */
import { randomBytes } from 'node:crypto'
import { GatewayError } from './errors.js'

const NUMBER_START = /[-0-9]/
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y
const MAY_HOLD_PROTO_KEY = /__proto__|constructor|\\u/
const SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length

/**
 * @param text the body as received
 * @returns the value, or undefined for an empty body
 * @throws GatewayError MALFORMED_BODY when it is not JSON
 */
export function parseJsonBody (text: string): unknown {
  if (text.trim() === '') return undefined
  const big = findUnsafeIntegers(text)
  let value: unknown
  try {
    if (big.length === 0) {
      // the reviver costs several times the parse: use it only when a refused key can be there
      value = MAY_HOLD_PROTO_KEY.test(text) ? JSON.parse(text, (key, v: unknown) => refuseProtoKeys(key, v)) : JSON.parse(text)
    } else {
      // Quote each unsafe integer behind a marker no client can guess, then revive it as a bigint.
      const marker = `bigint:${randomBytes(12).toString('hex')}:`
      let quoted = ''
      let at = 0
      for (const { start, end } of big) {
        quoted += text.slice(at, start) + JSON.stringify(marker + text.slice(start, end))
        at = end
      }
      quoted += text.slice(at)
      value = JSON.parse(quoted, function (this: unknown, key, v: unknown) {
        refuseProtoKeys(key, v)
        return typeof v === 'string' && v.startsWith(marker) ? BigInt(v.slice(marker.length)) : v
      })
    }
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw new GatewayError('MALFORMED_BODY', `the body is not valid JSON: ${(err as Error).message}`)
  }
  return value
}

function refuseProtoKeys (key: string, v: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype'))) {
    throw new GatewayError('MALFORMED_BODY', `the body holds the key ${JSON.stringify(key)}, which is refused`)
  }
  return v
}

/** Positions of integer literals (outside strings) whose magnitude exceeds MAX_SAFE_INTEGER. */
function findUnsafeIntegers (text: string): Array<{ start: number, end: number }> {
  const found: Array<{ start: number, end: number }> = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '"') {
      // skip the string, escapes included; an unterminated one is left for JSON.parse to refuse
      i++
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      i++
    } else if (NUMBER_START.test(c)) {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(text)
      if (m === null) { i++; continue }
      const literal = m[0]
      const digits = literal.startsWith('-') ? literal.length - 1 : literal.length
      if (m[1] === undefined && m[2] === undefined && digits >= SAFE_DIGITS && !Number.isSafeInteger(Number(literal))) {
        found.push({ start: i, end: i + literal.length })
      }
      i += literal.length
    } else {
      i++
    }
  }
  return found
}
