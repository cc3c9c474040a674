/**
 * Bad input at every door: one table of invalid inputs, each with the typed error it must raise,
 * driven through the node (createTask, joinTask, task.input), the fdrtd-shaped API
 * (InProcessInterface), the HTTP gateway, and the `simon sum` CLI (real processes). After every
 * row, the node's frame counter proves that nothing was sent; witness nodes that would accept
 * this party's frames prove that nothing arrived.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { Api, InProcessInterface, type Handle } from '@simon-p2p/api'
import { startGateway, type Gateway } from '@simon-p2p/gateway'
import { generateIdentity, peerIdOf, saveIdentity, type SimonNode } from '@simon-p2p/node'
import { freePorts } from '../../packages/cli/src/ports.js'
import { Proc, tempDir } from '../helpers.js'
import { nodeList, startNodes, taskId } from './support.js'

/** What a row must raise: the error's class name, its code, and for bad input the field it names. */
interface Expected { readonly name: string, readonly code: string, readonly field?: string }

interface InProcessContext {
  readonly self: SimonNode
  /** This node first, then the two witnesses. */
  readonly nodes: readonly string[]
  /** A fresh, valid task at this node (party 0) that has no input yet. */
  readonly freshTask: () => ReturnType<SimonNode['createTask']>
  readonly api: Api
  readonly simon: Handle
  readonly kv: Handle
  /** A fresh, valid task created through the API (party 0), no input yet. */
  readonly apiTask: () => Promise<Handle>
}

interface GatewayContext {
  readonly url: string
  readonly simon: string
  readonly kv: string
  readonly nodes: readonly string[]
  /** The callback of a fresh, valid task created over HTTP. */
  readonly task: () => Promise<string>
}

type Row =
  | { readonly door: 'node' | 'api', readonly input: string, readonly run: (c: InProcessContext) => unknown, readonly expect: Expected }
  | { readonly door: 'gateway', readonly input: string, readonly request: (c: GatewayContext) => Promise<HttpRequest>, readonly expect: { readonly status: number, readonly error: string, readonly mentions?: string } }
  | { readonly door: 'cli', readonly input: string, readonly args: (c: CliContext) => string[], readonly expect: { readonly field: string } }

interface HttpRequest { readonly method: string, readonly body?: string, readonly headers?: Record<string, string> }

interface CliContext { readonly key: string, readonly network: string, readonly dir: string, readonly task: string }

const invalid = (field: string): Expected => ({ name: 'InvalidInputError', code: 'INVALID_INPUT', field })
const json = (body: unknown): HttpRequest => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
const SECURE_SUM = 'SecureSum'
/** A sparse array one element longer than the longest vector accepted (2^24): costs no memory to make. */
const tooLong = (): unknown[] => new Array(2 ** 24 + 1)

function create (c: InProcessContext, overrides: { microprotocol?: unknown, network?: unknown, parameters?: unknown, taskId?: unknown, timeoutMs?: number }): unknown {
  return c.self.createTask({
    taskId: taskId('bad'),
    microprotocol: SECURE_SUM,
    network: { nodes: c.nodes, myself: 0 },
    ...overrides
  } as Parameters<SimonNode['createTask']>[0])
}
const withNodes = (c: InProcessContext, nodes: unknown[]): unknown => create(c, { network: { nodes, myself: 0 } })
const withMyself = (c: InProcessContext, myself: unknown): unknown => create(c, { network: { nodes: c.nodes, myself } })
const withParameters = (c: InProcessContext, parameters: unknown): unknown => create(c, { parameters })

export const ROWS: readonly Row[] = [
  // the node: task.input
  { door: 'node', input: 'NaN', run: c => c.freshTask().input(NaN), expect: invalid('value') },
  { door: 'node', input: 'Infinity', run: c => c.freshTask().input(Infinity), expect: invalid('value') },
  { door: 'node', input: '-Infinity', run: c => c.freshTask().input(-Infinity), expect: invalid('value') },
  { door: 'node', input: 'a non-numeric string', run: c => c.freshTask().input('twelve'), expect: invalid('value') },
  { door: 'node', input: 'a number at 10^digits_before', run: c => c.freshTask().input(1e12), expect: invalid('value') },
  { door: 'node', input: 'a decimal string out of range', run: c => c.freshTask().input('-1000000000000.5'), expect: invalid('value') },
  { door: 'node', input: 'more digits after the point than digits_after', run: c => c.freshTask().input('0.0000000000001'), expect: invalid('value') },
  { door: 'node', input: 'an exponent beyond any range', run: c => c.freshTask().input('1e99999999'), expect: invalid('value') },
  { door: 'node', input: 'a bigint out of range', run: c => c.freshTask().input(10n ** 12n), expect: invalid('value') },
  { door: 'node', input: 'null', run: c => c.freshTask().input(null as never), expect: invalid('value') },
  { door: 'node', input: 'undefined', run: c => c.freshTask().input(undefined as never), expect: invalid('value') },
  { door: 'node', input: 'an object', run: c => c.freshTask().input({ value: 1 } as never), expect: invalid('value') },
  { door: 'node', input: 'a boolean', run: c => c.freshTask().input(true as never), expect: invalid('value') },
  { door: 'node', input: 'an empty vector', run: c => c.freshTask().input([]), expect: invalid('value') },
  { door: 'node', input: 'NaN inside a vector', run: c => c.freshTask().input([1, 2, NaN]), expect: invalid('value[2]') },
  { door: 'node', input: 'a word inside a vector', run: c => c.freshTask().input(['1', 'x']), expect: invalid('value[1]') },
  { door: 'node', input: 'Infinity inside a Float64Array', run: c => c.freshTask().input(Float64Array.from([0, 1, 2, 3, 4, Infinity])), expect: invalid('value[5]') },
  { door: 'node', input: 'a nested array', run: c => c.freshTask().input([[1]] as never), expect: invalid('value[0]') },
  { door: 'node', input: 'a vector of 2^24 + 1 elements', run: c => c.freshTask().input(tooLong() as never), expect: invalid('value') },
  // the node: createTask and joinTask
  { door: 'node', input: 'an unknown microprotocol', run: c => create(c, { microprotocol: 'SecureProduct' }), expect: invalid('microprotocol') },
  { door: 'node', input: 'no microprotocol', run: c => create(c, { microprotocol: undefined }), expect: invalid('microprotocol') },
  { door: 'node', input: 'a network that is null', run: c => create(c, { network: null }), expect: invalid('network') },
  { door: 'node', input: 'nodes that are not a list', run: c => create(c, { network: { nodes: 'a,b,c', myself: 0 } }), expect: invalid('network.nodes') },
  { door: 'node', input: 'a network of one node', run: c => withNodes(c, [c.nodes[0]]), expect: invalid('network.nodes') },
  { door: 'node', input: 'the same node twice', run: c => withNodes(c, [c.nodes[0], c.nodes[1], c.nodes[1]]), expect: invalid('network.nodes[2]') },
  { door: 'node', input: 'a node without /p2p/<PeerId>', run: c => withNodes(c, [c.nodes[0], '/ip4/127.0.0.1/tcp/4001']), expect: invalid('network.nodes[1]') },
  { door: 'node', input: 'a node that is not a multiaddr', run: c => withNodes(c, [c.nodes[0], c.nodes[1], 'hello']), expect: invalid('network.nodes[2]') },
  { door: 'node', input: 'a PeerId that is not one', run: c => withNodes(c, [c.nodes[0], '/ip4/127.0.0.1/tcp/4001/p2p/QmNotAPeerIdAtAll']), expect: invalid('network.nodes[1]') },
  { door: 'node', input: 'a node that is a number', run: c => withNodes(c, [c.nodes[0], 4001]), expect: invalid('network.nodes[1]') },
  { door: 'node', input: 'myself past the end', run: c => withMyself(c, 3), expect: invalid('network.myself') },
  { door: 'node', input: 'myself negative', run: c => withMyself(c, -1), expect: invalid('network.myself') },
  { door: 'node', input: 'myself a fraction', run: c => withMyself(c, 0.5), expect: invalid('network.myself') },
  { door: 'node', input: 'myself a string', run: c => withMyself(c, '0'), expect: invalid('network.myself') },
  { door: 'node', input: 'myself naming another node\'s PeerId', run: c => withMyself(c, 1), expect: invalid('network.myself') },
  { door: 'node', input: 'parameters that are a list', run: c => withParameters(c, []), expect: invalid('parameters') },
  { door: 'node', input: 'digits_after negative', run: c => withParameters(c, { digits_after: -1 }), expect: invalid('parameters.digits_after') },
  { door: 'node', input: 'digits_before above 1000', run: c => withParameters(c, { digits_before: 1001 }), expect: invalid('parameters.digits_before') },
  { door: 'node', input: 'digits_after a fraction', run: c => withParameters(c, { digits_after: 2.5 }), expect: invalid('parameters.digits_after') },
  { door: 'node', input: 'digits_after NaN', run: c => withParameters(c, { digits_after: NaN }), expect: invalid('parameters.digits_after') },
  { door: 'node', input: 'no digits at all', run: c => withParameters(c, { digits_before: 0, digits_after: 0 }), expect: invalid('parameters.digits_before') },
  { door: 'node', input: 'a modulus that is not prime', run: c => withParameters(c, { modulus: String(2n ** 127n) }), expect: invalid('parameters.modulus') },
  { door: 'node', input: 'a prime modulus too small for the sums', run: c => withParameters(c, { modulus: '2305843009213693951' }), expect: invalid('parameters.modulus') },
  { door: 'node', input: 'a modulus that is not a number', run: c => withParameters(c, { modulus: '0x7fffffff' }), expect: invalid('parameters.modulus') },
  { door: 'node', input: 'an unknown parameter', run: c => withParameters(c, { colour: 'blue' }), expect: invalid('parameters.colour') },
  { door: 'node', input: 'threshold 0', run: c => withParameters(c, { threshold: 0 }), expect: invalid('parameters.threshold') },
  { door: 'node', input: 'threshold of half the parties or fewer', run: c => withParameters(c, { threshold: 1 }), expect: invalid('parameters.threshold') },
  { door: 'node', input: 'threshold above the number of parties', run: c => withParameters(c, { threshold: 4 }), expect: invalid('parameters.threshold') },
  { door: 'node', input: 'threshold a fraction', run: c => withParameters(c, { threshold: 2.5 }), expect: invalid('parameters.threshold') },
  { door: 'node', input: 'threshold a word', run: c => withParameters(c, { threshold: 'two' }), expect: invalid('parameters.threshold') },
  { door: 'node', input: 'share_timeout negative', run: c => withParameters(c, { threshold: 2, share_timeout: -1 }), expect: invalid('parameters.share_timeout') },
  { door: 'node', input: 'share_timeout Infinity', run: c => withParameters(c, { threshold: 2, share_timeout: Infinity }), expect: invalid('parameters.share_timeout') },
  { door: 'node', input: 'an empty task id', run: c => create(c, { taskId: '' }), expect: invalid('task') },
  { door: 'node', input: 'a task id of 129 bytes', run: c => create(c, { taskId: 'x'.repeat(129) }), expect: invalid('task') },
  { door: 'node', input: 'a task id with a control character', run: c => create(c, { taskId: 'a\nb' }), expect: invalid('task') },
  { door: 'node', input: 'a task id that is a number', run: c => create(c, { taskId: 42 }), expect: invalid('task') },
  { door: 'node', input: 'a task id that exists here', run: c => create(c, { taskId: c.freshTask().id }), expect: invalid('task') },
  { door: 'node', input: 'a timeout of 0', run: c => create(c, { timeoutMs: 0 }), expect: invalid('timeout') },
  { door: 'node', input: 'a timeout of NaN', run: c => create(c, { timeoutMs: NaN }), expect: invalid('timeout') },
  { door: 'node', input: 'an invitation that is null', run: c => c.self.joinTask(null as never, { nodes: c.nodes, myself: 0 }), expect: invalid('invitation') },
  { door: 'node', input: 'an invitation of another microprotocol', run: c => c.self.joinTask({ task: taskId(), microprotocol: 'SecureProduct', parameters: {} } as never, { nodes: c.nodes, myself: 0 }), expect: invalid('microprotocol') },
  { door: 'node', input: 'result() before any input', run: async c => c.freshTask().result(), expect: invalid('task') },

  // the fdrtd-shaped API, in process
  { door: 'api', input: 'a microservice that does not exist', run: async c => c.api.selectMicroservice({ protocol: 'NoSuchProtocol' }), expect: { name: 'MicroserviceNotFoundError', code: 'MICROSERVICE_NOT_FOUND' } },
  { door: 'api', input: 'an unknown microprotocol', run: async c => c.simon.create({ microprotocol: 'SecureProduct', network: { nodes: c.nodes, myself: 0 } }), expect: { name: 'UnsupportedMicroprotocolError', code: 'UNSUPPORTED_MICROPROTOCOL' } },
  { door: 'api', input: 'no microprotocol', run: async c => c.simon.create({ network: { nodes: c.nodes, myself: 0 } }), expect: invalid('microprotocol') },
  { door: 'api', input: 'no network', run: async c => c.simon.create({ microprotocol: SECURE_SUM }), expect: invalid('network') },
  { door: 'api', input: 'a negative timeout', run: async c => c.simon.create({ microprotocol: SECURE_SUM, network: { nodes: c.nodes, myself: 0 }, timeout: -1 }), expect: invalid('timeout') },
  { door: 'api', input: 'a timeout of Infinity', run: async c => c.simon.create({ microprotocol: SECURE_SUM, network: { nodes: c.nodes, myself: 0 }, timeout: Infinity }), expect: invalid('timeout') },
  { door: 'api', input: 'parameters that are a string', run: async c => c.simon.create({ microprotocol: SECURE_SUM, network: { nodes: c.nodes, myself: 0 }, parameters: 'digits=3' }), expect: invalid('parameters') },
  { door: 'api', input: 'a threshold above the number of parties', run: async c => c.simon.create({ microprotocol: SECURE_SUM, network: { nodes: c.nodes, myself: 0 }, parameters: { threshold: 5 } }), expect: invalid('parameters.threshold') },
  { door: 'api', input: 'myself past the end', run: async c => c.simon.create({ microprotocol: SECURE_SUM, network: { nodes: c.nodes, myself: 7 } }), expect: invalid('network.myself') },
  { door: 'api', input: 'a network with a duplicate', run: async c => c.simon.create({ microprotocol: SECURE_SUM, network: { nodes: [c.nodes[0], c.nodes[0]], myself: 0 } }), expect: invalid('network.nodes[1]') },
  { door: 'api', input: 'an input value of NaN', run: async c => (await c.apiTask()).input({ value: NaN }), expect: invalid('value') },
  { door: 'api', input: 'an input value that is a word', run: async c => (await c.apiTask()).input({ value: 'abc' }), expect: invalid('value') },
  { door: 'api', input: 'an input with neither source nor value', run: async c => (await c.apiTask()).input({}), expect: invalid('source') },
  { door: 'api', input: 'an input with both source and value', run: async c => (await c.apiTask()).input({ source: await c.kv.create({ value: 1 }), value: 1 }), expect: invalid('source') },
  { door: 'api', input: 'a source that is no handle', run: async c => (await c.apiTask()).input({ source: 'data' }), expect: invalid('source') },
  { door: 'api', input: 'a source of another microservice', run: async c => (await c.apiTask()).input({ source: { handle: 'nope', callback: 'x' } }), expect: { name: 'UnknownHandleError', code: 'UNKNOWN_HANDLE' } },
  { door: 'api', input: 'a source deleted before use', run: async c => { const data = await c.kv.create({ value: 5 }); await data.delete(); return (await c.apiTask()).input({ source: data }) }, expect: { name: 'UnknownHandleError', code: 'UNKNOWN_HANDLE' } },
  { door: 'api', input: 'a stored vector with a word in it', run: async c => (await c.apiTask()).input({ source: await c.kv.create({ value: [1, 'two'] }) }), expect: invalid('value[1]') },
  { door: 'api', input: 'a stored vector of 2^24 + 1 elements', run: async c => (await c.apiTask()).input({ value: tooLong() }), expect: invalid('value') },
  { door: 'api', input: 'an unknown input parameter', run: async c => (await c.apiTask()).input({ colour: 'blue' }), expect: invalid('colour') },
  { door: 'api', input: 'a function that does not exist', run: async c => (await c.apiTask()).call('multiply', {}), expect: { name: 'UnknownFunctionError', code: 'UNKNOWN_FUNCTION' } },
  { door: 'api', input: 'a task callback that names nothing', run: async c => c.api.iface.call(c.simon.handle, 'input', { value: 1 }, 'no-such-task'), expect: { name: 'UnknownHandleError', code: 'UNKNOWN_HANDLE' } },
  { door: 'api', input: 'a join without an invitation', run: async c => c.simon.join({ network: { nodes: c.nodes, myself: 0 } }), expect: invalid('invitation') },
  { door: 'api', input: 'a join with an invitation of another microprotocol', run: async c => c.simon.join({ invitation: { task: taskId(), microprotocol: 'SecureProduct', parameters: {} }, network: { nodes: c.nodes, myself: 0 } }), expect: { name: 'UnsupportedMicroprotocolError', code: 'UNSUPPORTED_MICROPROTOCOL' } },
  { door: 'api', input: 'a join whose invitation carries mismatched parameters', run: async c => c.simon.join({ invitation: { task: taskId(), microprotocol: SECURE_SUM, parameters: { digits_after: 'twelve' } }, network: { nodes: c.nodes, myself: 0 } }), expect: invalid('parameters.digits_after') },
  { door: 'api', input: 'a join whose invitation has a modulus too small for this network', run: async c => c.simon.join({ invitation: { task: taskId(), microprotocol: SECURE_SUM, parameters: { modulus: '2305843009213693951' } }, network: { nodes: c.nodes, myself: 0 } }), expect: invalid('parameters.modulus') },
  { door: 'api', input: 'a stored value without a value', run: async c => c.kv.create({}), expect: invalid('value') },

  // the HTTP gateway
  { door: 'gateway', input: 'a body that is not JSON', request: async () => ({ method: 'POST', body: '{"handle": ', headers: { 'content-type': 'application/json' } }), expect: { status: 400, error: 'MALFORMED_BODY' } },
  { door: 'gateway', input: 'a body that is a JSON list', request: async () => json([1, 2, 3]), expect: { status: 400, error: 'MALFORMED_BODY' } },
  { door: 'gateway', input: 'a call without a handle', request: async () => json({ function: 'create', parameters: {} }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'handle' } },
  { door: 'gateway', input: 'a handle that names nothing', request: async () => json({ handle: 'no-such-handle', function: 'create', parameters: {} }), expect: { status: 404, error: 'UNKNOWN_HANDLE' } },
  { door: 'gateway', input: 'a function that does not exist', request: async c => json({ handle: c.simon, function: 'multiply', parameters: {} }), expect: { status: 404, error: 'UNKNOWN_FUNCTION', mentions: 'multiply' } },
  { door: 'gateway', input: 'an unknown microprotocol', request: async c => json({ handle: c.simon, function: 'create', parameters: { microprotocol: 'SecureProduct', network: { nodes: c.nodes, myself: 0 } } }), expect: { status: 501, error: 'UNSUPPORTED_MICROPROTOCOL', mentions: 'SecureProduct' } },
  { door: 'gateway', input: 'a network with a duplicate', request: async c => json({ handle: c.simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: [c.nodes[0], c.nodes[1], c.nodes[1]], myself: 0 } } }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'network.nodes[2]' } },
  { door: 'gateway', input: 'a threshold of 7 for 3 parties', request: async c => json({ handle: c.simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: c.nodes, myself: 0 }, parameters: { threshold: 7 } } }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'parameters.threshold' } },
  { door: 'gateway', input: 'digits_after negative', request: async c => json({ handle: c.simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes: c.nodes, myself: 0 }, parameters: { digits_after: -3 } } }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'parameters.digits_after' } },
  { door: 'gateway', input: 'an input value "NaN"', request: async c => json({ handle: c.simon, function: 'input', callback: await c.task(), parameters: { value: 'NaN' } }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'value' } },
  { door: 'gateway', input: 'an input value 1e400 (Infinity once parsed)', request: async c => ({ ...json({}), body: `{"handle": "${c.simon}", "function": "input", "callback": "${await c.task()}", "parameters": {"value": 1e400}}` }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'value' } },
  { door: 'gateway', input: 'an input vector with null in it', request: async c => json({ handle: c.simon, function: 'input', callback: await c.task(), parameters: { value: [1, null] } }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'value[1]' } },
  { door: 'gateway', input: 'an input vector over the body limit', request: async c => json({ handle: c.simon, function: 'input', callback: await c.task(), parameters: { value: Array.from({ length: 40_000 }, (_, i) => i) } }), expect: { status: 413, error: 'BODY_TOO_LARGE' } },
  { door: 'gateway', input: 'an input for a task that is not here', request: async c => json({ handle: c.simon, function: 'input', callback: 'no-such-task', parameters: { value: 1 } }), expect: { status: 404, error: 'UNKNOWN_HANDLE' } },
  { door: 'gateway', input: 'a join without an invitation', request: async c => json({ handle: c.simon, function: 'join', parameters: { network: { nodes: c.nodes, myself: 0 } } }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'invitation' } },
  { door: 'gateway', input: 'a selection that matches nothing', request: async () => ({ method: 'PUT', body: JSON.stringify({ protocol: 'NoSuchProtocol' }), headers: { 'content-type': 'application/json' } }), expect: { status: 404, error: 'MICROSERVICE_NOT_FOUND' } },
  { door: 'gateway', input: 'a body that is not declared JSON', request: async c => ({ method: 'POST', body: JSON.stringify({ handle: c.simon, function: 'create' }), headers: { 'content-type': 'text/plain' } }), expect: { status: 415, error: 'UNSUPPORTED_MEDIA_TYPE' } },
  { door: 'gateway', input: 'a stored value without a value', request: async c => json({ handle: c.kv, function: 'create', parameters: {} }), expect: { status: 400, error: 'INVALID_INPUT', mentions: 'value' } },

  // the CLI: `simon sum`, one process per row
  { door: 'cli', input: '--value NaN', args: c => sum(c, ['--value', 'NaN']), expect: { field: 'value' } },
  { door: 'cli', input: '--value "abc" (a word)', args: c => sum(c, ['--value', '"abc"']), expect: { field: 'value' } },
  { door: 'cli', input: '--value [1, null]', args: c => sum(c, ['--value', '[1, null]']), expect: { field: 'value[1]' } },
  { door: 'cli', input: '--value 1e13 (out of range)', args: c => sum(c, ['--value', '1e13']), expect: { field: 'value' } },
  { door: 'cli', input: '--value {"a": 1}', args: c => sum(c, ['--value', '{"a": 1}']), expect: { field: 'value' } },
  { door: 'cli', input: 'no --value', args: c => sum(c, []), expect: { field: 'value' } },
  { door: 'cli', input: '--value and --value-file together', args: c => sum(c, ['--value', '1', '--value-file', join(c.dir, 'v.json')]), expect: { field: 'value' } },
  { door: 'cli', input: '--value-file that does not exist', args: c => sum(c, ['--value-file', join(c.dir, 'missing.json')]), expect: { field: 'value-file' } },
  { door: 'cli', input: '--myself 3 of 3 nodes', args: c => sum(c, ['--value', '1'], { myself: '3' }), expect: { field: 'network.myself' } },
  { door: 'cli', input: '--myself -1', args: c => sum(c, ['--value', '1'], { myself: '-1' }), expect: { field: 'myself' } },
  { door: 'cli', input: '--myself naming another party\'s PeerId', args: c => sum(c, ['--value', '1'], { myself: '1' }), expect: { field: 'network.myself' } },
  { door: 'cli', input: '--timeout 0', args: c => sum(c, ['--value', '1', '--timeout', '0']), expect: { field: 'timeout' } },
  { door: 'cli', input: '--digits-after 1001', args: c => sum(c, ['--value', '1', '--digits-after', '1001']), expect: { field: 'digits-after' } },
  { door: 'cli', input: '--network file that does not exist', args: c => sum(c, ['--value', '1'], { network: join(c.dir, 'missing-network.json') }), expect: { field: 'network' } },
  { door: 'cli', input: '--network file with a duplicate node', args: c => sum(c, ['--value', '1'], { network: join(c.dir, 'duplicate.json') }), expect: { field: 'network.nodes[2]' } },
  { door: 'cli', input: '--task "" (empty)', args: c => sum(c, ['--value', '1'], { task: '' }), expect: { field: 'task' } }
]

function sum (c: CliContext, extra: string[], over: { myself?: string, network?: string, task?: string } = {}): string[] {
  return ['sum', '--key', c.key, '--listen', '/ip4/127.0.0.1/tcp/0', '--network', over.network ?? c.network,
    '--myself', over.myself ?? '0', '--task', over.task ?? c.task, ...extra]
}

/** Every frame a node sent or received, for the proof that a refused input sent nothing. */
function traffic (nodes: readonly SimonNode[]): number[] {
  return nodes.flatMap(n => [n.stats().framesSent, n.stats().framesReceived])
}

async function raised (run: () => unknown): Promise<Error & Record<string, unknown>> {
  try {
    await run()
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  assert.fail('expected an error, got none')
}

/**
 * Witnesses: nodes that hold a task listing `parties` (so their gaters admit every party) and
 * would count any frame that reached them.
 */
function witness (nodes: readonly SimonNode[], list: readonly string[]): void {
  nodes.forEach(node => node.createTask({ taskId: taskId('witness'), microprotocol: SECURE_SUM, network: { nodes: list, myself: list.indexOf(nodeList([node])[0]!) } }))
}

test('the table holds at least 40 invalid inputs, at every door', () => {
  const doors = new Map<string, number>()
  for (const row of ROWS) doors.set(row.door, (doors.get(row.door) ?? 0) + 1)
  assert.ok(ROWS.length >= 40, `${ROWS.length} rows`)
  for (const door of ['node', 'api', 'gateway', 'cli']) assert.ok((doors.get(door) ?? 0) >= 10, `${door}: ${doors.get(door) ?? 0} rows`)
})

test('node and API: each invalid input raises its typed error, naming the field, and nothing is sent', async t => {
  const [self, b, c] = await startNodes(t, 3)
  const nodes = nodeList([self!, b!, c!])
  witness([b!, c!], nodes)
  const api = new Api(new InProcessInterface(self!))
  const simon = await api.selectMicroservice({ protocol: 'Simon' })
  const kv = await api.selectMicroservice({ microservice: 'KeyValueStorage' })
  const context: InProcessContext = {
    self: self!,
    nodes,
    freshTask: () => self!.createTask({ taskId: taskId('fresh'), microprotocol: SECURE_SUM, network: { nodes, myself: 0 } }),
    api,
    simon,
    kv,
    apiTask: async () => simon.create({ microprotocol: SECURE_SUM, network: { nodes, myself: 0 } })
  }
  const before = traffic([self!, b!, c!])
  let rows = 0
  for (const row of ROWS) {
    if (row.door !== 'node' && row.door !== 'api') continue
    const what = `${row.door}: ${row.input}`
    const error = await raised(async () => row.run(context))
    assert.equal(error.name, row.expect.name, `${what}: ${error.name}: ${error.message}`)
    assert.equal(error.code, row.expect.code, what)
    if (row.expect.field !== undefined) assert.equal(error.field, row.expect.field, `${what}: ${error.message}`)
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(traffic([self!, b!, c!]), before, `${what}: no frame sent or received`)
    rows++
  }
  // the same node still sends when the input is good: the counter is live
  const task = context.freshTask()
  task.input(1)
  await new Promise(resolve => setImmediate(resolve))
  assert.ok(self!.stats().framesSent > before[0]!, 'a valid input does send its shares')
  t.diagnostic(`${rows} node and API rows; nothing sent for any of them`)
})

test('gateway: each invalid request gets its status and {code, error, message}, and nothing is sent', async t => {
  const [self, b, c] = await startNodes(t, 3)
  const gateway: Gateway = await startGateway({ node: self!, bodyLimitBytes: 64 * 1024 })
  t.after(async () => { await gateway.close() })
  const nodes = nodeList([self!, b!, c!])
  witness([b!, c!], nodes)
  const call = async (r: HttpRequest): Promise<{ status: number, body: Record<string, unknown> }> => {
    const response = await fetch(gateway.url, { method: r.method, headers: r.headers ?? {}, ...(r.body === undefined ? {} : { body: r.body }) })
    const text = await response.text()
    return { status: response.status, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> }
  }
  const select = async (identifiers: Record<string, string>): Promise<string> => (await call({ method: 'PUT', body: JSON.stringify(identifiers), headers: { 'content-type': 'application/json' } })).body as unknown as string
  const simon = await select({ protocol: 'Simon' })
  const kv = await select({ microservice: 'KeyValueStorage' })
  const context: GatewayContext = {
    url: gateway.url,
    simon,
    kv,
    nodes,
    task: async () => {
      const created = await call(json({ handle: simon, function: 'create', parameters: { microprotocol: SECURE_SUM, network: { nodes, myself: 0 } } }))
      assert.equal(created.status, 201, JSON.stringify(created.body))
      return created.body.callback as string
    }
  }
  const before = traffic([self!, b!, c!])
  for (const row of ROWS) {
    if (row.door !== 'gateway') continue
    const what = `gateway: ${row.input}`
    const answer = await call(await row.request(context))
    assert.equal(answer.status, row.expect.status, `${what}: ${JSON.stringify(answer.body)}`)
    assert.equal(answer.body.code, row.expect.status, what)
    assert.equal(answer.body.error, row.expect.error, what)
    assert.equal(typeof answer.body.message, 'string', what)
    if (row.expect.mentions !== undefined) assert.ok((answer.body.message as string).includes(row.expect.mentions), `${what}: ${String(answer.body.message)}`)
    assert.deepEqual(traffic([self!, b!, c!]), before, `${what}: no frame sent or received`)
  }
})

test('CLI: each invalid input exits 2 with one stderr line naming the field, and no frame reaches the other parties', async t => {
  const dir = await tempDir(t)
  const key = await generateIdentity()
  const keyPath = join(dir, 'party0.key')
  await saveIdentity(key, keyPath)
  const [b, c] = await startNodes(t, 2)
  const [port] = await freePorts(1)
  const list = [`/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdOf(key)}`, ...nodeList([b!, c!])]
  const network = join(dir, 'network.json')
  await writeFile(network, JSON.stringify({ nodes: list }))
  await writeFile(join(dir, 'duplicate.json'), JSON.stringify({ nodes: [list[0], list[1], list[1]] }))
  await writeFile(join(dir, 'v.json'), '1')
  const task = taskId('cli')
  // the witnesses hold the very task the CLI party would join: any share it sent would be taken
  b!.createTask({ taskId: task, microprotocol: SECURE_SUM, network: { nodes: list, myself: 1 } })
  c!.createTask({ taskId: task, microprotocol: SECURE_SUM, network: { nodes: list, myself: 2 } })
  const context: CliContext = { key: keyPath, network, dir, task }
  const rows = ROWS.filter((r): r is Extract<Row, { door: 'cli' }> => r.door === 'cli')
  const results: Array<{ row: typeof rows[number], code: number | null, stderr: string }> = []
  // two at a time: each is a Node.js process that loads libp2p
  for (let i = 0; i < rows.length; i += 2) {
    const batch = rows.slice(i, i + 2).map(row => {
      const proc = new Proc(row.args(context))
      t.after(() => proc.kill())
      return proc.exited.then(r => results.push({ row, code: r.code, stderr: r.stderr }))
    })
    await Promise.all(batch)
  }
  for (const { row, code, stderr } of results) {
    const what = `cli: ${row.input}`
    assert.equal(code, 2, `${what}: exit ${code}, stderr ${stderr}`)
    const lines = stderr.trim().split('\n')
    assert.equal(lines.length, 1, `${what}: ${stderr}`)
    const field = row.expect.field.replace(/[[\]]/g, '\\$&')
    assert.match(lines[0]!, new RegExp(`^simon sum: InvalidInputError: invalid ${field}: `), what)
  }
  assert.deepEqual(traffic([b!, c!]).filter((_, i) => i % 2 === 1), [0, 0], 'no frame reached the other parties')
  for (const node of [b!, c!]) assert.equal(node.getTask(task)?.status().step, 'input', 'their task never heard of party 0')
})
