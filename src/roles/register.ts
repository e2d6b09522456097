/**
 * Getting a hotkey onto a subnet: the burn price first, then `register_limit` with the quoted
 * price as its limit (`burned_register` on runtimes without it) paid by a coldkey.
 * On the devnet (an emulator that answers `devnet_info`), the faucet funds the coldkey and the
 * hotkey (the hotkey pays the fees of its commitments and weights), so one call does everything
 * the app's "Start mining" button needs.
 */
import { DispatchError, WalletError, calls, type ChainClient, type KeySigner, type PreparedCall, type RegistrationQuote, type TxSigner } from '../wallet/index.ts'
import { RolesError, throwIfAborted } from './errors.ts'

/** Options of {@link ensureRegistered}. */
export interface EnsureRegisteredInit {
  client: ChainClient
  netuid: number
  /** The hotkey to register (SS58). */
  hotkey: string
  /** Who pays the burn: an extension account (prompts) or, on the devnet, a dev key such as //Alice. */
  coldkey?: TxSigner
  /** Refuse when the burn is above this (rao). Default: no limit on the devnet, the quoted price elsewhere. */
  maxBurn?: bigint
  /** Called with the price before anything is signed; return false to cancel (`TOO_EXPENSIVE`). */
  onQuote?: (quote: RegistrationQuote) => boolean | void | Promise<boolean | void>
  /** On the devnet, fund the coldkey and hotkey from the faucet first (default true). */
  devnetFaucet?: boolean
  signal?: AbortSignal
}

/** What {@link ensureRegistered} did. */
export interface Registration {
  uid: number
  /** True when this call registered the hotkey (false: it already was). */
  registered: boolean
  /** The quote shown (absent when already registered). */
  quote?: RegistrationQuote
  /** True when the chain is the webtensor devnet. */
  devnet: boolean
}

/** True when the chain behind `client` is the webtensor devnet (answers `devnet_info`). */
export async function isDevnet(client: ChainClient, options: { signal?: AbortSignal } = {}): Promise<boolean> {
  try {
    const info = (await client.rpc('devnet_info', [], options)) as { emulator?: boolean } | null
    return info?.emulator === true
  } catch {
    return false
  }
}

/** Devnet only: credits `amount` rao (default 1000 TAO) to `address` through `devnet_faucet`. */
export async function devnetFaucet(client: ChainClient, address: string, amount?: bigint, options: { signal?: AbortSignal } = {}): Promise<void> {
  await client.rpc('devnet_faucet', amount === undefined ? [address] : [address, amount.toString()], options)
}

/**
 * Makes sure `hotkey` has a uid on `netuid`: returns it when registered, else quotes the burn
 * (`onQuote`), funds from the faucet on the devnet, and submits `register_limit` (limit: the quote
 * or `maxBurn`; `burned_register` where the metadata lacks it) paid by
 * `coldkey`. Throws `NOT_REGISTERED` without a coldkey, `TOO_EXPENSIVE` when the price is refused,
 * `REGISTRATION_FAILED` with the chain's reason otherwise.
 */
export async function ensureRegistered(init: EnsureRegisteredInit): Promise<Registration> {
  const { client, netuid, hotkey, signal } = init
  const opts = signal !== undefined ? { signal } : {}
  const devnet = await isDevnet(client, opts)
  if (devnet && init.devnetFaucet !== false) {
    // The hotkey signs commitments and weights, which cost fees.
    const bal = await client.getBalance(hotkey, opts)
    if (bal.transferable < 10_000_000_000n) await devnetFaucet(client, hotkey, 100_000_000_000n, opts)
  }
  const existing = await client.getUid(netuid, hotkey, opts)
  if (existing !== undefined) return { uid: existing, registered: false, devnet }
  const coldkey = init.coldkey
  if (coldkey === undefined) throw new RolesError('NOT_REGISTERED', `hotkey ${hotkey} is not registered on subnet ${netuid}: connect a wallet (coldkey) to pay the registration burn`)
  if (devnet && init.devnetFaucet !== false) {
    const bal = await client.getBalance(coldkey.address, opts)
    if (bal.transferable < 100_000_000_000n) await devnetFaucet(client, coldkey.address, undefined, opts)
  }
  const quote = await client.quoteRegistration(netuid, coldkey.address, hotkey, opts)
  if ((await init.onQuote?.(quote)) === false) throw new RolesError('TOO_EXPENSIVE', `registration on subnet ${netuid} costs ${quote.burn} rao (+${quote.fee} fee): declined`)
  if (init.maxBurn !== undefined && quote.burn > init.maxBurn) throw new RolesError('TOO_EXPENSIVE', `registration on subnet ${netuid} costs ${quote.burn} rao, above the ${init.maxBurn} rao limit`)
  if (!quote.affordable) throw new RolesError('REGISTRATION_FAILED', `coldkey ${coldkey.address} holds ${quote.balance} rao; registration needs ${quote.burn + quote.fee} rao (burn + fee): fund it first`)
  throwIfAborted(signal)
  const maxBurn = init.maxBurn ?? quote.burn
  try {
    // register_limit (issue 16.4) where the runtime's metadata has it: the chain itself refuses a
    // burn above the quote, even when the price rises between the prompt and inclusion.
    const limited = registerLimitCall(client, netuid, hotkey, maxBurn)
    if (limited !== undefined) await client.submit(limited, coldkey, { waitFor: 'inBlock', ...opts })
    else await client.burnedRegister(netuid, hotkey, coldkey, { maxBurn, waitFor: 'inBlock', ...opts })
  } catch (err) {
    // Someone (another tab) may have registered it meanwhile.
    const uid = await client.getUid(netuid, hotkey, opts).catch(() => undefined)
    if (uid !== undefined) return { uid, registered: false, quote, devnet }
    if (err instanceof DispatchError && err.dispatch.name === 'RegistrationPriceLimitExceeded') {
      throw new RolesError('TOO_EXPENSIVE', `the registration price on subnet ${netuid} rose above the ${maxBurn} rao you accepted before the chain included it; the chain refused it and burned nothing (only the fee was paid). Review the new price.`, { cause: err })
    }
    throw new RolesError('REGISTRATION_FAILED', `registration of ${hotkey} on subnet ${netuid} failed: ${(err as Error).message}`, { cause: err })
  }
  const uid = await client.getUid(netuid, hotkey, opts)
  if (uid === undefined) throw new RolesError('REGISTRATION_FAILED', `the registration was included but ${hotkey} has no uid on subnet ${netuid} (replaced at once?)`)
  return { uid, registered: true, quote, devnet }
}

/** `register_limit(netuid, hotkey, limit_price)` prepared, or undefined when this runtime's metadata has no such call. */
function registerLimitCall(client: ChainClient, netuid: number, hotkey: string, limit: bigint): PreparedCall | undefined {
  try {
    return client.prepare(calls.registerLimit(netuid, hotkey, limit))
  } catch (e) {
    if (e instanceof WalletError && e.code === 'UNSUPPORTED') return undefined
    throw e
  }
}

/** A hotkey as the roles need it: the wallet's {@link KeySigner} (session hotkey or keyring). */
export type RoleHotkey = KeySigner

/** Options of {@link ensureValidator}. */
export interface EnsureValidatorInit extends EnsureRegisteredInit {
  /** Stake (rao) the hotkey should hold for a permit. Default 100 TAO; 10 000 TAO on the devnet. */
  stake?: bigint
  /** A line per step. */
  log?: (line: string) => void
}

/**
 * Registers `hotkey` (see {@link ensureRegistered}) and, unless it already holds a validator
 * permit, stakes it up to `stake` with `coldkey` so that the next epoch grants one (permits go to
 * the top stakes). On the devnet the faucet pays. Works in a tab and in Node.
 */
export async function ensureValidator(init: EnsureValidatorInit): Promise<Registration & { staked: bigint }> {
  const { client, netuid, hotkey, coldkey, signal } = init
  const log = init.log ?? (() => {})
  const opts = signal !== undefined ? { signal } : {}
  const reg = await ensureRegistered(init)
  log(reg.registered ? `registered hotkey ${hotkey} as uid ${reg.uid} (burn ${reg.quote?.burn ?? 0n} rao)` : `hotkey ${hotkey} is uid ${reg.uid}`)
  const want = init.stake ?? (reg.devnet ? 10_000_000_000_000n : 100_000_000_000n)
  const have = await client.getHotkeyStake(hotkey, netuid, opts)
  const neuron = (await client.getMetagraph(netuid, opts)).neurons.find((n) => n.uid === reg.uid)
  if (have >= want || neuron?.validatorPermit === true || coldkey === undefined) return { ...reg, staked: 0n }
  if (reg.devnet && init.devnetFaucet !== false) await devnetFaucet(client, coldkey.address, want - have + 10_000_000_000n, opts)
  log(`staking ${want - have} rao on ${hotkey} so that it earns a validator permit`)
  await client.addStake(hotkey, netuid, want - have, coldkey, { waitFor: 'inBlock', ...opts })
  return { ...reg, staked: want - have }
}
