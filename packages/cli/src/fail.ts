/** How the CLI ends on an error: one line on stderr that says what went wrong, and an exit code. */
import { SimonError } from '@simon-p2p/core'

/** Exit codes: 1 the computation failed (timeout, a party aborted), 2 bad input or usage. */
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

export function exitCodeFor (err: unknown): number {
  return err instanceof SimonError && err.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILED
}

export function oneLine (command: string, err: unknown): string {
  const name = err instanceof Error ? err.name : 'Error'
  const message = err instanceof Error ? err.message : String(err)
  return `simon ${command}: ${name}: ${message.replace(/\s+/g, ' ').trim()}`
}

/** Print the error's one line and exit. */
export function die (command: string, err: unknown): never {
  process.stderr.write(oneLine(command, err) + '\n')
  process.exit(exitCodeFor(err))
}
