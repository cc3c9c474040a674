/** Threshold mode: Shamir shares of degree t-1, agreement on one input set, any t partial sums give the total. */
export * from './shamir.js'
export * from './agreement.js'
export * from '../../task/threshold.js'
export { ThresholdMachine, type ThresholdStep } from './machine.js'
