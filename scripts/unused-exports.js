#!/usr/bin/env node
// `node scripts/unused-exports.js [--types] [src/x/index.ts,...]`: the exports of each folder's
// door(s) (scripts/boundaries.js DOORS) that no file outside the folder imports: production code,
// tests, benches, scripts and Svelte components, static and dynamic imports (a namespace or dynamic
// import counts every export its file names). Values only, unless --types. Each name is followed by
// [n] and the first files (doors left out) that mention it: [1] with only the defining file, or
// [0], means the implementation is used nowhere else either. A door that re-exports another
// (`export * from './index.ts'`) answers for its own names only. Prints nothing when every door
// export is used.
import ts from 'typescript'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { DOORS, FOLDERS } from './boundaries.js'

const root = process.cwd()
const doorFiles = []
for (const f of FOLDERS) for (const d of DOORS[f]) if (/\.ts$/.test(d) && existsSync(`src/${f}/${d}`)) doorFiles.push(`src/${f}/${d}`)

// exports per door via the checker
const program = ts.createProgram(doorFiles.map((f) => join(root, f)), { allowImportingTsExtensions: true, noEmit: true, module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler, allowJs: true, skipLibCheck: true })
const checker = program.getTypeChecker()
const exportsOf = new Map()
const isValue = new Set()
for (const f of doorFiles) {
  const sf = program.getSourceFile(join(root, f))
  const sym = checker.getSymbolAtLocation(sf)
  const ex = sym ? checker.getExportsOfModule(sym) : []
  exportsOf.set(f, ex.map((s) => s.name))
  for (const s of ex) { const t = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s; if (t.flags & ts.SymbolFlags.Value) isValue.add(`${f}:${s.name}`) }
}

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', 'reports', 'test-results'].includes(e.name)) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* files(p)
    else if (/\.(ts|js|mjs|svelte)$/.test(e.name)) yield p
  }
}
const used = new Map(doorFiles.map((f) => [f, new Set()]))
const allUsed = new Set()
const folderOf = (f) => f.startsWith('src/') ? f.split('/')[1] : null
// re-export door chains: ui/browser.ts re-exports ui/index.ts (same folder, so uses via browser count for index)
for (const file of files('.')) {
  const rel = relative(root, file)
  let text = readFileSync(file, 'utf8')
  if (file.endsWith('.svelte')) text = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n')
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const resolve = (spec) => normalize(join(dirname(rel), spec))
  const mark = (target, names) => {
    if (!used.has(target)) return
    if (folderOf(rel) === folderOf(target)) return
    for (const n of names) used.get(target).add(n)
  }
  const wordsUse = (target) => { // namespace or dynamic: any exported name appearing as a word
    if (!used.has(target)) return
    for (const n of exportsOf.get(target)) if (new RegExp(`\\b${n}\\b`).test(text)) mark(target, [n])
  }
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text.startsWith('.')) {
      const target = resolve(node.moduleSpecifier.text)
      if (ts.isImportDeclaration(node)) {
        const c = node.importClause
        if (c?.namedBindings && ts.isNamespaceImport(c.namedBindings)) wordsUse(target)
        else if (c?.namedBindings) mark(target, c.namedBindings.elements.map((e) => (e.propertyName ?? e.name).text))
        if (c?.name) mark(target, ['default'])
      } else {
        if (!node.exportClause) { if (used.has(target) && folderOf(rel) !== folderOf(target)) allUsed.add(target) }
        else if (ts.isNamedExports(node.exportClause)) mark(target, node.exportClause.elements.map((e) => (e.propertyName ?? e.name).text))
        else allUsed.add(target)
      }
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0]) && node.arguments[0].text.startsWith('.')) wordsUse(resolve(node.arguments[0].text))
    // vi.mock('path') etc: string literal pointing at a door → words
    if (ts.isStringLiteral(node) && node.text.startsWith('.') && /\.ts$/.test(node.text) && !(node.parent && (ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent)))) wordsUse(resolve(node.text))
    ts.forEachChild(node, visit)
  }
  visit(sf)
}
// a same-folder door re-exporting another door: uses of the outer count for the inner
for (const f of doorFiles) {
  const text = readFileSync(f, 'utf8')
  for (const m of text.matchAll(/export \* from '(\.\/[^']+)'/g)) {
    const inner = normalize(join(dirname(f), m[1]))
    if (used.has(inner)) for (const n of used.get(f)) used.get(inner).add(n)
  }
}
const inherited = new Map()
for (const f of doorFiles) {
  const text = readFileSync(f, 'utf8')
  for (const m of text.matchAll(/export \* from '(\.\/[^']+)'/g)) {
    const inner = normalize(join(dirname(f), m[1]))
    inherited.set(f, new Set(exportsOf.get(inner) ?? []))
  }
}
const onlyArg = process.argv.slice(2).find((a) => !a.startsWith('--'))
const only = onlyArg ? onlyArg.split(',') : null
const all = [...files('.')].map((f) => [relative(root, f), readFileSync(f, 'utf8')])
for (const f of doorFiles) {
  if (allUsed.has(f) || (only && !only.includes(f))) continue
  const dead = exportsOf.get(f).filter((n) => !used.get(f).has(n) && !(inherited.get(f)?.has(n)) && (process.argv.includes('--types') || isValue.has(`${f}:${n}`)))
  if (!dead.length) continue
  console.log(`${f}:`)
  for (const n of dead) {
    const re = new RegExp(`\\b${n}\\b`)
    const where = all.filter(([p, t]) => !doorFiles.includes(p) && re.test(t)).map(([p]) => p)
    console.log(`  ${n}  [${where.length}] ${where.slice(0, 4).join(' ')}`)
  }
}
