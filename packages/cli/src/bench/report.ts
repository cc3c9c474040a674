/**
 * The benchmark's outputs: one JSON object per measurement, a text table, and an SVG chart of
 * time against parties and length (hand-written SVG, log scale).
 */

export interface BenchLine {
  readonly name: string
  readonly parties: number
  readonly length: number
  /** 'plain', or the secure sum's mode ('mesh' or 'lean'). */
  readonly mode: string
  /** Median ms over the measured sums (for a one-sum case, that sum). */
  readonly ms: number
  readonly p99Ms?: number
  readonly coldMs?: number
  readonly runs: number
  /** Latency cases: the sums run back to back, unmeasured, before the measured ones. */
  readonly warmRuns?: number
  /** secure ms / plain ms (secure lines). */
  readonly ratio?: number
  readonly bytesPerPartyOverPlain?: number
  readonly rssMB: number
  /** The peak RSS of each worker process over the parties it hosts, the most of these (MB per party; the runtime's own share included). */
  readonly peakRssMBPerParty?: number
  /** From starting the worker processes to every node listening with its input made (ms), apart from the sums. */
  readonly setupMs?: number
  /** CPU ms per party per sum (median): where the time goes when cores are shared. */
  readonly cpuMsPerParty?: number
  /** The longest chain of messages, one after another, from the first input to the last result (hop counters in the messages). */
  readonly hops?: number
  readonly processes: number
  /** netlab cases: each party's host link, Mbit/s each way. */
  readonly linkMbit?: number
  /** netlab cases: the most bytes any party sent in a sum, over the link rate (ms). */
  readonly wireBoundMs?: number
  /** netlab cases: ms over wireBoundMs. */
  readonly overWire?: number
  /** netlab cases: the most bytes any host's link sent in a sum (frames with all headers), over one input's plaintext bytes. */
  readonly linkBytesPerPartyOverPlain?: number
  readonly ok: boolean
  readonly problem?: string
  /** Cases with dropouts: how many parties dropped out, and how many inputs the sum held. */
  readonly dropped?: number
  readonly inputs?: number
}

const fmt = (x: number | undefined, digits = 1): string => x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits)
const fmtMs = (x: number | undefined): string => x === undefined || !Number.isFinite(x) ? '-' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)
const fmtLength = (n: number): string => n <= 1 ? 'scalar' : n >= 1e6 && Math.log10(n) % 1 === 0 ? `10^${Math.log10(n)}` : n >= 1e3 && Math.log10(n) % 1 === 0 ? `10^${Math.log10(n)}` : String(n)

/** A markdown table: one row per case, plain and secure side by side. */
export function table (lines: readonly BenchLine[]): string {
  const cases = [...new Set(lines.map(l => l.name))]
  const rows = cases.map(name => {
    const plain = lines.find(l => l.name === name && l.mode === 'plain')
    const secure = lines.find(l => l.name === name && l.mode !== 'plain')
    const any = (secure ?? plain)!
    const latency = secure?.p99Ms !== undefined ? ` (p99 ${fmtMs(secure.p99Ms)})` : ''
    return [
      `${any.parties} x ${fmtLength(any.length)}`,
      secure?.mode ?? '-',
      fmtMs(plain?.ms),
      fmtMs(secure?.ms) + latency,
      fmt(secure?.ratio, 2),
      fmt(secure?.bytesPerPartyOverPlain, 2),
      fmt(plain?.bytesPerPartyOverPlain, 2),
      fmt(secure?.rssMB, 0),
      fmt(secure?.peakRssMBPerParty, 1),
      `${plain?.hops ?? '-'} / ${secure?.hops ?? '-'}`,
      `${any.processes}`,
      (plain?.ok ?? true) && (secure?.ok ?? true) ? '' : 'CHECK FAILED'
    ]
  })
  const head = ['parties x length', 'mode', 'plain ms', 'secure ms', 'secure/plain', 'upload/input (secure)', 'upload/input (plain)', 'peak RSS MB/process', 'peak RSS MB/party', 'hops (plain / secure)', 'processes', '']
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`]
  for (const r of rows) out.push(`| ${r.join(' | ')} |`)
  return out.join('\n') + '\n'
}

/** A markdown table of the netlab cases: each time against the time its link alone needs. */
export function linkTable (lines: readonly BenchLine[]): string {
  const cases = [...new Set(lines.filter(l => l.linkMbit !== undefined).map(l => l.name))]
  const head = ['link Mbit/s', 'parties x length', 'mode', 'plain ms', 'plain wire bound ms', 'secure ms', 'secure wire bound ms', 'secure / its wire bound', 'secure/plain', 'link bytes/input (secure)', 'link bytes/input (plain)']
  const out = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`]
  for (const name of cases) {
    const plain = lines.find(l => l.name === name && l.mode === 'plain')
    const secure = lines.find(l => l.name === name && l.mode !== 'plain')
    const any = (secure ?? plain)!
    const overBound = secure?.wireBoundMs === undefined ? undefined : secure.ms / secure.wireBoundMs
    out.push(`| ${[String(any.linkMbit), `${any.parties} x ${fmtLength(any.length)}`, secure?.mode ?? '-', fmtMs(plain?.ms), fmtMs(plain?.wireBoundMs),
      fmtMs(secure?.ms), fmtMs(secure?.wireBoundMs), fmt(overBound, 2), fmt(secure?.ratio, 2), fmt(secure?.linkBytesPerPartyOverPlain, 2), fmt(plain?.linkBytesPerPartyOverPlain, 2)].join(' | ')} |`)
  }
  return out.join('\n') + '\n'
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** Grouped bars (plain, secure) per case on a log time axis, cases ordered by parties then length. */
export function chart (lines: readonly BenchLine[], title: string): string {
  const cases = [...new Set(lines.map(l => l.name))]
    .map(name => ({ name, plain: lines.find(l => l.name === name && l.mode === 'plain'), secure: lines.find(l => l.name === name && l.mode !== 'plain') }))
    .sort((a, b) => ((a.secure ?? a.plain)!.length - (b.secure ?? b.plain)!.length) || ((a.secure ?? a.plain)!.parties - (b.secure ?? b.plain)!.parties))
  const values = cases.flatMap(c => [c.plain?.ms, c.secure?.ms]).filter((x): x is number => x !== undefined && x > 0)
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))))
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))))
  const W = 120 + cases.length * 110
  const H = 380
  const top = 50
  const bottom = 300
  const y = (ms: number): number => bottom - (Math.log10(ms / lo) / Math.log10(hi / lo)) * (bottom - top)
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`)
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`)
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const yy = y(d)
    parts.push(`<line x1="70" x2="${W - 20}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`)
    parts.push(`<text x="64" y="${yy + 4}" text-anchor="end">${d >= 1000 ? `${d / 1000} s` : `${d} ms`}</text>`)
  }
  cases.forEach((c, i) => {
    const x0 = 90 + i * 110
    const bar = (ms: number | undefined, dx: number, color: string): void => {
      if (ms === undefined || !(ms > 0)) return
      parts.push(`<rect x="${x0 + dx}" y="${y(ms)}" width="36" height="${bottom - y(ms)}" fill="${color}"><title>${fmtMs(ms)} ms</title></rect>`)
      parts.push(`<text x="${x0 + dx + 18}" y="${y(ms) - 4}" text-anchor="middle" font-size="10">${fmtMs(ms)}</text>`)
    }
    bar(c.plain?.ms, 0, '#9aa5b1')
    bar(c.secure?.ms, 40, '#2f6db5')
    const any = (c.secure ?? c.plain)!
    parts.push(`<text x="${x0 + 38}" y="${bottom + 18}" text-anchor="middle">${any.parties} parties</text>`)
    parts.push(`<text x="${x0 + 38}" y="${bottom + 33}" text-anchor="middle">${fmtLength(any.length)}</text>`)
    if (c.secure?.mode !== undefined) parts.push(`<text x="${x0 + 38}" y="${bottom + 48}" text-anchor="middle" fill="#2f6db5">${esc(c.secure.mode)}</text>`)
  })
  parts.push(`<rect x="${W - 190}" y="34" width="12" height="12" fill="#9aa5b1"/><text x="${W - 172}" y="44">plain (insecure baseline)</text>`)
  parts.push(`<rect x="${W - 190}" y="52" width="12" height="12" fill="#2f6db5"/><text x="${W - 172}" y="62">secure sum</text>`)
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
