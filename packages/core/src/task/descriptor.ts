/**
 * The task description every party must hold identically: id, microprotocol, parameters and
 * the ordered list of party PeerIds. Its SHA-256 over a canonical encoding is the task digest
 * that every message carries.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../errors.js'

export const MICROPROTOCOLS = ['SecureSum'] as const
export type Microprotocol = typeof MICROPROTOCOLS[number]

/** Task parameters as they travel in an invitation (snake_case, as in the original Simon). */
export interface TaskParameters {
  readonly digits_before: number
  readonly digits_after: number
  /** The field's prime, as a decimal string. */
  readonly modulus: string
  /** Further parameters of a protocol mode or a statistics task; every key is bound into the task digest. */
  readonly [key: string]: ParameterValue
}

/** A parameter's value: a scalar, or a statistics task's declared categories (one or two lists of labels). */
export type ParameterValue = string | number | boolean | readonly string[] | readonly (readonly string[])[]

export interface TaskDescriptor {
  readonly taskId: string
  readonly microprotocol: Microprotocol
  readonly parameters: TaskParameters
  /** PeerId (base58 text) of each party, in list order. */
  readonly peers: readonly string[]
}

/** The longest task id accepted (it travels in every frame). */
export const MAX_TASK_ID_BYTES = 128
/** Largest number of parties in one task. */
export const MAX_PARTIES = 1024

export function checkTaskId (taskId: unknown, field = 'task'): string {
  if (typeof taskId !== 'string' || taskId.length === 0) throw new InvalidInputError(field, 'must be a non-empty string')
  if (new TextEncoder().encode(taskId).length > MAX_TASK_ID_BYTES) throw new InvalidInputError(field, `longer than ${MAX_TASK_ID_BYTES} bytes`)
  if (/[\u0000-\u001f]/.test(taskId)) throw new InvalidInputError(field, 'contains control characters')
  return taskId
}

export function checkMicroprotocol (value: unknown, field = 'microprotocol'): Microprotocol {
  if (typeof value !== 'string' || !(MICROPROTOCOLS as readonly string[]).includes(value)) {
    throw new InvalidInputError(field, `unknown microprotocol ${JSON.stringify(value)}; known: ${MICROPROTOCOLS.join(', ')}`)
  }
  return value as Microprotocol
}

/** Parameters with their keys in sorted order: how they enter the canonical descriptor. */
export function canonicalParameters (parameters: TaskParameters): Record<string, ParameterValue> {
  return Object.fromEntries(Object.keys(parameters).sort().map(k => [k, parameters[k]!]))
}

/**
 * Per descriptor, its canonical form and digest: each costs O(parties), and every machine of a
 * task (mode auto's and the one it becomes) asks for both.
 */
const described = new WeakMap<TaskDescriptor, { readonly canonical: string, readonly digest: Uint8Array }>()

function describe (d: TaskDescriptor): { readonly canonical: string, readonly digest: Uint8Array } {
  let known = described.get(d)
  if (known === undefined) {
    const canonical = canonicalText(d)
    known = { canonical, digest: sha256(new TextEncoder().encode(`simon-p2p/task-digest/v1\n${canonical}`)) }
    described.set(d, known)
  }
  return known
}

export function canonicalDescriptor (d: TaskDescriptor): string {
  return describe(d).canonical
}

function canonicalText (d: TaskDescriptor): string {
  return JSON.stringify({
    v: 1,
    taskId: d.taskId,
    microprotocol: d.microprotocol,
    parameters: canonicalParameters(d.parameters),
    peers: d.peers
  })
}

export function parseCanonicalDescriptor (text: string): TaskDescriptor {
  const o = JSON.parse(text) as { v: number, taskId: string, microprotocol: Microprotocol, parameters: TaskParameters, peers: string[] }
  if (o.v !== 1 || !Array.isArray(o.peers) || typeof o.parameters !== 'object') throw new InvalidInputError('descriptor', 'unknown descriptor version')
  return { taskId: o.taskId, microprotocol: o.microprotocol, parameters: o.parameters, peers: o.peers }
}

/**
 * The task digest that every message carries: SHA-256 over a domain tag and the canonical
 * descriptor, so two parties hold the same digest exactly when they hold the same task.
 * @example
 * taskDigest({ taskId: 't1', microprotocol: 'SecureSum', parameters: resolveParameters({}, 2), peers: [a, b] })
 */
export function taskDigest (d: TaskDescriptor): Uint8Array {
  return describe(d).digest.slice()
}

/** Each way `remote` differs from `local`, said from the local party's side. */
export function describeDifferences (local: TaskDescriptor, remote: TaskDescriptor, remoteIndex: number): string[] {
  const out: string[] = []
  const at = `at party ${remoteIndex}`
  const cmp = (name: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${name}: ${JSON.stringify(a)} here, ${JSON.stringify(b)} ${at}`)
  }
  cmp('task', local.taskId, remote.taskId)
  cmp('microprotocol', local.microprotocol, remote.microprotocol)
  const keys = new Set([...Object.keys(local.parameters), ...Object.keys(remote.parameters ?? {})])
  for (const key of [...keys].sort()) cmp(`parameters.${key}`, local.parameters[key], remote.parameters?.[key])
  if (local.peers.length !== remote.peers.length) {
    out.push(`network.nodes: ${local.peers.length} nodes here, ${remote.peers.length} ${at}`)
  } else {
    local.peers.forEach((peer, i) => cmp(`network.nodes[${i}]`, peer, remote.peers[i]))
  }
  if (out.length === 0) out.push(`digest differs ${at} though no field does (different software version?)`)
  return out
}

export function digestsEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/**
 * The number of parties, once `myself` is checked to be one of them.
 * @throws InvalidInputError naming network.myself
 */
export function partiesWith (descriptor: TaskDescriptor, myself: number): number {
  const n = descriptor.peers.length
  if (!Number.isSafeInteger(myself) || myself < 0 || myself >= n) {
    throw new InvalidInputError('network.myself', `must be an index from 0 to ${n - 1}, got ${String(myself)}`)
  }
  return n
}

/**
 * The task digest's short fingerprint: its first 8 bytes in hex, in four groups of four, for
 * parties to compare out of band (read aloud, on a call). Two parties that show the same
 * fingerprint hold the same task: the same id, parameters and PeerIds in the same order.
 * @param digest a task digest (32 bytes, from taskDigest)
 * @returns e.g. `a1b2-c3d4-e5f6-0718`
 * @throws InvalidInputError naming `digest` when it holds fewer than 8 bytes
 * @example
 * taskFingerprint(taskDigest(descriptor)) // 'a1b2-c3d4-e5f6-0718'
 */
export function taskFingerprint (digest: Uint8Array): string {
  if (!(digest instanceof Uint8Array) || digest.length < 8) throw new InvalidInputError('digest', 'must be a task digest of at least 8 bytes')
  const hex = Array.from(digest.subarray(0, 8), b => b.toString(16).padStart(2, '0')).join('')
  return hex.match(/.{4}/g)!.join('-')
}
