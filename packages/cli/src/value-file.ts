/**
 * `--value-file`: a JSON value (as --value takes it) or, for large vectors, raw little-endian
 * float64 (a file ending in .f64, e.g. numpy's `x.astype('<f8').tofile(path)`), read straight
 * into a Float64Array. A large JSON array whose numbers all have at most 15 significant digits
 * is parsed natively: such a number reads back as the same decimal, so nothing is lost; longer
 * numbers take the exact (slower) path of --value.
 */
import { readFile } from 'node:fs/promises'
import { InvalidInputError, type InputValue } from '@simon-p2p/core'
import { readCsvColumns } from './csv-column.js'
import { parseStatisticsValue, parseValue } from './value.js'

/** A run of 16 or more digits and points: a number that may have more than 15 significant digits. */
const LONG_NUMBER = /[\d.]{16}/

/** Parse a value file's contents (bytes of a .f64 file, text otherwise). */
export function parseValueFile (path: string, bytes: Uint8Array): InputValue {
  if (path.toLowerCase().endsWith('.f64')) {
    if (bytes.length === 0 || bytes.length % 8 !== 0) throw new InvalidInputError('value-file', `${path} holds ${bytes.length} bytes, not a whole number of 8-byte doubles`)
    const out = new Float64Array(bytes.length / 8)
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (let k = 0; k < out.length; k++) out[k] = view.getFloat64(8 * k, true)
    return out
  }
  const text = new TextDecoder().decode(bytes)
  const trimmed = text.trimStart()
  if (trimmed.startsWith('[') && !LONG_NUMBER.test(text)) {
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch { parsed = undefined }
    if (Array.isArray(parsed) && parsed.every(x => typeof x === 'number')) return Float64Array.from(parsed as number[])
  }
  return parseValue(text, 'value-file')
}

/** How a value file is read besides its own form: CSV columns, or a statistics task's JSON. */
export interface ValueFileOptions {
  /** Header names of CSV columns to read (a .csv file needs them). */
  readonly columns?: readonly string[]
  /** A statistics task: JSON may hold labels and pairs. */
  readonly statistics?: boolean
}

async function readBytes (path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err) {
    throw new InvalidInputError('value-file', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
}

/**
 * @throws InvalidInputError naming `value-file` or `column`
 */
export async function readValueFile (path: string, options: ValueFileOptions = {}): Promise<unknown> {
  const bytes = await readBytes(path)
  const csv = path.toLowerCase().endsWith('.csv')
  if (options.columns !== undefined && options.columns.length > 0) return readCsvColumns(new TextDecoder().decode(bytes), options.columns, path)
  if (csv) throw new InvalidInputError('column', `${path} is CSV: name the column to read with --column`)
  if (options.statistics === true && !path.toLowerCase().endsWith('.f64')) return parseStatisticsValue(new TextDecoder().decode(bytes), 'value-file')
  return parseValueFile(path, bytes)
}
