import type { Page } from '@playwright/test'
import { test, expect } from './fixtures.ts'
import { axeViolations } from './axe.ts'

// Accessibility of every dashboard tab, checked by axe-core (WCAG 2.1 A/AA rules: labels, names,
// roles, colour contrast) inside real Chromium, at desktop and phone sizes; the page never
// scrolls sideways on a phone (wide tables scroll inside their own box); the tabs work from the
// keyboard.
const TABS = ['Miner', 'Validator', 'Storage', 'Device'] as const

async function openTab(page: Page, name: (typeof TABS)[number]): Promise<void> {
  await page.getByRole('tab', { name }).click()
  await expect(page.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true')
  // The Validator tab reads the devnet's metagraph: scan it with its table shown.
  if (name === 'Validator') await expect(page.getByTestId('validator-table')).toBeVisible({ timeout: 60_000 })
}

for (const viewport of [{ width: 1280, height: 800, label: 'desktop' }, { width: 375, height: 740, label: 'phone' }]) {
  test(`every tab passes axe-core's WCAG 2.1 AA rules (${viewport.label})`, async ({ page, stack }) => {
    await page.setViewportSize(viewport)
    await page.goto(stack.url)
    await expect(page.getByRole('button', { name: 'Start mining' })).toBeVisible()
    for (const name of TABS) {
      await openTab(page, name)
      expect(await axeViolations(page), `${name} tab`).toEqual([])
      if (viewport.label === 'phone') {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        expect(overflow, `${name} tab scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0)
      }
    }
  })
}

test('the tabs work from the keyboard', async ({ page, stack }) => {
  await page.goto(stack.url)
  await page.getByRole('tab', { name: 'Miner' }).focus()
  await page.keyboard.press('ArrowRight')
  await expect(page.getByRole('tab', { name: 'Validator' })).toBeFocused()
  await expect(page.getByRole('tab', { name: 'Validator' })).toHaveAttribute('aria-selected', 'true')
  await expect(page.getByRole('button', { name: 'Start validating' })).toBeVisible()
  await page.keyboard.press('ArrowLeft')
  await page.keyboard.press('ArrowLeft')
  await expect(page.getByRole('tab', { name: 'Device' })).toBeFocused()
  await expect(page.getByRole('tabpanel', { name: 'Device' })).toBeVisible()
  // Tab moves from the selected tab into the panel's controls.
  await page.getByRole('tab', { name: 'Miner' }).click()
  await page.getByRole('tab', { name: 'Miner' }).focus()
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Start mining' })).toBeFocused()
})
