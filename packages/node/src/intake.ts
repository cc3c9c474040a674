/**
 * Every inbound frame on its way to its task, cheapest check first, and no element decoded before
 * the frame is known to be one its task may take:
 *   1. the sender (the PeerId Noise authenticated) is allowed here at all (on a task's list, or on
 *      the allow list); an empty frame from it is an ask for its replies (answered, taken no further);
 *   2. the header alone is read (peekFrame): version, kind, task id, sender index;
 *   3. for a task held here: the sender is a listed party of THAT task speaking for its own index,
 *      and the frame is decoded with the task's limits (the field's width exactly, at most the
 *      task's vector length plus one elements; core's admitFrame), then given to the task;
 *   4. for a task not created here yet: the frame is checked whole without decoding an element,
 *      and held raw, counted by what it will cost decoded (decodedCost); when the task is created
 *      each held frame goes through step 3 as if it arrived then, and a refused one changes nothing.
 */
import type { Logger } from '@libp2p/interface'
import { admitFrame, decodedCost, decodeMessage, peekFrame, SimonError, type FramePeek, type Reply } from '@simon-p2p/core'
import type { SecureSumTask } from './driver.js'
import type { HeldMessage, HeldMessages } from './held-messages.js'

/** A frame held raw for a task not created here yet, with its header. */
export interface HeldFrame { readonly frame: Uint8Array, readonly peek: FramePeek }

/** What the intake needs of the task registry. */
export interface TaskLookup {
  isAllowed: (peerId: string) => boolean
  get: (taskId: string) => SecureSumTask | undefined
}

/** The frame's own copy, held, is wiped when it is dropped unused. */
export function wipeHeld (held: HeldMessage<HeldFrame>): void {
  held.message.frame.fill(0)
}

/** The reply to an ask: it answers no message, so it says nothing but that the ask came. */
const ASK_ANSWER: Reply = { status: 'accepted', code: '', message: '' }

function refusal (err: unknown): Reply {
  if (err instanceof SimonError) return { status: 'refused', code: err.code, message: err.message }
  throw err
}

export class FrameIntake {
  constructor (private readonly tasks: TaskLookup, private readonly held: HeldMessages<HeldFrame>, private readonly log: Logger) {}

  /**
   * One inbound frame from an authenticated peer.
   * @param frame - not kept: the caller wipes it once this returns (a held frame is copied)
   * @returns the reply to the sender
   */
  take (frame: Uint8Array, senderPeerId: string): Reply {
    if (!this.tasks.isAllowed(senderPeerId)) return { status: 'refused', code: 'NOT_ALLOWED', message: 'this peer is on no node list here' }
    // an empty frame is an ask (the sender wants the replies it is owed, transport/inbound.ts), not a message
    if (frame.length === 0) return ASK_ANSWER
    let peek: FramePeek
    try {
      peek = peekFrame(frame)
    } catch (err) {
      return refusal(err)
    }
    const task = this.tasks.get(peek.taskId)
    if (task !== undefined) return this.deliver(task, frame, peek, senderPeerId)
    return this.hold(frame, peek, senderPeerId)
  }

  /** Give a task created just now the frames held for it, oldest first, each judged as if it arrived now. */
  replay (task: SecureSumTask): void {
    for (const h of this.held.take(task.id)) {
      const reply = this.deliver(task, h.message.frame, h.message.peek, h.senderPeerId)
      wipeHeld(h)
      if (reply.status === 'refused') this.log('task %s refused a %s held for it from %s: %s', task.id, h.message.peek.kind, h.senderPeerId, reply.code)
    }
  }

  /** The sender and the limits first, from the header; only then the elements. */
  private deliver (task: SecureSumTask, frame: Uint8Array, peek: FramePeek, senderPeerId: string): Reply {
    let message
    try {
      message = decodeMessage(frame, admitFrame(task, peek, senderPeerId))
    } catch (err) {
      return refusal(err)
    }
    return task.receive(message, senderPeerId)
  }

  private hold (frame: Uint8Array, peek: FramePeek, senderPeerId: string): Reply {
    let bytes: number
    try {
      bytes = decodedCost(frame)
    } catch (err) {
      return refusal(err)
    }
    const copy = new Uint8Array(frame) // a copy (a Node Buffer's slice() is a view): the caller wipes `frame`
    if (this.held.hold(peek.taskId, { message: { frame: copy, peek }, senderPeerId, bytes })) {
      return { status: 'held', code: 'HELD', message: `task ${peek.taskId} is not known here yet; held` }
    }
    copy.fill(0)
    return { status: 'refused', code: 'UNKNOWN_TASK', message: `task ${peek.taskId} is not known here` }
  }
}
