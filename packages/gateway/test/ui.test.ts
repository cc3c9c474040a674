/**
 * The web page's routes on a real gateway: its files are public and locked down (CSP, no
 * framing), its JSON and event stream need the token and pass the Host and Origin guard like the
 * fdrtd API, and what they show of a task holds no value. The page itself runs in Chromium in
 * test/ui.browser.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { MICROPROTOCOLS } from '@simon-p2p/core'
import { MAX_EVENT_STREAMS, UI_API, UI_ASSET_PATHS, type Gateway, type UiTask } from '@simon-p2p/gateway'
import { request, startGateways } from './helpers.js'

const TOKEN = 'ui-secret'
const auth = { authorization: `Bearer ${TOKEN}` }

/** node:http, which follows no redirect and sends the Host and Origin given. */
async function rawGet (url: string, headers: Record<string, string> = {}): Promise<{ status: number, location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => { res.resume(); resolve({ status: res.statusCode!, location: res.headers.location }) })
    req.on('error', reject)
    req.end()
  })
}

/** Three gateways' nodes in one task (multiaddrs), created directly on the nodes. */
function taskOn (gateways: Gateway[], taskId: string, count = gateways.length): void {
  const nodes = gateways.map(g => g.server.node.multiaddrs()[0]!)
  for (let i = 0; i < count; i++) gateways[i]!.server.node.createTask({ taskId, microprotocol: 'SecureSum', network: { nodes, myself: i } })
}

async function tasksAt (g: Gateway, headers: Record<string, string> = {}): Promise<{ text: string, tasks: UiTask[] }> {
  const a = await request(`${g.url}${UI_API.tasks}`, 'GET', undefined, headers)
  assert.equal(a.status, 200, a.text)
  return { text: a.text, tasks: (a.body as { tasks: UiTask[] }).tasks }
}

/** Reads server-sent events from a stream: each `tasks` event's list, as it comes. */
class Events {
  private buffer = ''
  private readonly reader: ReadableStreamDefaultReader<string>
  constructor (body: ReadableStream<Uint8Array>) { this.reader = body.pipeThrough(new TextDecoderStream()).getReader() }

  /** The next `tasks` event; undefined when the stream ends. */
  async next (): Promise<UiTask[] | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = this.buffer.slice(0, end)
        this.buffer = this.buffer.slice(end + 2)
        const data = /^event: tasks\ndata: (.*)$/m.exec(block)
        if (data !== null) return (JSON.parse(data[1]!) as { tasks: UiTask[] }).tasks
        continue
      }
      const { value, done } = await this.reader.read()
      if (done) return undefined
      this.buffer += value
    }
  }
}

test('the page\'s files need no token and are locked down; its JSON and events need the token', async (t) => {
  const [g] = await startGateways(t, 1, { token: TOKEN })
  const page = await request(`${g!.url}/ui/`, 'GET')
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type')!, /^text\/html/)
  assert.match(page.text, /<script type="module" src="app.js"><\/script>/)
  const csp = page.headers.get('content-security-policy')!
  for (const rule of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(rule), csp)
  assert.equal(page.headers.get('x-frame-options'), 'DENY')
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff')
  for (const path of UI_ASSET_PATHS) assert.equal((await request(`${g!.url}${path}`, 'GET')).status, 200, path)
  assert.match((await request(`${g!.url}/ui/vendor/papaparse.min.js`, 'GET')).text, /^\/\* @license\nPapa Parse/)
  assert.deepEqual(await rawGet(`${g!.url}/ui`), { status: 308, location: 'ui/' })

  for (const path of Object.values(UI_API)) {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Array<Record<string, string>>) {
      const a = await request(`${g!.url}${path}`, 'GET', undefined, headers)
      assert.equal(a.status, 401, `${path} with ${JSON.stringify(headers)}`)
      assert.equal((a.body as { error: string }).error, 'UNAUTHORIZED')
    }
  }
  // a path under /ui/ that is no file of the page is not public either
  assert.equal((await request(`${g!.url}/ui/secret.json`, 'GET')).status, 401)
  assert.equal((await request(`${g!.url}/ui/secret.json`, 'GET', undefined, auth)).status, 404)
  const node = await request(`${g!.url}${UI_API.node}`, 'GET', undefined, auth)
  assert.equal(node.status, 200)
  assert.deepEqual(node.body, { peerId: g!.server.node.peerId, multiaddrs: g!.server.node.multiaddrs(), url: g!.url, microprotocols: [...MICROPROTOCOLS], tokenRequired: true })
  // the fdrtd root is unchanged: still the token, still the microservices
  assert.equal((await request(g!.url, 'GET')).status, 401)
  assert.deepEqual((await request(g!.url, 'GET', undefined, auth)).body, g!.server.list())
})

test('the page and its JSON refuse a rebinding Host (421) and a foreign Origin (403), token or not', async (t) => {
  const [g] = await startGateways(t, 1, { token: TOKEN })
  const port = new URL(g!.url).port
  for (const path of ['/ui/', '/ui/app.js', UI_API.tasks, UI_API.events]) {
    assert.equal((await rawGet(`${g!.url}${path}`, { host: `attacker.example:${port}`, ...auth })).status, 421, path)
    assert.equal((await rawGet(`${g!.url}${path}`, { origin: 'https://attacker.example', ...auth })).status, 403, path)
  }
  // the page's own origin is not cross-origin
  assert.equal((await rawGet(`${g!.url}${UI_API.tasks}`, { origin: g!.url, ...auth })).status, 200)
})

test('tasks as the page shows them: step, fingerprint, parties seen and missing by index, and never a value', async (t) => {
  const gateways = await startGateways(t, 3)
  taskOn(gateways, 'ui-sum')
  const [a, b, c] = gateways.map(g => g.server.node.getTask('ui-sum')!)
  const before = (await tasksAt(gateways[0]!)).tasks[0]!
  assert.equal(before.step, 'input')
  assert.equal(before.hasInput, false)
  assert.deepEqual(before.parties.map(p => [p.index, p.self, p.seen, p.missing]), [[0, true, false, true], [1, false, false, false], [2, false, false, false]])
  a!.input('123456.789')
  b!.input(7)
  // party 2 has given nothing: once party 0 has heard from 1, it waits for 2, by index
  let waiting = before
  const deadline = Date.now() + 10_000
  while (!waiting.parties[1]!.seen) {
    assert.ok(Date.now() < deadline, 'party 0 heard from party 1 within 10 s')
    await new Promise(resolve => setTimeout(resolve, 20))
    waiting = (await tasksAt(gateways[0]!)).tasks[0]!
  }
  assert.notEqual(waiting.step, 'input')
  assert.deepEqual(waiting.parties.filter(p => p.missing).map(p => p.index), [2])
  assert.deepEqual(waiting.parties.filter(p => p.seen).map(p => p.index), [1])
  c!.input(14)
  await Promise.all([a!, b!, c!].map(async x => x.result()))
  for (const [i, g] of gateways.entries()) {
    const { text, tasks } = await tasksAt(g)
    const view = tasks.find(x => x.id === 'ui-sum')!
    assert.equal(view.step, 'done')
    assert.equal(view.finished, true)
    assert.equal(view.fingerprint, a!.fingerprint, 'the same fingerprint at every party')
    assert.equal(view.myself, i)
    assert.deepEqual(view.parties.map(p => p.seen), [0, 1, 2].map(j => j !== i))
    assert.deepEqual(view.parties.map(p => p.peerId), gateways.map(x => x.server.node.peerId))
    // neither an input nor the sum: the page reads the result through the fdrtd API
    for (const secret of ['123456.789', '123456789', '123477.789', '123477789']) assert.ok(!text.includes(secret), `${secret} in ${text}`)
  }
})

test('events: the task list at once, again when a task comes or moves; close() ends every stream', async (t) => {
  const gateways = await startGateways(t, 2)
  const g = gateways[0]!
  const response = await fetch(`${g.url}${UI_API.events}`)
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type')!, /^text\/event-stream/)
  const events = new Events(response.body!)
  assert.deepEqual(await events.next(), [])
  taskOn(gateways, 'ui-live')
  const created = await events.next()
  assert.deepEqual(created!.map(x => [x.id, x.step]), [['ui-live', 'input']])
  for (const x of gateways) x.server.node.getTask('ui-live')!.input(1)
  let last: UiTask[] | undefined = created
  while (last !== undefined && last[0]!.step !== 'done') last = await events.next()
  assert.equal(last![0]!.step, 'done')
  const closed = g.close()
  assert.equal(await events.next(), undefined, 'the stream ends when the gateway closes')
  await closed
})

test(`events: at most ${MAX_EVENT_STREAMS} streams; one more ends the oldest`, async (t) => {
  const [g] = await startGateways(t, 1)
  const streams: Events[] = []
  for (let i = 0; i <= MAX_EVENT_STREAMS; i++) {
    const response = await fetch(`${g!.url}${UI_API.events}`)
    const events = new Events(response.body!)
    assert.deepEqual(await events.next(), [])
    streams.push(events)
  }
  assert.equal(await streams[0]!.next(), undefined, 'the oldest stream was ended')
})
