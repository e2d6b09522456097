/**
 * TEST SUPPORT ONLY (never shipped in the app): a wallet extension backed by a keyring, speaking
 * the same injection protocol real wallets use (`@polkadot/extension-inject`'s `injectExtension`,
 * `window.injectedWeb3[name].enable(origin)` → `{ accounts, signer }`). Its "user" is scripted:
 * tests decide whether it authorizes the site and whether it approves each signature.
 */
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { TypeRegistry } from '@polkadot/types'
import type { SignerPayloadJSON, SignerPayloadRaw, SignerResult } from '@polkadot/types/types'
import { hexToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util'
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto'
import { SUBTENSOR_SIGNED_EXTENSIONS } from '../chain.ts'

/** Name under which the test extension injects itself. */
export const TEST_EXTENSION_NAME = 'webtensor-test-extension'

/** What the scripted user answers. */
export type Answer = 'approve' | 'reject'

interface InjectedAccountLike { address: string; name?: string; type?: 'sr25519' | 'ed25519' }

/** A keyring-backed test extension. */
export interface TestExtension {
  /** Inject into `window.injectedWeb3` (browser only). */
  inject(): Promise<void>
  /** What `enable(origin)` returns: the object real wallets hand to the page. */
  enable(origin: string): Promise<{
    accounts: { get(): Promise<InjectedAccountLike[]>; subscribe(cb: (a: InjectedAccountLike[]) => void): () => void }
    signer: { signPayload(p: SignerPayloadJSON): Promise<SignerResult>; signRaw(p: SignerPayloadRaw): Promise<SignerResult> }
  }>
  /** Next authorization answer (default approve). */
  authorize: Answer
  /** Answer to signature prompts (default approve). */
  sign: Answer
  /** Origins that called `enable`. */
  readonly origins: string[]
  /** Signature prompts shown so far (approved or not). */
  prompts: number
  /** Add an account from a secret URI (notifies subscribers). Returns its SS58-42 address. */
  addAccount(suri: string, name?: string): string
  /** Remove an account by address (any SS58 prefix). */
  removeAccount(address: string): void
}

/**
 * Create a test extension holding `accounts` (secret URIs such as `//Alice`). Addresses are
 * reported with SS58 prefix `reportPrefix` (default 0, Polkadot's) so tests can check the app
 * re-encodes them to 42. `extensionName` lets a test inject several extensions side by side.
 */
export async function createTestExtension(accounts: ReadonlyArray<{ suri: string; name?: string }>, reportPrefix = 0, extensionName = TEST_EXTENSION_NAME): Promise<TestExtension> {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
  const pairs: KeyringPair[] = []
  const names = new Map<string, string | undefined>()
  const subscribers = new Set<(a: InjectedAccountLike[]) => void>()
  const list = (): InjectedAccountLike[] => pairs.map((p) => ({ address: encodeAddress(p.publicKey, reportPrefix), name: names.get(p.address), type: 'sr25519' as const }))
  const notify = (): void => { for (const s of subscribers) s(list()) }
  const find = (address: string): KeyringPair => {
    const p = pairs.find((x) => x.address === keyring.encodeAddress(address, 42))
    if (!p) throw new Error(`unknown account ${address}`)
    return p
  }
  let id = 0

  const ext: TestExtension = {
    authorize: 'approve',
    sign: 'approve',
    origins: [],
    prompts: 0,
    async inject() {
      const { injectExtension } = await import('@polkadot/extension-inject')
      injectExtension((origin) => ext.enable(origin) as never, { name: extensionName, version: '0.0.1' })
    },
    enable(origin) {
      ext.origins.push(origin)
      if (ext.authorize === 'reject') return Promise.reject(new Error(`The source ${origin} is not allowed to interact with this extension`))
      return Promise.resolve({
        accounts: {
          get: () => Promise.resolve(list()),
          subscribe: (cb) => {
            subscribers.add(cb)
            cb(list())
            return () => { subscribers.delete(cb) }
          },
        },
        signer: {
          signPayload(payload) {
            ext.prompts += 1
            if (ext.sign === 'reject') return Promise.reject(new Error('Cancelled'))
            // As the polkadot{.js} extension does: a registry with the payload's extensions.
            const registry = new TypeRegistry()
            registry.setSignedExtensions(payload.signedExtensions, SUBTENSOR_SIGNED_EXTENSIONS)
            const { signature } = registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(find(payload.address))
            return Promise.resolve({ id: ++id, signature })
          },
          signRaw(raw) {
            ext.prompts += 1
            if (ext.sign === 'reject') return Promise.reject(new Error('Cancelled'))
            const signature = u8aToHex(find(raw.address).sign(u8aWrapBytes(hexToU8a(raw.data))))
            return Promise.resolve({ id: ++id, signature })
          },
        },
      })
    },
    addAccount(suri, name) {
      const p = keyring.addFromUri(suri)
      pairs.push(p)
      names.set(p.address, name)
      notify()
      return p.address
    },
    removeAccount(address) {
      const p = find(address)
      pairs.splice(pairs.indexOf(p), 1)
      notify()
    },
  }
  for (const a of accounts) {
    const p = keyring.addFromUri(a.suri)
    pairs.push(p)
    names.set(p.address, a.name)
  }
  return ext
}
