/**
 * Errors of the wallet subsystem (chain client, extension, session hotkey).
 *
 * One base class, {@link WalletError}, with a stable `code`; subclasses exist only where a caller
 * acts differently (show install links, keep going after a rejection, show a pallet error).
 */

/** Stable codes of {@link WalletError}. Never renumber or rename: the UI and logs key on them. */
export type WalletErrorCode =
  | 'ABORTED'
  | 'BAD_ENDPOINT'
  | 'CONNECTION'
  | 'NOT_CONNECTED'
  | 'UNSUPPORTED'
  | 'BAD_INPUT'
  | 'NO_EXTENSION'
  | 'NOT_AUTHORIZED'
  | 'NOT_USER_GESTURE'
  | 'ACCOUNT_NOT_FOUND'
  | 'USER_REJECTED'
  | 'SIGNING_FAILED'
  | 'TX_INVALID'
  | 'TX_DROPPED'
  | 'DISPATCH'
  | 'HOTKEY_STORE'
  | 'HOTKEY_MISSING'
  | 'BAD_PASSWORD'

/** Base error of `src/wallet`. `name` equals the class name; `code` is stable. */
export class WalletError extends Error {
  /** Stable machine-readable code. */
  readonly code: WalletErrorCode

  constructor(code: WalletErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }

  /** Plain data, for crossing worker or postMessage boundaries. */
  toJSON(): { name: string; code: WalletErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message }
  }
}

/** Where to get a wallet extension; shown when none is injected. */
export interface InstallLink {
  readonly name: string
  readonly url: string
}

/** The extensions the app is tested against, with their official install pages. */
export const INSTALL_LINKS: readonly InstallLink[] = Object.freeze([
  { name: 'polkadot{.js} extension', url: 'https://polkadot.js.org/extension/' },
  { name: 'Talisman', url: 'https://talisman.xyz/download' },
  { name: 'SubWallet', url: 'https://www.subwallet.app/download.html' },
])

/** No wallet extension is injected in this browser. Show {@link NoExtensionError.installLinks}. */
export class NoExtensionError extends WalletError {
  /** Install pages to offer the user. */
  readonly installLinks: readonly InstallLink[]

  constructor(message = 'No Polkadot wallet extension was found in this browser. Install polkadot{.js}, Talisman or SubWallet, reload the page, then click Connect again.') {
    super('NO_EXTENSION', message)
    this.installLinks = INSTALL_LINKS
  }
}

/**
 * The user declined a prompt (site authorization or a signature). Not fatal: nothing was sent,
 * and the same action can simply be tried again.
 */
export class UserRejectedError extends WalletError {
  constructor(message = 'The request was rejected in the wallet. Nothing was sent; you can try again.', options?: { cause?: unknown }) {
    super('USER_REJECTED', message, options)
  }
}

/** A pallet error decoded from the metadata of the chain that returned it. */
export interface DecodedDispatchError {
  /** Pallet name as in metadata, e.g. `SubtensorModule`. */
  readonly pallet: string
  /** Error variant name as in metadata, e.g. `HotKeyAlreadyRegisteredInSubNet`. */
  readonly name: string
  /** The variant's documentation from metadata, joined. */
  readonly docs: string
}

/**
 * An extrinsic was included in a block but failed (its fee was paid, its effects were not applied).
 * `dispatch` names the pallet error; `message` is a sentence for the user.
 */
export class DispatchError extends WalletError {
  /** The decoded module error, or a `System`/`Token`/`Arithmetic` pseudo-pallet for other kinds. */
  readonly dispatch: DecodedDispatchError
  /** Hash of the block that included the failed extrinsic. */
  readonly blockHash: string | undefined

  constructor(dispatch: DecodedDispatchError, message: string, blockHash?: string) {
    super('DISPATCH', message)
    this.dispatch = dispatch
    this.blockHash = blockHash
  }
}

/** True when `e` looks like a wallet's "user said no" error (wallets word it differently). */
export function isRejectionMessage(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : ''
  return /cancel|reject|denied|declin|not allowed|user closed/i.test(msg)
}

/** The abort reason as a {@link WalletError}, keeping an existing WalletError as is. */
export function abortError(signal: AbortSignal | undefined, what: string): WalletError {
  const reason: unknown = signal?.reason
  if (reason instanceof WalletError) return reason
  return new WalletError('ABORTED', `${what} was aborted${reason instanceof Error ? `: ${reason.message}` : ''}`, { cause: reason })
}
