/**
 * `webtensor validate`: the headless validator (src/roles) for subnet operators and `npm start`:
 * registers and stakes its hotkey where a coldkey is given (a dev account on the devnet), joins
 * the mesh through the relay, challenges miners every round, commits weights each epoch and
 * compares each epoch with its own recomputation. Prints one line per step; SIGINT/SIGTERM stop it.
 */
import { parseArgs } from 'node:util'
import { loadKeystoreFile } from '../keystore.ts'
import { untilSignal, watchSignals } from '../until-signal.ts'

const USAGE = `usage: webtensor validate --chain URL --relay MULTIADDR [--relay ...] --netuid N
                          [--dev-account //Alice] [--keystore FILE] [options]

Runs the webtensor validator headless: challenges of the subnet's task (OCR unless --task says) to every miner each round,
a moving average of their scores, weights committed each epoch (timelocked or hash
commit-reveal, or set_weights, as the subnet requires), and a check of each epoch against its own
Yuma recomputation.

keys (at least one):
  --dev-account URI     development coldkey (devnets and tests), e.g. //Alice: pays registration
                        and stake; the hotkey is URI//validator unless --keystore or --hotkey-dev
  --keystore FILE       the validator hotkey: a polkadot{.js} JSON export (password in
                        --password-env, default WEBTENSOR_KEYSTORE_PASSWORD) or a bittensor
                        hotkey file; without --dev-account it must already be registered and staked
  --hotkey-dev URI      development hotkey URI instead of URI//validator

options:
  --chain URL           ws:// or wss:// node URL (or finney, test, local)
  --relay MULTIADDR     relay multiaddr ending in /p2p/<id> (repeatable)
  --netuid N            subnet (0..65535)
  --task NAME           the subnet's task: ocr (default) or textdet (text detection)
  --round-ms MS         time between rounds (default 15000)
  --stake TAO           stake the hotkey should hold (default 100; 10000 on the devnet)
  --commits FILE        keep weight commits (v2 salts) in this JSON file, so a restart reveals what
                        is pending (default: beside --keystore, KEYSTORE.commits.json; in memory
                        without --keystore)
  -h, --help            this text`

class UsageError extends Error {}

function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  if (!/^\d+$/u.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got '${v}'`)
  return Number(v)
}

async function loadKeystore(path: string, passwordEnv: string): Promise<import('../../wallet/index.ts').KeySigner> {
  return await loadKeystoreFile(path, passwordEnv, (m) => new UsageError(m))
}

/** The default pending-commit file of a validator whose hotkey is in `keystore`: `hotkey.json` -> `hotkey.commits.json` beside it. */
export function commitsBeside(keystore: string): string {
  return keystore.replace(/(\.json)?$/iu, '.commits.json')
}

/** Entry point. */
export async function run(argv: string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        chain: { type: 'string' },
        relay: { type: 'string', multiple: true },
        netuid: { type: 'string' },
        'dev-account': { type: 'string' },
        'hotkey-dev': { type: 'string' },
        keystore: { type: 'string' },
        'password-env': { type: 'string' },
        'round-ms': { type: 'string' },
        task: { type: 'string' },
        stake: { type: 'string' },
        commits: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    console.error(`webtensor validate: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (values.help === true) { console.log(USAGE); return 0 }
  let netuid: number, roundMs: number | undefined, stake: bigint | undefined
  let hotkey: import('../../wallet/index.ts').KeySigner | undefined
  let task: import('../../subnet/index.ts').AnyTask
  try {
    const { getTask, SubnetError } = await import('../../subnet/index.ts')
    try { task = getTask(values.task) } catch (err) { throw err instanceof SubnetError ? new UsageError(`--${err.message}`) : err }
    if (values.chain === undefined) throw new UsageError('--chain URL is required')
    if (values.relay === undefined || values.relay.length === 0) throw new UsageError('--relay MULTIADDR is required (from `webtensor relay` or the stack)')
    for (const r of values.relay) if (!/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/u.test(r)) throw new UsageError(`--relay ${r} must end in /p2p/<relay peer id>`)
    const n = int('netuid', values.netuid, 0, 65535)
    if (n === undefined) throw new UsageError('--netuid N is required')
    netuid = n
    roundMs = int('round-ms', values['round-ms'], 100, 3_600_000)
    if (values.stake !== undefined) {
      if (!/^\d+(\.\d{1,9})?$/u.test(values.stake)) throw new UsageError(`--stake must be an amount of TAO, got '${values.stake}'`)
      const [i, f = ''] = values.stake.split('.')
      stake = BigInt(i!) * 1_000_000_000n + BigInt(f.padEnd(9, '0'))
    }
    if (values['dev-account'] === undefined && values.keystore === undefined) throw new UsageError('give --dev-account //Alice (devnet) or --keystore FILE (the validator hotkey)')
    for (const k of ['dev-account', 'hotkey-dev'] as const) {
      const v = values[k]
      if (v !== undefined && !v.startsWith('//')) throw new UsageError(`--${k} takes a development derivation such as //Alice`)
    }
    if (values.keystore !== undefined) hotkey = await loadKeystore(values.keystore, values['password-env'] ?? 'WEBTENSOR_KEYSTORE_PASSWORD')
  } catch (err) {
    console.error(`webtensor validate: ${(err as Error).message}`)
    return 2
  }
  const signals = watchSignals({ keep: true, onSignal: () => console.log('webtensor validate: stopping') })
  const log = (line: string): void => { console.log(`${new Date().toISOString()} ${line}`) }
  const { startHeadlessValidator } = await import('../../roles/node.ts')
  try {
    const v = await startHeadlessValidator({
      chainUrl: values.chain,
      relayAddrs: values.relay,
      netuid,
      task,
      log,
      signal: signals.signal,
      ...(values['dev-account'] !== undefined ? { coldkeySuri: values['dev-account'] } : { coldkey: null }),
      ...(values['hotkey-dev'] !== undefined ? { hotkeySuri: values['hotkey-dev'] } : {}),
      ...(hotkey !== undefined ? { hotkey } : {}),
      ...(roundMs !== undefined ? { roundMs } : {}),
      ...(stake !== undefined ? { stake } : {}),
      ...(values.commits !== undefined ? { commitStoreFile: values.commits } : values.keystore !== undefined ? { commitStoreFile: commitsBeside(values.keystore) } : {}),
    })
    log(`validator ready: uid ${v.uid}, hotkey ${v.hotkey}`)
    await untilSignal(() => v.stop(), signals)
    return 0
  } catch (err) {
    if (signals.signal.aborted) return 0
    console.error(`webtensor validate: ${(err as Error).message}`)
    return 1
  } finally {
    signals.dispose()
  }
}
