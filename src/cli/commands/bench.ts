/**
 * `webtensor bench [NAME...]`: runs the benchmark modules in bench/ (each `bench/<name>.bench.ts`
 * exports `run(): Promise<void>` and prints its own figures beside its anchor, measured in the
 * same run). Without names it runs all of them in alphabetical order.
 */
import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { join } from 'node:path'

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: webtensor bench [NAME...]\n\nRuns bench/<NAME>.bench.ts (all when no NAME is given).')
    return 0
  }
  const dir = fileURLToPath(new URL('../../../bench/', import.meta.url))
  const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length)).sort()
  const chosen = argv.length > 0 ? argv : all
  for (const name of chosen) {
    if (!all.includes(name)) {
      console.error(`webtensor bench: no benchmark '${name}' (have: ${all.join(', ') || 'none'})`)
      return 2
    }
  }
  for (const name of chosen) {
    console.log(`\n=== bench: ${name} ===`)
    const mod = (await import(pathToFileURL(join(dir, `${name}.bench.ts`)).href)) as { run: () => Promise<void> }
    await mod.run()
  }
  return 0
}
