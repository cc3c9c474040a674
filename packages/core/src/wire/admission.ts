/**
 * Which frames a task takes, decided from a frame's header alone (peekFrame), before any element
 * is decoded: the sender, authenticated by its PeerId, must be a listed party of this very task
 * speaking for its own index; and the frame is then decoded with the task's limits: every element
 * of the field's width, and no more elements than the task's vectors hold. A frame of 2^24
 * one-byte elements for a scalar task is refused at its header and its count, not after 2^24
 * BigInts were made.
 */
import { authenticatedSender, checkOwnIndex } from '../machine/envelope.js'
import { DEFAULT_MAX_LENGTH } from '../machine/types.js'
import { FAST_FRAME_ELEMENTS, isFastModulus, WIDE_FRAME_ELEMENTS } from '../field/vectors.js'
import { fieldOf } from '../task/parameters.js'
import type { TaskDescriptor } from '../task/descriptor.js'
import type { DecodeLimits } from './frame.js'
import type { FramePeek } from './codec.js'

/** What the limits of a task's frames depend on. */
export interface FrameTask {
  readonly descriptor: TaskDescriptor
  readonly myself: number
  /** Elements of this party's input (1 for a scalar), once it is given. */
  readonly inputLength?: number
  /** The longest vector the task accepts; DEFAULT_MAX_LENGTH when absent. */
  readonly maxLength?: number
}

/**
 * The decode limits of one kind of frame for a task: elements of exactly the field's width, and
 * at most the task's vector and its sample count: before this party's input the longest vector
 * the task accepts plus one, after it the input's length plus one; a lean data frame holds at most
 * one frame of the profile's size as well.
 * @param task - the task, and the length of this party's input once given
 * @param kind - the frame's kind, from peekFrame
 * @returns the limits to decode the frame with
 */
export function frameLimits (task: FrameTask, kind: FramePeek['kind']): DecodeLimits {
  const parameters = task.descriptor.parameters
  const elements = (task.inputLength ?? task.maxLength ?? DEFAULT_MAX_LENGTH) + 1
  const frameElements = isFastModulus(parameters.modulus) ? FAST_FRAME_ELEMENTS : WIDE_FRAME_ELEMENTS
  return { maxElements: kind === 'lean-data' ? Math.min(elements, frameElements) : elements, elementBytes: fieldOf(parameters).bytes }
}

/**
 * Check a frame's sender against a task from the frame's header, and give the limits to decode
 * the frame with. The sender must be on the task's node list (not this party), and speak for its
 * own index; an abort may carry another index (the kernel honours a listed party's abort whatever
 * index it claims: a party whose description differs must still hear why the others gave up).
 * @param task - the task the frame names
 * @param peek - the frame's header
 * @param senderPeerId - the PeerId the connection authenticated
 * @returns the decode limits of this frame for this task
 * @throws ProtocolError for a sender not on the list, an index outside it or not the sender's own, or this party itself
 * @example
 * ```ts
 * const message = decodeMessage(frame, admitFrame({ descriptor, myself, inputLength }, peekFrame(frame), peerId))
 * ```
 */
export function admitFrame (task: FrameTask, peek: FramePeek, senderPeerId: string): DecodeLimits {
  const sender = authenticatedSender(task.descriptor, task.myself, peek, senderPeerId)
  if (peek.kind !== 'abort') checkOwnIndex(peek, sender, senderPeerId)
  return frameLimits(task, peek.kind)
}
