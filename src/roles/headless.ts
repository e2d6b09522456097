/**
 * The headless validator (Node): a keyring hotkey registered and staked by a coldkey (a dev
 * account on the devnet, or a keystore), joined to the mesh through the relay, running the same
 * validator loop as a tab.
 */
import { createChainClient, createKeyringSigner, type ChainClient, type KeySigner } from '../wallet/index.ts'
import { createFileCommitStore, createMemoryCommitStore } from '../weights/index.ts'
import { RolesError } from './errors.ts'
import { ensureValidator } from './register.ts'
import { createValidator, type Validator, type ValidatorInit, type ValidatorState } from './validator.ts'

/** Options of {@link startHeadlessValidator}. */
export interface HeadlessValidatorInit {
  /** ws:// or wss:// URL of the chain (or 'finney', 'test', 'local'). */
  chainUrl: string
  /** Relay multiaddrs (each ending in /p2p/<id>). */
  relayAddrs: string[]
  netuid: number
  /** Pays registration and stake (default '//Alice', a devnet dev account). */
  coldkeySuri?: string
  /** The validator hotkey (default `${coldkeySuri}//validator`). */
  hotkeySuri?: string
  /**
   * Or give the keys directly (a keystore decoded by the caller); these win over the SURIs.
   * `coldkey: null`: no coldkey at all; the hotkey must already be registered (and staked).
   */
  coldkey?: KeySigner | null
  hotkey?: KeySigner
  /**
   * Stake (rao) the hotkey should hold so the next epoch grants a permit. Default 100 TAO; on the
   * devnet 10 000 TAO, more than the genesis owner (//Alice, 1000 alpha) holds, so that this
   * validator's weights carry the stake majority Yuma's consensus (kappa ½) needs for miners to earn.
   */
  stake?: bigint
  roundMs?: number
  /** The task to validate (default OCR). */
  task?: ValidatorInit['task']
  challenge?: ValidatorInit['challenge']
  /** The scores each mechanism gets (default: the same for all; see `ValidatorInit.mechanismScores`). */
  mechanismScores?: ValidatorInit['mechanismScores']
  /** Keep weight commits in this JSON file (survives restarts); default in memory. */
  commitStoreFile?: string
  /** A line per step (default: none). */
  log?: (line: string) => void
  /** Stops the validator when aborted. */
  signal?: AbortSignal
}

/** A running headless validator. */
export interface HeadlessValidator {
  hotkey: string
  uid: number
  /** The validator (subscribe for state). */
  validator: Validator
  readonly state: ValidatorState
  /** Stops the validator and closes the chain connection. Idempotent. */
  stop(): Promise<void>
}

/**
 * Registers (if needed) and stakes the hotkey, waits until it holds a validator permit (on the
 * devnet, the next epoch grants it to the staked hotkey), joins the mesh and starts the rounds.
 * Resolves once the validator is validating.
 */
export async function startHeadlessValidator(init: HeadlessValidatorInit): Promise<HeadlessValidator> {
  const log = init.log ?? (() => {})
  const coldkeySuri = init.coldkeySuri ?? '//Alice'
  const coldkey = init.coldkey === null ? undefined : (init.coldkey ?? (await createKeyringSigner(coldkeySuri)))
  const hotkey = init.hotkey ?? (await createKeyringSigner(init.hotkeySuri ?? `${coldkeySuri}//validator`))
  const signal = init.signal
  const opts = signal !== undefined ? { signal } : {}
  let client: ChainClient | undefined
  let validator: Validator | undefined
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    signal?.removeEventListener('abort', onAbort)
    await validator?.stop()
    await client?.stop()
  }
  const onAbort = (): void => { void stop() }
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    log(`connecting to ${init.chainUrl}`)
    client = await createChainClient({ endpoint: init.chainUrl, ...opts })
    await ensureValidator({
      client, netuid: init.netuid, hotkey: hotkey.address, log, ...opts,
      ...(coldkey !== undefined ? { coldkey } : {}),
      ...(init.stake !== undefined ? { stake: init.stake } : {}),
    })
    validator = createValidator({
      client,
      netuid: init.netuid,
      hotkey,
      relays: init.relayAddrs,
      log,
      commitStore: init.commitStoreFile !== undefined ? createFileCommitStore(init.commitStoreFile) : createMemoryCommitStore(),
      ...(init.roundMs !== undefined ? { roundMs: init.roundMs } : {}),
      ...(init.challenge !== undefined ? { challenge: init.challenge } : {}),
      ...(init.task !== undefined ? { task: init.task } : {}),
      ...(init.mechanismScores !== undefined ? { mechanismScores: init.mechanismScores } : {}),
    })
    await validator.start(opts)
    if (validator.state.phase !== 'validating') throw new RolesError('STOPPED', 'the validator stopped before it started validating')
  } catch (err) {
    await stop()
    throw err
  }
  const v = validator
  return {
    hotkey: hotkey.address,
    uid: v.state.uid ?? -1,
    validator: v,
    get state() { return v.state },
    stop,
  }
}
