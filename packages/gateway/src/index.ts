/**
 * @simon-p2p/gateway: the fdrtd HTTP API 0.2.0 in front of one simon-p2p node, so that existing
 * fdrtd clients work unchanged. `startGateway({ node })` serves it; `simon node --http` runs one.
 */
export { startGateway, type Gateway, type GatewayInit } from './gateway.js'
export {
  resolveGatewayNetwork, fetchIdentity, chooseMultiaddr, identityUrl, isGatewayUrl,
  type GatewayIdentity, type ResolveGatewayNetworkInit
} from './identity.js'
export {
  GATEWAY_ERRORS, TASK_FAILURE_CODES, NOT_FOR_CLIENTS, errorAnswer, errorSpec, GatewayError, NodeUnreachableError,
  type ErrorBody, type ErrorContext, type GatewayErrorCode, type GatewayErrorSpec
} from './errors.js'
export { bearerCheck, type BearerCheck } from './auth.js'
export { parseJsonBody } from './json-body.js'
export { openApiDocument, SERVED, type OpenApiInit } from './openapi.js'
export * from './constants.js'
