/**
 * `--value-file data.csv --column NAME`: the cells of named columns of a CSV file with a header
 * row (csv-parse), as a list of values (one column) or of pairs (two columns: [x, y] for
 * StatisticsBivariate, [row, column] for StatisticsContingency). Cells stay text, so numbers
 * reach the engine as exact decimals.
 */
import { parse } from 'csv-parse/sync'
import { InvalidInputError } from '@simon-p2p/core'

/**
 * @param text the CSV file's text
 * @param columns one or two header names
 * @throws InvalidInputError naming `column` (not in the header) or `value-file` (not CSV, an empty cell)
 */
export function readCsvColumns (text: string, columns: readonly string[], path: string): string[] | string[][] {
  if (columns.length < 1 || columns.length > 2) throw new InvalidInputError('column', `give one column, or two for pairs; got ${columns.length}`)
  let rows: Array<Record<string, string>>
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Array<Record<string, string>>
  } catch (err) {
    throw new InvalidInputError('value-file', `${path} is not CSV with a header row: ${(err as Error).message}`)
  }
  const header = rows.length === 0 ? [] : Object.keys(rows[0]!)
  for (const c of columns) {
    if (!header.includes(c)) throw new InvalidInputError('column', `${JSON.stringify(c)} is not a column of ${path}; its columns: ${header.map(h => JSON.stringify(h)).join(', ')}`)
  }
  const cell = (row: Record<string, string>, c: string, i: number): string => {
    const v = row[c]
    if (v === undefined || v === '') throw new InvalidInputError('value-file', `${path} row ${i + 2} has no value in column ${JSON.stringify(c)}`)
    return v
  }
  return columns.length === 1
    ? rows.map((row, i) => cell(row, columns[0]!, i))
    : rows.map((row, i) => [cell(row, columns[0]!, i), cell(row, columns[1]!, i)])
}
