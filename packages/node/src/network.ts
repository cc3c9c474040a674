/**
 * A task's node list: multiaddrs that each end in /p2p/<PeerId>, in the same order at every
 * party. The PeerId pins who may speak for that index.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidInputError, MAX_PARTIES } from '@simon-p2p/core'
import { BoundedMap } from './bounded-map.js'

export interface Network {
  readonly nodes: readonly string[]
  readonly myself: number
}

export interface Party {
  readonly index: number
  readonly peerId: string
  readonly multiaddr: Multiaddr
}

/**
 * Node list entries already checked: a task of n parties re-parses n multiaddrs and PeerIds at
 * every party for every task otherwise (tens of µs each). Only valid entries are kept.
 */
const parsedNodes = new BoundedMap<string, { peerId: string, multiaddr: Multiaddr }>(16384)

/**
 * Check a network and map it to parties.
 * @param network `{nodes, myself}`: multiaddrs ending in /p2p/<PeerId>, and this party's index
 * @param field the name of the parameter, for the errors (`body.network`, say)
 * @throws InvalidInputError naming `network.nodes[i]` or `network.myself`
 * @example
 * ```ts
 * const { parties, myself } = parseNetwork({ nodes: ['/ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...', '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW...'], myself: 0 })
 * ```
 */
export function parseNetwork (network: unknown, field = 'network'): { parties: Party[], myself: number } {
  if (network === null || typeof network !== 'object') throw new InvalidInputError(field, 'must be an object {nodes, myself}')
  const { nodes, myself } = network as { nodes?: unknown, myself?: unknown }
  if (!Array.isArray(nodes)) throw new InvalidInputError(`${field}.nodes`, 'must be a list of multiaddrs')
  if (nodes.length < 2) throw new InvalidInputError(`${field}.nodes`, `a secure sum needs at least 2 parties, got ${nodes.length}`)
  if (nodes.length > MAX_PARTIES) throw new InvalidInputError(`${field}.nodes`, `at most ${MAX_PARTIES} parties, got ${nodes.length}`)
  const seen = new Map<string, number>()
  const parties = nodes.map((node, index): Party => {
    const name = `${field}.nodes[${index}]`
    const { peerId, multiaddr } = parseNode(node, name)
    const earlier = seen.get(peerId)
    if (earlier !== undefined) throw new InvalidInputError(name, `PeerId ${peerId} is already in the list at index ${earlier}`)
    seen.set(peerId, index)
    return { index, peerId, multiaddr }
  })
  if (typeof myself !== 'number' || !Number.isSafeInteger(myself) || myself < 0 || myself >= nodes.length) {
    throw new InvalidInputError(`${field}.myself`, `must be an index from 0 to ${nodes.length - 1}, got ${JSON.stringify(myself)}`)
  }
  return { parties, myself }
}

/** One node list entry: a multiaddr that ends in /p2p/<a valid PeerId>. @throws InvalidInputError naming `name` */
function parseNode (node: unknown, name: string): { peerId: string, multiaddr: Multiaddr } {
  if (typeof node !== 'string') throw new InvalidInputError(name, 'must be a multiaddr string')
  const known = parsedNodes.get(node)
  if (known !== undefined) return known
  let ma: Multiaddr
  try { ma = multiaddr(node) } catch (err) {
    throw new InvalidInputError(name, `${JSON.stringify(node)} is not a multiaddr (${(err as Error).message})`)
  }
  const last = ma.getComponents().at(-1)
  const peerId = last?.name === 'p2p' ? last.value : undefined
  if (peerId === undefined) throw new InvalidInputError(name, `${node} does not end in /p2p/<PeerId>: the PeerId pins who may speak for this index`)
  try { peerIdFromString(peerId) } catch {
    throw new InvalidInputError(name, `${peerId} is not a valid PeerId`)
  }
  const parsed = { peerId, multiaddr: ma }
  parsedNodes.set(node, parsed)
  return parsed
}
