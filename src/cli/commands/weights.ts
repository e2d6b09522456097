/**
 * `webtensor weights commit|reveal|status`: weights on a subtensor chain from the command line.
 * Commits are v4 (timelocked, the chain reveals) by default when commit-reveal is on, `set_weights`
 * when it is off, or v2 (hash; reveal with `weights reveal`) on request. v2 salts are kept in a
 * pending-commit file so a later `reveal` (another process) can reveal them in their window.
 */
import { parseArgs } from 'node:util'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { KeySigner } from '../../wallet/index.ts'
import { loadKeystoreFile } from '../keystore.ts'
import type { PendingCommit, WeightsAccount, WeightsInput } from '../../weights/index.ts'

const USAGE = `usage:
  webtensor weights commit --endpoint URL KEY --netuid N --uids 0,1,2 (--weights 0.5,0.3,0.2 | --values 65535,39321,26214)
                           [--mode auto|v4|v2|set] [--version-key K] [--mecid M] [--keep-zeros]
                           [--block-time SECONDS] [--beacon-public-key HEX] [--store FILE] [--wait-rate-limit]
  webtensor weights reveal --endpoint URL KEY [--netuid N] [--wait] [--store FILE]
  webtensor weights status --endpoint URL KEY [--netuid N] [--store FILE]

KEY is one of:
  --dev-account //Alice          a development key URI (devnets and tests only)
  --keystore FILE                a polkadot{.js} JSON export (password from --password-env VAR, default
                                 WEBTENSOR_KEYSTORE_PASSWORD) or a bittensor hotkey file
It signs as the HOTKEY that is registered on the subnet.

--endpoint: finney, test, local or a ws:// / wss:// URL.
--mode auto (default): v4 timelocked commit when commit-reveal is on, set_weights when it is off;
  v2: hash commit (run \`weights reveal\` in the next reveal epoch); set: set_weights.
--store: pending commits file (default $WEBTENSOR_HOME/pending-commits.json, WEBTENSOR_HOME = ~/.webtensor).
Output is JSON on stdout. Exit 0 on success, 1 when the chain or a check refuses (message on
stderr), 2 on bad usage; \`reveal\` exits 1 when a commit expired or failed.`

class UsageError extends Error {}

let WeightsErrorClass: (new (...a: never[]) => Error & { code: string }) | undefined

function list(name: string, value: string | undefined, parse: (s: string) => number): number[] | undefined {
  if (value === undefined) return undefined
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  return parts.map((p) => {
    const n = parse(p)
    if (!Number.isFinite(n)) throw new UsageError(`--${name}: "${p}" is not a number`)
    return n
  })
}

function intArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`)
  return Number(value)
}

function hexBytes(name: string, value: string): Uint8Array {
  const h = value.replace(/^0x/i, '')
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new UsageError(`--${name} is not valid hex`)
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16))
}

/** Loads the signing hotkey from a dev URI or a keystore file. */
async function loadKey(devAccount: string | undefined, keystore: string | undefined, passwordEnv: string): Promise<KeySigner> {
  if ((devAccount === undefined) === (keystore === undefined)) throw new UsageError('give exactly one of --dev-account or --keystore')
  const { createKeyringSigner } = await import('../../wallet/index.ts')
  if (devAccount !== undefined) {
    if (!devAccount.startsWith('//')) throw new UsageError('--dev-account takes a development derivation such as //Alice')
    return await createKeyringSigner(devAccount)
  }
  return await loadKeystoreFile(keystore!, passwordEnv, (m) => new UsageError(m))
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? `0x${Buffer.from(x).toString('hex')}` : x))

function summary(c: PendingCommit): Record<string, unknown> {
  const { id, kind, netuid, mecid, uids, values, versionKey, commitBlock, commitEpoch, revealEpoch, revealRound, status, note } = c
  return { id, kind, netuid, mecid, uids, values, versionKey, commitBlock, commitEpoch, revealEpoch, revealRound, status, note }
}

/** Runs `webtensor weights ...`; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE)
    return sub === undefined ? 2 : 0
  }
  let stop: (() => Promise<void>) | undefined
  try {
    const { values: o } = parseArgs({
      args: rest,
      strict: true,
      options: {
        endpoint: { type: 'string' },
        'dev-account': { type: 'string' },
        keystore: { type: 'string' },
        'password-env': { type: 'string' },
        netuid: { type: 'string' },
        mecid: { type: 'string' },
        uids: { type: 'string' },
        weights: { type: 'string' },
        values: { type: 'string' },
        'version-key': { type: 'string' },
        mode: { type: 'string' },
        'keep-zeros': { type: 'boolean' },
        'block-time': { type: 'string' },
        'beacon-public-key': { type: 'string' },
        store: { type: 'string' },
        wait: { type: 'boolean' },
        'wait-rate-limit': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (o.help) {
      console.log(USAGE)
      return 0
    }
    if (!['commit', 'reveal', 'status'].includes(sub)) throw new UsageError(`unknown subcommand "${sub}" (expected commit, reveal or status)`)
    if (o.endpoint === undefined) throw new UsageError('--endpoint is required')
    const netuid = intArg('netuid', o.netuid)
    const mecid = intArg('mecid', o.mecid) ?? 0
    const mode = o.mode ?? 'auto'
    if (!['auto', 'v4', 'v2', 'set'].includes(mode)) throw new UsageError(`--mode must be auto, v4, v2 or set, got "${mode}"`)
    let input: WeightsInput | undefined
    if (sub === 'commit') {
      if (netuid === undefined) throw new UsageError('--netuid is required')
      const uids = list('uids', o.uids, (s) => (/^\d+$/.test(s) ? Number(s) : Number.NaN))
      if (uids === undefined) throw new UsageError('--uids is required')
      const scores = list('weights', o.weights, Number)
      const vals = list('values', o.values, (s) => (/^\d+$/.test(s) ? Number(s) : Number.NaN))
      if ((scores === undefined) === (vals === undefined)) throw new UsageError('give exactly one of --weights (floats) or --values (u16)')
      if (o['version-key'] !== undefined && !/^\d+$/.test(o['version-key'])) throw new UsageError('--version-key must be a non-negative integer')
      input = {
        netuid,
        uids,
        ...(scores !== undefined ? { scores } : {}),
        ...(vals !== undefined ? { values: vals } : {}),
        ...(o['version-key'] !== undefined ? { versionKey: BigInt(o['version-key']) } : {}),
        keepZeros: o['keep-zeros'] ?? false,
      }
    }
    const blockTimeSec = o['block-time'] === undefined ? undefined : Number(o['block-time'])
    if (blockTimeSec !== undefined && !(blockTimeSec > 0)) throw new UsageError('--block-time must be a positive number of seconds')
    const beaconPublicKey = o['beacon-public-key'] === undefined ? undefined : hexBytes('beacon-public-key', o['beacon-public-key'])

    const account: WeightsAccount = await loadKey(o['dev-account'], o.keystore, o['password-env'] ?? 'WEBTENSOR_KEYSTORE_PASSWORD')
    // heavy modules load only once the arguments are known to be good
    const [{ createChainClient }, w] = await Promise.all([import('../../wallet/index.ts'), import('../../weights/index.ts')])
    const { commitTimelockedWeights, commitWeights, createFileCommitStore, readSubnetWeightState, revealWeights, setWeights, weightsStatus } = w
    WeightsErrorClass = w.WeightsError
    const storePath = o.store ?? join(process.env.WEBTENSOR_HOME ?? join(homedir(), '.webtensor'), 'pending-commits.json')
    const store = createFileCommitStore(storePath)
    const client = await createChainClient({ endpoint: o.endpoint, signal: AbortSignal.timeout(60_000) })
    stop = async () => {
      await store.close()
      await client.stop()
    }

    if (sub === 'commit') {
      const s = await readSubnetWeightState(client, netuid!, account.address, { mecid })
      const kind = mode === 'auto' ? (s.commitRevealEnabled ? 'v4' : 'set') : mode
      if (kind === 'set') {
        const r = await setWeights(client, account, input!, { mecid, waitForRateLimit: o['wait-rate-limit'] ?? false })
        console.log(json({ kind: 'set', hotkey: account.address, ...r }))
      } else if (kind === 'v2') {
        const r = await commitWeights(client, account, input!, store, { mecid })
        console.log(json({ hotkey: account.address, blockHash: r.blockHash, blockNumber: r.blockNumber, ...summary(r.commit), store: storePath }))
      } else {
        const r = await commitTimelockedWeights(client, account, input!, store, {
          mecid,
          ...(blockTimeSec !== undefined ? { blockTimeSec } : {}),
          ...(beaconPublicKey !== undefined ? { beaconPublicKey } : {}),
        })
        console.log(json({ hotkey: account.address, blockHash: r.blockHash, blockNumber: r.blockNumber, commitBytes: r.commitBytes.length, ...summary(r.commit) }))
      }
      return 0
    }
    if (sub === 'reveal') {
      const out = await revealWeights(client, account, store, { wait: o.wait ?? false, ...(netuid !== undefined ? { netuid } : {}) })
      for (const r of out) console.log(json({ outcome: r.outcome, detail: r.detail, block: r.inclusion?.blockNumber, ...summary(r.commit) }))
      if (out.length === 0) console.error(`webtensor weights reveal: no pending commits for ${account.address} on this chain in ${storePath}`)
      return out.some((r) => r.outcome === 'expired' || r.outcome === 'failed') ? 1 : 0
    }
    const lines = await weightsStatus(client, account.address, store, netuid !== undefined ? { netuid } : {})
    for (const l of lines) console.log(json({ state: l.state, epochNow: l.epochNow, ...summary(l.commit) }))
    if (lines.length === 0) console.error(`webtensor weights status: no commits recorded for ${account.address} on this chain in ${storePath}`)
    return 0
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`webtensor weights ${sub}: ${e.message}\n\n${USAGE}`)
      return 2
    }
    if (WeightsErrorClass !== undefined && e instanceof WeightsErrorClass) {
      console.error(`webtensor weights ${sub}: ${e.code}: ${e.message}`)
      return 1
    }
    const err = e as Error & { code?: string }
    console.error(`webtensor weights ${sub}: ${err.code ? `${err.code}: ` : ''}${err.message}`)
    return 1
  } finally {
    await stop?.()
  }
}
