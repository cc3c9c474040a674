/**
 * `simon node --config FILE`: the node's settings in a JSON file, one key per flag of
 * `simon node`, named as the flag (`"token-file"` for --token-file). Validated with zod: every
 * error names its key. Paths (key, token-file) are relative to the file's directory; a flag on
 * the command line wins over the file's key.
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { z } from 'zod'
import { InvalidInputError } from '@simon-p2p/core'
import { LOG_FORMATS } from './log.js'

const text = z.string().min(1, 'must be a non-empty string')
const list = z.array(text)

/** The keys of a node's config file: the flags of `simon node` but --config and --check-config. */
export const nodeConfigSchema = z.strictObject({
  key: text.optional().describe('identity key file from `simon keygen` (relative to the config file)'),
  listen: z.union([text, list.min(1, 'must list at least one multiaddr')]).optional().describe('listen multiaddr, or a list of them'),
  http: text.optional().describe('HOST:PORT of the fdrtd HTTP gateway'),
  'token-file': text.optional().describe('file holding the bearer token of the gateway and metrics (relative to the config file)'),
  token: text.optional().describe('the token itself: prefer token-file'),
  'allow-origin': list.optional(),
  'allow-host': list.optional(),
  allow: list.optional(),
  'inbound-connections-per-host': z.number().int('must be an integer').positive('must be positive').optional(),
  metrics: text.optional().describe('HOST:PORT of the Prometheus /metrics endpoint'),
  'log-format': z.enum(LOG_FORMATS).optional()
})

export type NodeConfig = z.infer<typeof nodeConfigSchema>

/** Every key a config file may hold, in the order of the flags. */
export const NODE_CONFIG_KEYS = Object.keys(nodeConfigSchema.shape) as Array<keyof NodeConfig>

/** A config file that does not hold valid settings: `keys` names each key at fault. */
export class ConfigError extends InvalidInputError {
  override name = 'ConfigError'
  readonly keys: string[]

  constructor (file: string, problems: ReadonlyArray<{ key: string, reason: string }>) {
    super(problems.map(p => p.key).join(', '), `in ${file}`)
    this.keys = problems.map(p => p.key)
    this.message = `invalid config ${file}: ${problems.map(p => `key "${p.key}": ${p.reason}`).join('; ')}`
  }
}

/** `listen[1]`, `http`, `allow-origin[0]`: a zod issue's path as the key it names. */
function keyOf (path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`).join('')
}

/**
 * Read and validate a config file.
 * @returns its settings, paths resolved against the file's directory and `listen` always a list
 * @throws ConfigError naming every key at fault (an unknown key among them), or the file when it cannot be read or is not JSON
 */
export async function loadNodeConfig (file: string): Promise<Omit<NodeConfig, 'listen'> & { listen?: string[] }> {
  let doc: unknown
  try {
    doc = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    const reason = err instanceof SyntaxError ? `is not JSON: ${err.message}` : `cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`
    throw new InvalidInputError('config', `${file} ${reason}`)
  }
  const parsed = nodeConfigSchema.safeParse(doc)
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.flatMap(issue => issue.code === 'unrecognized_keys'
      ? issue.keys.map(k => ({ key: keyOf([...issue.path, k]), reason: `is not a setting of simon node (the keys: ${NODE_CONFIG_KEYS.join(', ')})` }))
      : [{ key: keyOf(issue.path) === '' ? '(the document)' : keyOf(issue.path), reason: issue.message }]))
  }
  const { listen, ...config } = parsed.data
  const dir = dirname(resolve(file))
  return {
    ...config,
    ...(config.key === undefined ? {} : { key: resolve(dir, config.key) }),
    ...(listen === undefined ? {} : { listen: typeof listen === 'string' ? [listen] : listen }),
    ...(config['token-file'] === undefined ? {} : { 'token-file': resolve(dir, config['token-file']) })
  }
}
