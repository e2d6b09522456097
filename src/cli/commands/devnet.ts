/**
 * `webtensor devnet`: runs the local subtensor emulator until interrupted.
 */
import { parseArgs } from 'node:util'

const USAGE = `usage: webtensor devnet [options]

Runs a local subtensor EMULATOR (not a real node): Substrate JSON-RPC on ws:// and http:// with
the finney metadata, dev accounts //Alice..//Ferdie funded, subnet 1 with tempo 10.

options:
  --port P            TCP port (default 9944; 0 picks a free one)
  --host H            interface to bind (default 127.0.0.1)
  --state FILE        persist the chain to FILE after every block and resume from it
  --block-time MS     milliseconds between blocks (default 3000; 0 = only via devnet_produceBlock)
  --commit-reveal on|off
                      CommitRevealWeightsEnabled of subnet 1 at genesis (default on, as on finney)
  --allow-origin URL  a browser origin (scheme://host[:port]) that may call the admin methods
                      (faucet, hyperparameters, produce block), e.g. the Vite dev server
                      http://localhost:5173; repeatable. Non-browser clients always may, and
                      so may anyone sending the admin token printed at start (x-devnet-token)
  --quiet             print only the start-up line
  -h, --help          this text

devnet-only RPC: devnet_info, devnet_faucet(address, rao), devnet_setHyperparams(netuid, {Item: value}),
devnet_produceBlock(count?), devnet_drandInfo, devnet_drandPulse(round).`

function intOption(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be an integer, got '${v}'`)
  const n = Number(v)
  if (n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}, got ${n}`)
  return n
}

/** A browser origin as `--allow-origin` takes it: http(s), host, optional port, nothing else. */
function originOption(v: string): string {
  let u: URL
  try {
    u = new URL(v)
  } catch {
    throw new Error(`--allow-origin must be an origin like http://localhost:5173, got '${v}'`)
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== v.replace(/\/$/, '')) throw new Error(`--allow-origin must be an origin like http://localhost:5173 (scheme, host, port; no path), got '${v}'`)
  return u.origin
}

/** Runs the command; resolves to the exit code when the devnet stops. */
export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        state: { type: 'string' },
        'block-time': { type: 'string' },
        'commit-reveal': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (e) {
    console.error(`webtensor devnet: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help === true) {
    console.log(USAGE)
    return 0
  }
  let port: number
  let blockTimeMs: number
  let commitReveal = true
  const adminOrigins: string[] = []
  try {
    for (const o of (values['allow-origin'] as string[] | undefined) ?? []) adminOrigins.push(originOption(o))
    port = intOption('port', values.port as string | undefined, 9944, 0, 65535)
    blockTimeMs = intOption('block-time', values['block-time'] as string | undefined, 3000, 0, 3_600_000)
    const cr = values['commit-reveal'] as string | undefined
    if (cr !== undefined) {
      if (cr !== 'on' && cr !== 'off') throw new Error(`--commit-reveal must be 'on' or 'off', got '${cr}'`)
      commitReveal = cr === 'on'
    }
  } catch (e) {
    console.error(`webtensor devnet: ${(e as Error).message}`)
    return 2
  }
  const { startDevnet } = await import('../../devnet/index.ts')
  const quiet = values.quiet === true
  const ac = new AbortController()
  const devnet = await startDevnet({
    port,
    host: (values.host as string | undefined) ?? '127.0.0.1',
    stateFile: values.state as string | undefined,
    blockTimeMs,
    commitReveal,
    adminOrigins,
    signal: ac.signal,
    log: quiet ? undefined : (line) => console.error(`[devnet] ${line}`),
  })
  console.log(`webtensor devnet (subtensor EMULATOR, not a real node) listening on ${devnet.url} and ${devnet.httpUrl}; genesis ${devnet.genesisHash}; best #${devnet.bestNumber()}; admin token ${devnet.adminToken}`)
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done)
      process.off('SIGTERM', done)
      resolve()
    }
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
  ac.abort()
  await devnet.stop()
  return 0
}
