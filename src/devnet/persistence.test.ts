/**
 * `webtensor devnet --state FILE` as a child process: state survives `kill -9` and a restart
 * continues from the same head, genesis and balances; the state file is written atomically.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hexToU8a } from '@polkadot/util'
import { afterAll, describe, expect, it } from 'vitest'
import { ChainCodec } from './codec.ts'
import { devPair } from './genesis.ts'

const BIN = new URL('../../bin/webtensor.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'webtensor-devnet-'))
const stateFile = join(dir, 'chain.json')
const children = new Set<ChildProcess>()

afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** Starts the CLI and resolves with its HTTP URL once it prints the listening line. */
function startCli(): Promise<{ child: ChildProcess; http: string }> {
  const child = spawn(process.execPath, [BIN, 'devnet', '--port', '0', '--state', stateFile, '--block-time', '150', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve({ child, http: m[1]! })
    })
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => reject(new Error(`devnet exited early (${code}): ${err}`)))
  })
}

async function rpc<T>(http: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(http, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const body = (await res.json()) as { result: T; error?: { message: string } }
  if (body.error !== undefined) throw new Error(body.error.message)
  return body.result
}

async function bestNumber(http: string): Promise<number> {
  return Number((await rpc<{ number: string }>(http, 'chain_getHeader')).number)
}

async function waitFor(fn: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await fn()) return
    await new Promise((r) => setTimeout(r, 100))
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })
}

function runCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'devnet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })))
}

describe('webtensor devnet options', () => {
  it('prints usage for --help and refuses bad options with a message naming them', async () => {
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(help.out).toMatch(/EMULATOR/)
    expect(help.out).toMatch(/--state FILE/)
    const bad = await runCli(['--block-time', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--block-time must be an integer/)
    const cr = await runCli(['--commit-reveal', 'maybe'])
    expect(cr.code).toBe(2)
    expect(cr.err).toMatch(/--commit-reveal must be 'on' or 'off'/)
  })
})

describe('devnet --state', () => {
  it('survives kill -9: restart resumes the same chain, head and balances', async () => {
    const codec = new ChainCodec()
    const who = devPair('//Persist').address
    const key = codec.storageKey('System', 'Account', [who])
    const free = async (http: string): Promise<bigint> => {
      const raw = await rpc<string | null>(http, 'state_getStorage', [key])
      return raw === null ? 0n : BigInt((codec.decodeStorageValue('System', 'Account', hexToU8a(raw)).toJSON() as { data: { free: number | string } }).data.free)
    }

    const first = await startCli()
    const genesis = await rpc<string>(first.http, 'chain_getBlockHash', [0])
    await rpc(first.http, 'devnet_faucet', [who, '777000000'])
    await waitFor(async () => (await bestNumber(first.http)) >= 3)
    // A block after the faucet carries the balance in its state; the file is rewritten every block.
    const seen = await bestNumber(first.http)
    await waitFor(async () => (await bestNumber(first.http)) >= seen + 2)
    expect(await free(first.http)).toBe(777_000_000n)
    first.child.kill('SIGKILL')
    await exited(first.child)
    children.delete(first.child)
    const persisted = JSON.parse(readFileSync(stateFile, 'utf8')) as { blocks: { number: number }[] }
    const persistedBest = persisted.blocks.at(-1)!.number
    expect(persistedBest).toBeGreaterThanOrEqual(seen + 2)
    // Written atomically (temp file + rename): whatever instant the kill hit, chain.json parsed above.

    const second = await startCli()
    expect(await rpc<string>(second.http, 'chain_getBlockHash', [0])).toBe(genesis)
    expect(await bestNumber(second.http)).toBeGreaterThanOrEqual(persistedBest)
    expect(await free(second.http)).toBe(777_000_000n)
    const resumed = await bestNumber(second.http)
    await waitFor(async () => (await bestNumber(second.http)) > resumed)
    // The parent link survives the restart.
    const h = await rpc<{ parentHash: string }>(second.http, 'chain_getHeader', [await rpc<string>(second.http, 'chain_getBlockHash', [persistedBest + 1])])
    expect(h.parentHash).toBe(await rpc<string>(second.http, 'chain_getBlockHash', [persistedBest]))
    second.child.kill('SIGTERM')
    expect(await exited(second.child)).toBe(0)
    children.delete(second.child)
    expect(existsSync(stateFile)).toBe(true)
  })
})
