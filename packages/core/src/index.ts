/**
 * @simon-p2p/core: the pure part of simon-p2p. Field arithmetic, encodings, share splitting,
 * the SecureSum state machine and the wire codec; no I/O, no timers, randomness injected.
 */
export * from './errors.js'
export * from './field/wide.js'
export * from './field/random.js'
export * from './encoding/fixed-point.js'
export * from './protocols/mesh/shares.js'
export * from './task/descriptor.js'
export * from './wire/codec.js'
export * from './protocols/mesh/machine.js'
export * from './machine/create.js'
export * from './protocols/threshold/index.js'
export * from './protocols/lean/index.js'
