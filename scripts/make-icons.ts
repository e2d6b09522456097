/**
 * Renders static/icons/*.svg to the PNG sizes the web app manifest lists, in headless Chromium.
 * Run once after changing the SVGs: `npx tsx scripts/make-icons.ts`. The PNGs are committed.
 */
import { chromium } from 'playwright'
import { readFileSync } from 'node:fs'
import { CHROMIUM_ARGS, chromiumPath } from './chromium.ts'

const dir = new URL('../static/icons/', import.meta.url)
const jobs: Array<[string, string, number]> = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
  ['icon.svg', 'apple-touch-icon.png', 180],
]
const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
try {
  for (const [src, out, size] of jobs) {
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    const svg = readFileSync(new URL(src, dir), 'utf8')
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`)
    await page.screenshot({ path: new URL(out, dir).pathname, omitBackground: true })
    await page.close()
  }
} finally {
  await browser.close()
}
