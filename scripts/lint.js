#!/usr/bin/env node
// `npm run lint`: ESLint (eslint.config.js: the doors and forbidden arrows of the architecture)
// over every TypeScript/JavaScript file, and over the <script> blocks of every Svelte component
// (linted as if they were `Component.svelte.ts` beside the component, so the same folder rules
// apply); import circles; and the folder import map of docs/architecture.md (scripts/import-map.js).
// Exits non-zero on any error.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { spawnSync } from 'node:child_process'
import { ESLint } from 'eslint'

function* svelteFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* svelteFiles(p)
    else if (e.name.endsWith('.svelte')) yield p
  }
}

/** The <script> blocks of a component, with the lines before them blanked so positions hold. */
function scriptsOf(source) {
  const out = source.split('\n').map(() => '')
  for (const m of source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    const startLine = source.slice(0, m.index + m[0].indexOf('>') + 1).split('\n').length - 1
    m[1].split('\n').forEach((line, k) => { out[startLine + k] = (k === 0 ? ' '.repeat(0) : '') + line })
  }
  return out.join('\n')
}

const eslint = new ESLint()
const results = await eslint.lintFiles(['.'])
for (const file of svelteFiles('src')) {
  const [r] = await eslint.lintText(scriptsOf(readFileSync(file, 'utf8')), { filePath: `${file}.ts` })
  if (r !== undefined) results.push({ ...r, filePath: file })
}

// Circles: no file of src/ may reach itself through its imports (type-only imports included,
// since they too say which module knows which).
function* sourceFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* sourceFiles(p)
    else if (/\.(ts|svelte)$/.test(e.name) && !/\.(test|browser\.test)\.ts$/.test(e.name)) yield p
  }
}
const graph = new Map()
for (const file of sourceFiles('src')) {
  const text = readFileSync(file, 'utf8')
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g), // static
    ...text.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g), // dynamic
  ]
  const deps = specs.map((m) => normalize(join(dirname(file), m[1])))
  graph.set(file, deps)
}
const circles = []
const state = new Map() // 1 = on the stack, 2 = done
const stack = []
function visit(f) {
  state.set(f, 1)
  stack.push(f)
  for (const d of graph.get(f) ?? []) {
    if (!graph.has(d)) continue
    if (state.get(d) === 1) circles.push([...stack.slice(stack.indexOf(d)), d])
    else if (state.get(d) === undefined) visit(d)
  }
  stack.pop()
  state.set(f, 2)
}
for (const f of graph.keys()) if (state.get(f) === undefined) visit(f)
const seen = new Set()
for (const c of circles) {
  const key = [...new Set(c)].sort().join('|')
  if (seen.has(key)) continue
  seen.add(key)
  results.push({ filePath: c[0], errorCount: 1, warningCount: 0, fatalErrorCount: 0, fixableErrorCount: 0, fixableWarningCount: 0, messages: [{ ruleId: 'no-circular-imports', severity: 2, line: 1, column: 1, message: `import circle: ${c.join(' -> ')}` }] })
}

// Folder circles: src/a importing src/b while src/b imports src/a (static or dynamic imports).
const folderOf = (f) => f.split('/')[1]
const folderEdges = new Map()
for (const [f, deps] of graph) {
  for (const d of deps) {
    if (!d.startsWith('src/') || folderOf(d) === folderOf(f) || !graph.has(d)) continue
    const key = `${folderOf(f)} -> ${folderOf(d)}`
    if (!folderEdges.has(key)) folderEdges.set(key, `${f} -> ${d}`)
  }
}
for (const [key, example] of folderEdges) {
  const [a, b] = key.split(' -> ')
  const back = folderEdges.get(`${b} -> ${a}`)
  if (back === undefined || a > b) continue
  results.push({ filePath: example.split(' -> ')[0], errorCount: 1, warningCount: 0, fatalErrorCount: 0, fixableErrorCount: 0, fixableWarningCount: 0, messages: [{ ruleId: 'no-circular-imports', severity: 2, line: 1, column: 1, message: `folder circle: src/${a} and src/${b} import each other (${example}; ${back})` }] })
}

// The map: docs/architecture.md's folder import graph must match the real imports
// (scripts/import-map.js prints it; --check compares).
const mapCheck = spawnSync(process.execPath, ['scripts/import-map.js', '--check'], { encoding: 'utf8' })
if (mapCheck.status !== 0) {
  results.push({ filePath: 'docs/architecture.md', errorCount: 1, warningCount: 0, fatalErrorCount: 0, fixableErrorCount: 0, fixableWarningCount: 0, messages: [{ ruleId: 'import-map', severity: 2, line: 1, column: 1, message: (mapCheck.stderr || mapCheck.stdout).trim() }] })
}

const formatter = await eslint.loadFormatter('stylish')
const text = await formatter.format(results)
if (text !== '') console.log(text)
const errors = results.reduce((n, r) => n + r.errorCount, 0)
console.log(errors === 0 ? `lint: ${results.length} files, no errors` : `lint: ${errors} error(s)`)
process.exit(errors === 0 ? 0 : 1)
