/**
 * `webtensor relay`: runs the mesh relay (circuit-relay-v2 over WebSockets, bootstrap peer,
 * gossipsub hub), prints its multiaddrs one per line on stdout, and stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { newPrivateKey, startRelay } from '../../p2p/node-entry.ts'
import type { ChainView } from '../../p2p/index.ts'
import { createSubnetsView } from '../../roles/index.ts'
import { createChainClient } from '../../wallet/index.ts'
import { untilSignal, watchSignals } from '../until-signal.ts'

const USAGE = `usage: webtensor relay --chain URL [--port P] [--host H] [--key FILE] [--netuid N]...

Runs the libp2p relay of the webtensor mesh and prints its multiaddrs, one per line.
Give them to the app as the "relay" list of /config.json.

options:
  --port P          TCP port of the WebSocket listener (default 0: any free port)
  --host H          interface to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --key FILE        libp2p identity key; created if missing, so the PeerId survives restarts
  --netuid N        subnet whose presence gossip the relay carries (repeatable; default 1)
  --chain URL       chain endpoint (ws://…): only peers bound to a hotkey registered on the
                    subnets may reserve a slot or be reached through the relay
  --open            no chain: any correctly signed binding is enough (private meshes, tests)
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
        chain: { type: 'string' },
        open: { type: 'boolean' },
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
  if (values.chain === undefined && values.open !== true) {
    console.error('webtensor relay: give --chain URL (the relay admits only hotkeys registered on the subnet), or --open for a relay that checks signatures only')
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
  let client: { stop(): Promise<void> } | undefined
  let chain: ChainView | undefined
  if (values.chain !== undefined) {
    const c = await createChainClient({ endpoint: values.chain })
    client = c
    chain = createSubnetsView(c, netuids ?? [1])
  }
  const relay = await startRelay({
    ...(chain !== undefined ? { chain } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(privateKey !== undefined ? { privateKey } : {}),
    ...(netuids !== undefined ? { netuids } : {}),
    ...(maxReservations !== undefined ? { maxReservations } : {}),
  })
  for (const a of relay.multiaddrs) console.log(a)
  await untilSignal(async () => { await relay.stop(); await client?.stop() }, signals)
  console.error('webtensor relay: stopped')
  return 0
}
