/**
 * Lean mode's messages on the wire (kinds 16..31), after the common header
 * (u8 version | u8 kind | u8 taskId length | taskId | 32-byte digest | u32 sender index):
 *   16 lean-nonces:  u8 pass | u8 topology (0 ring, 1 tree) | u32 descriptor length | descriptor (UTF-8) |
 *                    u16 count | count * (u32 party | 16-byte nonce | u8 shape | u32 length)
 *   17 lean-data:    u8 phase | u32 step | u32 frame | u8 format | elements
 *                      format 0 (fast profile): u8 pad | pad zero bytes | u32 count | count * 8 bytes,
 *                        little-endian doubles starting 8-byte aligned in the frame (pad < 8)
 *                      format 1 (wide profile): u16 width | u32 count | count * width bytes, big-endian
 *   18 lean-confirm: u8 pass | u16 count | u32 entry bytes | count * (u32 party | entry)
 * Every length is checked against the bytes present.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { Shape } from '../encoding/fixed-point.js'
import { CodecError } from '../errors.js'
import { MAX_TASK_ID_BYTES } from '../task/descriptor.js'
import { fastFromBytes, fastToBytes, LITTLE_ENDIAN } from '../field/fast.js'
import { NONCE_BYTES } from '../protocols/lean/crypto.js'

interface LeanHeader {
  readonly taskId: string
  readonly digest: Uint8Array
  readonly from: number
}

/**
 * A pass of a gather: collecting entries (ring: 0 -> n-1; tree: leaves to root), then handing
 * the full list on (ring: n-1 -> 0 -> ... -> n-2; tree: root to leaves).
 */
export type RingPass = 'collect' | 'distribute'

/** How lean mode moves partial sums: a ring (large vectors) or a binary tree (small ones). */
export type Topology = 'ring' | 'tree'

/** One party's contribution to the nonce gather: its nonce and the shape of its input. */
export interface LeanEntry { readonly party: number, readonly nonce: Uint8Array, readonly shape: Shape, readonly length: number }

/** One party's confirmation tags: for every other party in index order. */
export interface LeanTags { readonly party: number, readonly blob: Uint8Array }

export interface LeanNoncesMessage extends LeanHeader {
  readonly kind: 'lean-nonces'
  readonly pass: RingPass
  readonly topology: Topology
  /** The sender's canonical task description, so a party with another one is named. */
  readonly descriptor: string
  /** Entries in party order. */
  readonly entries: LeanEntry[]
}

export interface LeanDataMessage extends LeanHeader {
  readonly kind: 'lean-data'
  readonly phase: 'reduce' | 'gather'
  readonly step: number
  readonly frame: number
  /** Fast profile: a Float64Array; wide profile: bigints. */
  readonly elements: Float64Array | bigint[]
  /** The wire frame already built around `elements` (see buildFastDataFrame); encode returns it as is. */
  readonly wire?: Uint8Array
}

export interface LeanConfirmMessage extends LeanHeader {
  readonly kind: 'lean-confirm'
  readonly pass: RingPass
  /** Per party, in party order. */
  readonly tags: LeanTags[]
}

export type LeanMessage = LeanNoncesMessage | LeanDataMessage | LeanConfirmMessage
export type LeanKind = LeanMessage['kind']

const LEAN_KIND_CODES: Record<LeanKind, number> = { 'lean-nonces': 16, 'lean-data': 17, 'lean-confirm': 18 }
const LEAN_KINDS_BY_CODE = new Map<number, LeanKind>(Object.entries(LEAN_KIND_CODES).map(([k, v]) => [v, k as LeanKind]))
const LEAN_VERSION = 1
const DIGEST_BYTES = 32

/** Whether a kind code belongs to lean mode (16..31). */
export function isLeanKindCode (code: number): boolean {
  return code >= 16 && code <= 31
}

export function isLeanMessage (m: { readonly kind: string }): m is LeanMessage {
  return m.kind.startsWith('lean-')
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

class Out {
  readonly buf: Uint8Array
  readonly view: DataView
  off = 0
  constructor (size: number) { this.buf = new Uint8Array(size); this.view = new DataView(this.buf.buffer) }
  u8 (v: number): void { this.view.setUint8(this.off, v); this.off += 1 }
  u16 (v: number): void { this.view.setUint16(this.off, v); this.off += 2 }
  u32 (v: number): void { this.view.setUint32(this.off, v); this.off += 4 }
  bytes (b: Uint8Array): void { this.buf.set(b, this.off); this.off += b.length }
  done (): Uint8Array {
    if (this.off !== this.buf.length) throw new CodecError(`encoder wrote ${this.off} of ${this.buf.length} bytes`)
    return this.buf
  }
}

class In {
  private readonly view: DataView
  off: number
  constructor (readonly buf: Uint8Array, offset: number) { this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); this.off = offset }
  need (n: number, what: string): void {
    if (this.off + n > this.buf.length) throw new CodecError(`truncated: ${what} needs ${n} bytes at offset ${this.off}, frame has ${this.buf.length}`)
  }
  u8 (what: string): number { this.need(1, what); return this.view.getUint8(this.off++) }
  u16 (what: string): number { this.need(2, what); const v = this.view.getUint16(this.off); this.off += 2; return v }
  u32 (what: string): number { this.need(4, what); const v = this.view.getUint32(this.off); this.off += 4; return v }
  view8 (n: number, what: string): Uint8Array { this.need(n, what); const b = this.buf.subarray(this.off, this.off + n); this.off += n; return b }
  /** A copy (a frame may be a Buffer, whose slice() would share memory). */
  bytes (n: number, what: string): Uint8Array { return new Uint8Array(this.view8(n, what)) }
  text (n: number, what: string): string {
    const b = this.view8(n, what)
    try { return fromUtf8.decode(b) } catch { throw new CodecError(`${what} is not valid UTF-8`) }
  }
  end (): void {
    if (this.off !== this.buf.length) throw new CodecError(`${this.buf.length - this.off} bytes left over after the message`)
  }
}

const PASS_CODES: Record<RingPass, number> = { collect: 0, distribute: 1 }
function readPass (r: In): RingPass {
  const p = r.u8('pass')
  if (p > 1) throw new CodecError(`unknown ring pass ${p}`)
  return p === 0 ? 'collect' : 'distribute'
}

function readShape (r: In): Shape {
  const s = r.u8('shape')
  if (s > 1) throw new CodecError(`unknown shape ${s}`)
  return s === 1 ? 'vector' : 'scalar'
}

/**
 * Encode a lean message.
 * @param elementBytes the wide field's element width (ignored for Float64Array elements)
 */
export function encodeLeanMessage (m: LeanMessage, elementBytes: number): Uint8Array {
  const taskId = utf8.encode(m.taskId)
  if (taskId.length === 0 || taskId.length > MAX_TASK_ID_BYTES) throw new CodecError(`task id of ${taskId.length} bytes`)
  if (m.digest.length !== DIGEST_BYTES) throw new CodecError(`digest of ${m.digest.length} bytes`)
  const header = 3 + taskId.length + DIGEST_BYTES + 4
  let body: number
  let descriptor: Uint8Array | undefined
  switch (m.kind) {
    case 'lean-nonces':
      descriptor = utf8.encode(m.descriptor)
      if (m.entries.length > 0xffff) throw new CodecError(`${m.entries.length} nonce entries`)
      body = 1 + 1 + 4 + descriptor.length + 2 + m.entries.length * (4 + NONCE_BYTES + 1 + 4)
      break
    case 'lean-data':
      if (m.wire !== undefined) return m.wire
      body = 1 + 4 + 4 + 1 + (m.elements instanceof Float64Array ? 1 + fastPad(header + 10) + 4 + m.elements.length * 8 : 2 + 4 + m.elements.length * elementBytes)
      break
    case 'lean-confirm': {
      const size = m.tags[0]?.blob.length ?? 0
      if (m.tags.some(t => t.blob.length !== size)) throw new CodecError('confirmation entries of different sizes')
      body = 1 + 2 + 4 + m.tags.length * (4 + size)
      break
    }
  }
  const w = new Out(header + body)
  w.u8(LEAN_VERSION)
  w.u8(LEAN_KIND_CODES[m.kind])
  w.u8(taskId.length)
  w.bytes(taskId)
  w.bytes(m.digest)
  w.u32(m.from)
  switch (m.kind) {
    case 'lean-nonces':
      w.u8(PASS_CODES[m.pass])
      w.u8(m.topology === 'tree' ? 1 : 0)
      w.u32(descriptor!.length)
      w.bytes(descriptor!)
      w.u16(m.entries.length)
      for (const e of m.entries) {
        if (e.nonce.length !== NONCE_BYTES) throw new CodecError(`nonce of ${e.nonce.length} bytes`)
        w.u32(e.party)
        w.bytes(e.nonce)
        w.u8(e.shape === 'vector' ? 1 : 0)
        w.u32(e.length)
      }
      break
    case 'lean-data':
      w.u8(m.phase === 'reduce' ? 0 : 1)
      w.u32(m.step)
      w.u32(m.frame)
      if (m.elements instanceof Float64Array) {
        w.u8(0)
        const pad = fastPad(w.off)
        w.u8(pad)
        w.off += pad
        w.u32(m.elements.length)
        fastToBytes(m.elements, w.buf, w.off)
        w.off += m.elements.length * 8
      } else {
        w.u8(1)
        w.u16(elementBytes)
        w.u32(m.elements.length)
        for (const x of m.elements) {
          const hex = x.toString(16)
          if (hex.length > elementBytes * 2 || x < 0n) throw new CodecError(`element does not fit in ${elementBytes} bytes`)
          w.bytes(hexToBytes(hex.padStart(elementBytes * 2, '0')))
        }
      }
      break
    case 'lean-confirm':
      w.u8(PASS_CODES[m.pass])
      w.u16(m.tags.length)
      w.u32(m.tags[0]?.blob.length ?? 0)
      for (const t of m.tags) { w.u32(t.party); w.bytes(t.blob) }
      break
  }
  return w.done()
}

/** Pad bytes after the pad byte at `offset` so that elements (after a u32 count) start 8-aligned. */
function fastPad (offset: number): number {
  return (8 - ((offset + 5) % 8)) % 8
}

/**
 * A fast-profile data frame with its elements still to be written: the frame's bytes, and a
 * Float64Array over the place of its elements (little-endian platforms), so the elements are
 * computed in place and never copied into the frame. Undefined on big-endian platforms.
 */
export function buildFastDataFrame (m: Omit<LeanDataMessage, 'elements' | 'wire'>, count: number): { wire: Uint8Array, elements: Float64Array } | undefined {
  if (!LITTLE_ENDIAN) return undefined
  const taskId = utf8.encode(m.taskId)
  if (taskId.length === 0 || taskId.length > MAX_TASK_ID_BYTES) throw new CodecError(`task id of ${taskId.length} bytes`)
  if (m.digest.length !== DIGEST_BYTES) throw new CodecError(`digest of ${m.digest.length} bytes`)
  const header = 3 + taskId.length + DIGEST_BYTES + 4
  const pad = fastPad(header + 10)
  const w = new Out(header + 10 + 1 + pad + 4 + count * 8)
  w.u8(LEAN_VERSION)
  w.u8(LEAN_KIND_CODES['lean-data'])
  w.u8(taskId.length)
  w.bytes(taskId)
  w.bytes(m.digest)
  w.u32(m.from)
  w.u8(m.phase === 'reduce' ? 0 : 1)
  w.u32(m.step)
  w.u32(m.frame)
  w.u8(0)
  w.u8(pad)
  w.off += pad
  w.u32(count)
  const elements = new Float64Array(w.buf.buffer, w.off, count)
  w.off += count * 8
  return { wire: w.done(), elements }
}

/**
 * Decode a lean frame (its version and kind already known to be lean's).
 * @throws CodecError for any length that does not match, or limits exceeded
 */
export function decodeLeanMessage (frame: Uint8Array, limits: { readonly maxElements: number, readonly maxElementBytes: number }): LeanMessage {
  const r = new In(frame, 0)
  const version = r.u8('version')
  if (version !== LEAN_VERSION) throw new CodecError(`wire version ${version}, this node speaks ${LEAN_VERSION}`)
  const code = r.u8('kind')
  const kind = LEAN_KINDS_BY_CODE.get(code)
  if (kind === undefined) throw new CodecError(`unknown message kind ${code}`)
  const idLength = r.u8('task id length')
  if (idLength === 0 || idLength > MAX_TASK_ID_BYTES) throw new CodecError(`task id length ${idLength}`)
  const taskId = r.text(idLength, 'task id')
  const digest = r.bytes(DIGEST_BYTES, 'digest')
  const from = r.u32('sender index')
  let m: LeanMessage
  switch (kind) {
    case 'lean-nonces': {
      const pass = readPass(r)
      const topologyCode = r.u8('topology')
      if (topologyCode > 1) throw new CodecError(`unknown topology ${topologyCode}`)
      const descriptorLength = r.u32('descriptor length')
      if (descriptorLength > 1 << 20) throw new CodecError(`descriptor of ${descriptorLength} bytes`)
      const descriptor = r.text(descriptorLength, 'descriptor')
      const count = r.u16('entry count')
      const entries: LeanEntry[] = []
      for (let i = 0; i < count; i++) {
        const party = r.u32('party')
        const nonce = r.bytes(NONCE_BYTES, 'nonce')
        const shape = readShape(r)
        entries.push({ party, nonce, shape, length: r.u32('length') })
      }
      m = { kind, taskId, digest, from, pass, topology: topologyCode === 1 ? 'tree' : 'ring', descriptor, entries }
      break
    }
    case 'lean-data': {
      const phaseCode = r.u8('phase')
      if (phaseCode > 1) throw new CodecError(`unknown phase ${phaseCode}`)
      const step = r.u32('step')
      const frameIndex = r.u32('frame')
      const format = r.u8('element format')
      let elements: Float64Array | bigint[]
      if (format === 0) {
        const pad = r.u8('pad')
        if (pad > 7) throw new CodecError(`pad of ${pad} bytes`)
        r.view8(pad, 'pad')
        const count = r.u32('element count')
        if (count > limits.maxElements) throw new CodecError(`${count} elements exceed the limit of ${limits.maxElements}`)
        elements = fastFromBytes(r.view8(count * 8, `${count} elements of 8 bytes`))
      } else if (format === 1) {
        const width = r.u16('element width')
        if (width === 0 || width > limits.maxElementBytes) throw new CodecError(`element width ${width} is outside 1..${limits.maxElementBytes}`)
        const count = r.u32('element count')
        if (count > limits.maxElements) throw new CodecError(`${count} elements exceed the limit of ${limits.maxElements}`)
        const hex = bytesToHex(r.view8(count * width, `${count} elements of ${width} bytes`))
        elements = new Array<bigint>(count)
        for (let k = 0; k < count; k++) elements[k] = BigInt('0x' + hex.slice(k * width * 2, (k + 1) * width * 2))
      } else {
        throw new CodecError(`unknown element format ${format}`)
      }
      m = { kind, taskId, digest, from, phase: phaseCode === 0 ? 'reduce' : 'gather', step, frame: frameIndex, elements }
      break
    }
    case 'lean-confirm': {
      const pass = readPass(r)
      const count = r.u16('entry count')
      const size = r.u32('entry bytes')
      if (size > 1 << 20) throw new CodecError(`confirmation entries of ${size} bytes`)
      r.need(count * (4 + size), `${count} entries of ${size} bytes`)
      const tags: LeanTags[] = []
      for (let i = 0; i < count; i++) {
        const party = r.u32('party')
        tags.push({ party, blob: r.bytes(size, 'entry') })
      }
      m = { kind, taskId, digest, from, pass, tags }
      break
    }
  }
  r.end()
  return m
}
