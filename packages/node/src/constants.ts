/** The libp2p protocol id of SecureSum messages (a long-lived stream per peer, one reply per frame). */
export const SECURESUM_PROTOCOL = '/simon-p2p/securesum/1.0.0'

/** Largest frame accepted on the protocol: 2^20 elements of the widest default field, plus headers. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024

/** An inbound stream idle this long between frames is reset (a peer that opens streams and never writes). */
export const DEFAULT_INBOUND_IDLE_TIMEOUT_MS = 30_000

/** How long a task waits, from this party's input, for the others before failing. */
export const DEFAULT_TASK_TIMEOUT_MS = 60_000

/** One delivery attempt (dial, write, reply) may take this long before it is retried. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000

/** Retry back-off between delivery attempts: from the first value, doubling to the cap. */
export const RETRY_BACKOFF_MS = { first: 50, cap: 1_000 }

/**
 * Messages held for tasks not created here yet: at most this many, this long, and this many bytes
 * of what they will cost decoded (a frame is held raw; a wide element costs 32 bytes or more).
 */
export const DEFAULT_HOLD_LIMITS = { messages: 4096, bytes: 64 * 1024 * 1024, ms: 30_000 }

/**
 * Concurrent inbound SecureSum streams per connection (libp2p's default). A sender needs one (its
 * channel); each stream paused for room may hold up to 4 MiB in libp2p's buffer.
 */
export const MAX_INBOUND_STREAMS = 32

/**
 * What a peer may have in flight beyond one largest frame: an honest channel has at most one
 * large frame or CHANNEL_WINDOW_BYTES of frames unanswered, so it never waits for room.
 */
export const PEER_INFLIGHT_SLACK_BYTES = 16 * 1024 * 1024

/** Bytes all peers together may have in flight at a node before a peer over its fair share waits. */
export const DEFAULT_MAX_INFLIGHT_BYTES = 256 * 1024 * 1024

/** A task that gets no input here for this long is cancelled and forgotten (a party that never came back). */
export const DEFAULT_IDLE_TASK_TTL_MS = 60 * 60_000

/** How long a finished task stays, for late result() calls. */
export const DEFAULT_FINISHED_TASK_TTL_MS = 10 * 60_000

/** At most this many finished tasks stay (the oldest go first), so a busy node's memory stays flat. */
export const DEFAULT_MAX_FINISHED_TASKS = 1000

/** How long a failed task keeps trying to tell the others why (its abort messages). */
export const ABORT_DELIVERY_MS = 2_000

/**
 * Replies to small frames wait this long to go out together (each is a packet of its own
 * otherwise, and a wake-up of the sender); a sender that needs them sooner asks (channels.ts).
 * 5 ms: 50 measured the same (README.md, "Where the time goes"). With 50 the restart test of
 * test/slow/lean-threshold-20.multiprocess.test.ts failed every time, and with 5 now and then:
 * the longer the replies wait, the likelier the party killed there had already taken (and
 * answered) the others' keys, which are then not sent again to its new process, which then
 * times out at 'keys'. That is what a restarted party can get (README-lean.md, "Caveats"); the
 * test now checks what it must never do instead (mask, unmask, or print another result).
 */
export const REPLY_DELAY_MS = 5

/**
 * A stopping node writes the replies it still holds for at most this long: a peer that no longer
 * reads (it is stopping too, or gone) must not keep the node from stopping.
 */
export const STOP_FLUSH_MS = 2_000

/** At most this many replies wait in one batch; the next one writes them all. */
export const REPLY_BATCH_MAX = 64

/** A frame this large, or a refusal, is answered at once (with any replies still waiting). */
export const REPLY_NOW_FRAME_BYTES = 64 * 1024

/** Largest reply a channel reads: a status, a code and a one-line message. */
export const REPLY_MAX_BYTES = 8 * 1024

/** Bytes a channel may have written without their replies: end-to-end backpressure for large vectors. */
export const CHANNEL_WINDOW_BYTES = 8 * 1024 * 1024

/**
 * New inbound connections per second from one remote IP: libp2p's own default, applied before the
 * Noise handshake. It cannot tell a listed party from a stranger (the PeerId is known only after
 * the handshake), so it holds for everyone; many parties on one host (tests, local demos) raise it.
 */
export const DEFAULT_INBOUND_CONNECTIONS_PER_HOST = 5
