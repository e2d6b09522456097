/**
 * The local devnet: a subtensor-speaking chain emulator for offline development, demos and tests.
 * It serves the real finney metadata (V16, spec 424) over the Substrate JSON-RPC that
 * `@polkadot/api` uses, verifies real signatures over the real signing payload, applies the
 * SubtensorModule / Commitments / Balances calls webtensor uses with the chain's checks and error
 * names, produces blocks on a timer, runs each subnet's epoch with the exact Yuma of
 * src/consensus, and reveals timelocked (v4) weight commits with its own drand-like beacon.
 * It is an emulator and says so (`system_name`); the product must work unchanged on a real node.
 *
 * @example
 * ```ts
 * const devnet = await startDevnet({ port: 0, blockTimeMs: 0 }) // manual blocks
 * const api = await ApiPromise.create({ provider: new WsProvider(devnet.url) })
 * devnet.produceBlock()
 * await devnet.stop()
 * ```
 */
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto'
import { decrypt } from '../timelock/index.ts'
import { Chain, type BlockRecord } from './chain.ts'
import { sharedCodec } from './codec.ts'
import { CONSENSUS_ENGINE, type EpochEngine } from './epoch.ts'
import { DevnetError } from './errors.ts'
import { DEV_SEEDS, SUBNET1_PARAMS } from './genesis.ts'
import { AdminGate } from './origin.ts'
import { RpcServer } from './rpc.ts'
import { Runtime, type TimelockReveal } from './runtime.ts'

export { DevnetError, type DevnetErrorCode } from './errors.ts'
export type { EpochEngine, DevnetEpochInput, DevnetEpochOutput } from './epoch.ts'

/** Options of {@link startDevnet}. */
export interface DevnetInit {
  /** TCP port for WebSocket and HTTP JSON-RPC; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind; default `127.0.0.1`. */
  host?: string
  /** Persist the chain here after every block (atomically) and resume from it at start. */
  stateFile?: string
  /** Milliseconds between blocks; 0 = no timer, blocks only via `produceBlock()`. Default 3000. */
  blockTimeMs?: number
  /** Stops the devnet when aborted. */
  signal?: AbortSignal
  /** Log sink (one line per call); default: silent. */
  log?: (line: string) => void
  /** `CommitRevealWeightsEnabled` of subnet 1 at genesis; default true (finney's default). */
  commitReveal?: boolean
  /** Largest JSON-RPC request accepted, in bytes; default 15 MiB (Substrate's default). */
  maxRequestBytes?: number
  /** The epoch engine; default the exact CPU reference of src/consensus. */
  epoch?: EpochEngine
  /**
   * Browser origins (`http://127.0.0.1:5173`) allowed to call the admin methods (`devnet_faucet`,
   * `devnet_setHyperparams`, `devnet_produceBlock`); more with `Devnet.allowOrigin`. Requests
   * without an `Origin` (non-browser clients) and with the admin token are always allowed.
   */
  adminOrigins?: string[]
  /** The admin token; default a random one, printed in the start-up line. */
  adminToken?: string
  /** Transactions the pool keeps waiting for an earlier nonce; default 512 (Substrate's). */
  maxFutureTransactions?: number
}

/** A running devnet. */
export interface Devnet {
  /** `ws://HOST:PORT`. */
  readonly url: string
  /** `http://HOST:PORT` (JSON-RPC over HTTP POST; no subscriptions). */
  readonly httpUrl: string
  /** The bound port. */
  readonly port: number
  /** Genesis block hash (0x hex). */
  readonly genesisHash: string
  /** The local beacon's public key (96-byte compressed G2, 0x hex). */
  readonly beaconPublicKey: string
  /** Best (= finalized) block number. */
  bestNumber(): number
  /** Best block hash. */
  bestHash(): string
  /** Builds one block now (works with or without the timer); returns its number and hash. */
  produceBlock(): { number: number; hash: string }
  /** Devnet-only: credits `amount` rao to `address` (SS58 or 0x public key). */
  faucet(address: string, amount: bigint): void
  /** The token that admits any caller to the admin methods (`x-devnet-token` header or `?token=`). */
  readonly adminToken: string
  /** Admits browser requests from `origin` (the app a stack serves) to the admin methods. */
  allowOrigin(origin: string): void
  /** Devnet-only: writes SubtensorModule storage items of a subnet (`{ Tempo: 5, CommitRevealWeightsEnabled: false }`). */
  setHyperparams(netuid: number, params: Record<string, unknown>): void
  /** Stops block production and the server; idempotent. */
  stop(): Promise<void>
}

/** Storage items `setHyperparams` may write (all keyed by netuid alone). */
const SETTABLE_HYPERPARAMS = [
  ...Object.keys(SUBNET1_PARAMS),
  'CommitRevealWeightsEnabled',
  'MaxAllowedValidators',
  'Yuma3On',
  'LiquidAlphaOn',
  'AlphaValues',
  'AlphaSigmoidSteepness',
  'BondsResetOn',
  'TransferToggle',
  'MinNonImmuneUids',
]

/**
 * Starts a devnet: genesis (or resume from `stateFile`), JSON-RPC listener, block timer.
 * Prints nothing unless `log` is given.
 */
export async function startDevnet(init: DevnetInit = {}): Promise<Devnet> {
  const host = init.host ?? '127.0.0.1'
  const blockTimeMs = init.blockTimeMs ?? 3000
  if (!Number.isInteger(blockTimeMs) || blockTimeMs < 0) throw new DevnetError('BAD_OPTIONS', `blockTimeMs must be a non-negative integer, got ${blockTimeMs}`)
  const log = init.log ?? (() => {})
  await cryptoWaitReady()
  const codec = sharedCodec()
  const timelock: TimelockReveal = { decrypt }
  const runtime = new Runtime(codec, { epoch: init.epoch ?? CONSENSUS_ENGINE, timelock, log })
  const chain = new Chain({ codec, runtime, stateFile: init.stateFile, commitReveal: init.commitReveal ?? true, log, maxFuture: init.maxFutureTransactions })
  const produce = (): BlockRecord => chain.produceBlock()
  const setHyperparams = (netuid: number, params: Record<string, unknown>): void => {
    for (const k of Object.keys(params)) {
      if (!SETTABLE_HYPERPARAMS.includes(k)) throw new DevnetError('BAD_OPTIONS', `${k} is not a settable hyperparameter (one of ${SETTABLE_HYPERPARAMS.join(', ')})`)
    }
    if (!runtime.subnets(chain.bestState).includes(netuid)) throw new DevnetError('BAD_OPTIONS', `subnet ${netuid} does not exist`)
    chain.setSubnetStorage(netuid, params)
  }
  const gate = new AdminGate(init.adminToken)
  for (const o of init.adminOrigins ?? []) gate.allowOrigin(o)
  const server = new RpcServer({
    gate,
    chain,
    host,
    port: init.port ?? 0,
    maxRequestBytes: init.maxRequestBytes ?? 15 * 1024 * 1024,
    log,
    hooks: {
      faucet: (who, amount) => chain.faucet(who, amount),
      setHyperparams,
      produceBlock: produce,
      info: () => ({
        emulator: true,
        name: 'webtensor devnet (subtensor emulator)',
        genesisHash: chain.genesisHash,
        bestNumber: chain.best.number,
        blockTimeMs,
        devAccounts: [...DEV_SEEDS],
        epochEngine: runtime.epoch?.name ?? 'none',
        beaconPublicKey: u8aToHex(chain.beacon.publicKey),
        settableHyperparams: SETTABLE_HYPERPARAMS,
      }),
      drandPulse: (round) => {
        const st = chain.bestState
        if (!st.has('Drand', 'Pulses', [round])) return null
        const p = st.get('Drand', 'Pulses', [round]).toJSON() as { round: number | string; randomness: string; signature: string }
        return { round: String(p.round), randomness: p.randomness, signature: p.signature }
      },
    },
  })
  let port: number
  try {
    port = await server.listen()
  } catch (e) {
    await server.close().catch(() => {})
    const err = e as NodeJS.ErrnoException
    throw new DevnetError('LISTEN_FAILED', `cannot listen on ${host}:${init.port ?? 0} (${err.code ?? err.message}); pick another --port or 0 for a free one`, { cause: e })
  }
  log(`webtensor devnet: a subtensor EMULATOR (not a real node) on ${host}:${port}, genesis ${chain.genesisHash}, block #${chain.best.number}`)
  log(`admin methods (devnet_faucet, devnet_setHyperparams, devnet_produceBlock) answer non-browser clients and the stack's app; other pages need the admin token ${gate.token} (x-devnet-token header or ?token=)`)
  let timer: ReturnType<typeof setInterval> | undefined
  if (blockTimeMs > 0) {
    timer = setInterval(() => {
      try {
        produce()
      } catch (e) {
        log(`block production failed: ${(e as Error).stack ?? String(e)}`)
      }
    }, blockTimeMs)
  }
  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    if (stopped !== undefined) return stopped
    if (timer !== undefined) clearInterval(timer)
    stopped = server.close()
    return stopped
  }
  init.signal?.addEventListener('abort', () => void stop(), { once: true })
  if (init.signal?.aborted === true) await stop()
  // A wildcard bind is reached through loopback locally.
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  const h = reach.includes(':') ? `[${reach}]` : reach
  return {
    url: `ws://${h}:${port}`,
    httpUrl: `http://${h}:${port}`,
    port,
    genesisHash: chain.genesisHash,
    beaconPublicKey: u8aToHex(chain.beacon.publicKey),
    bestNumber: () => chain.best.number,
    bestHash: () => chain.best.hash,
    produceBlock: () => {
      if (stopped !== undefined) throw new DevnetError('STOPPED', 'the devnet is stopped')
      const b = produce()
      return { number: b.number, hash: b.hash }
    },
    faucet: (address, amount) => {
      chain.faucet(u8aToHex(decodeAddress(address)), amount)
    },
    setHyperparams,
    adminToken: gate.token,
    allowOrigin: (origin) => gate.allowOrigin(origin),
    stop,
  }
}
