/**
 * Identity keys on disk, so a node keeps its PeerId across restarts. The file holds the libp2p
 * protobuf encoding of an Ed25519 private key, base64 in a small JSON document, mode 0600.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { InvalidInputError } from '@simon-p2p/core'

export interface KeyFile {
  readonly type: 'simon-p2p/identity'
  readonly version: 1
  readonly peerId: string
  /** base64 of the protobuf-encoded private key */
  readonly privateKey: string
}

/** A fresh Ed25519 identity key (lean mode agrees its pair keys from Ed25519 identities). */
export async function generateIdentity (): Promise<PrivateKey> {
  return generateKeyPair('Ed25519')
}

/** The PeerId text of a key, as it ends a multiaddr in a node list. */
export function peerIdOf (key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString()
}

/**
 * Write a key to `path`, readable only by its owner.
 * @param overwrite refuse to replace an existing file unless true
 * @throws the file system's error (EEXIST when the file exists and `overwrite` is false)
 * @example
 * ```ts
 * await saveIdentity(await generateIdentity(), 'alice.key')
 * const node = await SimonNode.create({ privateKey: await loadIdentity('alice.key') }) // the same PeerId on every start
 * ```
 */
export async function saveIdentity (key: PrivateKey, path: string, overwrite = false): Promise<void> {
  const doc: KeyFile = {
    type: 'simon-p2p/identity',
    version: 1,
    peerId: peerIdOf(key),
    privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
  }
  await writeFile(path, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600, flag: overwrite ? 'w' : 'wx' })
  await chmod(path, 0o600)
}

/** @throws InvalidInputError naming `key` when the file is missing or not a simon-p2p key */
export async function loadIdentity (path: string): Promise<PrivateKey> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new InvalidInputError('key', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  const invalid = (reason: string): InvalidInputError => new InvalidInputError('key', `${path} is not a valid identity file: ${reason}`)
  let doc: Partial<KeyFile> | null
  try {
    doc = JSON.parse(text) as Partial<KeyFile> | null
  } catch (err) {
    throw invalid((err as Error).message)
  }
  if (doc?.type !== 'simon-p2p/identity' || typeof doc.privateKey !== 'string') throw invalid('not a simon-p2p identity file')
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(Buffer.from(doc.privateKey, 'base64'))
  } catch (err) {
    throw invalid((err as Error).message)
  }
  if (doc.peerId !== undefined && doc.peerId !== peerIdOf(key)) throw invalid('peerId does not match the private key')
  return key
}
