/**
 * The fdrtd "secure sum" tutorial, step by step, in TypeScript. Alice, Bob and Charlie each run
 * their own libp2p node (here in one process, talking over real TCP on 127.0.0.1); there is no
 * server in the middle. Run it with `pnpm tutorial`.
 */
import { SimonNode } from '@simon-p2p/node'
import { Api, InProcessInterface } from '@simon-p2p/api'

// Each party's own node. In real life these run on three machines, each with its own key.
const [nodeA, nodeB, nodeC] = await Promise.all([0, 1, 2].map(async () => SimonNode.create({ listen: ['/ip4/127.0.0.1/tcp/0'] })))
try {
  // 1. describe a peer-to-peer network: the same list, in the same order, for every party
  const nodes = [nodeA!, nodeB!, nodeC!].map(n => n.multiaddrs()[0]!)
  const networkA = { nodes, myself: 0 }
  const networkB = { nodes, myself: 1 }
  const networkC = { nodes, myself: 2 }

  // 2. connect: each party talks to its own node only
  const apiA = new Api(new InProcessInterface(nodeA!))
  const apiB = new Api(new InProcessInterface(nodeB!))
  const apiC = new Api(new InProcessInterface(nodeC!))

  // 3. start a secure computation task
  const protocolA = await apiA.selectMicroservice({ protocol: 'Simon' })
  const protocolB = await apiB.selectMicroservice({ protocol: 'Simon' })
  const protocolC = await apiC.selectMicroservice({ protocol: 'Simon' })
  const taskA = await protocolA.create({ microprotocol: 'SecureSum', network: networkA })

  // 4. invite the others to join
  const invitation = await taskA.invite()
  const taskB = await protocolB.join({ invitation, network: networkB })
  const taskC = await protocolC.join({ invitation, network: networkC })

  // 5. provide private input: each value stays on its owner's node
  const kvstorageA = await apiA.selectMicroservice({ microservice: 'KeyValueStorage' })
  const kvstorageB = await apiB.selectMicroservice({ microservice: 'KeyValueStorage' })
  const kvstorageC = await apiC.selectMicroservice({ microservice: 'KeyValueStorage' })
  const dataA = await kvstorageA.create({ value: 10 })
  const dataB = await kvstorageB.create({ value: 7 })
  const dataC = await kvstorageC.create({ value: 14 })
  await taskA.input({ source: dataA })
  await taskB.input({ source: dataB })
  await taskC.input({ source: dataC })

  // 6. query the result: 3 inputs, 3 samples, sum 31, at every party
  for (const task of [taskA, taskB, taskC]) console.log(JSON.stringify(await task.result()))

  // cleanup: always clean up your sensitive data
  await dataA.delete()
  await dataB.delete()
  await dataC.delete()
} finally {
  await Promise.all([nodeA!, nodeB!, nodeC!].map(async n => n.stop()))
}
