import { generateIdentity, peerIdOf, saveIdentity } from '@simon-p2p/node'
import { InvalidInputError } from '@simon-p2p/core'

export interface KeygenOptions { readonly out: string, readonly force?: boolean }

/** Write a new Ed25519 identity key; prints `{"peerId": "..."}`. */
export async function keygen (options: KeygenOptions): Promise<void> {
  const key = await generateIdentity()
  try {
    await saveIdentity(key, options.out, options.force === true)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new InvalidInputError('out', `${options.out} exists; pass --force to replace it`)
    throw new InvalidInputError('out', `cannot write ${options.out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  process.stdout.write(JSON.stringify({ peerId: peerIdOf(key) }) + '\n')
}
