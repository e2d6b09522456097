// The wallet flow in real Chromium: a test extension (keyring-backed) injected through
// @polkadot/extension-inject, the same protocol polkadot{.js}, Talisman and SubWallet use.
// Clicks are real (Playwright), so `navigator.userActivation` is real too.
import { afterAll, describe, expect, it } from 'vitest'
import { userEvent } from 'vitest/browser'
import { Keyring } from '@polkadot/keyring'
// The adapter imports these lazily (extension-dapp touches `window` on load, and must not run in
// Node); importing them here lets Vite pre-bundle them instead of reloading mid-test.
import '@polkadot/extension-dapp'
import '@polkadot/extension-inject'
import {
  NoExtensionError, REMEMBERED_ACCOUNT_KEY, UserRejectedError, WalletError, connectWallet, rememberedAccount, verifyMessage,
} from './index.ts'
import type { WalletAccount, WalletConnection } from './index.ts'
import { TEST_EXTENSION_NAME, createTestExtension } from './testing/test-extension.ts'
import type { TestExtension } from './testing/test-extension.ts'

/** Run `fn` from a real click on a button, as the app's Connect button does. */
async function fromClick<T>(fn: () => Promise<T>): Promise<T> {
  const button = document.createElement('button')
  button.textContent = 'Connect wallet'
  document.body.append(button)
  let result: Promise<T> | undefined
  button.addEventListener('click', () => {
    result = fn()
    result.catch(() => undefined) // handled by the caller once the click returns
  })
  try {
    await userEvent.click(button)
    expect(result, 'the click handler ran').toBeDefined()
    return await result!
  } finally {
    button.remove()
  }
}

const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
const ALICE = keyring.addFromUri('//Alice').address
const BOB = keyring.addFromUri('//Bob').address
const CHARLIE = keyring.addFromUri('//Charlie').address

const connections: WalletConnection[] = []
afterAll(() => { for (const c of connections) c.disconnect() })

describe('wallet extension flow (real Chromium)', () => {
  let ext: TestExtension

  it('refuses to prompt outside a user gesture', async () => {
    const err = await connectWallet().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WalletError)
    expect((err as WalletError).code).toBe('NOT_USER_GESTURE')
  })

  it('without any extension: a typed error with install links', async () => {
    expect(Object.keys((window as unknown as { injectedWeb3?: object }).injectedWeb3 ?? {})).toEqual([])
    const err = await fromClick(() => connectWallet()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NoExtensionError)
    const e = err as NoExtensionError
    expect(e.code).toBe('NO_EXTENSION')
    expect(e.message).toMatch(/install/i)
    expect(e.installLinks.map((l) => l.name).join(' ')).toMatch(/polkadot.*Talisman.*SubWallet/s)
    for (const l of e.installLinks) expect(l.url).toMatch(/^https:\/\//)
  })

  it('when the user declines to authorize the site: a clear, non-fatal rejection', async () => {
    ext = await createTestExtension([{ suri: '//Alice', name: 'alice' }, { suri: '//Bob', name: 'bob' }])
    await ext.inject()
    ext.authorize = 'reject'
    const err = await fromClick(() => connectWallet({ appName: 'webtensor-test' })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserRejectedError)
    expect((err as WalletError).code).toBe('USER_REJECTED')
    expect(ext.origins).toEqual(['webtensor-test'])
  })

  it('lists accounts of the injected extension in SS58 42, picks one and remembers it', async () => {
    ext.authorize = 'approve'
    localStorage.removeItem(REMEMBERED_ACCOUNT_KEY)
    const conn = await fromClick(() => connectWallet({ appName: 'webtensor-test' }))
    connections.push(conn)
    expect(conn.extensions.map((e) => e.name)).toEqual([TEST_EXTENSION_NAME])
    // The extension reports Polkadot-prefix addresses; the app shows prefix 42.
    expect(conn.accounts.map((a) => [a.address, a.name, a.source])).toEqual([
      [ALICE, 'alice', TEST_EXTENSION_NAME],
      [BOB, 'bob', TEST_EXTENSION_NAME],
    ])
    expect(conn.selected).toBeUndefined()
    expect(() => conn.select(CHARLIE)).toThrow(WalletError)
    const picked = conn.select(BOB)
    expect(picked.address).toBe(BOB)
    expect(conn.selected?.address).toBe(BOB)
    expect(rememberedAccount()).toEqual({ address: BOB, source: TEST_EXTENSION_NAME })
    conn.disconnect()

    // A later session (e.g. after a reload) starts with the remembered account selected.
    const again = await fromClick(() => connectWallet({ appName: 'webtensor-test' }))
    connections.push(again)
    expect(again.selected?.address).toBe(BOB)
  })

  it('follows account changes in the extension', async () => {
    const conn = connections.at(-1)!
    const seen: Array<[string[], string | undefined]> = []
    conn.subscribe((accounts: readonly WalletAccount[], selected) => { seen.push([accounts.map((a) => a.address), selected?.address]) })
    ext.addAccount('//Charlie', 'charlie')
    await expect.poll(() => conn.accounts.length).toBe(3)
    expect(conn.accounts.map((a) => a.address)).toContain(CHARLIE)
    ext.removeAccount(BOB)
    await expect.poll(() => conn.accounts.map((a) => a.address)).toEqual([ALICE, CHARLIE])
    expect(conn.selected, 'the removed account is no longer selected').toBeUndefined()
    expect(seen.at(-1)).toEqual([[ALICE, CHARLIE], undefined])
    ext.addAccount('//Bob', 'bob')
    await expect.poll(() => conn.selected?.address).toBe(BOB) // still remembered: re-selected
  })

  it('signs through the extension prompt; a rejection is non-fatal', async () => {
    const conn = connections.at(-1)!
    const message = 'webtensor: bind peer 12D3KooWabc to netuid 1'
    const before = ext.prompts
    const sig = await conn.signMessage(message)
    expect(ext.prompts).toBe(before + 1)
    expect(verifyMessage(message, sig, BOB)).toBe(true)
    expect(verifyMessage(message, sig, ALICE)).toBe(false)

    ext.sign = 'reject'
    const err = await conn.signMessage(message).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserRejectedError)
    expect((err as Error).message).toMatch(/rejected.*try again/i)

    ext.sign = 'approve'
    const sig2 = await conn.signMessage(message, ALICE)
    expect(verifyMessage(message, sig2, ALICE)).toBe(true)

    // The transaction signer handed to the chain client is the extension's, rejection-aware too.
    const txSigner = await conn.signer()
    expect(txSigner.address).toBe(BOB)
    expect(typeof txSigner.signTx).toBe('function')
    expect(txSigner.publicKey.length).toBe(32)
  })

  it('offers accounts across every injected extension and signs with the one holding the account', async () => {
    const second = await createTestExtension([{ suri: '//Dave', name: 'dave' }], 42, 'webtensor-test-extension-2')
    await second.inject()
    const conn = await fromClick(() => connectWallet({ appName: 'webtensor-test' }))
    connections.push(conn)
    expect(conn.extensions.map((e) => e.name).sort()).toEqual([TEST_EXTENSION_NAME, 'webtensor-test-extension-2'])
    const dave = keyring.addFromUri('//Dave').address
    expect(conn.accounts.find((a) => a.address === dave)?.source).toBe('webtensor-test-extension-2')
    expect(conn.accounts.find((a) => a.address === ALICE)?.source).toBe(TEST_EXTENSION_NAME)
    conn.select(dave)
    const [p1, p2] = [ext.prompts, second.prompts]
    const sig = await conn.signMessage('hello from dave')
    expect(verifyMessage('hello from dave', sig, dave)).toBe(true)
    expect([ext.prompts - p1, second.prompts - p2]).toEqual([0, 1])
  })
})
