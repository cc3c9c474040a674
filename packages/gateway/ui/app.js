// The page of one simon-p2p node. Everything that acts goes through the node's own fdrtd API at
// its root URL (create, join, invite, input, result, delete), exactly as the Python client's calls
// do; the page reads its node and tasks under ./api/, and follows progress through ./api/events
// (server-sent events, read with fetch: EventSource cannot send the token). The token is asked
// for once, when the node first answers 401, and kept in sessionStorage: this tab only.
import { InputError, columnValues, parseCsv, readList, readValue, takesLabels, takesPairs } from './input.js'
import { renderResult } from './result.js'

const TOKEN_KEY = 'simon-p2p-token'
/** The fdrtd API: the gateway's root, whatever prefix it is served under. */
const ROOT = new URL('../', location.href)
const API = new URL('api/', location.href)
const RECONNECT_MS = 2000

const $ = (id) => document.getElementById(id)

class HttpError extends Error {
  constructor (status, message) { super(message); this.name = 'HttpError'; this.status = status }
}

const state = {
  node: undefined,
  simonHandle: undefined,
  /** task id -> its card */
  cards: new Map(),
  /** task id -> the fingerprint its join code carried, to compare with ours */
  expected: new Map(),
  /** tasks this page created: their join code is shown open, to pass on */
  created: new Set(),
  streaming: false
}

// ---- the node's API ------------------------------------------------------------------------

function authHeaders () {
  const token = sessionStorage.getItem(TOKEN_KEY)
  return token === null ? {} : { authorization: `Bearer ${token}` }
}

async function call (url, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json', ...authHeaders() }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(url, { method, headers, cache: 'no-store', ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const text = await response.text()
  let parsed
  try { parsed = text === '' ? undefined : JSON.parse(text) } catch { parsed = text }
  if (response.status === 401) { askToken(); throw new HttpError(401, 'this node needs its token: give it above') }
  if (!response.ok) throw new HttpError(response.status, typeof parsed === 'object' && parsed !== null && typeof parsed.message === 'string' ? parsed.message : `${response.status} ${text.slice(0, 200)}`)
  return parsed
}

/** One call of the Simon microservice, as the fdrtd client makes it. */
async function simon (fn, { callback, parameters = {} } = {}) {
  state.simonHandle ??= await call(ROOT, { method: 'PUT', body: { protocol: 'Simon' } })
  const body = { handle: state.simonHandle, function: fn, parameters }
  if (callback !== undefined) body.callback = callback
  return call(ROOT, { method: 'POST', body })
}

// ---- the token -----------------------------------------------------------------------------

function askToken () {
  if (!$('token-section').hidden) return
  $('token-section').hidden = false
  $('token-input').focus()
}

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const token = $('token-input').value.trim()
  $('token-error').textContent = ''
  const previous = sessionStorage.getItem(TOKEN_KEY)
  sessionStorage.setItem(TOKEN_KEY, token)
  const answer = await fetch(new URL('node', API), { headers: { accept: 'application/json', ...authHeaders() }, cache: 'no-store' }).catch(() => undefined)
  if (answer === undefined || answer.status === 401) {
    if (previous === null) sessionStorage.removeItem(TOKEN_KEY); else sessionStorage.setItem(TOKEN_KEY, previous)
    $('token-error').textContent = answer === undefined ? 'The node cannot be reached.' : 'The node refused this token.'
    return
  }
  $('token-input').value = ''
  $('token-section').hidden = true
  await start()
})

// ---- this node -----------------------------------------------------------------------------

function setConnection (text, live) {
  $('connection').textContent = text
  $('connection').dataset.live = String(live)
}

async function loadNode () {
  const node = await call(new URL('node', API))
  state.node = node
  $('peer-id').textContent = node.peerId
  $('gateway-url').textContent = ROOT.href.replace(/\/$/, '')
  $('addresses').replaceChildren(...node.multiaddrs.map(a => { const li = document.createElement('li'); const c = document.createElement('code'); c.textContent = a; li.append(c); return li }))
  const select = $('create-microprotocol')
  select.replaceChildren(...node.microprotocols.map(m => new Option(m, m)))
}

/** The index of this node in a node list: the entry that names its PeerId or this gateway's URL. */
function ownIndex (nodes) {
  const own = ROOT.href.replace(/\/$/, '')
  return nodes.findIndex(n => {
    if (state.node !== undefined && n.endsWith(`/p2p/${state.node.peerId}`)) return true
    try { const url = new URL(n); url.hash = ''; return url.href.replace(/\/$/, '') === own } catch { return false }
  })
}

function nodeList (text) {
  return text.split(/\r?\n/).map(l => l.trim()).filter(l => l !== '')
}

function index (text, field) {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`${field} must be a whole number from 0`)
  return n
}

// ---- create and join -----------------------------------------------------------------------

$('add-self').addEventListener('click', () => {
  const area = $('create-nodes')
  const own = ROOT.href.replace(/\/$/, '')
  const nodes = nodeList(area.value)
  if (!nodes.includes(own)) nodes.push(own)
  area.value = nodes.join('\n') + '\n'
  $('create-myself').value = String(nodes.indexOf(own))
})

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const error = $('create-error')
  error.textContent = ''
  try {
    const nodes = nodeList($('create-nodes').value)
    if (nodes.length < 2) throw new InputError('the node list needs at least two nodes, one a line')
    const myself = index($('create-myself').value, 'this node\'s index')
    const text = $('create-parameters').value.trim()
    let parameters
    if (text !== '') {
      try { parameters = JSON.parse(text) } catch { throw new InputError('the parameters are not JSON, e.g. {"threshold": 2}') }
      if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) throw new InputError('the parameters must be a JSON object, e.g. {"threshold": 2}')
    }
    const microprotocol = $('create-microprotocol').value
    const made = await simon('create', { parameters: { microprotocol, network: { nodes, myself }, ...(parameters === undefined ? {} : { parameters }) } })
    state.created.add(made.callback)
    event.target.reset()
    await refresh()
  } catch (err) {
    error.textContent = err.message
  }
})

/** A join code: {invitation, nodes} from this page, or the bare invitation fdrtd's invite() answers. */
function readJoinCode (text) {
  let code
  try { code = JSON.parse(text) } catch { throw new InputError('the join code is not JSON: paste it whole, from { to }') }
  const invitation = code?.invitation ?? code
  if (invitation === null || typeof invitation !== 'object' || typeof invitation.task !== 'string') throw new InputError('the join code holds no invitation (it needs a task, a microprotocol and parameters)')
  return { invitation, nodes: Array.isArray(code.nodes) ? code.nodes.map(String) : undefined }
}

$('join-code').addEventListener('input', () => {
  try {
    const { nodes } = readJoinCode($('join-code').value)
    if (nodes === undefined) return
    $('join-nodes').value = nodes.join('\n')
    const i = ownIndex(nodes)
    if (i >= 0) $('join-myself').value = String(i)
  } catch { /* told on submit */ }
})

$('join-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const error = $('join-error')
  error.textContent = ''
  try {
    const { invitation } = readJoinCode($('join-code').value)
    const nodes = nodeList($('join-nodes').value)
    const myself = index($('join-myself').value, 'this node\'s index')
    const { task, microprotocol, parameters } = invitation
    if (typeof invitation.fingerprint === 'string') state.expected.set(task, invitation.fingerprint)
    await simon('join', { parameters: { invitation: { task, microprotocol, parameters }, network: { nodes, myself } } })
    event.target.reset()
    await refresh()
  } catch (err) {
    error.textContent = err.message
  }
})

// ---- the tasks -----------------------------------------------------------------------------

function partyState (p, task) {
  if (p.self) return p.missing ? ['input', 'this node: waiting for your input'] : ['self', 'this node']
  if (p.missing) return ['missing', task.step === 'input' ? 'not heard from yet' : `missing: party ${p.index} has not sent its ${task.step} yet`]
  return p.seen ? ['seen', 'seen'] : ['waiting', 'not heard from yet']
}

class TaskCard {
  constructor (task) {
    this.id = task.id
    this.root = $('task-template').content.firstElementChild.cloneNode(true)
    this.root.dataset.task = task.id
    this.q = (sel) => this.root.querySelector(sel)
    this.q('.task-id').textContent = task.id
    this.q('.task-microprotocol').textContent = task.microprotocol
    this.resultShown = false
    this.csv = undefined
    this.shareOpened = false
    this.wire(task)
    void this.loadJoinCode(task)
  }

  wire (task) {
    const form = this.q('.input-form')
    for (const radio of form.querySelectorAll('input[name=kind]')) {
      radio.name = `kind-${this.id}`
      radio.addEventListener('change', () => this.showKind())
    }
    this.q('.input-csv').addEventListener('change', () => { void this.loadCsv() })
    form.addEventListener('submit', (event) => { event.preventDefault(); void this.sendInput() })
    this.q('.copy-join-code').addEventListener('click', async () => {
      const area = this.q('.task-join-code')
      area.select()
      try { await navigator.clipboard.writeText(area.value) } catch { /* selected for Ctrl-C */ }
    })
    this.q('.forget').addEventListener('click', async () => {
      if (this.root.dataset.step !== 'done' && this.root.dataset.step !== 'failed' && !confirm('The task is still running: forgetting it here cancels it for every party. Forget it?')) return
      try { await simon('delete', { callback: this.id }); await refresh() } catch (err) { this.q('.task-error').textContent = err.message }
    })
    this.microprotocol = task.microprotocol
    this.q('.input-column2').closest('label').hidden = !takesPairs(task.microprotocol)
    if (takesLabels(task.microprotocol)) this.q('.input-number').removeAttribute('inputmode')
  }

  kind () { return this.q(`input[name="kind-${this.id}"]:checked`).value }

  showKind () {
    const kind = this.kind()
    for (const k of ['number', 'list', 'csv']) this.q(`.kind-${k}`).hidden = k !== kind
    this.q('.input-error').textContent = ''
  }

  async loadJoinCode (task) {
    try {
      const invitation = await simon('invite', { callback: this.id })
      this.q('.task-join-code').value = JSON.stringify({ invitation, nodes: task.parties.map(p => p.multiaddr) })
    } catch (err) {
      this.q('.task-join-code').value = `(no join code: ${err.message})`
    }
  }

  async loadCsv () {
    const file = this.q('.input-csv').files[0]
    const column = this.q('.input-column')
    const column2 = this.q('.input-column2')
    this.csv = undefined
    this.q('.input-error').textContent = ''
    this.q('.input-preview').textContent = ''
    if (file === undefined) return
    try {
      this.csv = await parseCsv(file)
      column.replaceChildren(...this.csv.columns.map(c => new Option(c, c)))
      column2.replaceChildren(new Option('(none)', ''), ...this.csv.columns.map(c => new Option(c, c)))
      this.q('.input-preview').textContent = `${file.name}: ${this.csv.rows.length} rows, columns ${this.csv.columns.join(', ')}`
    } catch (err) {
      this.q('.input-error').textContent = err.message
    }
  }

  /** The input as the page read it; throws an InputError naming a bad value (and nothing is sent). */
  readInput () {
    const kind = this.kind()
    if (kind === 'number') return readValue(this.q('.input-number').value, 'the number', takesLabels(this.microprotocol))
    if (kind === 'list') return readList(this.q('.input-list').value, this.microprotocol)
    if (this.csv === undefined) throw new InputError('choose a CSV file first')
    const { values, skipped } = columnValues(this.csv, this.q('.input-column').value, this.q('.input-column2').value, this.microprotocol)
    this.q('.input-preview').textContent = `${values.length} values from column ${this.q('.input-column').value}${skipped > 0 ? ` (${skipped} empty cells left out)` : ''}`
    return values
  }

  async sendInput () {
    const error = this.q('.input-error')
    error.textContent = ''
    let value
    try { value = this.readInput() } catch (err) { error.textContent = err.message; return }
    try {
      await simon('input', { callback: this.id, parameters: { value } })
      this.q('.input-form').hidden = true
    } catch (err) {
      error.textContent = err.message
    }
  }

  async showResult () {
    this.resultShown = true
    try {
      renderResult(this.q('.task-result'), await simon('result', { callback: this.id }))
    } catch (err) {
      this.resultShown = false
      this.q('.task-error').textContent = err.message
    }
  }

  update (task) {
    if (!this.shareOpened && state.created.has(task.id)) { this.q('.share').open = true; this.shareOpened = true }
    this.root.dataset.step = task.step
    this.q('.task-step').textContent = task.step
    this.q('.task-progress').textContent = task.progress === undefined ? '' : `(${task.progress.done} of ${task.progress.total})`
    const fp = this.q('.task-fingerprint')
    fp.textContent = task.fingerprint
    const expected = state.expected.get(task.id)
    if (expected !== undefined && expected !== task.fingerprint) {
      this.q('.task-error').textContent = `The join code carried the fingerprint ${expected}, but this node holds ${task.fingerprint}: the parties do not hold the same task. Do not give your input.`
    }
    const rows = task.parties.map(p => {
      const [kind, text] = partyState(p, task)
      const tr = document.createElement('tr')
      tr.dataset.index = String(p.index)
      tr.dataset.state = kind
      const th = document.createElement('th')
      th.scope = 'row'
      th.textContent = String(p.index)
      const peer = document.createElement('td')
      const code = document.createElement('code')
      code.textContent = p.peerId
      code.title = p.multiaddr
      peer.append(code)
      const st = document.createElement('td')
      st.className = `state state-${kind}`
      st.textContent = text
      tr.append(th, peer, st)
      return tr
    })
    this.q('.parties tbody').replaceChildren(...rows)
    this.q('.input-form').hidden = task.hasInput || task.finished
    if (task.error !== undefined) {
      this.q('.task-error').textContent = `The task failed (${task.error.code}): ${task.error.message}`
      this.q('.task-result').replaceChildren()
    } else if (task.finished && !this.resultShown) {
      void this.showResult()
    } else if (task.hasInput && !task.finished) {
      this.q('.task-result').textContent = 'Waiting for the other parties…'
    }
  }
}

function render (tasks) {
  const container = $('tasks')
  const seen = new Set()
  let previous
  for (const task of tasks) {
    seen.add(task.id)
    let card = state.cards.get(task.id)
    if (card === undefined) {
      card = new TaskCard(task)
      state.cards.set(task.id, card)
      if (previous === undefined) container.prepend(card.root); else previous.root.after(card.root)
    }
    card.update(task)
    previous = card
  }
  for (const [id, card] of state.cards) if (!seen.has(id)) { card.root.remove(); state.cards.delete(id) }
  $('no-tasks').hidden = tasks.length > 0
}

async function refresh () {
  render((await call(new URL('tasks', API))).tasks)
}

// ---- live progress -------------------------------------------------------------------------

function onEvent (block) {
  let name = 'message'
  let data = ''
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim()
    else if (line.startsWith('data:')) data += line.slice(5).replace(/^ /, '')
  }
  if (name === 'tasks' && data !== '') render(JSON.parse(data).tasks)
}

async function follow () {
  if (state.streaming) return
  state.streaming = true
  try {
    for (;;) {
      try {
        const response = await fetch(new URL('events', API), { headers: { accept: 'text/event-stream', ...authHeaders() }, cache: 'no-store' })
        if (response.status === 401) { askToken(); setConnection('Needs the token', false); return }
        if (!response.ok || response.body === null) throw new Error(String(response.status))
        setConnection('Live: following this node\'s tasks', true)
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value.replace(/\r\n?/g, '\n')
          let end
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            onEvent(buffer.slice(0, end))
            buffer = buffer.slice(end + 2)
          }
        }
      } catch { /* reconnect below */ }
      setConnection('Reconnecting…', false)
      await new Promise(resolve => setTimeout(resolve, RECONNECT_MS))
    }
  } finally {
    state.streaming = false
  }
}

async function start () {
  try {
    await loadNode()
    await refresh()
    void follow()
  } catch (err) {
    if (err.status !== 401) setConnection(`Cannot reach this node: ${err.message}`, false)
    else setConnection('Needs the token', false)
  }
}

void start()
