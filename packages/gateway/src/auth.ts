/**
 * The optional bearer token: `Authorization: Bearer <token>` on every request but the identity
 * endpoint and the web page's files (gateway.ts). Compared in constant time over SHA-256
 * digests, so neither the content nor the length of the token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { InvalidInputError } from '@simon-p2p/core'

/** @returns whether an Authorization header value carries the token */
export type BearerCheck = (authorization: string | undefined) => boolean

/**
 * @param token the token; printable ASCII without spaces, so that it fits in a header
 * @throws InvalidInputError when the token is empty or has characters a header cannot carry
 * @example
 * ```ts
 * const check = bearerCheck('s3cret')
 * check('Bearer s3cret') // true
 * ```
 */
export function bearerCheck (token: string): BearerCheck {
  if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
    throw new InvalidInputError('token', 'must be a non-empty string of printable ASCII characters without spaces')
  }
  const expected = digest(token)
  return (authorization) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')
    // compare even when absent, so that a missing header takes as long as a wrong one
    const given = digest(m?.[1] ?? '')
    return timingSafeEqual(given, expected) && m !== null
  }
}

function digest (s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}
