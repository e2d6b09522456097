/**
 * webtensor wallet: the chain client (subtensor through @polkadot/api), typed reads and
 * extrinsics, the browser extension (coldkey) and the in-page session hotkey.
 *
 * This file is the only door into `src/wallet`, and {@link ChainClient} the only door to the
 * chain: outside src/wallet and src/devnet nothing imports @polkadot/api or touches its instance
 * (`test/unit/chain-boundary.test.ts` guards it).
 */
export { createChainClient, createOfflineCallEncoder, SUBTENSOR_SIGNED_EXTENSIONS } from './chain.ts'
export type { ChainClient, ChainClientInit, OfflineCallEncoder, PreparedCall, ReadOptions, RegistrationQuote, TrackedSubmission } from './chain.ts'
export * as calls from './calls.ts'
export type { CallSpec, LimitOptions } from './calls.ts'
export { resolveEndpoint } from './endpoints.ts'
export {
  DispatchError, NoExtensionError, UserRejectedError, WalletError,
} from './errors.ts'
export type { DecodedDispatchError, InstallLink, WalletErrorCode } from './errors.ts'
export { createKeyringSigner, keySignerFromKeyFile, keySignerFromPair, signMessage, verifyMessage } from './keys.ts'
export { createIdbMetadataCache, createMemoryMetadataCache, defaultMetadataCache } from './metadata-cache.ts'
export type { MetadataCache } from './metadata-cache.ts'
export type * from './types.ts'
export { connectWallet, injectedTxSigner, rememberedAccount, REMEMBERED_ACCOUNT_KEY } from './extension.ts'
export type { ConnectWalletInit, WalletAccount, WalletConnection, WalletExtension } from './extension.ts'
export { createMemoryHotkeyStorage, isMnemonic, openSessionHotkeys } from './session-hotkey.ts'
export type { HotkeyStorage, SessionHotkey, SessionHotkeys, SessionHotkeysInit } from './session-hotkey.ts'
export { BACKUP_LEDGER_KEY, backupLedger, destroyWarning, keystoreFileName, parseKeystoreFile, requestPersistentStorage } from './hotkey-backup.ts'
export type { BackupLedger, DestroyAction, KeyValue, LedgerStorage } from './hotkey-backup.ts'
export {
  commitExpired, epochDueAt, epochIndexAt, epochStartBlock, legacyEpochIndex, nextEpochBlock, readEpochSchedule,
} from './epoch-schedule.ts'
export type { DynamicEpochState, EpochSchedule, ScheduleReader } from './epoch-schedule.ts'
