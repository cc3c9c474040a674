/** How the CLI ends on an error: one line on stderr that says what went wrong, and an exit code. */
import { printable, SimonError } from '@simon-p2p/core'

/** Exit codes: 1 the computation failed (timeout, a party aborted), 2 bad input or usage. */
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

export function exitCodeFor (err: unknown): number {
  return err instanceof SimonError && err.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILED
}

/**
 * The one stderr line of a failure. A message may quote another party (an abort reason), so
 * whitespace runs become one space and every other control character a visible escape: nothing
 * another party sends can move the cursor, recolour or rewrite the user's terminal.
 */
export function oneLine (command: string, err: unknown): string {
  const name = err instanceof Error ? err.name : 'Error'
  const message = err instanceof Error ? err.message : String(err)
  return printable(`simon ${command}: ${name}: ${message.replace(/\s+/g, ' ').trim()}`)
}

/** Print the error's one line and exit. */
export function die (command: string, err: unknown): never {
  process.stderr.write(oneLine(command, err) + '\n')
  process.exit(exitCodeFor(err))
}

/**
 * Exit once everything written to stdout and stderr has been handed to the OS. For one-shot
 * commands whose node has stopped: libp2p 3 leaves a debounce timer of its address manager
 * running after stop(), which would hold the process for another second with nothing to do.
 */
export async function exitWhenWritten (code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map(async s => new Promise<void>(resolve => s.write('', () => resolve()))))
  process.exit(code)
}
