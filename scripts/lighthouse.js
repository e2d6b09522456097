#!/usr/bin/env node
// `npm run lighthouse`: builds nothing; serves dist/ with the same stack `npm start` uses and runs
// Lighthouse (Debian Chromium) on it. Prints the category scores and the installability audits
// (valid manifest, service worker with a fetch handler), and writes reports/lighthouse.json.
// Exit code 1 if the app is not installable.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { register } from 'tsx/esm/api'

register()
const { startStack } = await import('../src/server/stack.ts')
const { CHROMIUM_ARGS, chromiumPath } = await import('./chromium.ts')

const stack = await startStack({ port: 0 })
const profile = mkdtempSync(join(tmpdir(), 'webtensor-lh-'))
mkdirSync('reports', { recursive: true })
try {
  const flags = ['--headless=new', ...CHROMIUM_ARGS, `--user-data-dir=${profile}`].join(' ')
  const r = spawnSync('npx', ['lighthouse', stack.url, '--quiet', '--output=json', '--output-path=reports/lighthouse.json',
    `--chrome-flags=${flags}`, '--only-categories=performance,accessibility,best-practices,seo', '--form-factor=desktop', '--screenEmulation.disabled', '--throttling-method=provided', '--max-wait-for-load=90000'],
  { stdio: 'inherit', env: { ...process.env, CHROME_PATH: chromiumPath() } })
  if (r.status !== 0) throw new Error(`lighthouse exited ${r.status}`)
  const lhr = JSON.parse(readFileSync('reports/lighthouse.json', 'utf8'))
  console.log(`Lighthouse ${lhr.lighthouseVersion} on ${lhr.finalDisplayedUrl} (Chromium ${lhr.environment?.hostUserAgent?.match(/Chrome\/([\d.]+)/)?.[1] ?? '?'})`)
  for (const [id, c] of Object.entries(lhr.categories)) console.log(`  ${id.padEnd(16)} ${c.score === null ? 'n/a' : Math.round(c.score * 100)}`)
  const installable = lhr.audits['installable-manifest']
  const sw = lhr.audits['service-worker']
  console.log(`  installable-manifest: ${installable?.score === 1 ? 'pass' : 'FAIL'}${installable?.score === 1 ? '' : ' ' + JSON.stringify(installable?.details?.items ?? installable?.explanation)}`)
  console.log(`  service-worker:       ${sw?.score === 1 ? 'pass' : 'FAIL'}${sw?.score === 1 ? '' : ' ' + (sw?.explanation ?? '')}`)
  process.exitCode = installable?.score === 1 && sw?.score === 1 ? 0 : 1
} finally {
  await stack.stop()
  rmSync(profile, { recursive: true, force: true })
}
