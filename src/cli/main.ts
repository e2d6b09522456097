/**
 * The `webtensor` command-line entry: a table of subcommands, each in its own module under
 * `./commands/`, loaded only when invoked so `--help` stays instant.
 */

/** What every subcommand module exports. */
export interface CommandModule {
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>
}

interface CommandEntry {
  summary: string
  load: () => Promise<CommandModule>
}

/** The subcommands, in the order `--help` lists them. */
export const commands: Record<string, CommandEntry> = {
  start: { summary: 'build the app and run the whole local stack (devnet, relay, validator, app); prints the URL', load: () => import('./commands/start.ts') },
  devnet: { summary: 'run the local subtensor emulator (JSON-RPC on ws://127.0.0.1)', load: () => import('./commands/devnet.ts') },
  relay: { summary: 'run the libp2p circuit-relay-v2 server and mesh bootstrap', load: () => import('./commands/relay.ts') },
  validate: { summary: 'run a headless validator (challenges miners, scores, commits weights)', load: () => import('./commands/validate.ts') },
  yuma: { summary: 'run Yuma Consensus epochs on a JSON input (CPU or WebGPU), print the output', load: () => import('./commands/yuma.ts') },
  weights: { summary: 'commit, reveal and inspect weights on a chain (commit-reveal v2/v4)', load: () => import('./commands/weights.ts') },
  tle: { summary: 'timelock encryption to drand quicknet: encrypt, decrypt, verify', load: () => import('./commands/tle.ts') },
  ocr: { summary: 'the OCR subnet task: make challenges, solve images', load: () => import('./commands/ocr.ts') },
  bench: { summary: 'run the benchmarks and print figures against their anchors', load: () => import('./commands/bench.ts') },
}

/** The top-level help text. */
function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return [
    'usage: webtensor <command> [options]',
    '',
    'Mine and validate on Bittensor from a browser tab.',
    '',
    'commands:',
    ...lines,
    '',
    'Run `webtensor <command> --help` for the options of one command.',
  ].join('\n')
}

/** Parses the command name and dispatches; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText())
    return name === undefined ? 1 : 0
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs')
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    console.log(pkg.version)
    return 0
  }
  const entry = commands[name]
  if (entry === undefined) {
    console.error(`webtensor: unknown command '${name}'\n\n${helpText()}`)
    return 2
  }
  try {
    const mod = await entry.load()
    return await mod.run(rest)
  } catch (err) {
    console.error(`webtensor ${name}: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  }
}
