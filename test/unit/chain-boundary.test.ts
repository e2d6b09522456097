// The chain is one room: production code reaches subtensor only through src/wallet's ChainClient.
// Outside src/wallet and src/devnet nothing imports @polkadot/api nor touches an `.api` instance.
// (Until the ESLint boundaries in scripts/boundaries.js carry this rule, this scan guards it.)
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ALLOWED = ['src/wallet/', 'src/devnet/']
/** Test code may keep the stock client (through src/devnet/testing.ts). */
const isTest = (path: string): boolean => /\.test\.ts$|\/test-fixtures\.ts$|\/testing\.ts$|\/testing\//.test(path)

/** Comments and string contents blanked, so a word in prose is not a finding. */
function codeOnly(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
}

/** Findings in one file's text: `line: what`. */
export function chainBoundaryFindings(text: string): string[] {
  const out: string[] = []
  const code = codeOnly(text)
  code.split('\n').forEach((line, i) => {
    if (/['"]@polkadot\/api(\/[^'"]*)?['"]/.test(line)) out.push(`${i + 1}: imports @polkadot/api`)
    const bare = line.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''")
    if (/\.api\b/.test(bare)) out.push(`${i + 1}: uses a raw .api instance`)
  })
  return out
}

function sources(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sources(path))
    else if (/\.(ts|svelte)$/.test(name)) out.push(path)
  }
  return out
}

describe('the chain is one room', () => {
  it('the scan finds a raw @polkadot/api import and .api use (it can fail)', () => {
    expect(chainBoundaryFindings("import { ApiPromise } from '@polkadot/api'\n")).toEqual(['1: imports @polkadot/api'])
    expect(chainBoundaryFindings("const x = 1\nconst { ApiPromise } = await import('@polkadot/api/promise')\n")).toEqual(['2: imports @polkadot/api'])
    expect(chainBoundaryFindings('const api = init.client.api\nawait client.api.query.system.account(a)\n')).toEqual(['1: uses a raw .api instance', '2: uses a raw .api instance'])
    expect(chainBoundaryFindings("// client.api in a comment\n/** see @polkadot/api */\nconst url = 'https://x.api.y'\n")).toEqual([])
  })

  it('production code outside src/wallet and src/devnet never imports @polkadot/api nor uses .api', () => {
    const findings: string[] = []
    for (const path of sources(join(ROOT, 'src'))) {
      const rel = relative(ROOT, path).split('\\').join('/')
      if (ALLOWED.some((p) => rel.startsWith(p)) || isTest(rel)) continue
      for (const f of chainBoundaryFindings(readFileSync(path, 'utf8'))) findings.push(`${rel}:${f}`)
    }
    expect(findings).toEqual([])
  })
})
