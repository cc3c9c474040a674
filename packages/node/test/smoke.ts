import { SimonNode } from '@simon-p2p/node'
const nodes = await Promise.all([0, 1, 2].map(() => SimonNode.create()))
const addrs = nodes.map(n => n.multiaddrs()[0]!)
console.log(addrs)
const t0 = performance.now()
const tasks = nodes.map((n, i) => n.createTask({ taskId: 'smoke', microprotocol: 'SecureSum', network: { nodes: addrs, myself: i } }))
const vals = [10, 7, 14]
tasks.forEach((t, i) => t.input(vals[i]!))
const results = await Promise.all(tasks.map(t => t.result()))
console.log(JSON.stringify(results), performance.now() - t0)
for (let k = 0; k < 5; k++) {
  const s = performance.now()
  const ts = nodes.map((n, i) => n.createTask({ taskId: 'x' + k, microprotocol: 'SecureSum', network: { nodes: addrs, myself: i } }))
  ts.forEach((t, i) => t.input(['123.456789', '1234.56789', '12345.6789'][i]!))
  const r = await Promise.all(ts.map(t => t.result()))
  console.log(JSON.stringify(r[0]), (performance.now() - s).toFixed(2))
}
await Promise.all(nodes.map(n => n.stop()))
