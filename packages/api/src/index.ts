/**
 * @simon-p2p/api: the fdrtd-shaped API. `new Api(new InProcessInterface(node))` for a node in
 * this process, `new Api(new HttpInterface(url))` for any fdrtd 0.2.0 server.
 */
export { Api, Handle, type Parameters } from './handle.js'
export type { CallOptions, CallResult, FdrtdInterface, MicroserviceDescription } from './interface.js'
export { FdrtdServer, FDRTD_VERSION, type FdrtdServerInit, type NetworkResolver } from './server.js'
export { InProcessInterface } from './in-process.js'
export { HttpInterface, toJson, type HttpInterfaceInit } from './http.js'
export {
  MicroserviceNotFoundError, UnknownHandleError, UnknownFunctionError, UnsupportedMicroprotocolError, HttpStatusError
} from './errors.js'
