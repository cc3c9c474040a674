/**
 * @packageDocumentation
 * @simon-p2p/core: the pure part of simon-p2p. No I/O, no timers, no libp2p: randomness and the
 * time are passed in, so every machine runs the same in a test as in a node.
 *
 * - the fields (wide bigint primes, the fast 2^52 - 47 in doubles) and uniform randomness
 * - encodings: fixed-point decimals, integers, vectors
 * - the task: descriptor, parameters, digest
 * - the wire: messages and replies, every length checked
 * - the protocol machines (full mesh, threshold, lean ring and tree) on one kernel, and
 *   `createMachine`, which picks one from the task's parameters
 * - statistics (Simon's StatisticsUnivariate, ...): inputs reduced to sum vectors, the minimum
 *   and maximum search, hashed label buckets, and every derived figure from the exact sums
 *
 * @example
 * import { createMachine, resolveParameters } from '@simon-p2p/core'
 * const descriptor = { taskId: 't1', microprotocol: 'SecureSum', parameters: resolveParameters({}, 3), peers }
 * const machine = createMachine({ descriptor, myself: 0, randomBytes })
 * const out = machine.input('123.456789', Date.now())      // [{ to, message }, ...]: encode and send
 * const { verdict, out: more } = machine.receive(message, authenticatedPeerId, Date.now())
 */
export {
  SimonError, InvalidInputError, CodecError, ProtocolError, DigestMismatchError, TaskTimeoutError,
  ResultMismatchError, TaskAbortedError, TaskCancelledError, InconsistentPartialError
} from './errors.js'

export { printable } from './text/printable.js'

export { createField, mersennePrimeFor, isProbablePrime, type Field } from './field/wide.js'
export { FAST_PRIME } from './field/fast.js'
export { randomElements, type RandomBytes } from './field/random.js'

export {
  encodeInput, encodeScalar, decodeScaled, isVectorInput, DEFAULT_FIXED_POINT,
  type InputValue, type Scalar, type VectorInput, type Shape, type FixedPoint, type EncodedInput
} from './encoding/fixed-point.js'

export {
  MICROPROTOCOLS, MAX_PARTIES, MAX_TASK_ID_BYTES, checkTaskId, checkMicroprotocol, canonicalDescriptor,
  taskDigest, taskFingerprint, describeDifferences, canonicalParameters, type Microprotocol, type TaskParameters, type TaskDescriptor,
  type ParameterValue
} from './task/descriptor.js'
export {
  resolveParameters, fixedPointOf, fieldOf, thresholdOf, profileOf, modeOf, DEFAULT_SHARE_TIMEOUT_S,
  PROFILES, MODES, type Profile, type Mode
} from './task/parameters.js'

export {
  encodeMessage, decodeMessage, encodeReply, decodeReply, peekFrame, decodedCost, WIRE_VERSION, DEFAULT_DECODE_LIMITS,
  type WireMessage, type MessageKind, type AbortMessage, type DecodeLimits, type FramePeek, type Reply, type ReplyStatus
} from './wire/codec.js'
export { admitFrame, frameLimits, type FrameTask } from './wire/admission.js'
export { bigintBytes } from './wire/frame.js'
export type { LeanMessage, Topology } from './wire/lean.js'
export type { LeanThresholdMessage, AgreementRound } from './wire/lean-threshold.js'
export { FAST_FRAME_ELEMENTS } from './field/vectors.js'

export {
  DEFAULT_MAX_LENGTH, type ProtocolMachine, type MachineInit, type IdentitySigner, type Outgoing, type Received, type Verdict,
  type SecureSumResult, type Sum
} from './machine/types.js'
export { createMachine } from './machine/create.js'
export { chooseMode, chooseTopology, LEAN_MIN_PARTIES, LEAN_MIN_UPLOAD_ELEMENTS, type Family } from './machine/auto.js'

export { SecureSum, type Step } from './protocols/mesh/machine.js'
export { splitAdditive, sumVectors } from './protocols/mesh/shares.js'
export { ThresholdMachine, type ThresholdStep } from './protocols/threshold/machine.js'
export { partySet, type Agreement, type PartySet } from './protocols/threshold/agreement.js'
export { commitPayload } from './protocols/threshold/certificate.js'
export { splitShamir, reconstructShamir } from './protocols/threshold/shamir.js'
export { LeanMachine } from './protocols/lean/ring.js'
export { LeanThresholdMachine, type LeanThresholdStep } from './protocols/lean/threshold.js'
export { roundCommitPayload } from './protocols/lean/survivors.js'
export { keySetHash, keysStatement } from './protocols/lean/dropout-secrets.js'
export { TreeMachine, TREE_MAX_ELEMENTS } from './protocols/lean/tree.js'
export { COMPLETE_UP_TO, neighbourCount } from './protocols/lean/graph.js'
export { DirectMachine } from './protocols/lean/direct.js'
export { DIRECT_MAX_PARTIES, segmentTopology } from './protocols/lean/plan.js'
export type { LeanStep, LeanMachineInit } from './protocols/lean/base.js'
export type { LeanCrypto, EphemeralKey } from './protocols/lean/crypto.js'

export {
  STATISTICS_MICROPROTOCOLS, SIMON_MICROPROTOCOLS, MAX_STATISTICS_VALUES, isStatisticsMicroprotocol, type StatisticsMicroprotocol
} from './statistics/microprotocols.js'
export {
  resolveStatisticsParameters, stageParameters, statisticsFixedPoint, minCountOf, frequencyCategoriesOf,
  contingencyCategoriesOf, STAGE_DIGITS, MAX_CATEGORY_CELLS
} from './statistics/parameters.js'
export {
  checkList, scaledValues, extremesOfList, univariateSums, bivariateSums, labelCounts, UNIVARIATE_ELEMENTS, BIVARIATE_ELEMENTS,
  type UnivariateInput, type DeclaredLabels
} from './statistics/inputs.js'
export {
  univariateFigures, bivariateFigures, suppressedUnivariate, suppressedBivariate, centralSum, UNIVARIATE_OUTPUTS,
  BIVARIATE_OUTPUTS, type UnivariateResult, type BivariateResult
} from './statistics/derived.js'
export { ratio, sqrtRatio } from './statistics/rational.js'
export { checkLabel, labelOf, pairLabel, MAX_LABEL_BYTES } from './statistics/labels.js'
export {
  frequencyVector, contingencyVector, histogramOf, tableOf, declaredCounts, type FrequencyResult, type ContingencyResult
} from './statistics/categories.js'
export {
  bucketVector, readBuckets, nextBucketCount, INITIAL_BUCKETS, MAX_BUCKETS, MAX_LABEL_ROUNDS, type BucketReading
} from './statistics/buckets.js'
export {
  startExtremes, boundsOf, extremesDone, extremesContributions, advanceExtremes, extremesOf, EXTREME_BOUNDS,
  type ExtremesSearch, type Interval
} from './statistics/extremes.js'
