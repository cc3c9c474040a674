/**
 * How many new connections per second one IP address may open to a party's node (libp2p's limit,
 * before the Noise handshake): 5 by default; many parties on one host (a local demo, the tests)
 * raise it with --inbound-connections-per-host or SIMON_INBOUND_CONNECTIONS_PER_HOST.
 */
import { InvalidInputError } from '@simon-p2p/core'

/** The environment variable read when the flag is not given. */
export const CONNECTIONS_ENV = 'SIMON_INBOUND_CONNECTIONS_PER_HOST'

/**
 * @param flag the value of --inbound-connections-per-host, if given
 * @returns the limit, or undefined for the node's default
 * @throws InvalidInputError naming `inbound-connections-per-host` for anything but a positive integer
 */
export function inboundConnectionsPerHost (flag: string | undefined): number | undefined {
  const text = flag ?? process.env[CONNECTIONS_ENV]
  if (text === undefined || text === '') return undefined
  const n = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidInputError('inbound-connections-per-host', `must be a positive integer, got ${JSON.stringify(text)}`)
  }
  return n
}
