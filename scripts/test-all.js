#!/usr/bin/env node
// `npm test`: the house rules first (`npm run lint`: doors, forbidden arrows, import circles),
// then every tier, in order: build, unit (Node), browser (real Chromium + WebGPU), end-to-end
// (Playwright against the built app). A lint failure fails the run; the tiers still run. Each tier writes a JSON report; a tier that
// ran zero tests fails the run as loudly as a failing test does.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const tiers = [
  { name: 'unit', cmd: ['npx', 'vitest', 'run', '--project', 'unit', '--reporter=default', '--reporter=json', '--outputFile.json=reports/unit.json'], report: 'reports/unit.json' },
  { name: 'browser', cmd: ['npx', 'vitest', 'run', '--project', 'browser', '--reporter=default', '--reporter=json', '--outputFile.json=reports/browser.json'], report: 'reports/browser.json' },
  { name: 'e2e', cmd: ['npx', 'playwright', 'test'], report: 'reports/e2e.json' },
  // Opt-in: only where WEBTENSOR_REAL_RUNTIME names a subtensor runtime (README "Against a real subtensor").
  { name: 'real-runtime', optIn: 'WEBTENSOR_REAL_RUNTIME', cmd: ['npx', 'vitest', 'run', '--project', 'real-runtime', '--reporter=default', '--reporter=json', '--outputFile.json=reports/real-runtime.json'], report: 'reports/real-runtime.json' },
]
const only = process.argv.slice(2)

function sh(cmd) {
  const t0 = Date.now()
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: process.env })
  return { status: r.status ?? 1, seconds: (Date.now() - t0) / 1000 }
}

function counts(tier) {
  if (!existsSync(tier.report)) return { total: 0, passed: 0, failed: 0 }
  const j = JSON.parse(readFileSync(tier.report, 'utf8'))
  if (tier.name === 'e2e') {
    const s = j.stats ?? {}
    return { total: (s.expected ?? 0) + (s.unexpected ?? 0) + (s.flaky ?? 0), passed: (s.expected ?? 0) + (s.flaky ?? 0), failed: s.unexpected ?? 0 }
  }
  return { total: j.numTotalTests ?? 0, passed: j.numPassedTests ?? 0, failed: (j.numFailedTests ?? 0) }
}

// The names of a tier's failed tests and the first lines of each message, so that the summary (often all a
// CI log keeps) says which test failed and why.
function failures(tier) {
  if (!existsSync(tier.report)) return []
  const j = JSON.parse(readFileSync(tier.report, 'utf8'))
  const out = []
  const head = (msg) => String(msg ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').filter((l) => l.trim() !== '' && !l.includes('node_modules')).slice(0, 4).map((l) => `      ${l.slice(0, 240)}`).join('\n')
  if (tier.name === 'e2e') {
    const walk = (suite, file) => {
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          if (t.status !== 'unexpected') continue
          const last = (t.results ?? []).at(-1)
          out.push(`    ${spec.file ?? file}: ${spec.title}\n${head(last?.error?.message)}`)
        }
      }
      for (const s of suite.suites ?? []) walk(s, s.file ?? file)
    }
    for (const s of j.suites ?? []) walk(s, s.file)
    return out
  }
  for (const file of j.testResults ?? []) {
    const name = String(file.name ?? '').replace(process.cwd() + '/', '')
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed')
    for (const a of failed) out.push(`    ${name}: ${a.fullName ?? a.title}\n${head((a.failureMessages ?? [])[0])}`)
    if (failed.length === 0 && file.status === 'failed') out.push(`    ${name}: the file failed outside any test\n${head(file.message)}`)
  }
  return out
}

rmSync('reports', { recursive: true, force: true })
mkdirSync('reports', { recursive: true })
console.log('\n### lint')
const lint = sh(['node', 'scripts/lint.js'])
console.log('\n### build')
const build = sh(['npx', 'vite', 'build'])
if (build.status !== 0) {
  console.error('build failed')
  process.exit(1)
}
const summary = [`${lint.status === 0 ? 'ok  ' : 'FAIL'} lint     doors, arrows, circles  (${lint.seconds.toFixed(0)} s, exit ${lint.status})`]
let ok = lint.status === 0
for (const tier of tiers) {
  if (only.length > 0 && !only.includes(tier.name)) continue
  if (tier.optIn !== undefined && !process.env[tier.optIn]) {
    console.log(`\n### tier: ${tier.name} SKIPPED (set ${tier.optIn} to run it)`)
    summary.push(`skip ${tier.name.padEnd(8)} SKIPPED: ${tier.optIn} not set (neither pass nor fail)`)
    continue
  }
  console.log(`\n### tier: ${tier.name}`)
  const r = sh(tier.cmd)
  const c = counts(tier)
  const tierOk = r.status === 0 && c.total > 0 && c.failed === 0
  if (c.total === 0) console.error(`\n!!! tier '${tier.name}' ran ZERO tests: that is a failure`)
  ok &&= tierOk
  summary.push(`${tierOk ? 'ok  ' : 'FAIL'} ${tier.name.padEnd(8)} ${String(c.passed).padStart(4)}/${c.total} passed  (${r.seconds.toFixed(0)} s, exit ${r.status})`)
  if (!tierOk) summary.push(...failures(tier))
}
console.log(`\n### summary\n${summary.join('\n')}`)
process.exit(ok ? 0 : 1)
