/**
 * Test hosts as Linux network namespaces, made and removed by the run itself (needs root and
 * iproute2's `ip` and `tc`). Each host is a namespace with loopback up and one veth link
 * (`eth0`, 10.77.0.<i+1>/24) into a Linux bridge that lives in a namespace of its own; a host's
 * link can be capped with `tc ... tbf` (both directions) and cut with `ip link set ... down`.
 * Nothing is put on, or sent from, the machine's own interfaces: every address is inside the
 * namespaces made here. Names carry a run-unique prefix (`simonlab-<pid>-`); a lab removes
 * everything it made on destroy(), on exit and on SIGINT/SIGTERM/SIGHUP, and createLab() first
 * removes what runs of this prefix whose process is gone left behind.
 *
 *   const lab = await createLab({ hosts: 3, mbit: 100 })
 *   const child = spawn('ip', lab.execArgs(0, process.execPath, ['server.js']))  // runs in host 0
 *   await lab.cut(2); await lab.restore(2)
 *   await lab.destroy()
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Every namespace of every lab starts with this; then the pid of the run that made it. */
export const PREFIX = 'simonlab-'
/** The hosts' subnet: host i is 10.77.0.<i+1>. Only ever inside the namespaces made here. */
export const SUBNET = '10.77.0'
export const MAX_HOSTS = 200
/** The host end of each link, inside the host's namespace. */
export const HOST_DEVICE = 'eth0'

const NAME = new RegExp(`^${PREFIX}(\\d+)-`)

/** @param {string[]} args */
async function ip (args) {
  await run('ip', args, { timeout: 20_000 })
}

/** The names of all namespaces on the machine. */
async function namespaces () {
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: 20_000 })
  return stdout.split('\n').map(l => l.trim().split(/\s+/)[0]).filter(n => n !== undefined && n !== '')
}

/** @param {number} pid */
function alive (pid) {
  try { process.kill(pid, 0); return true } catch (err) { return err.code === 'EPERM' }
}

/**
 * Remove the namespaces of this prefix whose run (the pid in their name) no longer exists.
 * @returns the names removed
 */
export async function cleanStale () {
  const stale = (await namespaces()).filter(n => {
    const m = NAME.exec(n)
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]))
  })
  for (const n of stale) await ip(['netns', 'del', n]).catch(() => {})
  return stale
}

/**
 * Whether test hosts can be made here: undefined when they can, else the reason, in one line
 * (for a test's `skip`). Tries to make and remove one namespace.
 */
export async function unavailable () {
  if (process.platform !== 'linux') return `netlab: network namespaces need Linux (this is ${process.platform})`
  const probe = `${PREFIX}${process.pid}-probe`
  try {
    await ip(['netns', 'add', probe])
  } catch (err) {
    const text = String(err.stderr ?? err.message).trim().split('\n')[0]
    return `netlab: cannot make a network namespace here (root and iproute2 needed): ${text}`
  }
  await ip(['netns', 'del', probe]).catch(() => {})
  try {
    await run('tc', ['-V'], { timeout: 20_000 })
  } catch {
    return 'netlab: `tc` (iproute2) is not installed'
  }
  return undefined
}

/** Rate as tc writes it, and a bucket that holds 10 ms of it (at least 64 KiB: this kernel's timer ticks). */
function tbf (mbit) {
  const burst = Math.max(64 * 1024, Math.round(mbit * 1e6 / 8 / 100))
  return ['tbf', 'rate', `${mbit}mbit`, 'burst', String(burst), 'latency', '50ms']
}

const labs = new Set()
let handlersOn = false

function removeSync (names) {
  for (const n of names) {
    try { execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore', timeout: 20_000 }) } catch {}
  }
}

function onSignal (signal) {
  for (const lab of labs) removeSync(lab.names())
  labs.clear()
  process.exit(128 + ({ SIGINT: 2, SIGHUP: 1, SIGTERM: 15 }[signal] ?? 1))
}

function onExit () {
  for (const lab of labs) removeSync(lab.names())
  labs.clear()
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP']

function track (lab) {
  labs.add(lab)
  if (handlersOn) return
  handlersOn = true
  process.on('exit', onExit)
  for (const s of SIGNALS) process.on(s, onSignal)
}

function untrack (lab) {
  labs.delete(lab)
  if (labs.size > 0 || !handlersOn) return
  handlersOn = false
  process.off('exit', onExit)
  for (const s of SIGNALS) process.off(s, onSignal)
}

let labCount = 0

export class Lab {
  /**
   * @param {string} stem `simonlab-<pid>-<n>`
   * @param {number} count hosts
   */
  constructor (stem, count) {
    this.stem = stem
    this.bridge = `${stem}-br`
    /** @type {{ index: number, namespace: string, address: string, port: string, mbit: number | undefined }[]} */
    this.hosts = Array.from({ length: count }, (_, i) => ({ index: i, namespace: `${stem}-h${i}`, address: `${SUBNET}.${i + 1}`, port: `p${i}`, mbit: undefined }))
    this.destroyed = false
  }

  /** Every namespace this lab made (or is making). */
  names () { return [this.bridge, ...this.hosts.map(h => h.namespace)] }

  host (i) {
    const h = this.hosts[i]
    if (h === undefined) throw new RangeError(`netlab: no host ${i} (this lab has ${this.hosts.length})`)
    return h
  }

  /**
   * The arguments of `ip` that run a command in host i: `spawn('ip', lab.execArgs(i, cmd, args))`.
   * `ip netns exec` execs the command, so the spawned pid is the command's own.
   */
  execArgs (i, command, args = []) { return ['netns', 'exec', this.host(i).namespace, command, ...args] }

  /** Cap host i's link at `mbit` Mbit/s in each direction (tbf); undefined removes the cap. */
  async setRate (i, mbit) {
    const h = this.host(i)
    // the host's egress (its uploads) and its bridge port's egress (its downloads); a cut link stays cut
    for (const [ns, dev] of [[h.namespace, HOST_DEVICE], [this.bridge, h.port]]) {
      await run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', dev, 'root'], { timeout: 20_000 }).catch(() => {})
      if (mbit !== undefined) await run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', ...tbf(mbit)], { timeout: 20_000 })
    }
    h.mbit = mbit
  }

  /** Cut host i's link (its port on the bridge goes down: no carrier at the host). */
  async cut (i) { await ip(['-n', this.bridge, 'link', 'set', this.host(i).port, 'down']) }

  /** Bring host i's link back. */
  async restore (i) { await ip(['-n', this.bridge, 'link', 'set', this.host(i).port, 'up']) }

  /** Bytes host i has sent on its link so far (its eth0's tx_bytes: frames with all headers). */
  async txBytes (i) {
    const { stdout } = await run('ip', ['netns', 'exec', this.host(i).namespace, 'cat', `/sys/class/net/${HOST_DEVICE}/statistics/tx_bytes`], { timeout: 20_000 })
    return Number(stdout.trim())
  }

  /** Remove every namespace of this lab (the veths and the bridge go with them). End its processes first. */
  async destroy () {
    if (this.destroyed) return
    this.destroyed = true
    for (const n of this.names()) await ip(['netns', 'del', n]).catch(() => {})
    untrack(this)
  }
}

/**
 * Make `hosts` test hosts on one bridge, each link capped at `mbit` Mbit/s when given.
 * @param {{ hosts: number, mbit?: number }} init
 * @returns {Promise<Lab>}
 * @throws RangeError for a host count outside 1..MAX_HOSTS or a rate that is not positive;
 *   the `ip` error when a namespace cannot be made (after removing what was made)
 */
export async function createLab (init) {
  const { hosts, mbit } = init
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) throw new RangeError(`netlab: hosts must be an integer in 1..${MAX_HOSTS}, got ${hosts}`)
  if (mbit !== undefined && !(Number.isFinite(mbit) && mbit > 0)) throw new RangeError(`netlab: mbit must be a positive number, got ${mbit}`)
  await cleanStale()
  const lab = new Lab(`${PREFIX}${process.pid}-${labCount++}`, hosts)
  track(lab)
  try {
    await ip(['netns', 'add', lab.bridge])
    await ip(['-n', lab.bridge, 'link', 'set', 'lo', 'up'])
    await ip(['-n', lab.bridge, 'link', 'add', 'br0', 'type', 'bridge'])
    await ip(['-n', lab.bridge, 'link', 'set', 'br0', 'up'])
    for (const h of lab.hosts) {
      await ip(['netns', 'add', h.namespace])
      await ip(['-n', h.namespace, 'link', 'set', 'lo', 'up'])
      // both ends made straight inside the namespaces: nothing appears among the machine's own interfaces
      await ip(['-n', h.namespace, 'link', 'add', HOST_DEVICE, 'type', 'veth', 'peer', 'name', h.port, 'netns', lab.bridge])
      await ip(['-n', lab.bridge, 'link', 'set', h.port, 'master', 'br0', 'up'])
      await ip(['-n', h.namespace, 'addr', 'add', `${h.address}/24`, 'dev', HOST_DEVICE])
      await ip(['-n', h.namespace, 'link', 'set', HOST_DEVICE, 'up'])
      if (mbit !== undefined) await lab.setRate(h.index, mbit)
    }
  } catch (err) {
    await lab.destroy()
    throw err
  }
  return lab
}
