#!/usr/bin/env node
// `node scripts/import-map.js`: the folder-level import graph of src/ (production code: tests and
// test fixtures left out), read from the real imports the same way scripts/lint.js finds circles
// (static and dynamic relative imports of .ts and .svelte files). Prints a Mermaid flowchart and,
// per folder, the folders it imports; docs/architecture.md shows its output. `--check` compares it
// with the block in docs/architecture.md and exits 1 when the page is stale.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { FOLDERS } from './boundaries.js'

function* sourceFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* sourceFiles(p)
    else if (/\.(ts|svelte)$/.test(e.name) && !/\.(test|browser\.test)\.ts$/.test(e.name) && !/^(testing|test-fixtures)\.ts$/.test(e.name)) yield p
  }
}

/** 'src/ui/x.ts' → 'ui'; 'src/main.ts' → 'main.ts'. */
const folderOf = (f) => f.split('/')[1]
const nodes = ['main.ts', ...FOLDERS]

for (const e of readdirSync('src', { withFileTypes: true })) {
  if (e.isDirectory() && !FOLDERS.includes(e.name)) throw new Error(`src/${e.name} is not in scripts/boundaries.js FOLDERS`)
}

const edges = new Map() // from → Set(to)
for (const file of sourceFiles('src')) {
  const text = readFileSync(file, 'utf8')
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g),
    ...text.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
    ...text.matchAll(/import\s+['"](\.{1,2}\/[^'"]+)['"]/g), // side-effect imports
  ]
  const from = folderOf(file)
  for (const m of specs) {
    const target = normalize(join(dirname(file), m[1]))
    if (!target.startsWith('src/')) continue
    const to = folderOf(target)
    if (to === from || !nodes.includes(to)) continue
    if (!edges.has(from)) edges.set(from, new Set())
    edges.get(from).add(to)
  }
}

const lines = ['```mermaid', 'flowchart TD']
for (const n of nodes) lines.push(`  ${n.replace('.', '_')}["${n === 'main.ts' ? 'src/main.ts' : n}"]`)
for (const from of nodes) {
  for (const to of [...(edges.get(from) ?? [])].sort()) lines.push(`  ${from.replace('.', '_')} --> ${to.replace('.', '_')}`)
}
lines.push('```', '', '| folder | imports |', '|---|---|')
for (const from of nodes) {
  const to = [...(edges.get(from) ?? [])].sort()
  lines.push(`| ${from === 'main.ts' ? '`src/main.ts`' : `\`${from}\``} | ${to.length === 0 ? '(no other folder)' : to.join(', ')} |`)
}
const out = lines.join('\n')

if (process.argv.includes('--check')) {
  const page = readFileSync('docs/architecture.md', 'utf8')
  const m = page.match(/<!-- import-map:start -->\n([\s\S]*?)\n<!-- import-map:end -->/)
  if (m === null || m[1] !== out) {
    console.error('docs/architecture.md: the import map is stale; paste the output of `node scripts/import-map.js` between the import-map markers')
    process.exit(1)
  }
  console.log('import map: docs/architecture.md is current')
} else {
  console.log(out)
}
