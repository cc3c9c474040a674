/**
 * The node's typed errors. Each has a stable `name` and `code` (SimonError from core), so callers
 * and tests branch on those, never on text. None of them reaches a gateway client: they end one
 * delivery attempt (the task retries) or one inbound stream, or refuse a key lean mode cannot use.
 */
import { SimonError } from '@simon-p2p/core'

/** A channel to a peer was closed (it broke, or this node is stopping) while a frame waited on it. */
export class ChannelClosedError extends SimonError {
  override name = 'ChannelClosedError'
  constructor (reason: string) {
    super(`channel closed: ${reason}`, 'CHANNEL_CLOSED')
  }
}

/** A peer did not answer a frame within one delivery attempt; its channel is not reused. */
export class ReplyTimeoutError extends SimonError {
  override name = 'ReplyTimeoutError'
  constructor (ms: number) {
    super(`no reply within ${ms} ms`, 'REPLY_TIMEOUT')
  }
}

/** A peer sent a reply when no frame was waiting for one: the channel is out of step and is closed. */
export class UnexpectedReplyError extends SimonError {
  override name = 'UnexpectedReplyError'
  constructor () {
    super('reply without a request', 'UNEXPECTED_REPLY')
  }
}

/** An inbound stream sent no frame for too long and was reset (a peer that opens streams and never writes). */
export class InboundIdleError extends SimonError {
  override name = 'InboundIdleError'
  constructor (ms: number) {
    super(`no frame for ${ms} ms`, 'INBOUND_IDLE')
  }
}

/** Lean mode's per-task key cannot agree a secret: it was wiped (the task ended), or the other key is not X25519's. */
export class KeyAgreementError extends SimonError {
  override name = 'KeyAgreementError'
  constructor (reason: string) {
    super(`key agreement: ${reason}`, 'KEY_AGREEMENT')
  }
}
