/**
 * @packageDocumentation
 *
 * @simon-p2p/gateway: the fdrtd HTTP API 0.2.0 in front of one simon-p2p node, so that existing
 * fdrtd clients work unchanged. `startGateway({ node })` serves it; `simon node --http` runs one.
 * Every error answer comes from one table (`GATEWAY_ERRORS`, the same as in the README).
 *
 * @example
 * ```ts
 * import { SimonNode } from '@simon-p2p/node'
 * import { startGateway } from '@simon-p2p/gateway'
 *
 * const node = await SimonNode.create({ listen: ['/ip4/0.0.0.0/tcp/4001'] })
 * const gateway = await startGateway({ node, port: 8080 })
 * console.log(gateway.url) // http://127.0.0.1:8080: the root URL fdrtd clients use
 * // beyond loopback a token is required, and browser pages of other origins are refused unless allowed:
 * await startGateway({ node, host: '0.0.0.0', port: 8081, token: process.env.SIMON_GATEWAY_TOKEN, allowOrigins: ['https://app.example.org'] })
 * ```
 */
export { startGateway, type Gateway, type GatewayInit } from './gateway.js'
export {
  resolveGatewayNetwork, fetchIdentity, chooseMultiaddr, identityUrl, isGatewayUrl,
  type GatewayIdentity, type ResolveGatewayNetworkInit
} from './identity.js'
export {
  GATEWAY_ERRORS, TASK_FAILURE_CODES, NOT_FOR_CLIENTS, errorAnswer, errorSpec, GatewayError, NodeUnreachableError, IdentityMismatchError,
  type ErrorBody, type ErrorContext, type GatewayErrorCode, type GatewayErrorSpec
} from './errors.js'
export { bearerCheck, type BearerCheck } from './auth.js'
export {
  installRequestGuard, isLoopbackHost, normalizeOrigins, requireTokenBeyondLoopback, servedHostNames, type RequestGuardInit
} from './guard.js'
export { parseJsonBody } from './json-body.js'
export { openApiDocument, SERVED, type OpenApiInit } from './openapi.js'
export {
  DEFAULT_HOST, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_RESULT_WAIT_MS, DEFAULT_IDENTITY_TIMEOUT_MS, MAX_IDENTITY_BYTES,
  IDENTITY_PATH, OPENAPI_PATH, TOKEN_ENV, MAX_REMEMBERED_TASKS
} from './constants.js'
export { mountUi, UI_API, UI_ASSET_PATHS, UI_PUBLIC_PATHS, type UiInit } from './ui/routes.js'
export { taskView, tasksView, MAX_UI_TASKS, type UiTask, type UiParty } from './ui/task-view.js'
export { TaskFeed, MAX_EVENT_STREAMS, MAX_UNSENT_BYTES } from './ui/task-feed.js'
