/**
 * The devnet's admin methods (faucet, hyperparameters, produce block) answer only non-browser
 * clients, the app the stack serves, and holders of the admin token; a page on another origin gets
 * no answer from them over HTTP or WebSocket, while the public Substrate RPC stays open. The pool's
 * future-nonce queue is bounded with a clear error.
 */
import { request } from 'node:http'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { MAX_FUTURE } from './chain.ts'
import { startDevnet, type Devnet } from './index.ts'
import { ADMIN_FORBIDDEN } from './rpc.ts'
import { startDevnetWithApi, type DevnetWithApi } from './testing.ts'

const EVIL = 'https://evil.example'
const APP = 'http://127.0.0.1:47123'
let devnet: Devnet
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 })
const who = () => keyring.addFromUri('//gate-target').address

beforeAll(async () => {
  await cryptoWaitReady()
  devnet = await startDevnet({ port: 0, blockTimeMs: 0, adminOrigins: [APP] })
})
afterAll(async () => {
  await devnet?.stop()
})

interface Reply {
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/** One JSON-RPC POST with exactly these headers (node:http, so `Host` can be set as a browser's would be). */
function http(method: string, params: unknown[], headers: Record<string, string> = {}): Promise<Reply> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  return new Promise((resolve, reject) => {
    const req = request(devnet.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Reply))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function ws(method: string, params: unknown[], opts: { origin?: string; url?: string } = {}): Promise<Reply> {
  const sock = new WebSocket(opts.url ?? devnet.url, opts.origin === undefined ? {} : { origin: opts.origin })
  await new Promise((r, j) => sock.once('open', r).once('error', j))
  try {
    const reply = new Promise<Reply>((r) => sock.once('message', (d: Buffer) => r(JSON.parse(d.toString()) as Reply)))
    sock.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }))
    return await reply
  } finally {
    sock.close()
  }
}

async function free(): Promise<bigint> {
  const r = await http('devnet_faucet', [who(), '1'])
  return BigInt((r.result as { free: string }).free)
}

describe('devnet admin methods and origins', () => {
  it('refuses a foreign Origin over HTTP (faucet, setHyperparams, produceBlock) and still answers public RPC', async () => {
    const before = await free()
    const best = devnet.bestNumber()
    for (const [m, p] of [['devnet_faucet', [who(), '1000000000']], ['devnet_setHyperparams', [1, { Tempo: 3 }]], ['devnet_produceBlock', [1]]] as const) {
      const r = await http(m, [...p], { origin: EVIL })
      expect(r.result).toBeUndefined()
      expect(r.error?.code).toBe(ADMIN_FORBIDDEN)
      expect(r.error?.message).toContain(EVIL)
    }
    expect(await free()).toBe(before + 1n) // only the no-Origin call above credited
    expect(devnet.bestNumber()).toBe(best)
    expect((await http('system_chain', [], { origin: EVIL })).result).toMatch(/devnet/)
    expect((await http('devnet_info', [], { origin: EVIL })).result).toMatchObject({ emulator: true })
  })

  it('refuses a foreign Origin over WebSocket and still answers public RPC', async () => {
    const before = await free()
    const r = await ws('devnet_faucet', [who(), '1000000000'], { origin: EVIL })
    expect(r.error?.code).toBe(ADMIN_FORBIDDEN)
    expect(await free()).toBe(before + 1n)
    expect((await ws('chain_getBlockHash', [0], { origin: EVIL })).result).toBe(devnet.genesisHash)
  })

  it('admits non-browser clients, the app origin, the app port on the reached address, and the token', async () => {
    expect((await ws('devnet_produceBlock', [1])).error).toBeUndefined()
    expect((await http('devnet_produceBlock', [1], { origin: APP })).error).toBeUndefined()
    expect((await ws('devnet_produceBlock', [1], { origin: 'http://localhost:47123' })).error).toBeUndefined()
    // A browser on another machine reaching a wildcard-bound stack at 192.168.1.5.
    expect((await http('devnet_produceBlock', [1], { origin: 'http://192.168.1.5:47123', host: `192.168.1.5:${devnet.port}` })).error).toBeUndefined()
    expect((await http('devnet_produceBlock', [1], { 'x-devnet-token': devnet.adminToken, origin: EVIL })).error).toBeUndefined()
    expect((await ws('devnet_produceBlock', [1], { origin: EVIL, url: `${devnet.url}/?token=${devnet.adminToken}` })).error).toBeUndefined()
  })

  it('refuses look-alikes: another local port, a DNS name on the app port, a wrong token, the opaque origin', async () => {
    const lookAlikes: Record<string, string>[] = [
      { origin: 'http://127.0.0.1:3000' },
      { origin: 'http://rebound.example:47123', host: `rebound.example:${devnet.port}` },
      { origin: EVIL, 'x-devnet-token': '0'.repeat(32) },
      { origin: 'null' },
    ]
    for (const headers of lookAlikes) {
      expect((await http('devnet_produceBlock', [1], headers)).error?.code).toBe(ADMIN_FORBIDDEN)
    }
  })

  it('allowOrigin admits an origin added after start', async () => {
    const other = 'http://127.0.0.1:47999'
    expect((await http('devnet_produceBlock', [1], { origin: other })).error?.code).toBe(ADMIN_FORBIDDEN)
    devnet.allowOrigin(other)
    expect((await http('devnet_produceBlock', [1], { origin: other })).error).toBeUndefined()
  })
})

describe('future-nonce queue', () => {
  const LIMIT = 8
  let net: DevnetWithApi
  beforeAll(async () => {
    net = await startDevnetWithApi({ maxFutureTransactions: LIMIT })
  })
  afterAll(async () => {
    await net?.stop()
  })

  it(`holds at most the limit (default ${MAX_FUTURE}) of transactions waiting for an earlier nonce, then refuses with 1016`, async () => {
    const bob = keyring.addFromUri('//Bob')
    const dest = keyring.addFromUri('//gate-dest').address
    const signed = async (nonce: number) => (await net.tx().balances.transferKeepAlive(dest, 1_000_000_000n).signAsync(bob, { nonce, era: 0 })).toHex() as string
    // Nonce 0 is never sent, so every one of these waits in the future queue.
    const all = await Promise.all(Array.from({ length: LIMIT + 1 }, (_, i) => signed(i + 1)))
    for (const xt of all.slice(0, LIMIT)) expect((await net.rpc('author_submitExtrinsic', [xt])).error).toBeUndefined()
    const over = await net.rpc('author_submitExtrinsic', [all[LIMIT]])
    expect(over.error?.code).toBe(1016)
    expect(String(over.error?.data)).toMatch(/future-nonce queue is full/)
  })
})
