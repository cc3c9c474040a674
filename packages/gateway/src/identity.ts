/**
 * Gateway URLs as nodes of a network. Each gateway serves `{peerId, multiaddrs}` at
 * IDENTITY_PATH (relative to its root URL); a gateway turns the URLs of a task's node list into
 * multiaddrs ending in /p2p/<PeerId> once, when the task is created or joined. From then on the
 * task holds those PeerIds: only they may speak for their index, whatever the URL answers later.
 */
import { InvalidInputError } from '@simon-p2p/core'
import type { Network } from '@simon-p2p/node'
import { DEFAULT_IDENTITY_TIMEOUT_MS, IDENTITY_PATH, MAX_IDENTITY_BYTES } from './constants.js'
import { IdentityMismatchError, NodeUnreachableError } from './errors.js'
import { isLoopbackHost } from './guard.js'

/** What a gateway serves at IDENTITY_PATH. */
export interface GatewayIdentity {
  readonly peerId: string
  /** Each ends in /p2p/<peerId>. */
  readonly multiaddrs: readonly string[]
}

export interface ResolveGatewayNetworkInit {
  /** This gateway: its own URL resolves to its own node without a request. */
  readonly self?: { readonly url: string, readonly identity: () => GatewayIdentity }
  /** Per URL. Default DEFAULT_IDENTITY_TIMEOUT_MS. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** True for `http:` and `https:` node entries; anything else is taken as a multiaddr. */
export function isGatewayUrl (node: unknown): node is string {
  return typeof node === 'string' && /^https?:\/\//i.test(node)
}

/** The identity URL of a gateway root: `http://h:p` -> `http://h:p/.well-known/simon-p2p/identity`. */
export function identityUrl (root: string | URL): URL {
  const base = new URL(root)
  base.search = ''
  base.hash = ''
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  return new URL(IDENTITY_PATH, base)
}

/** A PeerId as libp2p prints it (base58btc: `12D3KooW...` for Ed25519 keys, `Qm...` for RSA). */
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,128}$/

/** A gateway URL of a node list, checked: where to ask, and the PeerId its fragment pins (if any). */
interface GatewayTarget { readonly url: URL, readonly field: string, readonly pin: string | undefined, readonly self: boolean }

/**
 * Check one gateway URL before anything is fetched. Plain `http://` beyond loopback can be
 * answered by anyone on the path, so such a URL must pin the PeerId in its fragment.
 * @throws InvalidInputError naming `field` for a URL that does not parse, a fragment that is not a
 *   PeerId, or plain http to a host beyond loopback without a pin
 */
function gatewayTarget (node: string, field: string, self: ResolveGatewayNetworkInit['self']): GatewayTarget {
  let url: URL
  try { url = new URL(node) } catch { throw new InvalidInputError(field, `${JSON.stringify(node)} is not a valid URL`) }
  const fragment = url.hash.slice(1)
  if (fragment !== '' && !PEER_ID.test(fragment)) throw new InvalidInputError(field, `the fragment of ${node} must be the PeerId the gateway must answer (base58, e.g. #12D3KooW...)`)
  const pin = fragment === '' ? undefined : fragment
  const isSelf = self !== undefined && sameRoot(url, self.url)
  if (!isSelf && pin === undefined && url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new InvalidInputError(field, `${node} is plain http beyond loopback, where anyone on the path can answer for it: ` +
      `use https://, or pin the PeerId the gateway must answer: ${node.replace(/#.*$/, '')}#12D3KooW...`)
  }
  return { url, field, pin, self: isSelf }
}

/**
 * Resolve the gateway URLs of `network.nodes` (all at once); multiaddr entries pass unchanged, and
 * anything that is not a network is returned as is for the node to refuse with a precise message.
 * Every URL is checked before any is fetched. A URL may pin the PeerId its gateway must answer
 * in its fragment (`http://10.0.0.2:55501#12D3KooW...`); plain http beyond loopback must.
 * @param network a task's network, `{nodes, myself}`, whose nodes may be gateway URLs
 * @param init this gateway's own URL and identity (answered without a request), a timeout, a signal
 * @throws InvalidInputError naming `network.nodes[i]` for a URL that does not parse or is plain http
 *   beyond loopback without a pin (before any request); NodeUnreachableError naming it for a gateway
 *   that cannot be reached or answers no identity; IdentityMismatchError naming it for a gateway
 *   that answers another PeerId than its URL pins
 * @example
 * ```ts
 * const network = await resolveGatewayNetwork({ nodes: ['https://a.example.org', 'http://10.0.0.2:8080#12D3KooW...'], myself: 0 })
 * // { nodes: ['/ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...', '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW...'], myself: 0 }
 * ```
 */
export async function resolveGatewayNetwork (network: unknown, init: ResolveGatewayNetworkInit = {}): Promise<Network> {
  if (network === null || typeof network !== 'object' || !Array.isArray((network as { nodes?: unknown }).nodes)) return network as Network
  const { nodes, ...rest } = network as { nodes: unknown[] }
  if (!nodes.some(isGatewayUrl)) return network as Network
  const targets = nodes.map((node, i) => isGatewayUrl(node) ? gatewayTarget(node, `network.nodes[${i}]`, init.self) : undefined)
  const resolved = await Promise.all(nodes.map(async (node, i) => {
    const target = targets[i]
    if (target === undefined) return node
    const identity = target.self ? init.self!.identity() : await fetchIdentity(target.url, target.field, init)
    if (target.pin !== undefined && identity.peerId !== target.pin) throw new IdentityMismatchError(target.field, node as string, target.pin, identity.peerId)
    return chooseMultiaddr(identity, target.url.hostname, target.field, node as string)
  }))
  return { ...rest, nodes: resolved } as unknown as Network
}

/**
 * GET a gateway's identity, bounded in time and size.
 * @param root the gateway's root URL
 * @param field the node list entry it stands for, to name in an error (`network.nodes[1]`)
 * @throws NodeUnreachableError naming `field` when it cannot be reached, answers no identity or takes too long;
 *   the abort reason of `init.signal` when that aborts first
 */
export async function fetchIdentity (root: URL, field: string, init: { timeoutMs?: number, signal?: AbortSignal } = {}): Promise<GatewayIdentity> {
  const timeoutMs = init.timeoutMs ?? DEFAULT_IDENTITY_TIMEOUT_MS
  const signals = [AbortSignal.timeout(timeoutMs), ...(init.signal === undefined ? [] : [init.signal])]
  const target = identityUrl(root)
  const fail = (reason: string): never => { throw new NodeUnreachableError(field, root.href, reason) }
  let text: string
  try {
    const response = await fetch(target, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.any(signals) })
    text = await readBounded(response, MAX_IDENTITY_BYTES)
    if (response.status !== 200) fail(`${target.href} answered ${response.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`)
  } catch (err) {
    if (err instanceof NodeUnreachableError) throw err
    if (init.signal?.aborted === true) throw err
    const e = err as Error & { cause?: { code?: string } }
    if (e.name === 'TimeoutError') fail(`no answer from ${target.href} within ${timeoutMs / 1000} s`)
    fail(`${target.href}: ${e.cause?.code ?? e.message}`)
  }
  let body: unknown
  try { body = JSON.parse(text!) } catch { fail(`${target.href} answered something other than JSON`) }
  const { peerId, multiaddrs } = (body ?? {}) as { peerId?: unknown, multiaddrs?: unknown }
  if (typeof peerId !== 'string' || peerId === '') fail(`${target.href} names no peerId`)
  if (!Array.isArray(multiaddrs) || !multiaddrs.every(m => typeof m === 'string')) fail(`${target.href} lists no multiaddrs`)
  return { peerId: peerId as string, multiaddrs: multiaddrs as string[] }
}

async function readBounded (response: Response, limit: number): Promise<string> {
  if (response.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of response.body) {
    size += chunk.byteLength
    if (size > limit) throw new Error(`answer over ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Same scheme, host, port and path (a trailing slash aside). */
function sameRoot (a: URL, b: string): boolean {
  const norm = (u: URL): string => `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`
  try { return norm(a) === norm(new URL(b)) } catch { return false }
}

/**
 * One multiaddr for the party, ending in /p2p/<peerId>: plain TCP before WebSockets, the URL's own
 * host first, loopback for a loopback URL and not for another; relayed addresses never.
 * @throws NodeUnreachableError when none names this PeerId
 */
export function chooseMultiaddr (identity: GatewayIdentity, urlHost: string, field: string, url: string): string {
  const suffix = `/p2p/${identity.peerId}`
  const host = urlHost.replace(/^\[|\]$/g, '')
  const urlIsLoopback = isLoopbackHost(host)
  let best: { addr: string, score: number } | undefined
  for (const raw of identity.multiaddrs) {
    if (raw.includes('/p2p-circuit')) continue
    const p2p = raw.lastIndexOf('/p2p/')
    if (p2p >= 0 && raw.slice(p2p) !== suffix) continue // names another peer: not this identity's address
    const addr = p2p >= 0 ? raw : raw + suffix
    const parts = addr.split('/')
    const addrHost = parts[2] ?? ''
    const tcp = parts[3] === 'tcp'
    const ws = /\/(ws|wss|tls)(\/|$)/.test(addr)
    const score = (tcp && !ws ? 4 : tcp ? 2 : 0) + (addrHost === host ? 8 : 0) + (isLoopbackHost(addrHost) === urlIsLoopback ? 1 : 0)
    if (best === undefined || score > best.score) best = { addr, score }
  }
  if (best === undefined) throw new NodeUnreachableError(field, url, `its identity lists no multiaddr for ${identity.peerId}`)
  return best.addr
}
