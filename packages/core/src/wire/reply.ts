/**
 * The receiver's answer to every frame, on the same stream:
 *   u8 version | u8 status (0 accepted, 1 held, 2 refused) | u16 code length | code | u16 message length | message (UTF-8)
 */
import { CodecError } from '../errors.js'
import { FrameReader, FrameWriter, utf8Bytes, WIRE_VERSION } from './frame.js'

/** Accepted, held until the task is known here, or refused (with the error's code). */
export type ReplyStatus = 'accepted' | 'held' | 'refused'
export interface Reply { readonly status: ReplyStatus, readonly code: string, readonly message: string }

const REPLY_CODES: Record<ReplyStatus, number> = { accepted: 0, held: 1, refused: 2 }
const REPLIES_BY_CODE = new Map<number, ReplyStatus>(Object.entries(REPLY_CODES).map(([k, v]) => [v, k as ReplyStatus]))
/** The code and message are cut to these many UTF-16 units before encoding. */
const MAX_CODE = 64
const MAX_MESSAGE = 4000

/**
 * @param reply - the status, an error code ('' when accepted) and a message for the sender
 * @returns the reply's bytes (the code cut to 64 characters, the message to 4000)
 */
export function encodeReply (reply: Reply): Uint8Array {
  const code = utf8Bytes(reply.code.slice(0, MAX_CODE))
  const message = utf8Bytes(reply.message.slice(0, MAX_MESSAGE))
  const w = new FrameWriter(2 + 2 + code.length + 2 + message.length)
  w.u8(WIRE_VERSION); w.u8(REPLY_CODES[reply.status])
  w.u16(code.length); w.raw(code)
  w.u16(message.length); w.raw(message)
  return w.done()
}

/**
 * @param frame - a reply's bytes
 * @returns the reply
 * @throws CodecError for another version, an unknown status, text that is not UTF-8, or a length that does not match
 */
export function decodeReply (frame: Uint8Array): Reply {
  const r = new FrameReader(frame)
  const version = r.u8('version')
  if (version !== WIRE_VERSION) throw new CodecError(`reply version ${version}`)
  const statusCode = r.u8('status')
  const status = REPLIES_BY_CODE.get(statusCode)
  if (status === undefined) throw new CodecError(`unknown reply status ${statusCode}`)
  const code = r.text(r.u16('code length'), 'code')
  const message = r.text(r.u16('message length'), 'message')
  r.end()
  return { status, code, message }
}
