import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { ApiPromise, WsProvider } from '@polkadot/api'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { test, expect } from './fixtures.ts'
import { formatTao } from '../../src/ui/index.ts'

// Start mining as on a real network: the page's config does not say "devnet", so the coldkey is
// a wallet-extension account and the page must show the registration burn and wait for the user
// before anything is signed. The extension is the project's keyring-backed test extension
// (src/wallet/testing, TEST SUPPORT ONLY), bundled and injected the way real extensions inject
// themselves (window.injectedWeb3). The chain is the local devnet, whose faucet funds the account.
const EXTENSION_ENTRY = fileURLToPath(new URL('../../src/wallet/testing/test-extension.ts', import.meta.url))
let extensionScript: string
let api: ApiPromise
let payer: string

test.use({ serviceWorkers: 'block' }) // page.route must see /config.json

test.beforeAll(async ({ stack }) => {
  const out = await build({
    stdin: {
      contents: `import { createTestExtension } from ${JSON.stringify(EXTENSION_ENTRY)}
        globalThis.__testExtension = createTestExtension([{ suri: '//Ferdie', name: 'ferdie' }]).then(async (ext) => { await ext.inject(); return ext })`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  extensionScript = out.outputFiles[0]!.text
  api = await ApiPromise.create({ provider: new WsProvider(stack.devnet!.url), noInitWarn: true })
  await cryptoWaitReady()
  payer = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Ferdie').address
})
test.afterAll(async () => { await api?.disconnect() })

test('with a wallet extension, Start mining shows the burn price and signs nothing until the user agrees', async ({ page, stack }) => {
  test.setTimeout(300_000)
  await page.route('**/config.json', async (route) => {
    const res = await route.fetch()
    const { devnet: _, ...config } = (await res.json()) as Record<string, unknown>
    await route.fulfill({ response: res, json: config })
  })
  await page.addInitScript({ content: extensionScript })
  await page.goto(stack.url)
  const prompts = (): Promise<number> => page.evaluate(async () => (await (globalThis as unknown as { __testExtension: Promise<{ prompts: number }> }).__testExtension).prompts)
  await expect.poll(prompts).toBe(0) // injected

  // The offer: the chain's burn for subnet 1, paid by the extension account.
  await page.getByRole('button', { name: 'Start mining' }).click()
  const offer = page.getByRole('alertdialog')
  await expect(offer).toBeVisible({ timeout: 120_000 })
  const burn = BigInt(((await api.query['subtensorModule']!['burn']!(1)) as unknown as { toString(): string }).toString())
  await expect(offer.getByTestId('registration-offer')).toContainText(formatTao(burn))
  await expect(offer.getByTestId('registration-offer')).toContainText(payer)

  // Cancel: nothing signed, not registered, and the page says what happened.
  await offer.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByTestId('miner-phase')).toContainText('Stopped by an error')
  await expect(page.getByRole('alert')).toContainText('You declined the registration')
  expect(await prompts()).toBe(0)
  await expect(page.getByTestId('uid')).toHaveText('—')

  // Agree: the extension is asked to sign, the hotkey is registered with the extension account
  // as its owner (the burn came from it), and the dashboard shows the price paid.
  await page.getByRole('button', { name: 'Start mining' }).click()
  await expect(offer).toBeVisible({ timeout: 120_000 })
  await offer.getByRole('button', { name: `Register for ${formatTao(burn)}` }).click()
  await expect(page.getByTestId('uid')).toHaveText(/^\d+$/, { timeout: 120_000 })
  expect(await prompts()).toBeGreaterThanOrEqual(1)
  const hotkey = await page.evaluate(() => (JSON.parse(localStorage.getItem('webtensor.mining.v1') ?? '{}') as { hotkey?: string }).hotkey)
  expect(hotkey).toMatch(/^5/)
  const owner = ((await api.query['subtensorModule']!['owner']!(hotkey)) as unknown as { toString(): string }).toString()
  expect(owner).toBe(payer)
  await expect(page.getByTestId('burn')).toHaveText(formatTao(burn))
  await page.getByRole('button', { name: 'Stop' }).click()
})
