import { test, expect } from '@playwright/test'
import { ApiPromise, WsProvider } from '@polkadot/api'
import { startStack, type Stack } from '../../src/server/index.ts'

// The product as a user meets it: the whole local stack exactly as `npm start` runs it (devnet,
// relay, headless validator, built app), a fresh browser profile, one click.
test.describe.configure({ mode: 'serial' })

let stack: Stack
let api: ApiPromise

test.beforeAll(async () => {
  stack = await startStack({ port: 0, devnet: { blockTimeMs: 2000 } })
  api = await ApiPromise.create({ provider: new WsProvider(stack.devnet!.url), noInitWarn: true })
})
test.afterAll(async () => {
  await api?.disconnect()
  await stack?.stop()
})

async function weightsOf(validatorUid: number): Promise<Array<[number, number]>> {
  const row = (await api.query['subtensorModule']!['weights']!(1, validatorUid)) as unknown as Array<[{ toNumber(): number }, { toNumber(): number }]>
  return row.map(([uid, w]) => [uid.toNumber(), w.toNumber()])
}

test('open the URL, click Start mining: registers, loads the model, answers, and earns weight', async ({ page }) => {
  test.setTimeout(480_000)
  await page.goto(stack.url)
  await expect(page.getByTestId('miner-phase')).toContainText('Not mining')
  const progressShown = page.waitForSelector('#model-progress', { state: 'attached', timeout: 120_000 })
  await page.getByRole('button', { name: 'Start mining' }).click()
  // The model download is shown with a progress bar (a fresh profile has no cached model).
  await progressShown
  await expect(page.getByTestId('miner-phase')).toContainText('Mining', { timeout: 180_000 })
  const uid = Number(await page.getByTestId('uid').textContent())
  expect(Number.isInteger(uid)).toBe(true)
  await expect(page.getByTestId('miner-phase')).toContainText(/runs on (WebGPU|WASM)/, { timeout: 180_000 })

  // The headless validator challenges it over the mesh and the dashboard counts the answers.
  await expect.poll(async () => Number(await page.getByTestId('answered').textContent()), { timeout: 240_000, intervals: [2000] }).toBeGreaterThanOrEqual(1)
  const validator = await stack.validatorReady()
  expect(validator).toBeDefined()
  await expect.poll(() => validator!.state.miners.find((m) => m.uid === uid)?.answered ?? 0, { timeout: 60_000 }).toBeGreaterThanOrEqual(1)
  expect(validator!.state.miners.find((m) => m.uid === uid)!.score).toBeGreaterThan(0)

  // The validator's next challenge carries its verdict: the dashboard counts accepted answers.
  await expect.poll(async () => Number(await page.getByTestId('accepted').textContent()), { timeout: 120_000, intervals: [2000] }).toBeGreaterThanOrEqual(1)

  // After the validator's commit is revealed at an epoch, the chain's weights include the miner.
  await expect.poll(async () => (await weightsOf(validator!.uid)).some(([u, w]) => u === uid && w > 0), { timeout: 300_000, intervals: [3000] }).toBe(true)

  // Pause stops work within one challenge.
  await page.getByRole('button', { name: 'Pause' }).click()
  await expect(page.getByTestId('miner-phase')).toContainText('Paused')
  const atPause = Number(await page.getByTestId('answered').textContent())
  await page.waitForTimeout(20_000) // more than one validator round (15 s)
  expect(Number(await page.getByTestId('answered').textContent())).toBeLessThanOrEqual(atPause + 1)

  // A reload restores the hotkey, uid and counts; mining waits for a new click.
  const hotkeyLine = await page.getByText(/^Hotkey /).textContent()
  const answered = Number(await page.getByTestId('answered').textContent())
  await page.reload()
  await expect(page.getByTestId('miner-phase')).toContainText('Not mining')
  expect(Number(await page.getByTestId('uid').textContent())).toBe(uid)
  expect(Number(await page.getByTestId('answered').textContent())).toBe(answered)
  await expect(page.getByText(/^Hotkey /)).toContainText(hotkeyLine!.split(';')[0]!.replace('Hotkey ', ''))
  // Starting again reuses the same session hotkey: no second registration, same uid.
  await page.getByRole('button', { name: 'Start mining' }).click()
  await expect(page.getByTestId('miner-phase')).toContainText('Mining', { timeout: 120_000 })
  expect(Number(await page.getByTestId('uid').textContent())).toBe(uid)

  // The validator tab: the miner's row with the chain's incentive and this page's prediction.
  await page.getByRole('tab', { name: 'Validator' }).click()
  const row = page.getByTestId('validator-table').locator('tbody tr').filter({ has: page.locator(`td:first-child:text-is("${uid}")`) })
  await expect(row).toHaveCount(1, { timeout: 60_000 })
  await expect.poll(async () => (await row.locator('td').nth(5).textContent())?.trim(), { timeout: 60_000 }).toMatch(/^\d+$/)
})
