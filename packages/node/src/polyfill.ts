/**
 * What libp2p 3 needs from the platform and Node 20 lacks: Promise.withResolvers (ES2024) and a
 * global WebSocket for dialing /ws addresses. Installed only where missing; imported first by
 * this package's entry point, before libp2p loads.
 */
import { WebSocket as WsWebSocket } from 'ws'

type Resolvers<T> = { promise: Promise<T>, resolve: (v: T | PromiseLike<T>) => void, reject: (e?: unknown) => void }

const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }
if (typeof P.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> (this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new this<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

const g = globalThis as { WebSocket?: unknown }
if (typeof g.WebSocket === 'undefined') g.WebSocket = WsWebSocket
