/**
 * Which requests a gateway answers at all, checked before the token: a request must name, in its
 * Host header, a name the gateway serves on (a web page that rebinds its own DNS name to
 * 127.0.0.1 sends its own name), and a browser request from another origin (its Origin header)
 * is refused unless that origin was allowed. CORS preflights are answered for allowed origins only.
 */
import { hostname, networkInterfaces } from 'node:os'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { InvalidInputError } from '@simon-p2p/core'
import { GatewayError } from './errors.js'

/** The names every gateway answers for: loopback, as a local client writes it. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]'])
/** A Host header: a name or an IPv4 address, or an IPv6 address in brackets, and an optional port. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i
const HOST_NAME = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i
/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_S = 600

/**
 * @param host a host name or address, IPv6 with or without brackets
 * @returns whether it is loopback: `localhost`, 127.0.0.0/8, `::1` (also as `::ffff:127.x.y.z`)
 */
export function isLoopbackHost (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/**
 * A gateway that listens beyond loopback must have a token: anyone who can reach the address
 * could otherwise create tasks (admitting their PeerIds) and make the gateway fetch URLs. The
 * node's metrics follow the same rule (`what`: 'metrics').
 * @throws InvalidInputError naming `token` (and the CLI's flags) when `host` is not loopback and there is no token
 */
export function requireTokenBeyondLoopback (host: string, token: string | undefined, what = 'the gateway'): void {
  if (isLoopbackHost(host) || (token !== undefined && token !== '')) return
  throw new InvalidInputError('token', `is required to serve ${what} on ${host}, beyond loopback: ` +
    'give one with --token-file FILE (or --token, or SIMON_GATEWAY_TOKEN), or startGateway({ token })')
}

/** `[::1]` for `::1`, lower case: a name as a Host header carries it. */
function hostName (host: string): string {
  const h = host.toLowerCase().replace(/%.*$/, '')
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h
}

/**
 * The names a gateway bound to `host` answers for: loopback, the bound name or address, every
 * address of this machine and its host name for a wildcard bind (0.0.0.0, ::), and `extra`.
 * @throws InvalidInputError naming `allowHosts` for an entry that is not a bare host name or address
 */
export function servedHostNames (host: string, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>([...LOOPBACK_NAMES, hostName(host)])
  if (WILDCARDS.has(host)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(hostName(a.address))
    names.add(hostName(hostname()))
  }
  for (const name of extra) {
    if (typeof name !== 'string' || !HOST_NAME.test(hostName(name))) throw new InvalidInputError('allowHosts', `${JSON.stringify(name)} is not a host name or address (give it without scheme or port)`)
    names.add(hostName(name))
  }
  return names
}

/**
 * @param origins web origins such as `https://app.example.org` or `http://localhost:3000`
 * @returns each as the browser serializes it (scheme, host, port when not the default)
 * @throws InvalidInputError naming `allowOrigins` for anything else (`*`, a path, a query)
 */
export function normalizeOrigins (origins: readonly string[]): Set<string> {
  const out = new Set<string>()
  for (const o of origins) {
    let url: URL | undefined
    try { url = new URL(o) } catch { url = undefined }
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') {
      throw new InvalidInputError('allowOrigins', `${JSON.stringify(o)} is not an origin such as https://app.example.org or http://localhost:3000`)
    }
    out.add(url.origin)
  }
  return out
}

export interface RequestGuardInit {
  /** The names the gateway answers for (servedHostNames). */
  readonly hostNames: ReadonlySet<string>
  /** The port it listens on, read when a request comes (0 until it listens). */
  readonly port: () => number
  /** Origins besides its own whose pages may call it (normalizeOrigins). */
  readonly allowOrigins: ReadonlySet<string>
}

/**
 * Refuse, before any other hook (the token's included), a request whose Host the gateway does
 * not serve (421 HOST_NOT_ALLOWED) or whose Origin is neither its own nor allowed (403
 * ORIGIN_NOT_ALLOWED); answer CORS preflights of allowed origins, and mark their answers.
 */
export function installRequestGuard (app: FastifyInstance, init: RequestGuardInit): void {
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host ?? ''
    if (!servesHost(host, init)) {
      refuse(request, reply)
      const names = [...init.hostNames].slice(0, 6).map(n => `${n}:${init.port()}`).join(', ')
      throw new GatewayError('HOST_NOT_ALLOWED', `this gateway answers for ${names}${init.hostNames.size > 6 ? ', ...' : ''}, not for Host ${JSON.stringify(host.slice(0, 100))} ` +
        '(a web page may be rebinding its name to this address); a name it serves under can be added with allowHosts (--allow-host)')
    }
    const origin = request.headers.origin
    if (origin === undefined) return
    const allowed = originOf(origin)
    if (allowed === `http://${host.toLowerCase()}`) return // its own origin: not a cross-origin request
    if (allowed === undefined || !init.allowOrigins.has(allowed)) {
      refuse(request, reply)
      throw new GatewayError('ORIGIN_NOT_ALLOWED', `requests from the web origin ${JSON.stringify(origin.slice(0, 100))} are refused: ` +
        'a page of another origin may not call this gateway unless it is allowed with allowOrigins (--allow-origin ORIGIN)')
    }
    void reply.header('access-control-allow-origin', allowed).header('vary', 'origin')
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      void reply.code(204)
        .header('access-control-allow-methods', 'GET, PUT, POST')
        .header('access-control-allow-headers', 'authorization, content-type')
        .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S))
        .send()
      return reply
    }
  })
}

function servesHost (host: string, init: RequestGuardInit): boolean {
  const m = HOST_HEADER.exec(host)
  if (m === null || !init.hostNames.has(m[1]!.toLowerCase())) return false
  // a port must be this gateway's; a Host without one is taken as this gateway's too: a browser
  // names every port but 80, so a rebinding page cannot send one, and raw clients send what they like anyway
  return m[2] === undefined || Number(m[2]) === init.port()
}

/** An Origin header as browsers serialize it, or undefined for `null` and anything that does not parse. */
function originOf (origin: string): string | undefined {
  try {
    const url = new URL(origin)
    return /^https?:$/.test(url.protocol) ? url.origin : undefined
  } catch {
    return undefined
  }
}

/** A refused request's body is not read: close the connection rather than drain it. */
function refuse (request: FastifyRequest, reply: FastifyReply): void {
  const length = request.headers['content-length']
  if (request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) void reply.header('connection', 'close')
}
