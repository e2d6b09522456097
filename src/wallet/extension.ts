/**
 * The browser-extension adapter: the only file that imports @polkadot/extension-dapp. The coldkey
 * lives in the extension (polkadot{.js}, Talisman, SubWallet, or anything injecting
 * `window.injectedWeb3`); every coldkey action goes through the extension's own prompt.
 *
 * `connectWallet()` must be called from a click handler: it is the moment the extensions ask the
 * user to authorize the site, and nothing is requested from them before it.
 */
import { WalletError, NoExtensionError, UserRejectedError, abortError, isRejectionMessage } from './errors.ts'
import { publicKeyOf, toSs58 } from './address.ts'
import { readCompact, signedExtrinsic } from './signed-extrinsic.ts'
import type { ApiSigner, Hex, TxExtensionBytes, TxSigner } from './types.ts'

/** An account offered by an extension, for the account picker. */
export interface WalletAccount {
  /** SS58 prefix 42. */
  readonly address: string
  /** The name the user gave it in the extension. */
  readonly name: string | undefined
  /** The extension that holds it (its injected name, e.g. `polkadot-js`, `talisman`, `subwallet-js`). */
  readonly source: string
  /** Key type, when the extension says (`sr25519`, `ed25519`). */
  readonly type: string | undefined
}

/** An enabled extension. */
export interface WalletExtension {
  readonly name: string
  readonly version: string
}

/** Options of {@link connectWallet}. */
export interface ConnectWalletInit {
  /** Shown by the extension in its authorization prompt. Default `webtensor`. */
  readonly appName?: string
  /** Stop waiting for the extensions (their prompt may stay open). */
  readonly signal?: AbortSignal
  /**
   * Skip the user-gesture check. Only for reconnecting a site the user already authorized (no
   * prompt appears then); a first connection must come from a click.
   */
  readonly allowWithoutGesture?: boolean
  /** Where the chosen account is remembered. Default `localStorage`. */
  readonly storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
}

/** An authorized connection to the injected extensions. */
export interface WalletConnection {
  /** Extensions that authorized this site. */
  readonly extensions: readonly WalletExtension[]
  /** Accounts across every enabled extension (latest snapshot). */
  readonly accounts: readonly WalletAccount[]
  /** The chosen account: the remembered one if still offered, else `undefined`. */
  readonly selected: WalletAccount | undefined
  /** Choose an account and remember the choice. Throws `ACCOUNT_NOT_FOUND`. */
  select(address: string): WalletAccount
  /** Follow account list and selection changes; returns the unsubscribe function. */
  subscribe(cb: (accounts: readonly WalletAccount[], selected: WalletAccount | undefined) => void): () => void
  /** A {@link TxSigner} for the chosen (or given) account: submitting with it opens the extension prompt. */
  signer(address?: string): Promise<TxSigner>
  /**
   * Sign a message with the extension (`signRaw`, type `bytes`: the extension wraps it in
   * `<Bytes>…</Bytes>`). Throws {@link UserRejectedError} when the user declines.
   */
  signMessage(message: Uint8Array | string, address?: string): Promise<Hex>
  /** Stop following account changes. The extension authorization itself stays. */
  disconnect(): void
}

/** localStorage key of the remembered account. */
export const REMEMBERED_ACCOUNT_KEY = 'webtensor.wallet.account'

type Dapp = typeof import('@polkadot/extension-dapp')

interface Remembered { readonly address: string; readonly source: string }

function defaultStorage(): ConnectWalletInit['storage'] {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : undefined
  } catch {
    return undefined // storage blocked (e.g. third-party iframe with cookies off)
  }
}

/** The account remembered from a previous session, if any (no extension call, safe on page load). */
export function rememberedAccount(storage = defaultStorage()): Remembered | undefined {
  try {
    const raw = storage?.getItem(REMEMBERED_ACCOUNT_KEY)
    if (!raw) return undefined
    const v = JSON.parse(raw) as Partial<Remembered>
    return typeof v.address === 'string' && typeof v.source === 'string' ? { address: v.address, source: v.source } : undefined
  } catch {
    return undefined
  }
}

/** Whether any extension has injected itself (no prompt; safe on page load, e.g. to label the button). */
export function hasInjectedExtension(): boolean {
  const w = globalThis as { injectedWeb3?: Record<string, unknown> }
  return typeof window !== 'undefined' && !!w.injectedWeb3 && Object.keys(w.injectedWeb3).length > 0
}

function toAccount(a: { address: string; meta: { name?: string; source: string }; type?: string }): WalletAccount | undefined {
  try {
    return Object.freeze({ address: toSs58(a.address), name: a.meta.name, source: a.meta.source, type: a.type })
  } catch {
    return undefined // not a Substrate account (e.g. an Ethereum one): not usable on Bittensor
  }
}

function dedupe(list: ReadonlyArray<WalletAccount | undefined>): WalletAccount[] {
  const seen = new Set<string>()
  const out: WalletAccount[] = []
  for (const a of list) {
    if (!a) continue
    const k = `${a.source}/${a.address}`
    if (seen.has(k)) continue
    seen.add(k)
    out.push(a)
  }
  return out
}

function withSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(abortError(signal, what))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal, what))
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v) },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e) },
    )
  })
}

/** Wrap an extension signer so a "user said no" becomes {@link UserRejectedError}. */
function rejectionAware(signer: ApiSigner): ApiSigner {
  const wrap = <A, R>(fn: ((a: A) => Promise<R>) | undefined): ((a: A) => Promise<R>) | undefined =>
    fn && (async (a: A) => {
      try {
        return await fn(a)
      } catch (e) {
        if (isRejectionMessage(e)) throw new UserRejectedError(undefined, { cause: e })
        throw new WalletError('SIGNING_FAILED', `the wallet could not sign: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      }
    })
  const out: ApiSigner = {}
  const sp = wrap(signer.signPayload?.bind(signer))
  const sr = wrap(signer.signRaw?.bind(signer))
  if (sp) out.signPayload = sp
  if (sr) out.signRaw = sr
  return out
}

function toHex(bytes: Uint8Array): Hex {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}` as Hex
}

function fromHex(hex: string): Uint8Array {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16))
}

/** `0x`-hex of a u32 read little-endian from `bytes` (spec and transaction versions), zero when absent. */
function u32Hex(bytes: Uint8Array | undefined): Hex {
  const b = bytes ?? new Uint8Array(4)
  const v = ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) >>> 0
  return `0x${v.toString(16).padStart(8, '0')}` as Hex
}

/**
 * The payload in the JSON form extensions sign (`SignerPayloadJSON`), from the bytes a
 * {@link TxSigner} receives: each field is read from the extension that carries it.
 */
function signerPayloadJson(address: string, callData: Uint8Array, ext: Record<string, TxExtensionBytes>, atBlockNumber: number): Record<string, unknown> {
  const genesisHash = toHex(ext['CheckGenesis']?.additionalSigned ?? new Uint8Array(32))
  const mortality = ext['CheckMortality'] ?? ext['CheckEra']
  const metadataHash = ext['CheckMetadataHash']?.additionalSigned
  return {
    address,
    blockHash: mortality !== undefined ? toHex(mortality.additionalSigned) : genesisHash,
    blockNumber: u32Hex(Uint8Array.of(atBlockNumber & 0xff, (atBlockNumber >>> 8) & 0xff, (atBlockNumber >>> 16) & 0xff, (atBlockNumber >>> 24) & 0xff)),
    era: mortality !== undefined ? toHex(mortality.value) : '0x00',
    genesisHash,
    method: toHex(callData),
    nonce: `0x${readCompact(ext['CheckNonce']?.value ?? Uint8Array.of(0)).value.toString(16)}`,
    specVersion: u32Hex(ext['CheckSpecVersion']?.additionalSigned),
    transactionVersion: u32Hex(ext['CheckTxVersion']?.additionalSigned),
    tip: `0x${readCompact(ext['ChargeTransactionPayment']?.value ?? Uint8Array.of(0)).value.toString(16)}`,
    ...(ext['CheckMetadataHash'] !== undefined ? { mode: ext['CheckMetadataHash'].value[0] ?? 0 } : {}),
    ...(metadataHash !== undefined && metadataHash[0] === 1 ? { metadataHash: toHex(metadataHash.subarray(1)) } : {}),
    signedExtensions: Object.keys(ext),
    version: 4,
  }
}

/**
 * An injected extension signer (the `signer` of `web3FromSource`) for `address` as the chain
 * client's {@link TxSigner}: `signTx` hands the payload's JSON form to the extension's
 * `signPayload` (its prompt shows the call) and builds the extrinsic around the signature it
 * returns; `signBytes` uses `signRaw` with type `bytes` (the extension wraps the message in
 * `<Bytes>…</Bytes>`).
 */
export function injectedTxSigner(address: string, injected: ApiSigner, source = 'the wallet'): TxSigner {
  const a = { address: toSs58(address), source }
  const publicKey = publicKeyOf(a.address)
  return Object.freeze({
    address: a.address,
    publicKey,
    async signTx(callData: Uint8Array, ext: Record<string, TxExtensionBytes>, _metadata: Uint8Array, atBlockNumber: number): Promise<Uint8Array> {
      if (!injected.signPayload) throw new WalletError('UNSUPPORTED', `${a.source} cannot sign transactions`)
      const { signature } = await injected.signPayload(signerPayloadJson(a.address, callData, ext, atBlockNumber) as never)
      return signedExtrinsic(publicKey, fromHex(signature), callData, ext)
    },
    async signBytes(data: Uint8Array): Promise<Uint8Array> {
      if (!injected.signRaw) throw new WalletError('UNSUPPORTED', `${a.source} cannot sign messages`)
      const { signature } = await injected.signRaw({ address: a.address, data: toHex(data), type: 'bytes' })
      return fromHex(signature)
    },
  })
}

/**
 * Ask every injected extension to authorize this site and list their accounts (SS58 42).
 * Call it from a click handler. Throws {@link NoExtensionError} (with install links) when none is
 * injected, {@link UserRejectedError} when every extension declined, `NOT_USER_GESTURE` when
 * called outside a click.
 */
export async function connectWallet(init: ConnectWalletInit = {}): Promise<WalletConnection> {
  const { appName = 'webtensor', signal } = init
  const storage = init.storage ?? defaultStorage()
  if (typeof window === 'undefined') throw new WalletError('UNSUPPORTED', 'wallet extensions exist only in a browser page')
  const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation
  if (!init.allowWithoutGesture && activation && !activation.isActive) {
    throw new WalletError('NOT_USER_GESTURE', 'connectWallet() must run in response to a click (browsers and wallets block prompts otherwise)')
  }
  if (signal?.aborted) throw abortError(signal, 'connecting the wallet')

  const dapp: Dapp = await import('@polkadot/extension-dapp')
  const injectedCount = Object.keys((window as unknown as { injectedWeb3?: object }).injectedWeb3 ?? {}).length
  const enabled = await withSignal(dapp.web3Enable(appName), signal, 'connecting the wallet')
  if (enabled.length === 0) {
    if (injectedCount === 0 && !hasInjectedExtension()) throw new NoExtensionError()
    throw new UserRejectedError('The wallet extension did not authorize this site. Open it, allow webtensor, then click Connect again.')
  }
  const extensions: WalletExtension[] = enabled.map((e) => ({ name: e.name, version: e.version }))
  const accountOpts = { ss58Format: 42, accountType: ['sr25519', 'ed25519'] as Array<'sr25519' | 'ed25519'> }

  let accounts = dedupe((await withSignal(dapp.web3Accounts(accountOpts), signal, 'listing accounts')).map(toAccount))
  let selected: WalletAccount | undefined
  const remembered = rememberedAccount(storage)
  const findAccount = (address: string, source?: string): WalletAccount | undefined => {
    let ss58: string
    try { ss58 = toSs58(address) } catch { return undefined }
    return accounts.find((a) => a.address === ss58 && (source === undefined || a.source === source)) ?? accounts.find((a) => a.address === ss58)
  }
  if (remembered) selected = findAccount(remembered.address, remembered.source)

  const listeners = new Set<(a: readonly WalletAccount[], s: WalletAccount | undefined) => void>()
  const notify = (): void => {
    for (const l of listeners) {
      try { l(accounts, selected) } catch { /* a listener's bug must not stop the others */ }
    }
  }
  let stopped = false
  const unsubscribe = await dapp.web3AccountsSubscribe((list) => {
    if (stopped) return
    accounts = dedupe(list.map(toAccount))
    // Keep the selection while the extension still offers it; drop it (but keep it remembered,
    // the user may re-enable it) when it disappears.
    const rem = rememberedAccount(storage)
    selected = selected ? findAccount(selected.address, selected.source) : rem ? findAccount(rem.address, rem.source) : undefined
    notify()
  }, accountOpts)

  const resolveAccount = (address?: string): WalletAccount => {
    const a = address ? findAccount(address) : selected
    if (!a) throw new WalletError('ACCOUNT_NOT_FOUND', address ? `the wallet does not offer account ${address}` : 'no account is selected; pick one first')
    return a
  }
  const injectedSigner = async (a: WalletAccount): Promise<ApiSigner> => {
    const ext = await dapp.web3FromSource(a.source)
    return rejectionAware(ext.signer as unknown as ApiSigner)
  }

  return {
    extensions,
    get accounts() { return accounts },
    get selected() { return selected },
    select(address) {
      const a = findAccount(address)
      if (!a) throw new WalletError('ACCOUNT_NOT_FOUND', `the wallet does not offer account ${address}`)
      selected = a
      try { storage?.setItem(REMEMBERED_ACCOUNT_KEY, JSON.stringify({ address: a.address, source: a.source })) } catch { /* not remembered, still selected */ }
      notify()
      return a
    },
    subscribe(cb) {
      listeners.add(cb)
      return () => { listeners.delete(cb) }
    },
    async signer(address) {
      const a = resolveAccount(address)
      return injectedTxSigner(a.address, await injectedSigner(a), a.source)
    },
    async signMessage(message, address) {
      const a = resolveAccount(address)
      const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message
      return toHex(await injectedTxSigner(a.address, await injectedSigner(a), a.source).signBytes(bytes))
    },
    disconnect() {
      if (stopped) return
      stopped = true
      listeners.clear()
      unsubscribe()
    },
  }
}
