/**
 * The task description every party must hold identically: id, microprotocol, parameters and
 * the ordered list of party PeerIds. Its SHA-256 over a canonical encoding is the task digest
 * that every message carries.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../errors.js'
import { checkFixedPoint, maxScaled, DEFAULT_FIXED_POINT, type FixedPoint } from '../encoding/fixed-point.js'
import { createField, mersennePrimeFor, type Field } from '../field/wide.js'
import { resolveThresholdParameters } from './threshold.js'
import { fastModulus, fixedPointDefaults, profileOf, resolveModeParameters } from './mode.js'

export const MICROPROTOCOLS = ['SecureSum'] as const
export type Microprotocol = typeof MICROPROTOCOLS[number]

/** Task parameters as they travel in an invitation (snake_case, as in the original Simon). */
export interface TaskParameters {
  readonly digits_before: number
  readonly digits_after: number
  /** The field's prime, as a decimal string. */
  readonly modulus: string
  /** Further parameters of a protocol mode; every key is bound into the task digest. */
  readonly [key: string]: string | number | boolean
}

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

function optionalDigits (params: Record<string, unknown>, key: string, fallback: number): number {
  const v = params[key]
  if (v === undefined || v === null) return fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new InvalidInputError(`parameters.${key}`, `must be an integer, got ${JSON.stringify(v)}`)
  return v
}

const KNOWN_PARAMETERS = new Set(['digits_before', 'digits_after', 'modulus', 'threshold', 'share_timeout', 'profile', 'mode'])

/**
 * Resolve caller parameters into the full set: defaults filled in, the modulus chosen (the
 * smallest built-in Mersenne prime holding `parties` sums of the largest input) or checked.
 * @throws InvalidInputError naming the parameter
 */
export function resolveParameters (params: unknown, parties: number): TaskParameters {
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new InvalidInputError('parameters', 'must be an object')
  }
  const p = (params ?? {}) as Record<string, unknown>
  for (const key of Object.keys(p)) {
    if (!KNOWN_PARAMETERS.has(key)) throw new InvalidInputError(`parameters.${key}`, `unknown parameter; known: ${[...KNOWN_PARAMETERS].join(', ')}`)
  }
  const profile = profileOf(p)
  const defaults = fixedPointDefaults(profile, DEFAULT_FIXED_POINT)
  const fp: FixedPoint = {
    digitsBefore: optionalDigits(p, 'digits_before', defaults.digitsBefore),
    digitsAfter: optionalDigits(p, 'digits_after', defaults.digitsAfter)
  }
  checkFixedPoint(fp)
  // Sums of all inputs, and the sample count, must fit in (-p/2, p/2) with room to spare.
  const maxAbs = BigInt(parties) * maxScaled(fp)
  let modulus: bigint
  if (profile === 'fast') {
    modulus = fastModulus(p.modulus, fp, parties)
  } else if (p.modulus === undefined || p.modulus === null) {
    modulus = mersennePrimeFor(maxAbs)
  } else {
    if (typeof p.modulus !== 'string' || !/^\d{1,2000}$/.test(p.modulus)) throw new InvalidInputError('parameters.modulus', 'must be a decimal string')
    modulus = BigInt(p.modulus)
    fieldOf({ digits_before: fp.digitsBefore, digits_after: fp.digitsAfter, modulus: p.modulus })
    if (modulus <= 4n * maxAbs) throw new InvalidInputError('parameters.modulus', `too small for ${parties} parties at digits_before = ${fp.digitsBefore}, digits_after = ${fp.digitsAfter}`)
  }
  const threshold = resolveThresholdParameters(p, parties)
  return { digits_before: fp.digitsBefore, digits_after: fp.digitsAfter, modulus: modulus.toString(), ...threshold, ...resolveModeParameters(p) }
}

export function fixedPointOf (params: TaskParameters): FixedPoint {
  return { digitsBefore: params.digits_before, digitsAfter: params.digits_after }
}

const fieldCache = new Map<string, Field>()

/** The task's field; primality is checked once per modulus, not once per task. */
export function fieldOf (params: TaskParameters): Field {
  let field = fieldCache.get(params.modulus)
  if (field === undefined) {
    field = createField(BigInt(params.modulus))
    if (fieldCache.size < 64) fieldCache.set(params.modulus, field)
  }
  return field
}

/** The canonical text of a descriptor: fixed key order, no whitespace. */
export function canonicalDescriptor (d: TaskDescriptor): string {
  return JSON.stringify({
    v: 1,
    taskId: d.taskId,
    microprotocol: d.microprotocol,
    parameters: Object.fromEntries(Object.keys(d.parameters).sort().map(k => [k, d.parameters[k]])),
    peers: d.peers
  })
}

export function parseCanonicalDescriptor (text: string): TaskDescriptor {
  const o = JSON.parse(text) as { v: number, taskId: string, microprotocol: Microprotocol, parameters: TaskParameters, peers: string[] }
  if (o.v !== 1 || !Array.isArray(o.peers) || typeof o.parameters !== 'object') throw new InvalidInputError('descriptor', 'unknown descriptor version')
  return { taskId: o.taskId, microprotocol: o.microprotocol, parameters: o.parameters, peers: o.peers }
}

/** SHA-256 over a domain tag and the canonical descriptor. */
export function taskDigest (d: TaskDescriptor): Uint8Array {
  return sha256(new TextEncoder().encode(`simon-p2p/task-digest/v1\n${canonicalDescriptor(d)}`))
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
