#!/usr/bin/env node
/**
 * The `simon` command. Each subcommand lives in ./commands and is loaded only when used.
 * Debug logs (never inputs, shares or keys): DEBUG='simon:*' simon ...
 */
import '@simon-p2p/node'
import { Command, CommanderError, Option } from 'commander'
import { die, exitWhenWritten, EXIT_USAGE } from './fail.js'
import type { NodeOptions } from './commands/node.js'

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

const program = new Command()
  .name('simon')
  .description('Peer-to-peer secure sum over libp2p: the fdrtd Simon SecureSum with no server in the middle.')
  .exitOverride()
  .configureOutput({ writeErr: s => process.stderr.write(s) })

program.command('keygen')
  .description('write a new identity key (Ed25519); prints {"peerId": "..."}')
  .requiredOption('--out <file>', 'where to write the key (mode 0600)')
  .option('--force', 'replace an existing file')
  .action(async (opts: { out: string, force?: boolean }) => {
    const { keygen } = await import('./commands/keygen.js')
    await keygen(opts).catch(err => die('keygen', err))
  })

program.command('node')
  .description('run a long-lived node until SIGINT/SIGTERM; first stdout line: {"peerId", "multiaddrs"[, "http"][, "metrics"]}')
  .option('--key <file>', 'identity key from `simon keygen` (required, here or in --config)')
  .option('--listen <multiaddr>', 'listen address, e.g. /ip4/127.0.0.1/tcp/4001 or .../tcp/4002/ws (repeatable; required, here or in --config)', collect)
  .option('--http <host:port>', 'also serve the fdrtd HTTP API 0.2.0 gateway here (binds 127.0.0.1 unless a host is given; beyond loopback it needs --token-file)')
  .option('--token-file <file>', 'require "Authorization: Bearer <token>" at the gateway and the metrics, the token read from this file (trimmed); needed for an --http or --metrics address beyond loopback')
  .option('--token <token>', 'the same, the token on the command line, where other users see it in `ps`: prefer --token-file (or set SIMON_GATEWAY_TOKEN)')
  .option('--allow-origin <origin>', 'a web origin (e.g. https://app.example.org) whose browser pages may call the gateway; others are refused (repeatable)', collect)
  .option('--allow-host <name>', 'a host name the gateway and the metrics also answer for in the Host header (a reverse proxy\'s, say), besides loopback and the bound address (repeatable)', collect)
  .option('--allow <peerId>', 'a PeerId always allowed to connect, besides the parties of this node\'s tasks (repeatable)', collect)
  .option('--inbound-connections-per-host <n>', 'new connections accepted per second from one IP address, before the handshake (default 5, or SIMON_INBOUND_CONNECTIONS_PER_HOST); raise it for many parties on one host')
  .option('--metrics <host:port>', 'serve GET /metrics in the Prometheus text format here: libp2p\'s and the node\'s (binds 127.0.0.1 unless a host is given; beyond loopback it needs --token-file)')
  .addOption(new Option('--log-format <format>', 'human (the default: DEBUG=\'simon:*\' lines) or json (one JSON object a line on stderr: task id, step, party index, error code)').choices(['human', 'json']))
  .option('--config <file>', 'take the settings from this JSON file, one key per flag ("token-file" for --token-file); flags given here win')
  .option('--check-config <file>', 'check that config file (and the flags given), print what the node would do (secrets redacted) and exit: 0 when it would start, 2 naming the key at fault')
  .action(async (opts: NodeOptions) => {
    const { runNode } = await import('./commands/node.js')
    await runNode(opts).catch(err => die('node', err))
  })

program.command('sum')
  .description('be one party of a secure sum: prints the result JSON and exits 0, or one line on stderr and exits non-zero')
  .requiredOption('--key <file>', 'identity key from `simon keygen`')
  .requiredOption('--listen <multiaddr>', 'listen address (repeatable)', collect)
  .requiredOption('--network <file>', 'JSON {"nodes": ["/ip4/127.0.0.1/tcp/4001/p2p/<peerId>", ...]}, the same file at every party')
  .requiredOption('--myself <index>', 'this party\'s index in the node list')
  .requiredOption('--task <id>', 'task id, the same at every party')
  .option('--value <json>', 'this party\'s input: a number, a decimal string ("123.456789"), an integer string of any size, or an array of these; - reads it from stdin (command lines are visible to other users in `ps`)')
  .option('--value-file <file>', 'read the value from a file: the same JSON forms, raw little-endian float64 for a file ending in .f64, or CSV with a header row (with --column)')
  .option('--column <name>', 'the CSV column of --value-file to read; twice for pairs (StatisticsBivariate: x then y; StatisticsContingency: row then column)', collect)
  .option('--microprotocol <name>', 'SecureSum (default), StatisticsUnivariate, StatisticsBivariate, StatisticsFrequency, StatisticsContingency or MinimumMaximum; the same at every party')
  .option('--categories <json>', 'StatisticsFrequency: declared labels ["A", "B"]; StatisticsContingency: [["row", ...], ["column", ...]]; inputs are counted over them (the same at every party)')
  .option('--min-count <n>', 'statistics: suppress cells, bars and statistics of fewer samples (default 0; the same at every party)')
  .option('--timeout <seconds>', 'fail if the sum is not done this long after the input', '30')
  .option('--digits-before <n>', 'decimal digits before the point (default 12; the same at every party)')
  .option('--digits-after <n>', 'decimal digits after the point (default 12; the same at every party)')
  .option('--threshold <t>', 'threshold mode (with --mode lean: lean mode that survives dropouts): any t of the n parties complete the sum, n/2 < t <= n (default n: all needed; the same at every party)')
  .option('--share-timeout <seconds>', 'threshold mode: how long after its input a party waits for the others\' shares (with --mode lean: each wait of its agreements; default 10; the same at every party)')
  .option('--events', 'print JSON progress lines to stderr: the task\'s fingerprint once it is created, each step and each message another party took (never values)')
  .option('--profile <profile>', 'encoding: wide (default; exact decimals, digits 12 + 12) or fast (p = 2^52 - 47, Float64Array, digits 6 + 6; for large vectors); the same at every party')
  .option('--mode <mode>', 'sharing: auto (default: the faster for the size), mesh (additive full mesh) or lean (pairwise masks and a ring: ~2x the input uploaded, whatever the parties; with --threshold, ~3x and parties may drop out); the same at every party')
  .option('--inbound-connections-per-host <n>', 'new connections accepted per second from one IP address, before the handshake (default 5, or SIMON_INBOUND_CONNECTIONS_PER_HOST); raise it for many parties on one host')
  .action(async (opts) => {
    const { runSum } = await import('./commands/sum.js')
    await runSum(opts).catch(err => die('sum', err))
    await exitWhenWritten(0)
  })

program.command('demo')
  .description('three `simon sum` processes on localhost with inputs 10, 7 and 14')
  .addOption(new Option('--values <json...>', 'the parties\' inputs').default(['10', '7', '14']))
  .option('--timeout <seconds>', 'per party', '30')
  .option('--hosts', 'each party on a test host of its own: a network namespace with its own address, made and removed by the demo (root, iproute2)')
  .action(async (opts: { values: string[], timeout: string, hosts?: boolean }) => {
    const { runDemo } = await import('./commands/demo.js')
    const ok = await runDemo(opts).catch(err => die('demo', err))
    process.exitCode = ok ? 0 : 1
  })

program.command('bench')
  .description('plain and secure sums side by side, every party a libp2p node in a process of its own; prints a table (or JSON lines) and writes bench-results/')
  .option('--json', 'print one JSON object per measurement')
  .option('--quick', 'fewer and smaller runs (under two minutes)')
  .option('--out <dir>', 'where to write the results', 'bench-results')
  .option('--only <names>', 'only the cases whose names contain one of these (comma-separated)')
  .option('--netlab', 'the vector cases on test hosts of their own (network namespaces, root), links capped at 100 Mbit/s and 1 Gbit/s, against the time the link alone needs')
  .option('--mbit <rates>', 'with --netlab: the link rates in Mbit/s, comma-separated (default 100,1000)')
  .option('--scale <parties>', 'only the scale case (one scalar sum, 10 worker processes) with this many parties instead of 1000')
  .addOption(new Option('--tiny', 'tiny sizes (the smoke test)').hideHelp())
  .action(async (opts: { json?: boolean, quick?: boolean, out: string, only?: string, tiny?: boolean, netlab?: boolean, mbit?: string, scale?: string }) => {
    const { runBench } = await import('./commands/bench.js')
    const ok = await runBench(opts).catch(err => die('bench', err))
    process.exitCode = ok ? 0 : 1
  })

// `pnpm bench -- --json` (pnpm 7+) hands the script a literal `--` before the options; commander
// would read everything after it as operands. A `--` right after the subcommand separates nothing.
const argv = [...process.argv]
if (argv[3] === '--' && program.commands.some(c => c.name() === argv[2])) argv.splice(3, 1)

try {
  await program.parseAsync(argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE)
  die(program.args[0] ?? 'simon', err)
}
