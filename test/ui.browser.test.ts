/**
 * The web page at /ui/ in a real browser: Debian's headless Chromium driven by playwright-core,
 * against three real `simon node --http` processes on 127.0.0.1, each with its own token, one
 * page per node. The tutorial's 10, 7 and 14 are typed into the pages and 31 is shown on each; a
 * CSV file is parsed in a page with one of its columns picked; a party that never joins is shown
 * missing with its index. Screenshots go to test-artifacts/ui/ (git-ignored).
 *
 * Without /usr/bin/chromium the test is skipped with one line, except in CI (CI=true), whose
 * .ci/run installs it: there a missing browser fails the test.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { Proc, keys as keygen, tempDir } from './helpers.js'

/** The little of the DOM that the callbacks run in the pages use (this project compiles without the DOM lib). */
interface PageElement {
  id: string
  value?: string
  readonly dataset: Record<string, string | undefined>
  readonly textContent: string | null
  getAttribute: (name: string) => string | null
  querySelector: (selector: string) => PageElement | null
  querySelectorAll: (selector: string) => ArrayLike<PageElement>
  append: (child: PageElement) => void
}
declare const document: { querySelector: (selector: string) => PageElement | null, getElementById: (id: string) => PageElement | null, createElement: (tag: string) => PageElement }

const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/ui/', import.meta.url))
const WAIT_MS = 20_000
const skip = existsSync(CHROMIUM) || process.env.CI === 'true' ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`

interface Party { readonly proc: Proc, readonly url: string, readonly peerId: string, readonly token: string, page: Page }

/** Three `simon node --http` processes, each with its own key and token file. */
async function startNodes (t: Parameters<typeof tempDir>[0], dir: string): Promise<Array<Omit<Party, 'page'>>> {
  const keys = await keygen(dir, 3)
  return Promise.all(keys.map(async (k, i) => {
    const token = `ui-token-${i}-${Math.random().toString(36).slice(2)}`
    const tokenFile = join(dir, `token${i}`)
    await writeFile(tokenFile, token, { mode: 0o600 })
    const proc = new Proc(['node', '--key', k.path, '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '127.0.0.1:0', '--token-file', tokenFile])
    t.after(async () => { proc.kill('SIGTERM'); await proc.exited })
    const ready = JSON.parse(await proc.firstLine()) as { peerId: string, http: string }
    assert.equal(ready.peerId, k.peerId)
    return { proc, url: ready.http, peerId: ready.peerId, token }
  }))
}

/** The card of one task on a page. */
const card = (page: Page, task: string) => page.locator(`article.task[data-task="${task}"]`)

async function shoot (page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

/** What the node's own JSON says of a task (read with the token, as the page does). */
async function taskAt (p: Party, task: string): Promise<{ hasInput: boolean, step: string, parties: Array<{ index: number, missing: boolean }> }> {
  const answer = await fetch(`${p.url}/ui/api/tasks`, { headers: { authorization: `Bearer ${p.token}` } })
  assert.equal(answer.status, 200)
  const { tasks } = await answer.json() as { tasks: Array<{ id: string, hasInput: boolean, step: string, parties: Array<{ index: number, missing: boolean }> }> }
  const found = tasks.find(x => x.id === task)
  assert.ok(found !== undefined, `task ${task} is held at ${p.url}`)
  return found
}

/** Party 0 creates a task over the three gateway URLs; its join code is returned with the task id. */
async function create (creator: Party, urls: string[]): Promise<{ task: string, code: string }> {
  const { page } = creator
  const before = new Set(await page.locator('article.task').evaluateAll(els => els.map(e => (e as unknown as PageElement).dataset.task)))
  await page.fill('#create-nodes', urls.join('\n'))
  await page.fill('#create-myself', '0')
  await page.getByRole('button', { name: 'Create the task' }).click()
  const fresh = page.locator('article.task').first()
  await page.waitForFunction((known) => {
    const first = document.querySelector('article.task')
    const code = first?.querySelector('.task-join-code')?.value ?? ''
    return first !== null && !known.includes(first.dataset.task ?? '') && code.startsWith('{')
  }, [...before].filter(x => x !== undefined), { timeout: WAIT_MS })
  const task = (await fresh.getAttribute('data-task'))!
  const code = await fresh.locator('.task-join-code').inputValue()
  return { task, code }
}

/** A party joins from the join code; the page fills the node list and finds its own index. */
async function join_ (p: Party, code: string, task: string, index: number): Promise<void> {
  await p.page.fill('#join-code', code)
  assert.equal(await p.page.inputValue('#join-myself'), String(index), 'the page found this node in the node list')
  await p.page.getByRole('button', { name: 'Join the task' }).click()
  await card(p.page, task).waitFor({ timeout: WAIT_MS })
}

async function typeNumber (p: Party, task: string, value: string): Promise<void> {
  const c = card(p.page, task)
  await c.locator('.input-number').fill(value)
  await c.getByRole('button', { name: 'Send my input to this node' }).click()
}

test('the page in Chromium: three nodes, three pages; 10 + 7 + 14 = 31 on each, a CSV column, a missing party', { skip, timeout: 90_000 }, async (t) => {
  const dir = await tempDir(t)
  await mkdir(ARTIFACTS, { recursive: true })
  const [nodes, { chromium }] = await Promise.all([startNodes(t, dir), import('playwright-core')])
  // playwright starts the browser on a fresh --user-data-dir of its own; a context per party, as
  // three people in three browsers (a page in a background tab of one window gets no animation frames)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS })
  t.after(async () => { await browser.close() })
  const consoleErrors: string[] = []
  const parties: Party[] = []
  for (const n of nodes) {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1000, height: 900 } })
    const page = await context.newPage()
    page.on('console', m => { if (m.type() === 'error') consoleErrors.push(`${n.url}: ${m.text()}`) })
    page.on('pageerror', e => { consoleErrors.push(`${n.url}: ${e.message}`) })
    parties.push({ ...n, page })
  }
  const urls = parties.map(p => p.url)

  // the token is asked once, checked, and kept for the tab's session (a reload does not ask again)
  await Promise.all(parties.map(async (p, i) => {
    await p.page.goto(`${p.url}/ui/`)
    const token = p.page.getByLabel('Gateway token')
    await token.waitFor({ timeout: WAIT_MS })
    if (i === 0) {
      await token.fill('wrong')
      await p.page.getByRole('button', { name: 'Use this token' }).click()
      await p.page.locator('#token-error', { hasText: 'refused this token' }).waitFor({ timeout: WAIT_MS })
    }
    await token.fill(p.token)
    await p.page.getByRole('button', { name: 'Use this token' }).click()
    await p.page.locator('#peer-id', { hasText: p.peerId }).waitFor({ timeout: WAIT_MS })
    await p.page.locator('#connection[data-live="true"]').waitFor({ timeout: WAIT_MS })
  }))
  await parties[0]!.page.reload()
  await parties[0]!.page.locator('#peer-id', { hasText: parties[0]!.peerId }).waitFor({ timeout: WAIT_MS })
  assert.equal(await parties[0]!.page.locator('#token-section').isHidden(), true, 'no second question for the token')
  const addresses = await parties[0]!.page.locator('#addresses li').allTextContents()
  assert.ok(addresses.length > 0 && addresses.every(a => a.endsWith(`/p2p/${parties[0]!.peerId}`)), addresses.join(' '))

  // 1. the tutorial: party 0 creates, parties 1 and 2 join from its join code, and all hold the same fingerprint
  const sum = await create(parties[0]!, urls)
  await Promise.all([join_(parties[1]!, sum.code, sum.task, 1), join_(parties[2]!, sum.code, sum.task, 2)])
  const fingerprints = await Promise.all(parties.map(async p => card(p.page, sum.task).locator('.task-fingerprint').textContent()))
  assert.match(fingerprints[0]!, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
  assert.deepEqual(fingerprints, [fingerprints[0], fingerprints[0], fingerprints[0]])
  assert.equal(JSON.parse(sum.code).invitation.fingerprint, fingerprints[0], 'the join code carries the creator\'s fingerprint')

  // a value that is not a number is refused in the page, and nothing reaches the node
  await typeNumber(parties[0]!, sum.task, '10 apples')
  await card(parties[0]!.page, sum.task).locator('.input-error', { hasText: 'is not a number' }).waitFor({ timeout: WAIT_MS })
  assert.equal((await taskAt(parties[0]!, sum.task)).hasInput, false)

  await Promise.all(['10', '7', '14'].map(async (value, i) => typeNumber(parties[i]!, sum.task, value)))
  await Promise.all(parties.map(async p => {
    const c = card(p.page, sum.task)
    await c.locator('[data-term="sum"]', { hasText: /^31$/ }).waitFor({ timeout: WAIT_MS })
    assert.equal(await c.locator('[data-term="inputs"]').textContent(), '3')
    assert.equal(await c.locator('[data-term="samples"]').textContent(), '3')
    assert.deepEqual(await c.locator('.parties tbody tr').evaluateAll(rows => rows.map(r => (r as unknown as PageElement).dataset.state)),
      [0, 1, 2].map(i => i === parties.indexOf(p) ? 'self' : 'seen'), 'every other party seen')
  }))
  await Promise.all(parties.map(async (p, i) => shoot(p.page, `sum-party-${i}`)))
  // the top of party 0's page, as README.md shows it (docs/ui-page.png)
  const bottom = await parties[0]!.page.evaluate(`document.querySelector('article.task[data-task="${sum.task}"]').getBoundingClientRect().bottom + window.scrollY`) as number
  await parties[0]!.page.screenshot({ path: join(ARTIFACTS, 'tutorial-party-0.png'), fullPage: true, clip: { x: 0, y: 0, width: 1000, height: bottom + 16 } })

  // 2. a CSV file at party 0, its column "hours" picked (not "salary"); lists typed at 1 and 2
  const csv = await create(parties[0]!, urls)
  await Promise.all([join_(parties[1]!, csv.code, csv.task, 1), join_(parties[2]!, csv.code, csv.task, 2)])
  const c0 = card(parties[0]!.page, csv.task)
  const fromCsv = async (): Promise<void> => {
    await c0.getByLabel('A CSV file').check()
    await c0.locator('.input-csv').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from('name,salary,hours\nann,5100,3\nbob,4800,4.5\n"cid, jr",6000,5\n') })
    await c0.locator('.input-preview', { hasText: 'staff.csv: 3 rows' }).waitFor({ timeout: WAIT_MS })
    await c0.locator('.input-column').selectOption('hours')
    await c0.getByRole('button', { name: 'Send my input to this node' }).click()
  }
  const fromList = async (i: number, list: string): Promise<void> => {
    const c = card(parties[i]!.page, csv.task)
    await c.getByLabel('A list').check()
    await c.locator('.input-list').fill(list)
    await c.getByRole('button', { name: 'Send my input to this node' }).click()
  }
  await Promise.all([fromCsv(), fromList(1, '1, 2, 3'), fromList(2, '10\n20\n30')])
  await Promise.all(parties.map(async p => {
    const c = card(p.page, csv.task)
    await c.locator('.vector caption', { hasText: 'sum: 3 elements' }).waitFor({ timeout: WAIT_MS })
    assert.deepEqual(await c.locator('.vector td').allTextContents(), ['14', '26.5', '38'])
  }))
  await shoot(parties[0]!.page, 'csv-party-0')

  // 3. party 2 never joins: at party 0 it shows as missing, with its index, once 0 and 1 gave their inputs
  const lonely = await create(parties[0]!, urls)
  await join_(parties[1]!, lonely.code, lonely.task, 1)
  // a number beyond the task's range is refused by the node, which says why; nothing is sent
  await typeNumber(parties[1]!, lonely.task, '10000000000000')
  const outOfRange = card(parties[1]!.page, lonely.task).locator('.input-error', { hasText: 'invalid value: 10000000000000 is out of range' })
  await outOfRange.waitFor({ timeout: WAIT_MS })
  assert.equal((await taskAt(parties[1]!, lonely.task)).hasInput, false)
  await Promise.all([typeNumber(parties[0]!, lonely.task, '1'), typeNumber(parties[1]!, lonely.task, '2')])
  const missing = card(parties[0]!.page, lonely.task).locator('.parties tbody tr[data-index="2"][data-state="missing"]')
  await missing.waitFor({ timeout: WAIT_MS })
  assert.match((await missing.textContent())!, /^2.*missing: party 2 has not sent its \w+ yet$/)
  assert.deepEqual((await taskAt(parties[0]!, lonely.task)).parties.filter(x => x.missing).map(x => x.index), [2])
  await shoot(parties[0]!.page, 'missing-party-0')

  // the chart of a statistics result (histogram, table), rendered by the page's own module in this browser
  const bars = await parties[0]!.page.evaluate(async () => {
    const path = './result.js' // the page's module, relative to the page (not to this file)
    const { renderResult } = await import(path) as { renderResult: (c: PageElement, r: unknown) => void }
    const box = document.createElement('div')
    box.id = 'chart-check'
    document.querySelector('main')!.append(box)
    renderResult(box, { inputs: 3, result: { samples: 9, mode: 'b', histogram: { a: 2, b: 5, c: null } } })
    const histogram = Array.from(box.querySelectorAll('rect.bar')).map(b => `${b.getAttribute('data-label')}=${b.getAttribute('data-value')}`)
    renderResult(box, { inputs: 3, result: { samples: 10, table: { x: { u: 1, v: 2 }, y: { u: 3, v: 4 } } } })
    const table = Array.from(box.querySelectorAll('rect.bar')).map(b => `${b.getAttribute('data-label')}=${b.getAttribute('data-value')}`)
    return { histogram, table, cells: Array.from(box.querySelectorAll('table.heat td')).map(td => td.textContent) }
  })
  assert.deepEqual(bars, { histogram: ['a=2', 'b=5', 'c=–'], table: ['x=1', 'x=2', 'y=3', 'y=4'], cells: ['1', '2', '3', '4'] })
  await parties[0]!.page.locator('#chart-check').screenshot({ path: join(ARTIFACTS, 'chart.png') })

  // a page of another origin that frames the node's page (to make the user click in it) gets nothing shown
  const hostile = createServer((_request, response) => { response.setHeader('content-type', 'text/html'); response.end(`<iframe src="${urls[0]}/ui/"></iframe>`) })
  await new Promise<void>(resolve => hostile.listen(0, '127.0.0.1', resolve))
  t.after(() => { hostile.close() })
  const attacker = await parties[0]!.page.context().newPage()
  await attacker.goto(`http://127.0.0.1:${(hostile.address() as AddressInfo).port}/`)
  const framed = attacker.frames().find(f => f !== attacker.mainFrame())!
  assert.equal(framed.url(), 'chrome-error://chromewebdata/', 'the browser refused to frame the page')
  assert.equal(await framed.evaluate(() => document.getElementById('peer-id') !== null), false, 'nothing of the page in the frame')
  await attacker.close()

  // the browser logs every answer it was refused (the 401s before the token, the 400 of the value out of range)
  assert.deepEqual(consoleErrors.filter(e => !/Failed to load resource: the server responded with a status of 40[01]/.test(e)), [], 'no script error in any page')
})
