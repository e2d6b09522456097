/**
 * The @polkadot/api adapter: the only file that imports @polkadot/api or @polkadot/types.
 *
 * Connects over WebSocket with exponential-backoff reconnects, caches runtime metadata by
 * `${genesisHash}-${specVersion}`, takes the transaction extensions from the runtime's metadata
 * (accepting those that carry no data, refusing by name those that carry data it cannot fill),
 * reads the subnet state the product needs through runtime APIs and storage (and any storage item
 * by name, at any block), and submits extrinsics built by metadata name, signed by a
 * {@link TxSigner}, with status reporting and decoded dispatch errors. The rest of the project
 * reaches the chain only through the {@link ChainClient} this file returns.
 */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import { Metadata, TypeRegistry, expandMetadata } from '@polkadot/types'
import { allExtensions } from '@polkadot/types/extrinsic/signedExtensions'
import type { Codec, Registry } from '@polkadot/types/types'
import type { DispatchError as PjsDispatchError } from '@polkadot/types/interfaces'
import { hexToU8a, stringCamelCase, u8aConcat, u8aToHex, u8aToString } from '@polkadot/util'
import { toSs58 } from './address.ts'
import * as calls from './calls.ts'
import type { CallSpec, LimitOptions } from './calls.ts'
import { resolveEndpoint } from './endpoints.ts'
import { nextEpochBlock, readEpochSchedule } from './epoch-schedule.ts'
import { signatureOf } from './signed-extrinsic.ts'
import { DispatchError, UserRejectedError, WalletError, abortError, isRejectionMessage } from './errors.ts'
import type { DecodedDispatchError } from './errors.ts'
import { defaultMetadataCache } from './metadata-cache.ts'
import type { MetadataCache } from './metadata-cache.ts'
import type {
  AccountBalance, ChainValue, Commitment, ConnectionState, Endpoint, Hex, HyperparamValue, Metagraph,
  Neuron, SubmitOptions, SubnetHyperparams, SubnetSummary, TransactionExtensions, TxEvent, TxExtensionBytes, TxResult, TxSigner, TxStatus,
} from './types.ts'

/**
 * Subtensor's transaction extensions that @polkadot/types 16.5.6 does not know. In the finney
 * metadata (spec 424) each has type `()` and implicit `()`: they add nothing to the extrinsic or to
 * the signed payload, so declaring them empty signs exactly what the chain verifies. Declaring
 * them only keeps @polkadot/types from warning: every extension outside @polkadot/types' own set
 * is checked against the runtime's metadata ({@link transactionExtensionsOf}) before signing.
 */
export const SUBTENSOR_SIGNED_EXTENSIONS = Object.freeze({
  SudoTransactionExtension: { extrinsic: {}, payload: {} },
  CheckShieldedTxValidity: { extrinsic: {}, payload: {} },
  SubtensorTransactionExtension: { extrinsic: {}, payload: {} },
  DrandPriority: { extrinsic: {}, payload: {} },
})

/** Options of {@link createChainClient}. */
export interface ChainClientInit {
  /** `finney`, `test`, `local` or a ws:// / wss:// URL. */
  readonly endpoint: Endpoint
  /** Abort the initial connection (retries continue until then). */
  readonly signal?: AbortSignal
  /** Where metadata is cached; default IndexedDB in browsers, a process-wide memory cache in Node. */
  readonly metadataCache?: MetadataCache
  /** Reconnect backoff: first delay and cap, in ms. Default 1000 and 30000, doubling, ±20% jitter. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number }
  /** Called on every connection state change. */
  readonly onConnectionChange?: (state: ConnectionState) => void
}

/** A call ready to submit, with what the UI shows before asking for a signature. */
export interface PreparedCall {
  readonly spec: CallSpec
  /** `[palletIndex, callIndex]` from this chain's metadata. */
  readonly callIndex: readonly [number, number]
  /** SCALE-encoded call (call index + args). */
  readonly callData: Hex
  /** Arguments in human form (for a confirmation dialog). */
  readonly human: unknown
}

/** A submission followed as an async iterable of statuses. */
export interface TrackedSubmission {
  /** Every status in order; the iteration ends when the submission settles (success or failure). */
  readonly statuses: AsyncIterable<TxStatus>
  /** Settles like {@link ChainClient.submit}. */
  readonly result: Promise<TxResult>
}

/** Price shown before `burned_register`. */
export interface RegistrationQuote {
  readonly netuid: number
  /** Current burn (rao) that registration recycles. */
  readonly burn: bigint
  /** Estimated transaction fee (rao). */
  readonly fee: bigint
  /** Transferable balance of the coldkey (rao). */
  readonly balance: bigint
  /** `balance >= burn + fee`. */
  readonly affordable: boolean
}

/** Options of the reads by name ({@link ChainClient.readStorage}, {@link ChainClient.readEntries}). */
export interface ReadOptions {
  /** Read the state at this block hash (default: best). */
  readonly at?: Hex
  readonly signal?: AbortSignal
}

/** A live connection to a subtensor node (or the devnet). */
export interface ChainClient {
  /** Resolved WebSocket URL. */
  readonly url: string
  /** Genesis hash of the connected chain. */
  readonly genesisHash: Hex
  /** Runtime spec version now (changes on upgrade). */
  readonly specVersion: number
  /** Current connection state. */
  readonly connection: ConnectionState
  /** The runtime's transaction extensions as this client fills them (from the metadata, re-read on upgrade). */
  readonly transactionExtensions: TransactionExtensions
  /** Subscribe to connection state changes; returns the unsubscribe function. */
  onConnectionChange(cb: (state: ConnectionState) => void): () => void
  /** Disconnect and stop reconnecting. Idempotent. */
  stop(): Promise<void>

  /** Best block number. */
  bestBlock(opts?: { signal?: AbortSignal }): Promise<bigint>
  /** Subscribe to new best block numbers; returns the unsubscribe function. */
  subscribeBlocks(cb: (block: bigint) => void): Promise<() => void>
  /** Every subnet (netuid, name, tempo, size, burn). */
  listSubnets(opts?: { signal?: AbortSignal }): Promise<SubnetSummary[]>
  /** Hyperparameters through `get_subnet_hyperparams_v3`. Throws `BAD_INPUT` if the subnet does not exist. */
  getHyperparams(netuid: number, opts?: { signal?: AbortSignal }): Promise<SubnetHyperparams>
  /** The metagraph through `get_metagraph`, falling back to `get_neurons_lite`. */
  getMetagraph(netuid: number, opts?: { signal?: AbortSignal }): Promise<Metagraph>
  /** The uid of `hotkey` on `netuid`, or `undefined` when not registered. */
  getUid(netuid: number, hotkey: string, opts?: { signal?: AbortSignal }): Promise<number | undefined>
  /** Balance of an account (rao). */
  getBalance(address: string, opts?: { signal?: AbortSignal }): Promise<AccountBalance>
  /** Current burned-registration price of `netuid` (rao). */
  getBurn(netuid: number, opts?: { signal?: AbortSignal }): Promise<bigint>
  /** Alpha staked to `hotkey` on `netuid` (`TotalHotkeyAlpha`, rao units). */
  getHotkeyStake(hotkey: string, netuid: number, opts?: { signal?: AbortSignal }): Promise<bigint>
  /** Block at which the next epoch of `netuid` starts. */
  getNextEpochBlock(netuid: number, opts?: { signal?: AbortSignal }): Promise<bigint>
  /** Commitments of every hotkey on `netuid` (`Commitments.CommitmentOf`). */
  getCommitments(netuid: number, opts?: { signal?: AbortSignal }): Promise<Commitment[]>

  /** Whether this chain's metadata has storage `pallet.item` (names as in metadata or camelCase). */
  hasStorage(pallet: string, item: string): boolean
  /** One storage value by name (`SubtensorModule`, `Weights`, `[netuid, uid]`); throws `UNSUPPORTED` when the chain has no such item. */
  readStorage(pallet: string, item: string, args?: readonly unknown[], opts?: ReadOptions): Promise<ChainValue>
  /** Every entry of a storage map under the given leading keys, with each entry's key arguments. */
  readEntries(pallet: string, item: string, args?: readonly unknown[], opts?: ReadOptions): Promise<Array<{ keys: ChainValue[]; value: ChainValue }>>
  /** A runtime constant by name, or `undefined` when the metadata has none. */
  readConstant(pallet: string, name: string): ChainValue | undefined
  /** Hash of block `n`, or `undefined` when the node does not know it. */
  blockHash(n: number | bigint, opts?: { signal?: AbortSignal }): Promise<Hex | undefined>
  /** Number of the block with hash `hash`. */
  blockNumberOf(hash: Hex, opts?: { signal?: AbortSignal }): Promise<bigint>
  /**
   * One raw JSON-RPC call over this connection, for methods a particular node serves (the devnet's
   * `devnet_info`, `devnet_faucet`); prefer the typed reads. Rejects with `UNSUPPORTED` when the
   * node refuses the method, `CONNECTION` when it cannot be asked.
   */
  rpc(method: string, params?: readonly unknown[], opts?: { signal?: AbortSignal }): Promise<unknown>

  /** Build a call by metadata name; throws `UNSUPPORTED` if this chain lacks it. */
  prepare(spec: CallSpec): PreparedCall
  /** Estimated fee (rao) of `spec` signed by `address`. */
  estimateFee(spec: CallSpec, address: string, opts?: { signal?: AbortSignal }): Promise<bigint>
  /**
   * Sign (extension prompt or key in page) and submit, reporting `signing → signed → ready →
   * inBlock → finalized`. Resolves on finality (or inclusion with `waitFor: 'inBlock'`).
   * Rejects with {@link UserRejectedError} when the user declines, {@link DispatchError} when the
   * extrinsic failed in its block, or `WalletError` `TX_INVALID` / `TX_DROPPED` before inclusion.
   */
  submit(call: CallSpec | PreparedCall, signer: TxSigner, opts?: SubmitOptions): Promise<TxResult>

  /**
   * {@link ChainClient.submit} with the statuses as an async iterable (`for await (const s of
   * t.statuses)`), ending when the submission settles; `result` settles like `submit`.
   */
  track(call: CallSpec | PreparedCall, signer: TxSigner, opts?: Omit<SubmitOptions, 'onStatus'>): TrackedSubmission

  /** Burn price, fee and balance, to show before {@link ChainClient.burnedRegister}. */
  quoteRegistration(netuid: number, coldkey: string, hotkey: string, opts?: { signal?: AbortSignal }): Promise<RegistrationQuote>
  /**
   * `burned_register(netuid, hotkey)` signed by the coldkey. Reads the price first and refuses
   * (`BAD_INPUT`) if it exceeds `maxBurn` (the price the user was shown).
   */
  burnedRegister(netuid: number, hotkey: string, coldkey: TxSigner, opts?: SubmitOptions & { maxBurn?: bigint }): Promise<TxResult & { burn: bigint }>
  /** `add_stake`, or `add_stake_limit` when `limit` is given. Coldkey-signed. */
  addStake(hotkey: string, netuid: number, amount: bigint, coldkey: TxSigner, opts?: SubmitOptions & { limit?: LimitOptions }): Promise<TxResult>
  /** `remove_stake`, or `remove_stake_limit` when `limit` is given. Coldkey-signed. */
  removeStake(hotkey: string, netuid: number, amount: bigint, coldkey: TxSigner, opts?: SubmitOptions & { limit?: LimitOptions }): Promise<TxResult>
  /** `Commitments.set_commitment` with Raw fields, signed by a registered hotkey. */
  setCommitment(netuid: number, fields: ReadonlyArray<Uint8Array | string>, hotkey: TxSigner, opts?: SubmitOptions): Promise<TxResult>
  /** Publish a libp2p peer id (UTF-8, one Raw field): what miners commit so validators can dial them. */
  publishPeerId(netuid: number, peerId: string, hotkey: TxSigner, opts?: SubmitOptions): Promise<TxResult>
  /** `Balances.transfer_keep_alive(dest, amount)`. */
  transferKeepAlive(dest: string, amount: bigint, from: TxSigner, opts?: SubmitOptions): Promise<TxResult>
}

// ---------------------------------------------------------------------------------------------
// small helpers

function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what)
}

/** Race `p` against `signal`; the listener is removed when either settles. */
function withSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return p
  throwIfAborted(signal, what)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal, what))
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v) },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e) },
    )
  })
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(t); reject(abortError(signal, 'waiting')) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** camelCase name used by @polkadot/api's decorated sections (`SubtensorModule` → `subtensorModule`). */
function camel(name: string): string {
  return stringCamelCase(name)
}

function toBig(c: unknown): bigint {
  const v = c as { toBigInt?: () => bigint; unwrap?: () => { toBigInt(): bigint } }
  if (typeof v.toBigInt === 'function') return v.toBigInt()
  if (typeof v.unwrap === 'function') return v.unwrap().toBigInt()
  throw new WalletError('UNSUPPORTED', 'unexpected codec where an integer was expected')
}

function toNum(c: unknown): number {
  return Number(toBig(c))
}

function bytesToText(c: unknown): string {
  const v = c as { toU8a(bare?: boolean): Uint8Array }
  return u8aToString(v.toU8a(true))
}

/** Compact<u8> vectors (`Vec<Compact<u8>>`, used for names in runtime API structs) as text. */
function compactBytesToText(c: unknown): string {
  const arr = c as ArrayLike<unknown>
  const bytes = Uint8Array.from(Array.from(arr, (x) => toNum(x)))
  return new TextDecoder().decode(bytes)
}

// ---------------------------------------------------------------------------------------------
// transaction extensions, from the metadata

/** True when the type carries no bytes: `()`, an empty struct, or built only of such. */
function isEmptyType(registry: Registry, id: number, seen = new Set<number>()): boolean {
  if (seen.has(id)) return false
  seen.add(id)
  const def = registry.lookup.getSiType(id).def
  if (def.isTuple) return def.asTuple.every((t) => isEmptyType(registry, t.toNumber(), seen))
  if (def.isComposite) return def.asComposite.fields.every((f) => isEmptyType(registry, f.type.toNumber(), seen))
  if (def.isArray) return def.asArray.len.toNumber() === 0 || isEmptyType(registry, def.asArray.type.toNumber(), seen)
  return false
}

/**
 * The runtime's transaction extensions (metadata order) sorted by how the client fills them: the
 * ones @polkadot/types fills with data (nonce, era, tip, spec version, genesis, metadata hash…),
 * the ones that carry no data (accepted, whatever their name), and the ones that carry data the
 * client cannot fill (signing refuses while there are any).
 */
export function transactionExtensionsOf(registry: Registry, implicitIds?: readonly number[]): TransactionExtensions {
  const known = allExtensions as Record<string, { extrinsic: object; payload: object } | undefined>
  const filled: string[] = []
  const empty: string[] = []
  const unsupported: string[] = []
  const list = (registry.metadata.extrinsic as unknown as { transactionExtensions: Array<{ identifier: Codec; type: { toNumber(): number }; implicit: { toNumber(): number } }> }).transactionExtensions
  for (const [i, e] of list.entries()) {
    const id = e.identifier.toString()
    const def = known[id]
    if (def !== undefined && Object.keys(def.extrinsic).length + Object.keys(def.payload).length > 0) filled.push(id)
    else if (isEmptyType(registry, e.type.toNumber()) && isEmptyType(registry, implicitIds?.[i] ?? e.implicit.toNumber())) empty.push(id)
    else unsupported.push(id)
  }
  return { filled, empty, unsupported }
}

/**
 * Each transaction extension's bytes (explicit `value`, implicit `additionalSigned`) for a payload
 * in @polkadot/api's JSON form, in metadata order: the fields @polkadot/types knows for it,
 * encoded with this runtime's types; nothing for an extension that carries no data.
 */
function extensionBytes(registry: Registry, json: Record<string, unknown>): Record<string, TxExtensionBytes> {
  const known: Record<string, { extrinsic?: Record<string, string>; payload?: Record<string, string> } | undefined> = { ...(allExtensions as Record<string, { extrinsic: Record<string, string>; payload: Record<string, string> }>), ...SUBTENSOR_SIGNED_EXTENSIONS }
  const list = (registry.metadata.extrinsic as unknown as { transactionExtensions: Array<{ identifier: Codec }> }).transactionExtensions
  const encode = (fields: Record<string, string> | undefined): Uint8Array =>
    u8aConcat(...Object.entries(fields ?? {}).map(([field, type]) => registry.createType(type, json[field]).toU8a()))
  const out: Record<string, TxExtensionBytes> = {}
  for (const e of list) {
    const identifier = e.identifier.toString()
    const def = known[identifier]
    out[identifier] = { identifier, value: encode(def?.extrinsic), additionalSigned: encode(def?.payload) }
  }
  return out
}

/** Throws `UNSUPPORTED` naming the extensions that carry data this client cannot fill. */
function assertSignable(ext: TransactionExtensions): void {
  if (ext.unsupported.length === 0) return
  const names = ext.unsupported.join(', ')
  throw new WalletError('UNSUPPORTED', `this runtime's transaction extension${ext.unsupported.length > 1 ? 's' : ''} ${names} carr${ext.unsupported.length > 1 ? 'y' : 'ies'} data this client cannot fill; nothing was signed (update webtensor for this runtime)`)
}

// ---------------------------------------------------------------------------------------------
// dispatch errors

/** Short sentences for the errors users meet most; others fall back to the metadata docs. */
const HUMAN_ERRORS: Readonly<Record<string, string>> = {
  'SubtensorModule.HotKeyAlreadyRegisteredInSubNet': 'This hotkey is already registered on this subnet; no need to register again.',
  'SubtensorModule.NotEnoughBalanceToStake': 'The coldkey balance is too low for this amount (registration burn or stake) plus fees.',
  'SubtensorModule.TooManyRegistrationsThisBlock': 'Too many registrations in this block; try again in a few seconds.',
  'SubtensorModule.TooManyRegistrationsThisInterval': 'The subnet reached its registrations for this interval; try again later.',
  'SubtensorModule.SubNetRegistrationDisabled': 'Registration is disabled on this subnet.',
  'SubtensorModule.SubnetNotExists': 'This subnet does not exist.',
  'SubtensorModule.HotKeyNotRegisteredInSubNet': 'This hotkey is not registered on this subnet; register it first.',
  'SubtensorModule.HotKeyAccountNotExists': 'This hotkey has no account on chain yet; register it first.',
  'SubtensorModule.NotEnoughStakeToWithdraw': 'There is not that much stake to remove.',
  'SubtensorModule.AmountTooLow': 'The amount is below the minimum the chain accepts.',
  'SubtensorModule.SlippageTooHigh': 'The price moved past your limit; nothing was exchanged.',
  'SubtensorModule.StakingRateLimitExceeded': 'Staking too often; wait a few blocks and try again.',
  'SubtensorModule.CommitRevealEnabled': 'This subnet uses commit-reveal; weights must be committed, not set directly.',
  'SubtensorModule.SettingWeightsTooFast': 'Weights were set too recently; wait for the rate limit.',
  'SubtensorModule.RegistrationPriceLimitExceeded': 'The registration price rose above your limit.',
  'Commitments.TooManyFieldsInCommitmentInfo': 'Too many fields in the commitment.',
  'Commitments.AccountNotAllowedCommit': 'Only hotkeys registered on this subnet may publish a commitment.',
  'Commitments.CommitmentSetRateLimitExceeded': 'Commitments are rate-limited; try again in a few blocks.',
  'Commitments.SpaceLimitExceeded': 'The commitment space for this period is used up; try again later.',
  'Balances.InsufficientBalance': 'Insufficient balance for this transfer.',
  'Balances.Expendability': 'The transfer would take the account below the existential deposit.',
  'DispatchError.BadOrigin': 'This call was signed by the wrong key.',
  'DispatchError.Token.FundsUnavailable': 'Insufficient balance.',
}

/** The human sentence for a decoded error. */
export function humanDispatchMessage(e: DecodedDispatchError): string {
  const known = HUMAN_ERRORS[`${e.pallet}.${e.name}`]
  if (known) return `${known} (${e.pallet}.${e.name})`
  return `${e.pallet}.${e.name}${e.docs ? `: ${e.docs}` : ''}`
}

function decodeDispatchError(api: ApiPromise, err: PjsDispatchError): DecodedDispatchError {
  if (err.isModule) {
    const mod = err.asModule
    const meta = api.registry.findMetaError(mod)
    const pallet = api.registry.metadata.pallets.find((p) => p.index.eq(mod.index))?.name.toString() ?? meta.section
    return { pallet, name: meta.name, docs: meta.docs.join(' ').trim() }
  }
  const kind = err.type
  const inner = (err as unknown as Record<string, unknown>)[`as${kind}`] as { type?: string } | undefined
  const name = inner && typeof inner.type === 'string' ? `${kind}.${inner.type}` : kind
  return { pallet: 'DispatchError', name, docs: '' }
}

// ---------------------------------------------------------------------------------------------
// the client

/**
 * Connect to a subtensor node. Resolves once the API is ready (metadata loaded, from cache when
 * the genesis and spec version match). Retries with backoff until `signal` aborts.
 */
export async function createChainClient(init: ChainClientInit): Promise<ChainClient> {
  const url = resolveEndpoint(init.endpoint)
  throwIfAborted(init.signal, 'connecting')
  const cache = init.metadataCache ?? defaultMetadataCache()
  const initialMs = init.backoff?.initialMs ?? 1000
  const maxMs = init.backoff?.maxMs ?? 30_000

  const listeners = new Set<(s: ConnectionState) => void>()
  if (init.onConnectionChange) listeners.add(init.onConnectionChange)
  let state: ConnectionState = { kind: 'connecting', attempt: 1 }
  const setState = (s: ConnectionState): void => {
    state = s
    for (const l of listeners) {
      try { l(s) } catch { /* a listener's bug must not break the connection */ }
    }
  }

  let cached: Record<string, Hex> = {}
  try {
    cached = await cache.load()
  } catch {
    cached = {} // a broken cache only costs a metadata download
  }

  // autoConnectMs = false: reconnects are ours, with backoff (WsProvider only retries at a fixed delay).
  const provider = new WsProvider(url, false)
  let stopped = false
  let attempt = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let lastError = ''

  const connectNow = (): void => {
    if (stopped) return
    attempt += 1
    setState({ kind: 'connecting', attempt })
    provider.connect().catch((e: unknown) => {
      lastError = e instanceof Error ? e.message : String(e)
      scheduleRetry()
    })
  }
  const scheduleRetry = (): void => {
    if (stopped || retryTimer !== undefined) return
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 16))
    const delay = Math.round(base * (0.8 + Math.random() * 0.4))
    setState({ kind: 'disconnected', attempt, retryInMs: delay, reason: lastError || 'connection closed' })
    retryTimer = setTimeout(() => { retryTimer = undefined; connectNow() }, delay)
  }
  provider.on('error', (e: unknown) => {
    lastError = e instanceof Error ? e.message : (e as { message?: string } | undefined)?.message ?? 'WebSocket error'
  })
  provider.on('disconnected', () => scheduleRetry())
  provider.on('connected', () => {
    attempt = 0
    lastError = ''
    setState({ kind: 'connected', url })
  })

  const api = new ApiPromise({
    provider,
    metadata: cached,
    signedExtensions: SUBTENSOR_SIGNED_EXTENSIONS,
    noInitWarn: true,
  })
  // ApiPromise emits 'error' on socket errors; without a listener EventEmitter would not throw, but
  // we keep one so errors are never unhandled.
  api.on('error', () => { /* reported through connection state */ })
  // isReadyOrError rejects on the first socket error; we wait on isReady and retry instead.
  api.isReadyOrError.catch(() => undefined)

  connectNow()
  try {
    await withSignal(api.isReady, init.signal, 'connecting to the chain')
  } catch (e) {
    stopped = true
    if (retryTimer !== undefined) clearTimeout(retryTimer)
    await api.disconnect().catch(() => undefined)
    setState({ kind: 'stopped' })
    throw e
  }

  const saveMetadata = async (): Promise<void> => {
    const key = `${api.genesisHash.toHex()}-${api.runtimeVersion.specVersion.toString()}`
    if (cached[key]) return
    const hex = api.runtimeMetadata.toHex()
    cached[key] = hex
    await cache.save(key, hex)
  }
  await saveMetadata().catch(() => undefined)
  // On a runtime upgrade the API fetches the new metadata itself; cache it once it has.
  const onRuntimeVersion = (specVersion: number, tries = 0): void => {
    if (stopped) return
    if (api.runtimeVersion.specVersion.toNumber() === specVersion) { saveMetadata().catch(() => undefined); return }
    if (tries < 30) setTimeout(() => onRuntimeVersion(specVersion, tries + 1), 1000)
  }
  api.rpc.state.subscribeRuntimeVersion((v) => onRuntimeVersion(v.specVersion.toNumber())).catch(() => undefined)

  return new ChainClientImpl(api, provider, url, () => state, listeners, async () => {
    if (stopped) return
    stopped = true
    if (retryTimer !== undefined) clearTimeout(retryTimer)
    // disconnect() starts the close handshake; stop() resolves once the socket is really closed
    // (bounded), so a caller that then stops the node never cuts an open connection.
    const closed = provider.isConnected
      ? new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2_000)
          const off = provider.on('disconnected', () => { clearTimeout(t); off(); resolve() })
        })
      : Promise.resolve()
    await api.disconnect().catch(() => undefined)
    await closed
    setState({ kind: 'stopped' })
  })
}

class ChainClientImpl implements ChainClient {
  readonly #api: ApiPromise
  readonly #provider: WsProvider
  readonly #getState: () => ConnectionState
  readonly #listeners: Set<(s: ConnectionState) => void>
  readonly #stop: () => Promise<void>
  /** State decorations by block hash (a few recent ones: an epoch check reads two blocks many times). */
  readonly #atCache = new Map<string, Promise<{ query: unknown }>>()
  #extensions: { registry: Registry; value: TransactionExtensions } | undefined
  readonly url: string

  constructor(api: ApiPromise, provider: WsProvider, url: string, getState: () => ConnectionState, listeners: Set<(s: ConnectionState) => void>, stop: () => Promise<void>) {
    this.#api = api
    this.#provider = provider
    this.url = url
    this.#getState = getState
    this.#listeners = listeners
    this.#stop = stop
  }

  get genesisHash(): Hex { return this.#api.genesisHash.toHex() }
  get specVersion(): number { return this.#api.runtimeVersion.specVersion.toNumber() }
  get connection(): ConnectionState { return this.#getState() }
  get transactionExtensions(): TransactionExtensions {
    const registry = this.#api.registry
    if (this.#extensions?.registry !== registry) {
      // V14/V15 metadata converted to V16 by @polkadot/types 16 loses `additionalSigned` (its toV16
      // writes `implict`, so every implicit reads type 0): take the implicit types from the original.
      const m = this.#api.runtimeMetadata
      const original = m.version === 15 ? m.asV15.extrinsic.signedExtensions : m.version === 14 ? m.asV14.extrinsic.signedExtensions : undefined
      this.#extensions = { registry, value: transactionExtensionsOf(registry, original?.map((e) => e.additionalSigned.toNumber())) }
    }
    return this.#extensions.value
  }

  onConnectionChange(cb: (state: ConnectionState) => void): () => void {
    this.#listeners.add(cb)
    return () => { this.#listeners.delete(cb) }
  }

  stop(): Promise<void> { return this.#stop() }

  // --- reads ------------------------------------------------------------------------------------

  #query(pallet: string, item: string, root: unknown = this.#api.query): {
    (...args: unknown[]): Promise<Codec>
    multi(keys: unknown[]): Promise<Codec[]>
    entries(...args: unknown[]): Promise<Array<[{ args: Codec[] }, Codec]>>
  } {
    const section = (root as Record<string, Record<string, unknown> | undefined>)[camel(pallet)]
    const fn = section?.[camel(item)]
    if (!fn) throw new WalletError('UNSUPPORTED', `this chain has no storage ${pallet}.${item}`)
    return fn as never
  }

  async #root(at: Hex | undefined): Promise<unknown> {
    if (at === undefined) return this.#api.query
    let p = this.#atCache.get(at)
    if (p === undefined) {
      p = this.#api.at(at) as unknown as Promise<{ query: unknown }>
      this.#atCache.set(at, p)
      p.catch(() => this.#atCache.delete(at))
      if (this.#atCache.size > 8) this.#atCache.delete(this.#atCache.keys().next().value!)
    }
    return (await p).query
  }

  hasStorage(pallet: string, item: string): boolean {
    const section = (this.#api.query as unknown as Record<string, Record<string, unknown> | undefined>)[camel(pallet)]
    return section?.[camel(item)] !== undefined
  }

  async readStorage(pallet: string, item: string, args: readonly unknown[] = [], opts: ReadOptions = {}): Promise<ChainValue> {
    const what = `reading ${pallet}.${item}`
    const root = await withSignal(this.#root(opts.at), opts.signal, what)
    return await withSignal(this.#query(pallet, item, root)(...args), opts.signal, what) as unknown as ChainValue
  }

  async readEntries(pallet: string, item: string, args: readonly unknown[] = [], opts: ReadOptions = {}): Promise<Array<{ keys: ChainValue[]; value: ChainValue }>> {
    const what = `reading ${pallet}.${item}`
    const root = await withSignal(this.#root(opts.at), opts.signal, what)
    const entries = await withSignal(this.#query(pallet, item, root).entries(...args), opts.signal, what)
    return entries.map(([k, v]) => ({ keys: k.args as unknown as ChainValue[], value: v as unknown as ChainValue }))
  }

  readConstant(pallet: string, name: string): ChainValue | undefined {
    const section = (this.#api.consts as unknown as Record<string, Record<string, Codec | undefined> | undefined>)[camel(pallet)]
    return section?.[camel(name)] as ChainValue | undefined
  }

  async blockHash(n: number | bigint, opts?: { signal?: AbortSignal }): Promise<Hex | undefined> {
    try {
      const h = await withSignal(this.#api.rpc.chain.getBlockHash(n), opts?.signal, 'reading a block hash')
      return h.isEmpty ? undefined : h.toHex()
    } catch (e) {
      if (e instanceof WalletError) throw e
      return undefined
    }
  }

  async rpc(method: string, params: readonly unknown[] = [], opts?: { signal?: AbortSignal }): Promise<unknown> {
    if (!this.#provider.isConnected) throw new WalletError('CONNECTION', `cannot call ${method}: not connected to ${this.url}`)
    try {
      return await withSignal(this.#provider.send(method, [...params]), opts?.signal, `calling ${method}`)
    } catch (e) {
      if (e instanceof WalletError) throw e
      const msg = e instanceof Error ? e.message : String(e)
      throw new WalletError(/^-?\d+:/.test(msg) ? 'UNSUPPORTED' : 'CONNECTION', `${method} failed at ${this.url}: ${msg}`, { cause: e })
    }
  }

  async blockNumberOf(hash: Hex, opts?: { signal?: AbortSignal }): Promise<bigint> {
    const header = await withSignal(this.#api.rpc.chain.getHeader(hash), opts?.signal, 'reading a block header')
    return header.number.toBigInt()
  }

  #runtimeCall(apiName: string, method: string): ((...args: unknown[]) => Promise<Codec>) | undefined {
    const section = (this.#api.call as unknown as Record<string, Record<string, unknown> | undefined>)[camel(apiName)]
    return section?.[camel(method)] as ((...args: unknown[]) => Promise<Codec>) | undefined
  }

  async bestBlock(opts?: { signal?: AbortSignal }): Promise<bigint> {
    const header = await withSignal(this.#api.rpc.chain.getHeader(), opts?.signal, 'reading the best block')
    return header.number.toBigInt()
  }

  async subscribeBlocks(cb: (block: bigint) => void): Promise<() => void> {
    const unsub = await this.#api.rpc.chain.subscribeNewHeads((h) => cb(h.number.toBigInt()))
    return () => { unsub() }
  }

  async listSubnets(opts?: { signal?: AbortSignal }): Promise<SubnetSummary[]> {
    const signal = opts?.signal
    const added = await withSignal(this.#query('SubtensorModule', 'NetworksAdded').entries(), signal, 'listing subnets')
    const netuids = added
      .filter(([, v]) => (v as unknown as { isTrue: boolean }).isTrue)
      .map(([k]) => toNum(k.args[0]))
      .sort((a, b) => a - b)
    if (netuids.length === 0) return []
    const [tempo, n, max, burn, allowed, ident] = await withSignal(Promise.all([
      this.#query('SubtensorModule', 'Tempo').multi(netuids),
      this.#query('SubtensorModule', 'SubnetworkN').multi(netuids),
      this.#query('SubtensorModule', 'MaxAllowedUids').multi(netuids),
      this.#query('SubtensorModule', 'Burn').multi(netuids),
      this.#query('SubtensorModule', 'NetworkRegistrationAllowed').multi(netuids),
      this.#query('SubtensorModule', 'SubnetIdentitiesV3').multi(netuids),
    ]), signal, 'listing subnets')
    return netuids.map((netuid, i) => {
      const id = ident[i] as unknown as { isSome: boolean; unwrap(): { subnetName: Codec } }
      return {
        netuid,
        name: id.isSome ? bytesToText(id.unwrap().subnetName) : '',
        tempo: toNum(tempo[i]),
        neurons: toNum(n[i]),
        maxNeurons: toNum(max[i]),
        burn: toBig(burn[i]),
        registrationAllowed: (allowed[i] as unknown as { isTrue: boolean }).isTrue,
      }
    })
  }

  async getHyperparams(netuid: number, opts?: { signal?: AbortSignal }): Promise<SubnetHyperparams> {
    const call = this.#runtimeCall('SubnetInfoRuntimeApi', 'get_subnet_hyperparams_v3')
    if (!call) throw new WalletError('UNSUPPORTED', 'this chain has no SubnetInfoRuntimeApi.get_subnet_hyperparams_v3')
    const res = await withSignal(call(netuid), opts?.signal, 'reading hyperparameters') as unknown as { isNone: boolean; unwrap(): Array<{ name: Codec; value: Codec }> }
    if (res.isNone) throw new WalletError('BAD_INPUT', `subnet ${netuid} does not exist`)
    const all: Record<string, HyperparamValue> = {}
    for (const entry of res.unwrap()) all[bytesToText(entry.name)] = hyperparamValue(entry.value)
    const num = (k: string, d = 0): number => { const v = all[k]; return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : d }
    const big = (k: string): bigint => { const v = all[k]; return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(Math.trunc(v)) : 0n }
    const bool = (k: string): boolean => all[k] === true
    return {
      netuid,
      tempo: num('tempo'),
      weightsVersion: big('weights_version'),
      weightsRateLimit: big('weights_rate_limit'),
      minAllowedWeights: num('min_allowed_weights'),
      maxWeightsLimit: num('max_weights_limit'),
      immunityPeriod: num('immunity_period'),
      activityCutoff: num('activity_cutoff'),
      maxValidators: num('max_validators'),
      commitRevealWeightsEnabled: bool('commit_reveal_weights_enabled'),
      commitRevealPeriod: big('commit_reveal_period'),
      servingRateLimit: big('serving_rate_limit'),
      registrationAllowed: bool('registration_allowed'),
      minBurn: big('min_burn'),
      maxBurn: big('max_burn'),
      yumaVersion: num('yuma_version', 2),
      all,
    }
  }

  async getMetagraph(netuid: number, opts?: { signal?: AbortSignal }): Promise<Metagraph> {
    const signal = opts?.signal
    const getMeta = this.#runtimeCall('SubnetInfoRuntimeApi', 'get_metagraph')
    if (getMeta) {
      let res: { isNone: boolean; unwrap(): Record<string, unknown> } | undefined
      try {
        res = await withSignal(getMeta(netuid), signal, 'reading the metagraph') as unknown as typeof res
      } catch (e) {
        if (e instanceof WalletError) throw e
        res = undefined // node without this runtime API: fall back to get_neurons_lite
      }
      if (res && res.isNone) throw new WalletError('BAD_INPUT', `subnet ${netuid} does not exist`)
      if (res) return metagraphFromInfo(netuid, res.unwrap())
    }
    const lite = this.#runtimeCall('NeuronInfoRuntimeApi', 'get_neurons_lite')
    if (!lite) throw new WalletError('UNSUPPORTED', 'this chain has neither get_metagraph nor get_neurons_lite')
    const [list, block, tempo] = await withSignal(Promise.all([
      lite(netuid),
      this.bestBlock(),
      this.#query('SubtensorModule', 'Tempo')(netuid),
    ]), signal, 'reading neurons')
    const neurons = (list as unknown as Array<Record<string, Codec>>).map((n): Neuron => ({
      uid: toNum(n.uid),
      hotkey: toSs58(n.hotkey!.toU8a()),
      coldkey: toSs58(n.coldkey!.toU8a()),
      active: (n.active as unknown as { isTrue: boolean }).isTrue,
      validatorPermit: (n.validatorPermit as unknown as { isTrue: boolean }).isTrue,
      stake: (n.stake as unknown as Array<[Codec, Codec]>).reduce((s, [, amt]) => s + toBig(amt), 0n),
      incentive: toNum(n.incentive),
      dividends: toNum(n.dividends),
      consensus: toNum(n.consensus),
      trust: toNum(n.trust),
      validatorTrust: toNum(n.validatorTrust),
      emission: toBig(n.emission),
      lastUpdate: toBig(n.lastUpdate),
      blockAtRegistration: undefined,
    })).sort((a, b) => a.uid - b.uid)
    return { netuid, block, tempo: toNum(tempo), source: 'get_neurons_lite', neurons }
  }

  async getUid(netuid: number, hotkey: string, opts?: { signal?: AbortSignal }): Promise<number | undefined> {
    const res = await withSignal(this.#query('SubtensorModule', 'Uids')(netuid, hotkey), opts?.signal, 'reading the uid') as unknown as { isSome: boolean; unwrap(): Codec }
    return res.isSome ? toNum(res.unwrap()) : undefined
  }

  async getBalance(address: string, opts?: { signal?: AbortSignal }): Promise<AccountBalance> {
    const info = await withSignal(this.#query('System', 'Account')(address), opts?.signal, 'reading the balance') as unknown as { data: Record<string, Codec | undefined> }
    const free = toBig(info.data.free)
    const reserved = toBig(info.data.reserved)
    const frozen = info.data.frozen ? toBig(info.data.frozen) : 0n
    return { free, reserved, frozen, transferable: free > frozen ? free - frozen : 0n }
  }

  async getBurn(netuid: number, opts?: { signal?: AbortSignal }): Promise<bigint> {
    return toBig(await withSignal(this.#query('SubtensorModule', 'Burn')(netuid), opts?.signal, 'reading the burn price'))
  }

  async getHotkeyStake(hotkey: string, netuid: number, opts?: { signal?: AbortSignal }): Promise<bigint> {
    return toBig(await withSignal(this.#query('SubtensorModule', 'TotalHotkeyAlpha')(hotkey, netuid), opts?.signal, 'reading stake'))
  }

  async getNextEpochBlock(netuid: number, opts?: { signal?: AbortSignal }): Promise<bigint> {
    const call = this.#runtimeCall('SubnetInfoRuntimeApi', 'get_next_epoch_start_block')
    if (call) {
      try {
        const res = await withSignal(call(netuid), opts?.signal, 'reading the next epoch') as unknown as { isNone: boolean; unwrap(): Codec }
        if (res.isNone) throw new WalletError('BAD_INPUT', `subnet ${netuid} does not exist`)
        return toBig(res.unwrap())
      } catch (e) {
        if (e instanceof WalletError) throw e
        // node without this runtime API: derive it from storage below
      }
    }
    // No runtime API: the one epoch schedule (dynamic counters or the legacy formula, by metadata).
    const [schedule, best] = await Promise.all([readEpochSchedule(this, netuid, opts), this.bestBlock(opts)])
    const next = nextEpochBlock(schedule, Number(best) + 1)
    if (next === undefined) throw new WalletError('UNSUPPORTED', `subnet ${netuid} has tempo 0: no epoch is scheduled`)
    return BigInt(next)
  }

  async getCommitments(netuid: number, opts?: { signal?: AbortSignal }): Promise<Commitment[]> {
    const entries = await withSignal(this.#query('Commitments', 'CommitmentOf').entries(netuid), opts?.signal, 'reading commitments')
    const out: Commitment[] = []
    for (const [key, value] of entries) {
      const opt = value as unknown as { isSome: boolean; unwrap(): { block: Codec; info: { fields: Array<{ type: string; value: Codec }> } } }
      if (!opt.isSome) continue
      const reg = opt.unwrap()
      const fields = reg.info.fields.map((f) => (f.type.startsWith('Raw') ? f.value.toU8a(true) : new Uint8Array()))
      const firstRaw = reg.info.fields.findIndex((f) => f.type.startsWith('Raw'))
      out.push({
        hotkey: toSs58(key.args[1]!.toU8a()),
        block: toBig(reg.block),
        fields,
        text: firstRaw >= 0 ? new TextDecoder().decode(fields[firstRaw]) : undefined,
      })
    }
    return out
  }

  // --- extrinsics -------------------------------------------------------------------------------

  #extrinsic(spec: CallSpec): SubmittableExtrinsic<'promise'> {
    const section = (this.#api.tx as unknown as Record<string, Record<string, ((...a: unknown[]) => SubmittableExtrinsic<'promise'>) | undefined> | undefined>)[camel(spec.pallet)]
    const fn = section?.[camel(spec.method)]
    if (!fn) throw new WalletError('UNSUPPORTED', `this chain's metadata has no call ${spec.pallet}.${spec.method}`)
    try {
      return fn(...spec.args)
    } catch (e) {
      throw new WalletError('BAD_INPUT', `cannot encode ${spec.pallet}.${spec.method}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    }
  }

  prepare(spec: CallSpec): PreparedCall {
    const ext = this.#extrinsic(spec)
    const idx = ext.method.callIndex
    return { spec, callIndex: [idx[0]!, idx[1]!], callData: ext.method.toHex(), human: ext.method.toHuman() }
  }

  async estimateFee(spec: CallSpec, address: string, opts?: { signal?: AbortSignal }): Promise<bigint> {
    assertSignable(this.transactionExtensions)
    const info = await withSignal(this.#extrinsic(spec).paymentInfo(address), opts?.signal, 'estimating the fee')
    return info.partialFee.toBigInt()
  }

  async submit(call: CallSpec | PreparedCall, signer: TxSigner, opts: SubmitOptions = {}): Promise<TxResult> {
    const { onStatus, signal, waitFor = 'finalized', tip } = opts
    throwIfAborted(signal, 'submitting')
    const ext = this.#extrinsic('spec' in call ? call.spec : call)
    assertSignable(this.transactionExtensions)
    const address = signer.address
    // @polkadot/api fills the payload (nonce, era, versions…); the TxSigner gets it as bytes per
    // transaction extension, in metadata order, as polkadot-api's signers do, and returns the signed
    // extrinsic, whose signature goes back to @polkadot/api after checking it signs what was asked.
    const registry = this.#api.registry
    const metadata = this.#api.runtimeMetadata.toU8a()
    let signId = 0
    const apiSigner = {
      signPayload: async (payload: unknown) => {
        const json = payload as Record<string, unknown> & { method: Hex; blockNumber: Hex }
        const callData = hexToU8a(json.method)
        const extensions = extensionBytes(registry, json)
        const signed = await signer.signTx(callData, extensions, metadata, Number(BigInt(json.blockNumber)))
        return { id: ++signId, signature: u8aToHex(signatureOf(signed, signer.publicKey, callData, extensions)) }
      },
    }
    const report = (s: Parameters<NonNullable<SubmitOptions['onStatus']>>[0]): void => {
      try { onStatus?.(s) } catch { /* UI callback errors must not break submission */ }
    }

    report({ kind: 'signing' })
    try {
      await withSignal(ext.signAsync(address, { signer: apiSigner, nonce: -1, ...(tip !== undefined ? { tip } : {}) }), signal, 'signing')
    } catch (e) {
      if (e instanceof WalletError) throw e
      if (isRejectionMessage(e)) throw new UserRejectedError(undefined, { cause: e })
      throw new WalletError('SIGNING_FAILED', `signing failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    }
    const txHash = ext.hash.toHex()
    report({ kind: 'signed', txHash })
    throwIfAborted(signal, 'submitting')

    const api = this.#api
    return new Promise<TxResult>((resolve, reject) => {
      let unsub: (() => void) | undefined
      let settled = false
      let sawInBlock = false
      const finish = (fn: () => void): void => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        unsub?.()
        fn()
      }
      const onAbort = (): void => finish(() => reject(abortError(signal, 'waiting for the transaction (it may still be included)')))
      signal?.addEventListener('abort', onAbort, { once: true })

      ext.send((result) => {
        const { status } = result
        if (status.isReady || status.isBroadcast) {
          if (status.isReady) report({ kind: 'ready' })
          return
        }
        const events: TxEvent[] = result.events.map(({ event }) => ({ pallet: event.section, name: event.method, data: event.data.toHuman() as unknown[] }))
        if (status.isInBlock || status.isFinalized) {
          const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex()
          // @polkadot/api drops the in-block update when finality follows at once (instant-finality
          // nodes): report it anyway, so that callers always see signed → inBlock → finalized.
          if (status.isInBlock || !sawInBlock) report({ kind: 'inBlock', blockHash })
          sawInBlock = true
          if (status.isFinalized) report({ kind: 'finalized', blockHash })
          if (result.dispatchError) {
            const decoded = decodeDispatchError(api, result.dispatchError)
            finish(() => reject(new DispatchError(decoded, humanDispatchMessage(decoded), blockHash)))
            return
          }
          if (status.isFinalized || waitFor === 'inBlock') {
            const finalized = status.isFinalized
            const known = (result as unknown as { blockNumber?: { toNumber(): number } }).blockNumber
            if (known !== undefined) { finish(() => resolve({ txHash, blockHash, blockNumber: known.toNumber(), finalized, events })); return }
            api.rpc.chain.getHeader(blockHash).then(
              (h) => finish(() => resolve({ txHash, blockHash, blockNumber: h.number.toNumber(), finalized, events })),
              (e: unknown) => finish(() => reject(new WalletError('CONNECTION', `the transaction was included in ${blockHash} but its header cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e }))),
            )
          }
          return
        }
        if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
          const reason = status.type
          report({ kind: status.isInvalid ? 'invalid' : 'dropped', reason })
          finish(() => reject(new WalletError(status.isInvalid ? 'TX_INVALID' : 'TX_DROPPED', `the transaction was ${reason.toLowerCase()} by the node and not included`)))
        }
      }).then(
        (u) => { if (settled) u(); else unsub = u },
        (e: unknown) => {
          const reason = e instanceof Error ? e.message : String(e)
          report({ kind: 'invalid', reason })
          finish(() => reject(new WalletError('TX_INVALID', `the node refused the transaction: ${reason}`, { cause: e })))
        },
      )
    })
  }

  track(call: CallSpec | PreparedCall, signer: TxSigner, opts: Omit<SubmitOptions, 'onStatus'> = {}): TrackedSubmission {
    const queue: TxStatus[] = []
    let done = false
    let wake: (() => void) | undefined
    const push = (): void => { wake?.(); wake = undefined }
    const result = this.submit(call, signer, { ...opts, onStatus: (st) => { queue.push(st); push() } })
    result.then(() => { done = true; push() }, () => { done = true; push() })
    const statuses: AsyncIterable<TxStatus> = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const next = queue.shift()
          if (next) { yield next; continue }
          if (done) return
          await new Promise<void>((r) => { wake = r })
        }
      },
    }
    return { statuses, result }
  }

  // --- typed extrinsics -------------------------------------------------------------------------

  async quoteRegistration(netuid: number, coldkey: string, hotkey: string, opts?: { signal?: AbortSignal }): Promise<RegistrationQuote> {
    const [burn, fee, balance] = await Promise.all([
      this.getBurn(netuid, opts),
      this.estimateFee(calls.burnedRegister(netuid, hotkey), coldkey, opts),
      this.getBalance(coldkey, opts),
    ])
    return { netuid, burn, fee, balance: balance.transferable, affordable: balance.transferable >= burn + fee }
  }

  async burnedRegister(netuid: number, hotkey: string, coldkey: TxSigner, opts: SubmitOptions & { maxBurn?: bigint } = {}): Promise<TxResult & { burn: bigint }> {
    const spec = calls.burnedRegister(netuid, hotkey)
    const burn = await this.getBurn(netuid, opts)
    if (opts.maxBurn !== undefined && burn > opts.maxBurn) {
      throw new WalletError('BAD_INPUT', `the registration price rose to ${burn} rao, above the ${opts.maxBurn} rao you accepted; review the new price`)
    }
    return { ...(await this.submit(spec, coldkey, opts)), burn }
  }

  addStake(hotkey: string, netuid: number, amount: bigint, coldkey: TxSigner, opts: SubmitOptions & { limit?: LimitOptions } = {}): Promise<TxResult> {
    const spec = opts.limit ? calls.addStakeLimit(hotkey, netuid, amount, opts.limit) : calls.addStake(hotkey, netuid, amount)
    return this.submit(spec, coldkey, opts)
  }

  removeStake(hotkey: string, netuid: number, amount: bigint, coldkey: TxSigner, opts: SubmitOptions & { limit?: LimitOptions } = {}): Promise<TxResult> {
    const spec = opts.limit ? calls.removeStakeLimit(hotkey, netuid, amount, opts.limit) : calls.removeStake(hotkey, netuid, amount)
    return this.submit(spec, coldkey, opts)
  }

  setCommitment(netuid: number, fields: ReadonlyArray<Uint8Array | string>, hotkey: TxSigner, opts?: SubmitOptions): Promise<TxResult> {
    return this.submit(calls.setCommitment(netuid, fields), hotkey, opts)
  }

  publishPeerId(netuid: number, peerId: string, hotkey: TxSigner, opts?: SubmitOptions): Promise<TxResult> {
    return this.setCommitment(netuid, [peerId], hotkey, opts)
  }

  transferKeepAlive(dest: string, amount: bigint, from: TxSigner, opts?: SubmitOptions): Promise<TxResult> {
    return this.submit(calls.transferKeepAlive(dest, amount), from, opts)
  }
}

function hyperparamValue(v: Codec): HyperparamValue {
  const e = v as unknown as { type: string; value: Codec }
  switch (e.type) {
    case 'Bool': return (e.value as unknown as { isTrue: boolean }).isTrue
    case 'U16':
    case 'U32': return toNum(e.value)
    case 'I32F32': return Number(toBig((e.value as unknown as { bits: Codec }).bits)) / 2 ** 32
    case 'U64F64': return Number(toBig((e.value as unknown as { bits: Codec }).bits)) / 2 ** 64
    default: return toBig(e.value) // U64, U128, TaoBalance
  }
}

function metagraphFromInfo(netuid: number, m: Record<string, unknown>): Metagraph {
  const vec = (k: string): Codec[] => (m[k] as Codec[] | undefined) ?? []
  const hotkeys = vec('hotkeys')
  const coldkeys = vec('coldkeys')
  const active = vec('active')
  const permit = vec('validatorPermit')
  const neurons: Neuron[] = hotkeys.map((hk, uid) => {
    const at = (k: string): Codec | undefined => vec(k)[uid]
    const n = (k: string): number => { const c = at(k); return c ? toNum(c) : 0 }
    const b = (k: string): bigint => { const c = at(k); return c ? toBig(c) : 0n }
    return {
      uid,
      hotkey: toSs58(hk.toU8a()),
      coldkey: toSs58(coldkeys[uid]!.toU8a()),
      active: (active[uid] as unknown as { isTrue: boolean } | undefined)?.isTrue ?? false,
      validatorPermit: (permit[uid] as unknown as { isTrue: boolean } | undefined)?.isTrue ?? false,
      stake: b('totalStake'),
      incentive: n('incentives'),
      dividends: n('dividends'),
      consensus: n('consensus'),
      trust: n('trust'),
      validatorTrust: undefined,
      emission: b('emission'),
      lastUpdate: b('lastUpdate'),
      blockAtRegistration: at('blockAtRegistration') ? b('blockAtRegistration') : undefined,
    }
  })
  return { netuid, block: toBig(m.block), tempo: toNum(m.tempo), source: 'get_metagraph', neurons }
}

// ---------------------------------------------------------------------------------------------
// offline encoding (no connection): for tests, fixtures and tooling

/** Encodes {@link CallSpec}s with a metadata blob, the same way the live client does. */
export interface OfflineCallEncoder {
  /** `System.Version.spec_version` from the metadata's constants. */
  readonly specVersion: number
  /** The metadata's transaction extensions as the client fills them. */
  readonly transactionExtensions: TransactionExtensions
  /** Encode; throws `UNSUPPORTED` if the metadata lacks the call. */
  encode(spec: CallSpec): { callIndex: readonly [number, number]; callData: Hex }
  /** Decode call data back to `{ pallet, method, args }` (args in JSON form). */
  decode(callData: Hex | Uint8Array): { pallet: string; method: string; args: Record<string, unknown> }
}

/** An encoder over a SCALE metadata blob (e.g. the finney V16 fixture). */
export function createOfflineCallEncoder(metadata: Uint8Array | Hex): OfflineCallEncoder {
  const registry = new TypeRegistry()
  const meta = new Metadata(registry, metadata)
  registry.setMetadata(meta, undefined, SUBTENSOR_SIGNED_EXTENSIONS, true)
  const decorated = expandMetadata(registry, meta)
  const tx = decorated.tx as unknown as Record<string, Record<string, ((...a: unknown[]) => Codec & { callIndex: Uint8Array }) | undefined> | undefined>
  return {
    specVersion: (decorated.consts as unknown as { system: { version: { specVersion: Codec } } }).system.version.specVersion.toJSON() as number,
    transactionExtensions: transactionExtensionsOf(registry),
    encode(spec) {
      const fn = tx[camel(spec.pallet)]?.[camel(spec.method)]
      if (!fn) throw new WalletError('UNSUPPORTED', `the metadata has no call ${spec.pallet}.${spec.method}`)
      const c = fn(...spec.args)
      return { callIndex: [c.callIndex[0]!, c.callIndex[1]!], callData: c.toHex() }
    },
    decode(callData) {
      const c = registry.createType('Call', callData)
      const pallet = registry.metadata.pallets.find((p) => p.index.toNumber() === c.callIndex[0])?.name.toString() ?? c.section
      const argNames = c.meta.fields.map((f) => f.name.unwrap().toString())
      const args: Record<string, unknown> = {}
      c.args.forEach((a, i) => { args[argNames[i]!] = a.toJSON() })
      return { pallet, method: c.meta.name.toString(), args }
    },
  }
}

