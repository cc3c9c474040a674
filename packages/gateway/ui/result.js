// A task's result, rendered generically: `{inputs, result}` as fdrtd answers it; in `result`, a
// `histogram` (label -> count) becomes a bar chart and a `table` (row -> column -> count) a
// grouped bar chart, each with its numbers in a table beside it; a vector a table of its first
// elements; every other figure a term and its value. Only DOM APIs (textContent, never HTML).

const SVG = 'http://www.w3.org/2000/svg'
/** Distinguishable on white and for the common colour blindnesses (Okabe and Ito). */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000']
const MAX_BARS = 60
const MAX_ELEMENTS = 20

function el (tag, props = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v
    else if (k === 'text') e.textContent = v
    else e.setAttribute(k, v)
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c)
  return e
}

function svg (tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}

/** A figure as text: numbers as they came, a suppressed cell (null) as a dash. */
export function figure (v) {
  if (v === null || v === undefined) return '–'
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

function numeric (v) {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
  return Number.isFinite(n) ? n : 0
}

/**
 * A histogram in any of the shapes a result may give it: {label: count}, [[label, count], ...] or
 * {labels, counts}. @returns {[string, unknown][]} or undefined when it is none of these
 */
export function histogramEntries (h) {
  if (Array.isArray(h)) return h.every(e => Array.isArray(e) && e.length === 2) ? h.map(([k, v]) => [String(k), v]) : undefined
  if (h === null || typeof h !== 'object') return undefined
  if (Array.isArray(h.labels) && Array.isArray(h.counts)) return h.labels.map((k, i) => [String(k), h.counts[i]])
  const entries = Object.entries(h)
  return entries.every(([, v]) => v === null || typeof v === 'number' || typeof v === 'string') ? entries : undefined
}

/** A contingency table {row: {column: count}}. @returns {{rows: string[], columns: string[], cell: (r, c) => unknown}} or undefined */
export function tableCells (t) {
  if (t === null || typeof t !== 'object' || Array.isArray(t)) return undefined
  const rows = Object.keys(t)
  if (!rows.every(r => t[r] !== null && typeof t[r] === 'object' && !Array.isArray(t[r]))) return undefined
  const columns = [...new Set(rows.flatMap(r => Object.keys(t[r])))]
  return { rows, columns, cell: (r, c) => t[r][c] }
}

/**
 * A bar chart: groups along the x axis, one bar per series in each group.
 * @param {string} title what the chart shows (its accessible name)
 * @param {string[]} groups
 * @param {{name: string, values: unknown[]}[]} series
 */
export function barChart (title, groups, series) {
  const shown = groups.slice(0, MAX_BARS)
  const max = Math.max(1, ...series.flatMap(s => s.values.slice(0, MAX_BARS).map(numeric)))
  const barW = 22
  const gap = 12
  const groupW = series.length * barW + gap
  const left = 48
  const top = 10
  const h = 160
  const width = left + shown.length * groupW + gap
  const height = top + h + 46
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title })
  chart.append(svg('title', {}, title))
  chart.append(svg('line', { x1: left, y1: top + h, x2: width, y2: top + h, class: 'axis' }))
  for (const tick of [0, max / 2, max]) {
    const y = top + h - (tick / max) * h
    chart.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, figure(Math.round(tick * 100) / 100)))
    chart.append(svg('line', { x1: left, y1: y, x2: width, y2: y, class: 'grid' }))
  }
  shown.forEach((g, i) => {
    const x0 = left + gap + i * groupW
    series.forEach((s, k) => {
      const v = s.values[i]
      const bh = (numeric(v) / max) * h
      const bar = svg('rect', { x: x0 + k * barW, y: top + h - bh, width: barW - 2, height: bh, fill: PALETTE[k % PALETTE.length], class: 'bar', 'data-label': g, 'data-value': figure(v) })
      bar.append(svg('title', {}, `${series.length > 1 ? `${s.name}, ` : ''}${g}: ${figure(v)}`))
      chart.append(bar)
    })
    const label = g.length > 10 ? `${g.slice(0, 9)}…` : g
    chart.append(svg('text', { x: x0 + (series.length * barW) / 2, y: top + h + 16, 'text-anchor': 'middle', class: 'label' }, label))
  })
  const figureEl = el('figure', { class: 'chart-figure' }, chart)
  if (series.length > 1) {
    const legend = el('ul', { class: 'legend' })
    series.forEach((s, k) => {
      const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' })
      swatch.style.background = PALETTE[k % PALETTE.length]
      legend.append(el('li', {}, swatch, s.name))
    })
    figureEl.append(legend)
  }
  figureEl.append(el('figcaption', { text: groups.length > MAX_BARS ? `${title} (the first ${MAX_BARS} of ${groups.length}; all in the table)` : title }))
  return figureEl
}

function histogramView (name, entries) {
  const table = el('table', { class: 'figures' }, el('caption', { text: name }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'label' }), el('th', { scope: 'col', text: 'count' }))))
  const body = el('tbody')
  for (const [k, v] of entries) body.append(el('tr', {}, el('th', { scope: 'row', text: k }), el('td', { text: figure(v) })))
  table.append(body)
  return el('div', { class: 'chart-block', 'data-kind': 'histogram' },
    barChart(name, entries.map(([k]) => k), [{ name, values: entries.map(([, v]) => v) }]), table)
}

function tableView (name, cells) {
  const max = Math.max(1, ...cells.rows.flatMap(r => cells.columns.map(c => numeric(cells.cell(r, c)))))
  const head = el('tr', {}, el('th', { scope: 'col', text: '' }), ...cells.columns.map(c => el('th', { scope: 'col', text: c })))
  const body = el('tbody')
  for (const r of cells.rows) {
    const tr = el('tr', {}, el('th', { scope: 'row', text: r }))
    for (const c of cells.columns) {
      const v = cells.cell(r, c)
      const td = el('td', { text: figure(v) })
      td.style.setProperty('--share', String(numeric(v) / max))
      tr.append(td)
    }
    body.append(tr)
  }
  const table = el('table', { class: 'figures heat' }, el('caption', { text: name }), el('thead', {}, head), body)
  const series = cells.columns.map(c => ({ name: c, values: cells.rows.map(r => cells.cell(r, c)) }))
  return el('div', { class: 'chart-block', 'data-kind': 'table' }, barChart(name, cells.rows, series), table)
}

function vectorView (name, values) {
  const table = el('table', { class: 'figures' }, el('caption', { text: `${name}: ${values.length} elements` }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'index' }), el('th', { scope: 'col', text: 'value' }))))
  const body = el('tbody')
  values.slice(0, MAX_ELEMENTS).forEach((v, i) => body.append(el('tr', {}, el('th', { scope: 'row', text: String(i) }), el('td', { text: figure(v) }))))
  table.append(body)
  return el('div', { class: 'vector' }, table, values.length > MAX_ELEMENTS ? el('p', { class: 'hint', text: `… and ${values.length - MAX_ELEMENTS} more` }) : undefined)
}

/** One figure of a result: a chart, a table, or a term with its value. */
function part (name, value) {
  if (name === 'histogram') {
    const entries = histogramEntries(value)
    if (entries !== undefined) return histogramView(name, entries)
  }
  if (name === 'table') {
    const cells = tableCells(value)
    if (cells !== undefined) return tableView(name, cells)
  }
  if (Array.isArray(value) && value.every(v => typeof v !== 'object' || v === null)) return vectorView(name, value)
  return undefined
}

/**
 * Render a result into `container` (its content is replaced).
 * @param {HTMLElement} container
 * @param {unknown} answer what result() answered: {inputs, result} for the Simon microprotocols
 */
export function renderResult (container, answer) {
  container.replaceChildren()
  const wrapped = answer !== null && typeof answer === 'object' && !Array.isArray(answer) && 'result' in answer
  const result = wrapped ? answer.result : answer
  const terms = el('dl', { class: 'facts result-terms' })
  const blocks = []
  if (wrapped && 'inputs' in answer) terms.append(el('dt', { text: 'inputs' }), el('dd', { text: figure(answer.inputs), 'data-term': 'inputs' }))
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    for (const [name, value] of Object.entries(result)) {
      const block = part(name, value)
      if (block !== undefined) { blocks.push(block); continue }
      terms.append(el('dt', { text: name }), el('dd', { text: figure(value), 'data-term': name }))
    }
  } else {
    const block = part('result', result)
    if (block !== undefined) blocks.push(block)
    else terms.append(el('dt', { text: 'result' }), el('dd', { text: figure(result), 'data-term': 'result' }))
  }
  container.append(el('h4', { text: 'Result' }), terms, ...blocks)
}
