/**
 * The helper processes of bench/validator-round.bench.ts, so the bench's own process holds the
 * validator alone and its CPU and memory figures are the validator's:
 *   - `infra`: the devnet (subnet 1's MaxAllowedUids and registration limits raised with the
 *     devnet's admin `setHyperparams`); prints `{"chainUrl"}`.
 *   - `relay`: a relay that reads it; prints `{"relays"}`.
 *   - `miners`: Node miners (real mesh peers through the relay, registered on subnet 1, their peer
 *     id committed) answering at random (no decoding, no ONNX), started in batches: each stdin line
 *     `add N` starts N more and prints `ready TOTAL`.
 * Each prints `{"cpuMs","rss"}` (infra: and the relay's stats) on `stats` and stops on stdin's end. Config in VR_CONFIG (JSON).
 */
import { createInterface } from 'node:readline'
import { startDevnet } from '../src/devnet/index.ts'
import { newPrivateKey, startRelay } from '../src/p2p/node-entry.ts'
import { createMiner, createRandomSolver, createSubnetsView, type Miner } from '../src/roles/node.ts'
import { createChainClient, createKeyringSigner } from '../src/wallet/index.ts'

export interface PeersConfig {
  mode: 'infra' | 'relay' | 'miners'
  netuid: number
  blockTimeMs?: number
  maxUids?: number
  chainUrl?: string
  relays?: string[]
  /** Miner hotkeys are //Bob//vr-<prefix>-<i>. */
  prefix?: string
}

const config = JSON.parse(process.env['VR_CONFIG'] ?? '{}') as PeersConfig
const stops: Array<() => Promise<unknown>> = []
let extra: () => object = () => ({})
const stats = (): string => { const u = process.cpuUsage(); return JSON.stringify({ cpuMs: (u.user + u.system) / 1000, rss: process.memoryUsage().rss, ...extra() }) }

async function infra(): Promise<(line: string) => Promise<string | null>> {
  const devnet = await startDevnet({ port: 0, blockTimeMs: config.blockTimeMs ?? 500, commitReveal: false })
  stops.push(() => devnet.stop())
  const max = config.maxUids ?? 512
  devnet.setHyperparams(config.netuid, { MaxAllowedUids: max, MaxRegistrationsPerBlock: max, TargetRegistrationsPerInterval: max, ImmunityPeriod: 60_000 })
  console.log(JSON.stringify({ chainUrl: devnet.url }))
  return async () => null
}

/**
 * The relay in a process of its own, as deployed: with the devnet beside it in one process, the
 * devnet's block work kept the relay from accepting connections (its accept backlog full) once a
 * few hundred miners joined.
 */
async function relayMode(): Promise<(line: string) => Promise<string | null>> {
  const max = config.maxUids ?? 512
  const client = await createChainClient({ endpoint: config.chainUrl! })
  stops.push(() => client.stop())
  const relay = await startRelay({
    port: 0, netuids: [config.netuid], chain: createSubnetsView(client, [config.netuid]),
    maxReservationsPerIp: 4 * max, maxConnectionsPerIp: 4 * max, newConnectionsPerIpPerSecond: 100_000,
  })
  stops.unshift(() => relay.stop())
  extra = () => ({ relay: relay.stats() })
  console.log(JSON.stringify({ relays: relay.multiaddrs }))
  return async () => null
}

async function miners(): Promise<(line: string) => Promise<string | null>> {
  const client = await createChainClient({ endpoint: config.chainUrl! })
  stops.push(() => client.stop())
  const all: Miner[] = []
  stops.unshift(async () => { await Promise.all(all.map((m) => m.stop().catch(() => {}))) })
  const solver = createRandomSolver()
  console.log(JSON.stringify({ ok: true }))
  return async (line) => {
    const m = /^add (\d+)$/u.exec(line)
    if (m === null) return null
    const n = Number(m[1])
    const fresh: Miner[] = []
    for (let i = 0; i < n; i++) {
      const k = all.length + fresh.length
      fresh.push(createMiner({
        client, netuid: config.netuid, relays: config.relays!, solver, publishPeerId: true,
        hotkey: await createKeyringSigner(`//Bob//vr-${config.prefix}-${k}`),
        // One coldkey per miner (funded by the devnet's faucet): registrations go in parallel without nonce races.
        coldkey: await createKeyringSigner(`//Bob//vr-${config.prefix}-${k}-cold`),
        meshLimits: { ratePerSecond: 1e6, rateBurst: 1e6 },
        // A fixed libp2p identity: a start tried again keeps the peer id it may already have committed.
        privateKey: await newPrivateKey(),
      }))
    }
    // A few at a time: each start registers, joins the mesh, reserves at the relay and commits its peer id.
    let next = 0
    // A start that fails on a loaded machine (no reservation in time) is tried again, up to 3 times.
    const start = async (m: Miner): Promise<void> => { for (let t = 1; ; t++) { try { return await m.start() } catch (err) { if (t >= 3) throw err } } }
    // VR_START_PARALLEL (8) at a time per process: 4 processes starting 32 each at once (128
    // simultaneous joins) flooded the relay with handshakes on these 2 cores (its accept backlog full,
    // 4 000 SYNs waiting) and no miner came up in 15 minutes.
    await Promise.all(Array.from({ length: Math.min(Number(process.env['VR_START_PARALLEL'] ?? 8), n) }, async () => {
      while (next < fresh.length) await start(fresh[next++]!)
    }))
    all.push(...fresh)
    return `ready ${all.length}`
  }
}

const handle = await (config.mode === 'infra' ? infra() : config.mode === 'relay' ? relayMode() : miners())
const rl = createInterface({ input: process.stdin })
for await (const line of rl) {
  try {
    if (line === 'stats') console.log(stats())
    else { const r = await handle(line.trim()); console.log(r ?? `error unknown command ${line}`) }
  } catch (err) {
    console.log(`error ${(err as Error).message.replace(/\n/gu, ' ')}`)
  }
}
for (const s of stops) await s().catch(() => {})
process.exit(0)
