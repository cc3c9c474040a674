/**
 * parseNetwork: a task's node list (multiaddrs ending in /p2p/<PeerId>) and this party's index.
 */
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_PARTIES } from '@simon-p2p/core'
import { parseNetwork } from '../src/network.js'
import { generateIdentity, peerIdOf } from '../src/identity.js'

let ids: string[] = []
before(async () => { ids = await Promise.all(Array.from({ length: 4 }, async () => peerIdOf(await generateIdentity()))) })

function refuses (network: unknown, field: string, prefix?: string): void {
  assert.throws(() => (prefix === undefined ? parseNetwork(network) : parseNetwork(network, prefix)), (err: Error & Record<string, unknown>) => {
    assert.equal(err.name, 'InvalidInputError')
    assert.equal(err.code, 'INVALID_INPUT')
    assert.equal(err.field, field)
    return true
  })
}

test('a valid list maps to parties with index, PeerId and multiaddr, in order', () => {
  const nodes = [
    `/ip4/127.0.0.1/tcp/4001/p2p/${ids[0]}`,
    `/ip4/10.0.0.2/tcp/4002/ws/p2p/${ids[1]}`,
    `/dns4/party.example.org/tcp/443/wss/p2p/${ids[2]}`,
    `/ip6/::1/tcp/4004/p2p/${ids[3]}`
  ]
  const { parties, myself } = parseNetwork({ nodes, myself: 2 })
  assert.equal(myself, 2)
  assert.deepEqual(parties.map(p => p.index), [0, 1, 2, 3])
  assert.deepEqual(parties.map(p => p.peerId), ids)
  assert.deepEqual(parties.map(p => p.multiaddr.toString()), nodes)
  const two = parseNetwork({ nodes: nodes.slice(0, 2), myself: 0 })
  assert.equal(two.parties.length, 2)
  assert.equal(two.myself, 0)
  assert.equal(parseNetwork({ nodes: nodes.slice(0, 2), myself: 1 }).myself, 1)
})

test('refuses a network that is not an object with a list of nodes', () => {
  refuses(null, 'network')
  refuses(undefined, 'network')
  refuses('nodes', 'network')
  refuses({ myself: 0 }, 'network.nodes')
  refuses({ nodes: 'a,b', myself: 0 }, 'network.nodes')
  refuses({ nodes: [], myself: 0 }, 'network.nodes')
  refuses({ nodes: [`/ip4/127.0.0.1/tcp/1/p2p/${ids[0]}`], myself: 0 }, 'network.nodes')
  refuses({ nodes: new Array(MAX_PARTIES + 1).fill(`/ip4/127.0.0.1/tcp/1/p2p/${ids[0]}`), myself: 0 }, 'network.nodes')
})

test('refuses each bad node, naming its index', () => {
  const good = (i: number): string => `/ip4/127.0.0.1/tcp/${4000 + i}/p2p/${ids[i]}`
  refuses({ nodes: [good(0), 42], myself: 0 }, 'network.nodes[1]')
  refuses({ nodes: [good(0), null], myself: 0 }, 'network.nodes[1]')
  refuses({ nodes: ['127.0.0.1:4001', good(1)], myself: 0 }, 'network.nodes[0]')
  refuses({ nodes: [good(0), ''], myself: 0 }, 'network.nodes[1]')
  refuses({ nodes: [good(0), good(1), '/ip4/127.0.0.1/tcp/4003'], myself: 0 }, 'network.nodes[2]')
  // /p2p/ in the middle does not pin the last hop
  refuses({ nodes: [good(0), `/ip4/127.0.0.1/tcp/4001/p2p/${ids[1]}/p2p-circuit`], myself: 0 }, 'network.nodes[1]')
  refuses({ nodes: [good(0), '/ip4/127.0.0.1/tcp/4001/p2p/QmNotAPeerId'], myself: 0 }, 'network.nodes[1]')
  // the same PeerId twice, even at another address
  refuses({ nodes: [good(0), good(1), `/ip4/10.1.1.1/tcp/9/p2p/${ids[0]}`], myself: 0 }, 'network.nodes[2]')
  refuses({ nodes: [good(0), good(0)], myself: 0 }, 'network.nodes[1]')
})

test('refuses a bad myself', () => {
  const nodes = [`/ip4/127.0.0.1/tcp/4001/p2p/${ids[0]}`, `/ip4/127.0.0.1/tcp/4002/p2p/${ids[1]}`]
  for (const myself of [-1, 2, 1.5, NaN, Infinity, '0', null, undefined, 2 ** 53]) refuses({ nodes, myself }, 'network.myself')
  refuses({ nodes }, 'network.myself')
})

test('the field prefix names the caller\'s own parameter', () => {
  refuses({ nodes: [`/ip4/127.0.0.1/tcp/4001/p2p/${ids[0]}`, 'x'], myself: 0 }, 'body.network.nodes[1]', 'body.network')
  refuses({ nodes: [`/ip4/127.0.0.1/tcp/4001/p2p/${ids[0]}`, `/ip4/127.0.0.1/tcp/4002/p2p/${ids[1]}`], myself: 5 }, 'body.network.myself', 'body.network')
})
