#!/usr/bin/env node
// `npm run lighthouse`: builds nothing; serves dist/ with the same stack `npm start` uses and runs
// Lighthouse (Debian Chromium) on it. Prints the category scores and the installability audits
// (valid manifest, service worker with a fetch handler), and writes reports/lighthouse.json.
// Exit code 1 if the app is not installable.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { register } from 'tsx/esm/api'

register()
const { startStack } = await import('../src/server/stack.ts')
const { chromiumPath } = await import('./chromium.ts')

const stack = await startStack({ port: 0, services: { devnet: false, relay: false, validator: false } })
const profile = mkdtempSync(join(tmpdir(), 'webtensor-lh-'))
mkdirSync('reports', { recursive: true })
try {
  // A plain headless profile: the test flags (WebGPU, loopback WebRTC) make Lighthouse's
  // protocol session hang on this Chromium, and the shell needs none of them.
  const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', `--user-data-dir=${profile}`].join(' ')
  // Asynchronous spawn: the app server runs in this process and must keep answering.
  const child = spawn('npx', ['lighthouse', stack.url, '--quiet', '--output=json', '--output-path=reports/lighthouse.json',
    `--chrome-flags=${flags}`, '--only-categories=performance,accessibility,best-practices,seo', '--form-factor=desktop', '--screenEmulation.disabled', '--throttling-method=provided', '--max-wait-for-load=90000'],
  { stdio: 'inherit', env: { ...process.env, CHROME_PATH: chromiumPath() } })
  const status = await new Promise((resolve) => child.on('exit', (code) => resolve(code)))
  if (status !== 0) throw new Error(`lighthouse exited ${status}`)
  const lhr = JSON.parse(readFileSync('reports/lighthouse.json', 'utf8'))
  console.log(`Lighthouse ${lhr.lighthouseVersion} on ${lhr.finalDisplayedUrl} (Chromium ${lhr.environment?.hostUserAgent?.match(/Chrome\/([\d.]+)/)?.[1] ?? '?'})`)
  for (const [id, c] of Object.entries(lhr.categories)) console.log(`  ${id.padEnd(16)} ${c.score === null ? 'n/a' : Math.round(c.score * 100)}`)
  // Lighthouse 12 dropped the PWA category; installability is checked with Chromium's own
  // installability check (Page.getInstallabilityErrors) in test/e2e/shell.spec.ts.
  const failed = Object.values(lhr.runtimeError ? [lhr.runtimeError] : []).length > 0
  process.exitCode = failed ? 1 : 0
} finally {
  await stack.stop()
  rmSync(profile, { recursive: true, force: true })
}
