#!/usr/bin/env node
/**
 * The netlab command (root, iproute2):
 *   node scripts/netlab/cli.mjs check                      # can test hosts be made here? (exit 0 or 1, one line)
 *   node scripts/netlab/cli.mjs clean                      # remove namespaces left by runs that are gone
 *   node scripts/netlab/cli.mjs up N [--mbit R]            # make N hosts, print them, keep them until Ctrl-C
 *   node scripts/netlab/cli.mjs run N [--mbit R] -- CMD... # make N hosts, run CMD (in the root namespace,
 *                                                          #   hosts in $NETLAB_HOSTS as ns=address ...), remove them
 * Run a process in a host with `ip netns exec <namespace> CMD...`.
 */
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { cleanStale, createLab, unavailable } from './index.mjs'

const dash = process.argv.indexOf('--')
const own = dash < 0 ? process.argv.slice(2) : process.argv.slice(2, dash)
const command = dash < 0 ? [] : process.argv.slice(dash + 1)
const usage = 'usage: netlab check | clean | up N [--mbit R] | run N [--mbit R] -- CMD...'

let parsed
try {
  parsed = parseArgs({ args: own, allowPositionals: true, options: { mbit: { type: 'string' } } })
} catch (err) {
  console.error(`netlab: ${err.message}\n${usage}`)
  process.exit(2)
}
const [verb, count] = parsed.positionals
const mbit = parsed.values.mbit === undefined ? undefined : Number(parsed.values.mbit)

async function main () {
  switch (verb) {
    case 'check': {
      const reason = await unavailable()
      console.log(reason ?? 'netlab: test hosts can be made here')
      return reason === undefined ? 0 : 1
    }
    case 'clean': {
      const removed = await cleanStale()
      console.log(removed.length === 0 ? 'netlab: nothing stale' : `netlab: removed ${removed.join(' ')}`)
      return 0
    }
    case 'up':
    case 'run': {
      if (verb === 'run' && command.length === 0) { console.error(usage); return 2 }
      const lab = await createLab({ hosts: Number(count), mbit })
      try {
        for (const h of lab.hosts) console.log(`host ${h.index}: ${h.namespace} ${h.address}${h.mbit === undefined ? '' : ` (${h.mbit} Mbit/s)`}`)
        if (verb === 'up') {
          console.log('netlab: up; Ctrl-C removes the hosts')
          // until a signal: the lab's own handler removes the hosts and exits
          await new Promise(() => setInterval(() => {}, 1 << 30))
        }
        const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, NETLAB_HOSTS: lab.hosts.map(h => `${h.namespace}=${h.address}`).join(' ') } })
        return await new Promise(resolve => {
          child.on('error', err => { console.error(`netlab: cannot run ${command[0]}: ${err.message}`); resolve(127) })
          child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)))
        })
      } finally {
        await lab.destroy()
      }
    }
    default:
      console.error(usage)
      return 2
  }
}

main().then(code => { process.exitCode = code }, err => { console.error(`netlab: ${err.message}`); process.exitCode = 1 })
