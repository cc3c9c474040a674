/**
 * Which machine runs a task, from its parameters: with `threshold` t < n, lean mode with a
 * threshold for mode 'lean', threshold mode otherwise; without, by `mode`: 'mesh' the additive full mesh, 'lean' lean mode (a tree for small inputs,
 * direct sends or a ring for large ones), 'auto' (the default) whichever is faster for the input's size.
 */
import { InvalidInputError } from '../errors.js'
import { SecureSum } from '../protocols/mesh/machine.js'
import { ThresholdMachine } from '../protocols/threshold/machine.js'
import { LeanMachine } from '../protocols/lean/ring.js'
import { TreeMachine } from '../protocols/lean/tree.js'
import { DirectMachine } from '../protocols/lean/direct.js'
import { LeanThresholdMachine } from '../protocols/lean/threshold.js'
import { modeOf } from '../task/parameters.js'
import { thresholdOf } from '../task/parameters.js'
import { AutoMachine, chooseMode, chooseTopology, type Family } from './auto.js'
import type { MachineInit, ProtocolMachine } from './types.js'

/**
 * The machine for a task at one party.
 * @param init the task, this party's index, its randomness, and lean mode's crypto and identity signatures if it offers them
 * @throws InvalidInputError naming network.myself or a parameter (mode 'lean' without key agreement or identity signatures)
 * @example
 * const machine = createMachine({ descriptor, myself: 0, randomBytes })
 * const out = machine.input('123.456789', Date.now())   // the messages to send
 */
export function createMachine (init: MachineInit): ProtocolMachine {
  const { descriptor, myself, lean, identity } = init
  const parties = descriptor.peers.length
  const threshold = thresholdOf(descriptor.parameters)
  const mode = modeOf(descriptor.parameters)
  if (threshold !== undefined && threshold < parties) {
    if (mode !== 'lean') return new ThresholdMachine(init)
    if (lean?.ephemeralFrom === undefined || identity === undefined) throw new InvalidInputError('parameters.mode', 'lean mode with a threshold needs key agreement from private bytes, a keystream and identity signatures, which this node does not provide')
    return new LeanThresholdMachine({ ...init, lean, identity })
  }
  if (mode === 'mesh') return new SecureSum(init)
  if (lean === undefined || identity === undefined) {
    if (mode === 'lean') throw new InvalidInputError('parameters.mode', 'lean mode needs key agreement, a keystream and identity signatures, which this node does not provide')
    return new SecureSum(init)
  }
  const ring = (): LeanMachine => new LeanMachine({ ...init, lean, identity })
  const tree = (): TreeMachine => new TreeMachine({ ...init, lean, identity })
  const direct = (): DirectMachine => new DirectMachine({ ...init, lean, identity })
  if (mode === 'lean') return new AutoMachine(descriptor, myself, { ring, tree, direct }, length => chooseTopology(parties, length))
  const leanUsable = descriptor.peers.every((peer, k) => k === myself || (lean.canPair?.(peer) ?? true))
  const choose = (length: number): Family => (leanUsable && chooseMode(parties, length) === 'lean' ? chooseTopology(parties, length) : 'mesh')
  return new AutoMachine(descriptor, myself, { mesh: () => new SecureSum(init), ring, tree, direct }, choose)
}
