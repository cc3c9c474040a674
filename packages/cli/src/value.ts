/**
 * The `--value` argument: JSON (a number, a decimal string, an integer string of any size, or
 * an array of these). Numbers are kept as their decimal text, so "0.1" or 12345678901234567890
 * reach the engine exactly and are never rounded through a double.
 */
import { InvalidInputError, type Scalar } from '@simon-p2p/core'

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** Quote every bare JSON number (outside strings), so JSON.parse keeps its exact text. */
function quoteNumbers (json: string): string {
  let out = ''
  let i = 0
  while (i < json.length) {
    const c = json[i]!
    if (c === '"') {
      let j = i + 1
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1
      out += json.slice(i, j + 1)
      i = j + 1
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(json)
      if (m === null) { out += c; i++; continue }
      out += `"${m[0]}"`
      i += m[0].length
    } else {
      out += c
      i++
    }
  }
  return out
}

/**
 * A statistics input as JSON: any nesting of lists, numbers and labels, numbers kept as their
 * exact decimal text (the task checks the shape, naming the element at fault).
 * @throws InvalidInputError naming `field` when the text is not JSON
 */
export function parseStatisticsValue (text: string, field = 'value'): unknown {
  try {
    return JSON.parse(quoteNumbers(text.trim())) as unknown
  } catch {
    throw new InvalidInputError(field, `${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '...' : text)} is not JSON: give a list such as [1.5, 2, 3], ["A", "B"] or [["x", "y"], ...]`)
  }
}

/**
 * @throws InvalidInputError naming `field` when the text is not JSON of the accepted shape
 */
export function parseValue (text: string, field = 'value'): Scalar | Scalar[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(quoteNumbers(text.trim()))
  } catch {
    throw new InvalidInputError(field, `${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '...' : text)} is not JSON: give a number, a decimal string such as "123.456789", or an array of these`)
  }
  const check = (v: unknown, name: string): Scalar => {
    if (typeof v === 'string') return v
    throw new InvalidInputError(name, `expected a number or a decimal string, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`)
  }
  if (Array.isArray(parsed)) return parsed.map((v, i) => check(v, `${field}[${i}]`))
  return check(parsed, field)
}
