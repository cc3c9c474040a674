/**
 * The Noise encrypter with one change: each secured connection's message decoder reads its
 * length prefix with decodeUint16Prefix (length-prefix.ts), which throws no new error per
 * socket read. The decoder is reached on the connection secureInbound/secureOutbound return,
 * so nothing of @chainsafe/libp2p-noise itself is patched; a build whose connection has no such
 * decoder is left as it is.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { decodeUint16Prefix } from './length-prefix.js'

type Factory = ReturnType<typeof noise>

function quiet<T> (secured: T): T {
  const connection = (secured as { connection?: { decoder?: { lengthDecoder?: unknown } } }).connection
  const decoder = connection?.decoder
  if (decoder !== undefined && typeof decoder.lengthDecoder === 'function') decoder.lengthDecoder = decodeUint16Prefix
  return secured
}

/** `noise(init)` whose connections decode their message lengths without a thrown error per read. */
export function quietNoise (init?: Parameters<typeof noise>[0]): Factory {
  const factory = noise(init)
  return (components) => {
    const encrypter = factory(components)
    const inbound = encrypter.secureInbound.bind(encrypter)
    const outbound = encrypter.secureOutbound.bind(encrypter)
    encrypter.secureInbound = async (...args: Parameters<typeof inbound>) => quiet(await inbound(...args))
    encrypter.secureOutbound = async (...args: Parameters<typeof outbound>) => quiet(await outbound(...args))
    return encrypter
  }
}
