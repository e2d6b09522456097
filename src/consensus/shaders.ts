/**
 * WGSL sources of the epoch kernels. Under Vite (app build, Vitest unit and browser projects) the
 * `.wgsl` files are inlined by `import.meta.glob(..., { query: '?raw' })`; under plain Node/tsx
 * (the CLI, benchmarks) `import.meta.glob` does not exist and the files are read from disk.
 */

/** The passes in dispatch order; each is one `.wgsl` file with one `main` entry point. */
export const PASSES = ['stake', 'weights', 'consensus', 'clip', 'columns', 'ema', 'ema-columns', 'emission'] as const

/** A pass name. */
export type PassName = (typeof PASSES)[number]

function viaVite(): Record<string, string> | undefined {
  try {
    const mods = import.meta.glob('./wgsl/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>
    const out: Record<string, string> = {}
    for (const [path, text] of Object.entries(mods)) out[path.replace('./wgsl/', '').replace('.wgsl', '')] = text
    return out
  } catch {
    return undefined // not under Vite
  }
}

function viaFs(): Record<string, string> {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule
  if (getBuiltin === undefined) throw new Error('WGSL sources unavailable: neither Vite nor node:fs')
  const fs = getBuiltin('node:fs') as { readFileSync(p: URL, enc: 'utf8'): string }
  const out: Record<string, string> = {}
  for (const name of ['common', 'helpers-check', ...PASSES]) out[name] = fs.readFileSync(new URL(`./wgsl/${name}.wgsl`, import.meta.url), 'utf8')
  return out
}

let cache: Record<string, string> | undefined

/** The full source of one pass: common.wgsl followed by the pass file. */
export function passSource(name: PassName | 'helpers-check'): string {
  cache ??= viaVite() ?? viaFs()
  const common = cache['common']
  const body = cache[name]
  if (common === undefined || body === undefined) throw new Error(`WGSL source missing: ${name}`)
  return `${common}\n${body}`
}
