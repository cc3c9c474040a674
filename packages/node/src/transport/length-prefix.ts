/**
 * Length-prefix decoders for libp2p's framing (lpStream, and Noise's LengthPrefixedDecoder)
 * that say "not enough bytes yet" by throwing one RangeError made once, instead of a new one
 * (with its stack trace) each time. Both callers read a prefix before its bytes have all come:
 * lpStream tries after each byte of a frame's varint, Noise after each chunk the socket gives
 * (whose buffer usually ends empty), and catch the RangeError to wait for more. A fresh error
 * per try was a tenth of a node's CPU in the 3-party scalar benchmark. Nothing outside those
 * loops ever sees the shared error.
 */
/** A Uint8Array or a Uint8ArrayList (what the readers buffer in). */
type Bytes = Uint8Array | { readonly byteLength: number, get: (index: number) => number }

/** Thrown, never shown: the decoders' callers catch a RangeError and read on. */
const NOT_YET = new RangeError('length prefix not complete yet')

/** The longest varint prefix of a safe integer. */
const MAX_VARINT_BYTES = 8

function byteAt (buf: Bytes, i: number): number {
  return buf instanceof Uint8Array ? buf[i]! : buf.get(i)
}

/** An unsigned varint at the start of `buf` (lpStream's `lengthDecoder`). */
export function decodeVarintPrefix (buf: Bytes): number {
  let value = 0
  let scale = 1
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (i >= buf.byteLength) throw NOT_YET
    const b = byteAt(buf, i)
    value += (b & 0x7f) * scale
    if (b < 0x80) return value
    scale *= 128
  }
  // not a RangeError: the reader stops here instead of reading on byte after byte
  throw new TypeError(`length prefix longer than ${MAX_VARINT_BYTES} bytes`)
}

/** A big-endian u16 at the start of `buf` (Noise's message length). */
export function decodeUint16Prefix (buf: Bytes): number {
  if (buf.byteLength < 2) throw NOT_YET
  return (byteAt(buf, 0) << 8) | byteAt(buf, 1)
}
