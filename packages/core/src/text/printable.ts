/**
 * Text from other parties (abort reasons, refusal messages, another gateway's answer) shown
 * where a terminal or an HTTP client reads it. Control characters there can move the cursor,
 * recolour or rewrite what the user sees (ANSI escapes), or reorder it (bidirectional
 * overrides): every such character is written as a visible escape instead.
 */

/**
 * C0 controls, DEL, C1 controls (U+009B is a one-character CSI), zero-width and bidirectional
 * formatting characters, line and paragraph separators, and the byte order mark.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g

/**
 * @param text any text, e.g. an error message that quotes another party
 * @returns the same text with each control character as `\xNN` (up to U+00FF) or `\uNNNN`, so
 *   `"\x1b[31m"` shows as the six characters `\x1b[31m` and colours nothing
 * @example
 * printable('party 1 aborted the task: \u001b[2Jok') // 'party 1 aborted the task: \\x1b[2Jok'
 */
export function printable (text: string): string {
  return String(text).replace(UNPRINTABLE, c => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
