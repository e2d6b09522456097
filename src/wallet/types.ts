/**
 * Plain data types of the wallet subsystem. No third-party types leak through these: amounts are
 * `bigint` rao (1 TAO = 1e9 rao), addresses are SS58 (prefix 42) strings, hashes are 0x-hex.
 */

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`

/** Named networks, or any `ws://` / `wss://` URL. */
export type Endpoint = 'finney' | 'test' | 'local' | (string & {})

/** State of the chain connection, for a status chip. */
export type ConnectionState =
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'connected'; readonly url: string }
  | { readonly kind: 'disconnected'; readonly attempt: number; readonly retryInMs: number; readonly reason: string }
  | { readonly kind: 'stopped' }

/** One subnet in {@link ChainClient.listSubnets}. */
export interface SubnetSummary {
  readonly netuid: number
  /** Name from the subnet identity, or `''` when the owner set none. */
  readonly name: string
  readonly tempo: number
  /** Registered neurons. */
  readonly neurons: number
  readonly maxNeurons: number
  /** Current burned-registration price (rao). */
  readonly burn: bigint
  readonly registrationAllowed: boolean
}

/** A hyperparameter value as `get_subnet_hyperparams_v3` returns it. Fixed-point values are converted to `number`. */
export type HyperparamValue = boolean | number | bigint

/**
 * Subnet hyperparameters. The named fields are the ones the product uses; `all` holds every entry
 * the chain returned, keyed by its snake_case name, so new ones need no code change.
 */
export interface SubnetHyperparams {
  readonly netuid: number
  readonly tempo: number
  readonly weightsVersion: bigint
  readonly weightsRateLimit: bigint
  readonly minAllowedWeights: number
  readonly maxWeightsLimit: number
  readonly immunityPeriod: number
  readonly activityCutoff: number
  readonly maxValidators: number
  readonly commitRevealWeightsEnabled: boolean
  /** `commit_reveal_period` (epochs). */
  readonly commitRevealPeriod: bigint
  readonly servingRateLimit: bigint
  readonly registrationAllowed: boolean
  readonly minBurn: bigint
  readonly maxBurn: bigint
  /** 2 or 3. */
  readonly yumaVersion: number
  readonly all: Readonly<Record<string, HyperparamValue>>
}

/** One neuron (uid) of a subnet. u16 scores are raw (0..65535). */
export interface Neuron {
  readonly uid: number
  readonly hotkey: string
  readonly coldkey: string
  readonly active: boolean
  readonly validatorPermit: boolean
  /** Stake weight of the hotkey on this subnet (alpha, rao units). */
  readonly stake: bigint
  readonly incentive: number
  readonly dividends: number
  readonly consensus: number
  readonly trust: number
  /** `undefined` when read through `get_metagraph`, which lacks it. */
  readonly validatorTrust: number | undefined
  /** Emission of the last epoch (alpha rao). */
  readonly emission: bigint
  readonly lastUpdate: bigint
  /** `undefined` when read through `get_neurons_lite`, which lacks it. */
  readonly blockAtRegistration: bigint | undefined
}

/** The metagraph of one subnet, read at {@link Metagraph.block}. */
export interface Metagraph {
  readonly netuid: number
  readonly block: bigint
  readonly tempo: number
  /** Which runtime API answered. */
  readonly source: 'get_metagraph' | 'get_neurons_lite'
  readonly neurons: readonly Neuron[]
}

/** Free, reserved and frozen balance of an account (rao). */
export interface AccountBalance {
  readonly free: bigint
  readonly reserved: bigint
  readonly frozen: bigint
  /** `free - frozen`, floored at 0: what a transfer can move (ignoring the existential deposit). */
  readonly transferable: bigint
}

/** A commitment read from `Commitments.CommitmentOf`. */
export interface Commitment {
  readonly hotkey: string
  readonly block: bigint
  /** Raw fields (`Data::Raw*` bytes); other `Data` kinds are returned as empty arrays. */
  readonly fields: readonly Uint8Array[]
  /** The first Raw field as UTF-8 (the peer id, for miners that published one), or `undefined`. */
  readonly text: string | undefined
}

/**
 * A value read by name from chain storage, a constant or a storage key, in plain forms (the
 * codec behind it stays inside src/wallet). `toJSON` gives numbers (hex strings past 2^52),
 * booleans, SS58 strings, arrays and objects; an absent `Option` is `null`.
 */
export interface ChainValue {
  toJSON(): unknown
  /** Decimal for integers, SS58 for accounts. */
  toString(): string
  toHex(): string
  /** True for an absent `Option` or a default (zero) value. */
  readonly isEmpty: boolean
}

/** A runtime's transaction extensions (from its metadata) as the client fills them. */
export interface TransactionExtensions {
  /** Extensions the client fills with data (nonce, era, tip, spec version, genesis…). */
  readonly filled: readonly string[]
  /** Extensions that carry no data (explicit and implicit types empty): accepted as they are. */
  readonly empty: readonly string[]
  /** Extensions that carry data the client cannot fill: signing refuses while any is listed. */
  readonly unsupported: readonly string[]
}

/** Status of a submitted extrinsic, in order. `invalid` and `dropped` are terminal failures before inclusion. */
export type TxStatus =
  | { readonly kind: 'signing' }
  | { readonly kind: 'signed'; readonly txHash: Hex }
  | { readonly kind: 'ready' }
  | { readonly kind: 'inBlock'; readonly blockHash: Hex }
  | { readonly kind: 'finalized'; readonly blockHash: Hex }
  | { readonly kind: 'dropped'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string }

/** What a successful {@link ChainClient.submit} resolves to. */
export interface TxResult {
  readonly txHash: Hex
  readonly blockHash: Hex
  /** Number of the block that included it. */
  readonly blockNumber: number
  /** `true` when the promise settled on finality (the default), `false` for `waitFor: 'inBlock'`. */
  readonly finalized: boolean
  /** Events of this extrinsic, as `{ pallet, name, data }` with data in human form. */
  readonly events: readonly TxEvent[]
}

/** An event emitted by an extrinsic. */
export interface TxEvent {
  readonly pallet: string
  readonly name: string
  readonly data: readonly unknown[]
}

/** Options of {@link ChainClient.submit}. */
export interface SubmitOptions {
  /** Called on each status change, in order. */
  readonly onStatus?: (status: TxStatus) => void
  /** Abort before signing, or stop waiting (the extrinsic may still land). */
  readonly signal?: AbortSignal
  /** Settle on inclusion instead of finality. Default `'finalized'`. */
  readonly waitFor?: 'inBlock' | 'finalized'
  /** Tip in rao. */
  readonly tip?: bigint
}

/**
 * One transaction extension's bytes as a signer receives them (polkadot-api's shape): `value` is
 * its explicit data (in the extrinsic), `additionalSigned` its implicit data (signed, not sent).
 */
export interface TxExtensionBytes {
  readonly identifier: string
  readonly value: Uint8Array
  readonly additionalSigned: Uint8Array
}

/**
 * The one signer interface of the chain client: polkadot-api's `PolkadotSigner` (`publicKey`,
 * `signTx`, `signBytes`, plain bytes in and out, no library types) plus the SS58 `address`. A key
 * held in the page ({@link KeySigner}), a wallet-extension account and a polkadot-api signer
 * (`{ ...getPolkadotSigner(…), address }`) all fit.
 */
export interface TxSigner {
  /** SS58 (prefix 42). */
  readonly address: string
  /** 32-byte public key. */
  readonly publicKey: Uint8Array
  /**
   * Signs `callData` (no length prefix) with the runtime's transaction extensions (metadata order)
   * and returns the signed extrinsic (length-prefixed, as broadcast). `metadata` is the runtime's
   * SCALE metadata, `atBlockNumber` the block the transaction is made at.
   */
  signTx(callData: Uint8Array, signedExtensions: Record<string, TxExtensionBytes>, metadata: Uint8Array, atBlockNumber: number, hasher?: (data: Uint8Array) => Uint8Array): Promise<Uint8Array>
  /** Signs a message as wallets do (`<Bytes>…</Bytes>` wrapped); resolves to the raw signature. */
  signBytes(data: Uint8Array): Promise<Uint8Array>
}

/**
 * A key held in the page or process: the session hotkey, or a keyring pair in Node. A
 * {@link TxSigner} that can also sign raw bytes unwrapped (`sign`: the raw 64-byte sr25519/ed25519
 * signature, no type byte), as the p2p binding needs.
 */
export interface KeySigner extends TxSigner {
  readonly type: 'sr25519' | 'ed25519'
  sign(message: Uint8Array): Promise<Uint8Array>
}

/**
 * The signer interface wallets inject (same shape as @polkadot/api's `Signer`). Internal to
 * src/wallet: the extension adapter turns it into a {@link TxSigner}.
 */
export interface ApiSigner {
  signPayload?: (payload: never) => Promise<{ id: number; signature: Hex }>
  signRaw?: (raw: { address: string; data: Hex; type: 'bytes' | 'payload' }) => Promise<{ id: number; signature: Hex }>
}
