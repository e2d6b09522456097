/**
 * `webtensor start --chain URL --netuid N`: relay, headless validator and app against an existing
 * endpoint. The "existing endpoint" here is a devnet started separately, as subtensor's localnet
 * would be; the stack must not start its own.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { createChainClient, createMemoryMetadataCache } from '../wallet/index.ts'
import { startStack, type Stack } from './stack.ts'

const root = mkdtempSync(join(tmpdir(), 'webtensor-stack-chain-'))
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>')
let devnet: Devnet
let stack: Stack | undefined
const lines: string[] = []

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => { try { resolve(JSON.parse(body)) } catch (e) { reject(e as Error) } })
    }).on('error', reject)
  })
}

beforeAll(async () => {
  devnet = await startDevnet({ port: 0, blockTimeMs: 250 })
}, 60_000)

afterAll(async () => {
  await stack?.stop()
  await devnet?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('start --chain: the stack against an existing endpoint', () => {
  it('runs relay, headless validator and app on that chain without a devnet of its own', async () => {
    stack = await startStack({ root, port: 0, chain: { url: devnet.url, netuid: 1 }, log: (l) => lines.push(l) })
    expect(stack.devnet).toBeUndefined()
    expect(lines.some((l) => l.startsWith('devnet:'))).toBe(false)
    expect(lines).toContain(`chain: ${devnet.url} (existing endpoint, subnet 1)`)
    const config = await getJson(`${stack.url}config.json`) as { chain?: string; netuid?: number; devnet?: boolean; relay?: string[] }
    expect(config.chain).toBe(devnet.url)
    expect(config.netuid).toBe(1)
    expect(config.devnet).toBeUndefined()
    expect(config.relay?.length).toBeGreaterThan(0)

    // The validator registered on the existing chain, holds a permit there and validates.
    const v = await stack.validatorReady()
    expect(v?.state.phase).toBe('validating')
    const client = await createChainClient({ endpoint: devnet.url, metadataCache: createMemoryMetadataCache() })
    try {
      expect(await client.getUid(1, v!.hotkey)).toBe(v!.uid)
      const neuron = (await client.getMetagraph(1)).neurons.find((n) => n.uid === v!.uid)
      expect(neuron?.validatorPermit).toBe(true)
    } finally {
      await client.stop()
    }
    await stack.stop()
    stack = undefined
  }, 120_000)

  it('refuses a subnet the endpoint does not have, naming it, and leaves nothing running', async () => {
    await expect(startStack({ root, port: 0, chain: { url: devnet.url, netuid: 77 } })).rejects.toThrow(/--netuid 77: subnet 77 does not exist on ws:\/\//)
  }, 60_000)

  it('webtensor start checks its arguments before building', () => {
    const start = (...args: string[]): { status: number | null; stderr: string } => spawnSync(process.execPath, ['bin/webtensor.js', 'start', '--no-build', ...args], { encoding: 'utf8', timeout: 60_000 })
    let r = start('--chain', 'ws://127.0.0.1:9944')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--chain needs --netuid N/)
    r = start('--chain', 'ws://127.0.0.1:9944', '--netuid', '1', '--block-time', '500')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/configure the devnet; with --chain no devnet runs/)
    r = start('--netuid', '3')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/go with --chain URL/)
  }, 120_000)
})
