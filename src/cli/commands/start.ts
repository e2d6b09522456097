/**
 * `webtensor start` (what `npm start` runs): builds the app, starts the whole local stack (or,
 * with `--chain URL --netuid N`, relay, headless validator and app against an existing subtensor
 * endpoint) and prints the URL to open. Ctrl-C (SIGINT) or SIGTERM stops everything cleanly.
 */
import { parseArgs } from 'node:util'
import { startStack } from '../../server/index.ts'
import { untilSignal, watchSignals } from '../until-signal.ts'

const USAGE = `usage: webtensor start [--port P] [--host H] [--no-build] [--chain URL --netuid N [--coldkey URI]]

Builds the app (vite build) and runs the local stack on loopback; prints the URL to open.
  --port P     app server port (default 5173; 0 picks a free port)
  --host H     interface to listen on (default 127.0.0.1)
  --no-build   serve the existing dist/ without rebuilding
  --state FILE persist the devnet's chain in FILE (resumes from it at start)
  --block-time MS  devnet block time (default 3000)
  --chain URL  run against an existing subtensor endpoint (ws:// or wss://, or finney, test, local)
               instead of starting the devnet: subtensor's localnet, a chopsticks fork, testnet
  --netuid N   the subnet to mine and validate on (required with --chain)
  --task NAME  the subnet's task, for the validator and the app (/config.json "task"): ocr
               (default) or textdet (text detection)
  --coldkey URI  development key that pays the headless validator's registration and stake on
               --chain (default //Alice, funded on dev chains)`

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '5173' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-build': { type: 'boolean', default: false },
      state: { type: 'string' },
      'block-time': { type: 'string' },
      chain: { type: 'string' },
      netuid: { type: 'string' },
      coldkey: { type: 'string' },
      task: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`webtensor start: --port must be an integer 0..65535, got '${values.port}'`)
    return 2
  }
  const blockTimeMs = Number(values['block-time'] ?? '3000')
  if (!Number.isInteger(blockTimeMs) || blockTimeMs < 100) {
    console.error(`webtensor start: --block-time must be an integer number of milliseconds >= 100, got '${values['block-time']}'`)
    return 2
  }
  let chain: { url: string; netuid: number; coldkeySuri?: string } | undefined
  if (values.chain !== undefined) {
    const netuid = Number(values.netuid)
    if (values.netuid === undefined || !/^\d+$/.test(values.netuid) || netuid > 65535) {
      console.error(`webtensor start: --chain needs --netuid N, an integer 0..65535${values.netuid === undefined ? '' : `, got '${values.netuid}'`}`)
      return 2
    }
    if (values.state !== undefined || values['block-time'] !== undefined) {
      console.error('webtensor start: --state and --block-time configure the devnet; with --chain no devnet runs')
      return 2
    }
    if (values.coldkey !== undefined && !values.coldkey.startsWith('//')) {
      console.error(`webtensor start: --coldkey takes a development key URI such as //Alice, got '${values.coldkey}'`)
      return 2
    }
    chain = { url: values.chain, netuid, ...(values.coldkey !== undefined ? { coldkeySuri: values.coldkey } : {}) }
  } else if (values.netuid !== undefined || values.coldkey !== undefined) {
    console.error('webtensor start: --netuid and --coldkey go with --chain URL (the devnet runs subnet 1)')
    return 2
  }
  const { TASKS } = await import('../../subnet/index.ts')
  if (values.task !== undefined && !Object.hasOwn(TASKS, values.task)) {
    console.error(`webtensor start: --task must be one of ${Object.keys(TASKS).join(', ')}, got '${values.task}'`)
    return 2
  }
  if (!values['no-build']) {
    console.log('building the app…')
    const { build } = await import('vite')
    await build({ logLevel: 'warn' })
  }
  const stack = await startStack({ port, host: values.host, devnet: { stateFile: values.state, blockTimeMs }, ...(chain !== undefined ? { chain } : {}), ...(values.task !== undefined ? { task: values.task } : {}), log: (l) => console.log(`  ${l}`) })
  console.log(`\nwebtensor is running: open ${stack.url}\n(Ctrl-C to stop)`)
  await untilSignal(() => stack.stop(), watchSignals({ onSignal: (sig) => console.log(`\n${sig}: stopping…`) }))
  console.log('stopped.')
  return 0
}
