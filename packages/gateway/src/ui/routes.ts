/**
 * The web page of a gateway, at `/ui/`: this node's identity, its tasks and their progress,
 * creating and joining tasks, giving this party's input and reading the result. The page's files
 * (packages/gateway/ui/, and Papa Parse for CSV files) are served by the gateway itself, never a
 * CDN, and need no token: a browser cannot send one with a navigation, and they hold no data. The
 * JSON the page reads is under `/ui/api/`, behind the same Host and Origin guard and token as the
 * fdrtd API, which the page calls for everything that acts (create, join, input, result, delete).
 */
import { readFile } from 'node:fs/promises'
import type { OutgoingHttpHeaders } from 'node:http'
import { createRequire } from 'node:module'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { MICROPROTOCOLS } from '@simon-p2p/core'
import { toJson } from '@simon-p2p/api'
import type { SimonNode } from '@simon-p2p/node'
import { TaskFeed } from './task-feed.js'
import { tasksView } from './task-view.js'

interface Asset { readonly path: string, readonly file: URL | string, readonly type: string }

const DIR = new URL('../../ui/', import.meta.url)
const JS = 'text/javascript; charset=utf-8'
const ASSETS: readonly Asset[] = [
  { path: '/ui/', file: new URL('index.html', DIR), type: 'text/html; charset=utf-8' },
  { path: '/ui/style.css', file: new URL('style.css', DIR), type: 'text/css; charset=utf-8' },
  { path: '/ui/app.js', file: new URL('app.js', DIR), type: JS },
  { path: '/ui/input.js', file: new URL('input.js', DIR), type: JS },
  { path: '/ui/result.js', file: new URL('result.js', DIR), type: JS },
  { path: '/ui/vendor/papaparse.min.js', file: createRequire(import.meta.url).resolve('papaparse/papaparse.min.js'), type: JS }
]

/** The JSON the page reads (token and guard as for the fdrtd API). */
export const UI_API = { node: '/ui/api/node', tasks: '/ui/api/tasks', events: '/ui/api/events' } as const

/** The page's files, `/ui/` first. */
export const UI_ASSET_PATHS: readonly string[] = ASSETS.map(a => a.path)

/** Routes that need no token: the page's own files (and `/ui`, which sends the browser to `/ui/`). */
export const UI_PUBLIC_PATHS: ReadonlySet<string> = new Set(['/ui', ...UI_ASSET_PATHS])

/** What the page's files may do: load from this gateway only, call it only, never be framed. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
}

export interface UiInit {
  readonly node: SimonNode
  /** The gateway's root URL, once it listens. */
  readonly url: () => string
  readonly tokenRequired: boolean
}

/**
 * Mount the page and its JSON on `app` (after the guard and token hooks).
 * @returns the event feed, whose streams the gateway's close() ends
 */
export async function mountUi (app: FastifyInstance, init: UiInit): Promise<TaskFeed> {
  const { node } = init
  const files = await Promise.all(ASSETS.map(async a => ({ ...a, body: await readFile(a.file) })))
  for (const a of files) {
    app.get(a.path, async (_request, reply) => { void reply.code(200).headers(PAGE_HEADERS).type(a.type).send(a.body) })
  }
  // relative, so that a gateway behind a path prefix (https://host/public1/ui) stays under it
  app.get('/ui', async (_request, reply) => { void reply.code(308).headers(PAGE_HEADERS).header('location', 'ui/').send() })

  app.get(UI_API.node, async (_request, reply) => {
    sendJson(reply, { peerId: node.peerId, multiaddrs: node.multiaddrs(), url: init.url(), microprotocols: MICROPROTOCOLS, tokenRequired: init.tokenRequired })
  })
  app.get(UI_API.tasks, async (_request, reply) => { sendJson(reply, { tasks: tasksView(node) }) })

  const feed = new TaskFeed(node)
  app.get(UI_API.events, async (request, reply) => {
    if (request.method === 'HEAD') { void reply.code(200).type('text/event-stream; charset=utf-8').send(); return }
    const headers = reply.getHeaders()
    reply.hijack()
    feed.open(reply.raw, headers as OutgoingHttpHeaders)
  })
  app.addHook('preClose', async () => { feed.close() })
  return feed
}

function sendJson (reply: FastifyReply, value: unknown): void {
  void reply.code(200).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').type('application/json; charset=utf-8').send(toJson(value))
}
