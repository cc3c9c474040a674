/** Defaults of the gateway, each with the reason for its value. */

/** Loopback only: the gateway is the door between a user and their own node, not a public service. */
export const DEFAULT_HOST = '127.0.0.1'

/** 16 MiB of JSON: room for vectors of about a million numbers, and a bound on what one request may hold. */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024

/** result() waits this long for a pending sum before answering null (the task's own deadline is 60 s from input). */
export const DEFAULT_RESULT_WAIT_MS = 30_000

/** How long resolving another gateway's URL to its PeerId may take before create/join fails. */
export const DEFAULT_IDENTITY_TIMEOUT_MS = 5_000

/** An identity answer larger than this is not an identity answer. */
export const MAX_IDENTITY_BYTES = 64 * 1024

/**
 * Where a gateway tells who it is: `{peerId, multiaddrs}`. Relative to the gateway's root URL, so
 * a gateway behind a path prefix (`https://host/public1`) serves it at `/public1/.well-known/...`.
 */
export const IDENTITY_PATH = '.well-known/simon-p2p/identity'

/** The OpenAPI 3 document of what this gateway serves (not the root: the root is the fdrtd API). */
export const OPENAPI_PATH = 'openapi.json'

/** The environment variable the CLI reads the bearer token from when --token is not given. */
export const TOKEN_ENV = 'SIMON_GATEWAY_TOKEN'

/** How many tasks' node lists are remembered to name missing parties in error messages. */
export const MAX_REMEMBERED_TASKS = 10_000
