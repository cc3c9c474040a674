/**
 * The checks every protocol machine makes on a message before reading it: who sent it (by the
 * Noise-authenticated PeerId; the index in the frame is only a claim), for which task, and
 * whether the sender's task description is this party's. The machines differ only in what they
 * do with an abort and with a first message whose description differs.
 */
import { DigestMismatchError, ProtocolError } from '../errors.js'
import { describeDifferences, digestsEqual, parseCanonicalDescriptor, type TaskDescriptor } from '../task/descriptor.js'

/** What every message carries, whatever its kind. */
export interface Envelope {
  readonly taskId: string
  readonly digest: Uint8Array
  readonly from: number
}

/**
 * The index of the party that sent `m`, from its authenticated PeerId.
 * @throws ProtocolError for a sender index outside the list, another task, a peer not on the
 *   list, or a message from this party itself
 */
export function authenticatedSender (descriptor: TaskDescriptor, myself: number, m: Envelope, senderPeerId: string): number {
  const from = m.from
  const n = descriptor.peers.length
  if (!Number.isSafeInteger(from) || from < 0 || from >= n) throw new ProtocolError(`sender index ${from} is not in the task's node list`)
  if (m.taskId !== descriptor.taskId) throw new ProtocolError(`message for task ${m.taskId} delivered to task ${descriptor.taskId}`, from)
  const sender = descriptor.peers.indexOf(senderPeerId)
  if (sender < 0) throw new ProtocolError(`peer ${senderPeerId} is not on the task's node list and may not speak for party ${from}`, from)
  if (sender === myself || from === myself) throw new ProtocolError('a message cannot come from this party itself', from)
  return sender
}

/**
 * A listed party whose first message carries another digest is told apart from an impostor:
 * that message holds its task description, and the error names the fields that differ.
 */
export function descriptionMismatch (descriptor: TaskDescriptor, theirs: string, sender: number): DigestMismatchError {
  let differences: string[]
  try {
    differences = describeDifferences(descriptor, parseCanonicalDescriptor(theirs), sender)
  } catch {
    differences = [`party ${sender} sent an unreadable task description`]
  }
  return new DigestMismatchError(sender, differences)
}

/**
 * The sender speaks only for its own index.
 * @throws ProtocolError naming the index it claimed
 */
export function checkOwnIndex (m: Pick<Envelope, 'from'>, sender: number, senderPeerId: string): void {
  if (sender !== m.from) throw new ProtocolError(`peer ${senderPeerId} is party ${sender} and may not speak for party ${m.from}`, m.from)
}

/**
 * Past the abort: the sender speaks only for its own index, and about this task as described here.
 * @throws ProtocolError otherwise
 */
export function checkClaim (m: Envelope, sender: number, senderPeerId: string, digest: Uint8Array): void {
  checkOwnIndex(m, sender, senderPeerId)
  if (!digestsEqual(m.digest, digest)) throw new ProtocolError(`message from party ${m.from} carries another task digest`, m.from)
}
