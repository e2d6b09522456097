/**
 * `webtensor relay`: runs the mesh relay (circuit-relay-v2 over WebSockets, bootstrap peer,
 * gossipsub hub), prints its multiaddrs one per line on stdout, and stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { newPrivateKey, startRelay } from '../../p2p/node-entry.ts'
import { untilSignal, watchSignals } from '../until-signal.ts'

const USAGE = `usage: webtensor relay [--port P] [--host H] [--key FILE] [--netuid N]...

Runs the libp2p relay of the webtensor mesh and prints its multiaddrs, one per line.
Give them to the app as the "relay" list of /config.json.

options:
  --port P          TCP port of the WebSocket listener (default 0: any free port)
  --host H          interface to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --key FILE        libp2p identity key; created if missing, so the PeerId survives restarts
  --netuid N        subnet whose presence gossip the relay carries (repeatable; default 1)
  --max-reservations N   simultaneous relay reservations (default 1024)
  -h, --help        this text`

function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!/^\d+$/.test(v) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got '${v}'`)
  return n
}

export async function run(argv: string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        key: { type: 'string' },
        netuid: { type: 'string', multiple: true },
        'max-reservations': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    console.error(`webtensor relay: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help === true) { console.log(USAGE); return 0 }
  let port: number | undefined, netuids: number[] | undefined, maxReservations: number | undefined
  try {
    port = int('port', values.port, 0, 65535)
    netuids = values.netuid?.map((n) => int('netuid', n, 0, 65535) as number)
    maxReservations = int('max-reservations', values['max-reservations'], 1, 1_000_000)
  } catch (err) {
    console.error(`webtensor relay: ${(err as Error).message}`)
    return 2
  }
  let privateKey: Uint8Array | undefined
  if (values.key !== undefined) {
    if (existsSync(values.key)) privateKey = new Uint8Array(readFileSync(values.key))
    else {
      privateKey = await newPrivateKey()
      writeFileSync(values.key, privateKey, { mode: 0o600 })
    }
  }
  // Signal handlers first, so SIGINT/SIGTERM during start-up also stop cleanly.
  const signals = watchSignals()
  const relay = await startRelay({
    ...(port !== undefined ? { port } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(privateKey !== undefined ? { privateKey } : {}),
    ...(netuids !== undefined ? { netuids } : {}),
    ...(maxReservations !== undefined ? { maxReservations } : {}),
  })
  for (const a of relay.multiaddrs) console.log(a)
  await untilSignal(() => relay.stop(), signals)
  console.error('webtensor relay: stopped')
  return 0
}
