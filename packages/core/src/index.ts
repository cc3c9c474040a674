/**
 * @simon-p2p/core: the pure part of simon-p2p. Field arithmetic, encodings, share splitting,
 * the SecureSum state machine and the wire codec; no I/O, no timers, randomness injected.
 */
export * from './errors.js'
export * from './field.js'
export * from './random.js'
export * from './encoding.js'
export * from './shares.js'
export * from './task.js'
export * from './codec.js'
export * from './securesum.js'
export * from './machine.js'
export * from './threshold/index.js'
export * from './lean/index.js'
