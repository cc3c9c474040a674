import { test } from 'node:test'
import { MACHINES, task, assertSum, inputSets } from './machine-cases.js'
test('smoke', () => {
  const c = MACHINES.find(m => m.name === 'lean-threshold')!
  for (const n of [3, 4]) for (const { name, inputs } of inputSets(n)) {
    const sim = task(c, inputs, { seed: name })
    sim.run()
    assertSum(sim, inputs)
  }
})
