/**
 * The TCP transport with one change: writes to a socket within one tick go out together.
 * Below Yamux and Noise every message becomes several socket writes (a Noise length prefix, the
 * ciphertext, a Yamux header and its data frame, the reply of another stream), and each write
 * is a system call that loopback TCP also has to deliver. Corking the socket until the next
 * tick sends them in one writev. The socket is reached through the connection the transport
 * hands to the upgrader, so nothing of @libp2p/tcp itself is patched.
 */
import { tcp, type TCPOptions } from '@libp2p/tcp'
import type { Transport, Upgrader, MultiaddrConnection, CreateListenerOptions, DialTransportOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

type Components = Parameters<ReturnType<typeof tcp>>[0]

interface SocketLike {
  cork: () => void
  uncork: () => void
  destroyed: boolean
  [method: string]: unknown
}

/**
 * Cork the connection's socket on its first write of a tick, uncork on the next. Whatever ends
 * the socket first (destroy, a reset, end) uncorks it before, so nothing written is held back.
 */
function cork (maConn: MultiaddrConnection): MultiaddrConnection {
  const socket = (maConn as unknown as { socket?: SocketLike }).socket
  const target = maConn as unknown as { sendData?: (data: unknown) => unknown }
  if (socket === undefined || typeof socket.cork !== 'function' || typeof target.sendData !== 'function') return maConn
  const sendData = target.sendData.bind(maConn)
  let corked = false
  const flush = (): void => {
    if (!corked) return
    corked = false
    if (!socket.destroyed) socket.uncork()
  }
  for (const method of ['destroy', 'destroySoon', 'resetAndDestroy', 'end']) {
    const original = socket[method]
    if (typeof original !== 'function') continue
    socket[method] = function (this: unknown, ...args: unknown[]) {
      flush()
      return (original as (...a: unknown[]) => unknown).apply(this, args)
    }
  }
  target.sendData = (data: unknown) => {
    if (!corked && !socket.destroyed) {
      corked = true
      socket.cork()
      process.nextTick(flush)
    }
    return sendData(data)
  }
  return maConn
}

function corkingUpgrader (upgrader: Upgrader): Upgrader {
  return new Proxy(upgrader, {
    get (target, property, receiver) {
      if (property === 'upgradeInbound' || property === 'upgradeOutbound') {
        const upgrade = Reflect.get(target, property, receiver) as (maConn: MultiaddrConnection, options: unknown) => Promise<unknown>
        return async (maConn: MultiaddrConnection, options: unknown) => upgrade.call(target, cork(maConn), options)
      }
      const value = Reflect.get(target, property, receiver) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}

/** `tcp(init)` with corked socket writes. */
export function corkedTcp (init: TCPOptions = {}): (components: Components) => Transport {
  const factory = tcp(init)
  return (components: Components) => {
    const transport = factory(components)
    const dial = transport.dial.bind(transport)
    const createListener = transport.createListener.bind(transport)
    transport.dial = async (ma: Multiaddr, options: DialTransportOptions) => dial(ma, { ...options, upgrader: corkingUpgrader(options.upgrader) })
    transport.createListener = (options: CreateListenerOptions) => createListener({ ...options, upgrader: corkingUpgrader(options.upgrader) })
    return transport
  }
}
