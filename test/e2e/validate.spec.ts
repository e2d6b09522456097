import { test, expect, type Page } from '@playwright/test'
import { ApiPromise, WsProvider } from '@polkadot/api'
import { startStack, type Stack } from '../../src/server/index.ts'
import { axeViolations } from './axe.ts'

// Light validation in a tab, against the local stack as `npm start` runs it but without the
// headless validator: two browser miners (one runs the OCR model, one is the devnet's
// deliberately bad test miner that answers random words) and one browser validator, each in its
// own fresh browser profile. The validator tab must score them, commit weights that the chain
// reveals, and the chain's epoch must then rank the bad miner last.
test.describe.configure({ mode: 'serial' })

let stack: Stack
let api: ApiPromise

test.beforeAll(async () => {
  stack = await startStack({ port: 0, services: { validator: false }, devnet: { blockTimeMs: 2000 } })
  api = await ApiPromise.create({ provider: new WsProvider(stack.devnet!.url), noInitWarn: true })
})
test.afterAll(async () => {
  await api?.disconnect()
  await stack?.stop()
})

async function weightsOf(validatorUid: number): Promise<Map<number, number>> {
  const row = (await api.query['subtensorModule']!['weights']!(1, validatorUid)) as unknown as Array<[{ toNumber(): number }, { toNumber(): number }]>
  return new Map(row.map(([uid, w]) => [uid.toNumber(), w.toNumber()]))
}

/** The number in column `col` of the row whose first cell is `uid`, in the table with `testId`. */
async function cell(page: Page, testId: string, uid: number, col: number): Promise<number> {
  const row = page.getByTestId(testId).locator('tbody tr').filter({ has: page.locator(`td:first-child:text-is("${uid}")`) })
  if ((await row.count()) !== 1) return Number.NaN
  return Number((await row.locator('td').nth(col).textContent())?.trim())
}

async function startMiner(page: Page, url: string): Promise<number> {
  await page.goto(url)
  await page.getByRole('button', { name: 'Start mining' }).click()
  await expect(page.getByTestId('miner-phase')).toContainText('Mining', { timeout: 240_000 })
  const uid = Number(await page.getByTestId('uid').textContent())
  expect(Number.isInteger(uid)).toBe(true)
  return uid
}

test('two browser miners and a browser validator: the weights and the epoch rank the random-answer miner last', async ({ browser }) => {
  test.setTimeout(600_000)
  const [goodCtx, badCtx, valCtx] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()])
  try {
    const good = await goodCtx.newPage()
    const bad = await badCtx.newPage()
    const val = await valCtx.newPage()

    // The validator first: it registers, stakes from the devnet faucet and waits for its permit
    // (the next epoch) while the miners start.
    await val.goto(stack.url)
    await val.getByRole('tab', { name: 'Validator' }).click()
    await expect(val.getByTestId('validator-phase')).toContainText('Not validating')
    await val.getByRole('button', { name: 'Start validating' }).click()

    const [goodUid, badUid] = await Promise.all([startMiner(good, stack.url), startMiner(bad, `${stack.url}?test-miner=random`)])
    expect(goodUid).not.toBe(badUid)
    await expect(good.getByTestId('miner-phase')).toContainText(/runs on (WebGPU|WASM)/, { timeout: 120_000 })
    await expect(bad.getByTestId('miner-phase')).toContainText('random answers (devnet test miner)')

    await expect(val.getByTestId('validator-phase')).toContainText('Validating', { timeout: 240_000 })
    const validatorUid = Number(await val.getByTestId('validator-uid').textContent())
    expect([goodUid, badUid]).not.toContain(validatorUid)

    // The tab challenges both miners over the mesh and scores them: the good one above the bad one.
    await expect.poll(async () => Math.min(await cell(val, 'scores-table', goodUid, 5), await cell(val, 'scores-table', badUid, 5)), { timeout: 240_000, intervals: [2000] }).toBeGreaterThanOrEqual(1)
    await expect.poll(async () => (await cell(val, 'scores-table', goodUid, 2)) - (await cell(val, 'scores-table', badUid, 2)), { timeout: 120_000, intervals: [2000] }).toBeGreaterThan(0)

    // Its commit is revealed on chain: the good miner carries weight, more than the bad one.
    await expect.poll(async () => {
      const w = await weightsOf(validatorUid)
      return (w.get(goodUid) ?? 0) > 0 && (w.get(goodUid) ?? 0) > (w.get(badUid) ?? 0)
    }, { timeout: 300_000, intervals: [3000] }).toBe(true)
    await expect(val.getByTestId('commits-table').locator('tbody tr').first()).toBeVisible()

    // The chain's epoch (shown in the same tab's metagraph view) ranks the bad miner last among
    // the two, and the tab's own recomputation of that epoch equals the chain's.
    await expect.poll(async () => (await cell(val, 'validator-table', goodUid, 4)) > (await cell(val, 'validator-table', badUid, 4)), { timeout: 240_000, intervals: [3000] }).toBe(true)
    await expect(val.getByTestId('epoch-check')).toContainText("equal this tab's recomputation", { timeout: 120_000 })

    // The running validator's tables pass axe-core's WCAG 2.1 AA rules too (a11y.spec.ts checks the idle tabs).
    const violations = await axeViolations(val)
    expect(violations).toEqual([])

    // A reload keeps the validator's identity and its commits (IndexedDB), and waits for a click.
    const commitsBefore = await val.getByTestId('commits-table').locator('tbody tr').count()
    await val.reload()
    await val.getByRole('tab', { name: 'Validator' }).click()
    await expect(val.getByTestId('validator-phase')).toContainText('Not validating')
    await expect(val.getByTestId('validator-uid')).toHaveText(String(validatorUid))
    await expect.poll(async () => val.getByTestId('commits-table').locator('tbody tr').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(commitsBefore)
    await val.getByRole('button', { name: 'Start validating' }).click()
    await expect(val.getByTestId('validator-phase')).toContainText('Validating', { timeout: 120_000 })
    await expect(val.getByTestId('validator-uid')).toHaveText(String(validatorUid))
  } finally {
    await Promise.all([goodCtx.close(), badCtx.close(), valCtx.close()])
  }
})
