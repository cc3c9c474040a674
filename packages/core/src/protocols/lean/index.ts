/**
 * Lean mode: pairwise masks from key agreement and a ring, for large vectors and many parties;
 * the fast profile (p = 2^52 - 47 in Float64Array) it mostly runs on; and `auto`, which picks
 * the full mesh or lean mode by size.
 */
import { InvalidInputError } from '../../errors.js'
import type { MachineInit, ProtocolMachine } from '../../machine/create.js'
import { AutoMachine, chooseMode, chooseTopology, type Family } from '../../machine/auto.js'
import { LeanMachine } from './ring.js'
import { TreeMachine } from './tree.js'
import { modeOf } from '../../task/mode.js'

export * from '../../field/fast.js'
export * from '../../encoding/fast.js'
export * from '../../task/mode.js'
export * from './crypto.js'
export * from './plan.js'
export * from '../../wire/lean.js'
export * from '../../field/vectors.js'
export { LeanMachine, type LeanStep, type LeanMachineInit } from './ring.js'
export { AutoMachine, chooseMode, chooseTopology, LEAN_MIN_PARTIES, LEAN_MIN_UPLOAD_ELEMENTS, type Family } from '../../machine/auto.js'
export { TreeMachine, TREE_MAX_ELEMENTS } from './tree.js'

/**
 * The machine of a task in lean or auto mode; undefined when the full mesh runs it (mode 'mesh',
 * or 'auto' where this node offers no key agreement).
 * @throws InvalidInputError for mode 'lean' without key agreement
 */
export function leanMachineFor (init: MachineInit, mesh: () => ProtocolMachine): ProtocolMachine | undefined {
  const mode = modeOf(init.descriptor.parameters)
  if (mode === 'mesh') return undefined
  const lean = init.lean
  if (lean === undefined) {
    if (mode === 'lean') throw new InvalidInputError('parameters.mode', 'lean mode needs key agreement and a keystream, which this node does not provide')
    return undefined
  }
  const parties = init.descriptor.peers.length
  const ring = (): LeanMachine => new LeanMachine({ ...init, lean })
  const tree = (): TreeMachine => new TreeMachine({ ...init, lean })
  if (mode === 'lean') return new AutoMachine(init.descriptor, init.myself, { ring, tree }, chooseTopology)
  const leanUsable = init.descriptor.peers.every((peer, k) => k === init.myself || (lean.canPair?.(peer) ?? true))
  const choose = (length: number): Family => (leanUsable && chooseMode(parties, length) === 'lean' ? chooseTopology(length) : 'mesh')
  return new AutoMachine(init.descriptor, init.myself, { mesh, ring, tree }, choose)
}
