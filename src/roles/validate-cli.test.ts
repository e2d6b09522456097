/**
 * `webtensor validate` as an operator runs it: a child process against a real devnet and relay,
 * registering and staking its hotkey with //Alice, validating, and stopping on SIGINT; bad input
 * is refused with a message and exit 2 before anything starts.
 */
import { spawn, spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { startRelay, type Relay } from '../p2p/node-entry.ts'

let devnet: Devnet
let relay: Relay

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 300 })
  relay = await startRelay({ port: 0, netuids: [1] })
}, 60_000)

afterAll(async () => {
  await relay?.stop()
  await devnet?.stop()
})

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/webtensor.js', 'validate', ...args], { encoding: 'utf8' })

describe('webtensor validate', () => {
  it('refuses missing or bad arguments with exit 2, naming the problem', () => {
    const relayAddr = relay.multiaddrs[0]!
    const cases: Array<[string[], string]> = [
      [['--relay', relayAddr, '--netuid', '1', '--dev-account', '//Alice'], '--chain'],
      [['--chain', devnet.url, '--netuid', '1', '--dev-account', '//Alice'], '--relay'],
      [['--chain', devnet.url, '--relay', '/ip4/127.0.0.1/tcp/1/ws', '--netuid', '1', '--dev-account', '//Alice'], '/p2p/'],
      [['--chain', devnet.url, '--relay', relayAddr, '--netuid', '70000', '--dev-account', '//Alice'], '--netuid'],
      [['--chain', devnet.url, '--relay', relayAddr, '--netuid', '1'], '--dev-account'],
      [['--chain', devnet.url, '--relay', relayAddr, '--netuid', '1', '--dev-account', 'Alice'], '//Alice'],
      [['--chain', devnet.url, '--relay', relayAddr, '--netuid', '1', '--keystore', '/nonexistent.json'], '--keystore'],
      [['--chain', devnet.url, '--relay', relayAddr, '--netuid', '1', '--dev-account', '//Alice', '--task', 'nope'], "--task: unknown task 'nope' (known: ocr, textdet)"],
    ]
    for (const [args, mention] of cases) {
      const r = cli(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr).toContain(mention)
      expect(r.stdout).toBe('')
    }
    const help = cli('--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('--dev-account')
  })

  it('registers, stakes, gets a permit, validates, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, ['bin/webtensor.js', 'validate', '--chain', devnet.url, '--relay', relay.multiaddrs[0]!, '--netuid', '1', '--dev-account', '//Alice', '--round-ms', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('validator ready')) resolve() })
        child.on('exit', (code) => reject(new Error(`validate exited early with ${code}: ${out}`)))
      })
      expect(out).toMatch(/registered hotkey \w+ as uid \d+/)
      expect(out).toMatch(/staking \d+ rao/)
      expect(out).toMatch(/validating subnet 1 as uid \d+/)
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      child.kill('SIGINT')
      expect(await exit).toBe(0)
      expect(out).toContain('stopping')
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 120_000)
})
