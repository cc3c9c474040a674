/** Every form a secret could take in a log line or a metric: for the tests that search logs for them. */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'

const SCALE = 10n ** 12n // digits_after = 12

/** Every form a fixed-point value could take in a log line. */
export function forms (scaled: bigint): string[] {
  return [scaled.toString(), scaled.toString(16), `0x${scaled.toString(16)}`]
}

export function scaledOf (decimal: string): bigint {
  const [int, frac = ''] = decimal.split('.')
  return BigInt(int!) * SCALE + BigInt(frac.padEnd(12, '0'))
}

/** A decimal input as given, without its point, and in its fixed-point forms (digits_after = 12). */
export function inputForms (decimal: string): string[] {
  return [decimal, decimal.replace('.', ''), ...forms(scaledOf(decimal))]
}

/** The forms of an identity key file's key: its base64, and the raw Ed25519 key and seed in hex and base64. */
export async function keyForms (path: string): Promise<string[]> {
  const { privateKey } = JSON.parse(await readFile(path, 'utf8')) as { privateKey: string }
  const protobuf = Buffer.from(privateKey, 'base64')
  assert.deepEqual([...protobuf.subarray(0, 4)], [0x08, 0x01, 0x12, 0x40], 'an Ed25519 key in its protobuf envelope')
  const raw = protobuf.subarray(4)
  const seed = raw.subarray(0, 32)
  return [privateKey, raw.toString('hex'), raw.toString('base64'), seed.toString('hex'), seed.toString('base64')]
}

/** The secrets (of 8 characters or more: shorter ones occur by chance) that `log` contains. */
export function leaks (log: string, secrets: readonly string[]): string[] {
  return secrets.filter(s => s.length >= 8 && log.includes(s))
}
