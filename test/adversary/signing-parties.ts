/** Parties of the agreement attacks (not a test file): real SimonNodes on 127.0.0.1, each with its identity's signer, to forge or replay signed commits. */
import { generateIdentity, nodeIdentitySigner, SimonNode, type SimonNodeInit } from '@simon-p2p/node'
import { LOOPBACK } from '../../packages/node/test/helpers.js'

export interface SigningParty { readonly node: SimonNode, readonly sign: (data: Uint8Array) => Uint8Array }

/** `n` nodes made with `init`, stopped after the test. */
export async function signingParties (t: { after: (fn: () => Promise<void>) => void }, n: number, init: Partial<SimonNodeInit>): Promise<SigningParty[]> {
  return Promise.all(Array.from({ length: n }, async () => {
    const privateKey = await generateIdentity()
    const node = await SimonNode.create({ ...init, privateKey, listen: [LOOPBACK] })
    t.after(async () => { await node.stop() })
    return { node, sign: nodeIdentitySigner(privateKey)!.sign }
  }))
}
