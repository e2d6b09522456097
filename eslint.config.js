// `npm run lint`: the house rules that a tool guards (docs/architecture.md shows the map).
//
// 1. Doors. Each folder of src/ is entered only through its door: `index.ts` (browser-safe), or
//    for Node-only code its Node door (`node.ts`, or `node-entry.ts` in p2p). An import that
//    reaches past a door into another folder's file fails the lint, in production code, tests,
//    benches and scripts alike. Inside a folder, files import each other freely.
// 2. Arrows. Some folders may not import others at all (the architecture's forbidden arrows):
//    consensus, p2p and wallet never import ui; gpu knows no keys or network; a task (subnet)
//    knows no transport or chain; roles never import ui; nothing below the app imports the app.
//
// typescript-eslint parses the TypeScript; `npm run lint` (scripts/lint.js) also lints the
// <script> blocks of Svelte components under the same rules.
import tseslint from 'typescript-eslint'
import { FOLDERS, DOORS, FORBIDDEN, TEST_DOORS, TEST_FILES } from './scripts/boundaries.js'

/** A regex (for no-restricted-imports) matching an import of `folder` past its door. */
function pastDoor(folder, tests) {
  const doors = [...DOORS[folder].map((d) => d.replaceAll('.', '\\.')), ...(tests ? TEST_DOORS[folder] ?? [] : [])].join('|')
  // `../x/file.ts`, `../../x/file.ts`, `../../src/x/file.ts`, `../x/sub/file.ts`
  return `^(\\.\\./)+(src/)?${folder}/(?!(${doors})$).+`
}

/** A regex matching any import of `folder` (through its door or not). */
function anyImport(folder) {
  return `^(\\.\\./)+(src/)?${folder}(/.*)?$`
}

function restrictionsFor(self, tests = false) {
  const patterns = []
  for (const folder of FOLDERS) {
    if (folder === self) continue
    const banned = (FORBIDDEN[self] ?? {})[folder]
    if (banned !== undefined) {
      patterns.push({ regex: anyImport(folder), message: `src/${self} may not import src/${folder}: ${banned}` })
    } else {
      patterns.push({
        regex: pastDoor(folder, tests),
        message: `import src/${folder} through its door (${DOORS[folder].join(' or ')}), not past it`,
      })
    }
  }
  const packages = (FORBIDDEN[self] ?? {})['@packages']
  if (packages !== undefined) {
    for (const p of packages.list) patterns.push({ regex: `^${p.replace('/', '\\/')}(/.*)?$`, message: `src/${self} may not import ${p}: ${packages.why}` })
  }
  return { 'no-restricted-imports': ['error', { patterns }] }
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'test-results/**', 'src/p2p/wire.ts', '**/*.svelte'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  // Outside src/ (tests, benches, scripts): doors only.
  { files: ['test/**', 'bench/**', 'scripts/**', 'bin/**', '*.ts', '*.js', 'src/*.ts'], rules: restrictionsFor('(outside)') },
  ...FOLDERS.map((folder) => ({ files: [`src/${folder}/**`], rules: restrictionsFor(folder) })),
  // Tests, benches and harnesses may also use the test doors (fixtures).
  { files: TEST_FILES.filter((f) => !f.startsWith('src/')), ignores: ['src/**'], rules: restrictionsFor('(outside)', true) },
  ...FOLDERS.map((folder) => ({ files: TEST_FILES.map((f) => f.startsWith('src/') ? f.replace('src/**', `src/${folder}/**`) : `src/${folder}/${f}`), rules: restrictionsFor(folder, true) })),
)
