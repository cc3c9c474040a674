// This party's input, read in the page: a number, a list, or a column (or two, for pairs) of a CSV
// file parsed with Papa Parse. Nothing here sends anything; a bad value throws an InputError that
// names it, and the page then sends nothing at all.

/** Microprotocols whose values are category labels, not numbers (the statistics ones). */
const LABELS = new Set(['StatisticsFrequency', 'StatisticsContingency'])
/** Microprotocols whose values are pairs: (x, y) or (row label, column label). */
const PAIRS = new Set(['StatisticsBivariate', 'StatisticsContingency'])
/** A decimal number as the node reads it exactly: digits, an optional fraction, an optional sign. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/

export class InputError extends Error {
  constructor (message) { super(message); this.name = 'InputError' }
}

export function takesLabels (microprotocol) { return LABELS.has(microprotocol) }
export function takesPairs (microprotocol) { return PAIRS.has(microprotocol) }

/**
 * One value as the node takes it: a JSON number when the text is exactly that double, else the
 * decimal text itself (which the node reads exactly, never through a double); a label as given.
 * @param {string} text
 * @param {string} where names the value in an error ("value 3", "row 4 of column hours")
 * @param {boolean} label whether a label is wanted rather than a number
 */
export function readValue (text, where, label = false) {
  const t = String(text).trim()
  if (t === '') throw new InputError(`${where} is empty`)
  if (label) return t
  if (!DECIMAL.test(t)) throw new InputError(`${where} is not a number: ${JSON.stringify(t.slice(0, 40))} (write it like 1234.5, with a dot and no thousands separators)`)
  const plain = t.replace(/^\+/, '')
  const n = Number(plain)
  return Number.isFinite(n) && String(n) === plain ? n : plain
}

/** The values of a list typed in the page: separated by commas, semicolons, spaces or lines (labels and pairs: by lines, or commas). */
export function readList (text, microprotocol) {
  const label = takesLabels(microprotocol)
  if (takesPairs(microprotocol)) {
    const lines = String(text).split(/\r?\n/).map(l => l.trim()).filter(l => l !== '')
    if (lines.length === 0) throw new InputError('the list is empty: write one pair a line, e.g. 1.5, 2')
    return lines.map((line, i) => {
      const parts = line.split(/\s*[,;\t]\s*/)
      if (parts.length !== 2) throw new InputError(`line ${i + 1} is not a pair of two values: ${JSON.stringify(line.slice(0, 40))}`)
      return parts.map((p, k) => readValue(p, `line ${i + 1}, value ${k + 1}`, label))
    })
  }
  const parts = String(text).split(label ? /\s*[,;\n]\s*/ : /[\s,;]+/).map(p => p.trim()).filter(p => p !== '')
  if (parts.length === 0) throw new InputError('the list is empty')
  return parts.map((p, i) => readValue(p, `value ${i + 1}`, label))
}

/**
 * Parse a CSV file in the page (its first row names the columns).
 * @param {File} file
 * @returns {Promise<{columns: string[], rows: Record<string, string>[]}>}
 */
export function parseCsv (file) {
  return new Promise((resolve, reject) => {
    globalThis.Papa.parse(file, {
      header: true,
      skipEmptyLines: 'greedy',
      complete: (results) => {
        const columns = (results.meta.fields ?? []).filter(c => c !== '')
        if (columns.length === 0) { reject(new InputError(`${file.name} has no header row naming its columns`)); return }
        const bad = results.errors.find(e => e.type !== 'FieldMismatch')
        if (bad !== undefined) { reject(new InputError(`${file.name}, row ${(bad.row ?? 0) + 2}: ${bad.message}`)); return }
        resolve({ columns, rows: results.data })
      },
      error: (err) => { reject(new InputError(`${file.name} cannot be read: ${err.message}`)) }
    })
  })
}

/**
 * The values of one column (or of two, as pairs); empty cells are left out and counted.
 * @returns {{values: unknown[], skipped: number}}
 */
export function columnValues (csv, column, column2, microprotocol) {
  if (!csv.columns.includes(column)) throw new InputError('pick a column of the file')
  const pairs = column2 !== undefined && column2 !== ''
  if (takesPairs(microprotocol) && !pairs) throw new InputError(`${microprotocol} takes pairs: pick a second column`)
  if (pairs && !csv.columns.includes(column2)) throw new InputError('pick a second column of the file')
  const label = takesLabels(microprotocol)
  const values = []
  let skipped = 0
  csv.rows.forEach((row, i) => {
    const a = (row[column] ?? '').trim()
    const b = pairs ? (row[column2] ?? '').trim() : ''
    if (a === '' || (pairs && b === '')) { skipped++; return }
    // the header is row 1 of the file
    const x = readValue(a, `row ${i + 2} of column ${column}`, label)
    values.push(pairs ? [x, readValue(b, `row ${i + 2} of column ${column2}`, label)] : x)
  })
  if (values.length === 0) throw new InputError(`column ${column} has no values`)
  return { values, skipped }
}
