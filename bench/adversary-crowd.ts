/**
 * The hostile crowd of bench/adversary.bench.ts, run as its own process (its own event loop and
 * heap, so that the honest side's figures measure the mesh's defences, not one shared event
 * loop; the bench starts it with src/server/node-shims.ts preloaded). Reads its orders from the ADV_CROWD_CONFIG environment variable (JSON), attacks until
 * SIGTERM, then prints what it did as one JSON line on stdout.
 */
import { createMeshNode, newChallengeId, sendChallenge, presenceTopic, encodeBinding, decodeBinding, createMeshLibp2p, parseMultiaddr, encodeFrame, encodePresence, encodeRequest, BIND_PROTOCOL, CHALLENGE_PROTOCOL, type MeshLibp2p, type MeshNode } from '../src/p2p/node-entry.ts'
import { createSubnetView } from '../src/roles/index.ts'
import { canvasPlatform, encodeOcrChallenge, OCR_WIRE_TASK } from '../src/subnet/index.ts'
import { createChainClient, createKeyringSigner } from '../src/wallet/index.ts'

/** What the bench tells the crowd. */
export interface CrowdConfig {
  chainUrl: string
  netuid: number
  relays: string[]
  /** Honest miners' peer ids. */
  miners: string[]
  /** Bare peers (reservation and idle-connection floods). */
  crowd: number
  flooderSuri: string
  manglerSuri: string
  /** The honest validator's encoded binding, hex (the swapper swaps its hotkey). */
  validatorBinding: string
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A 180-byte JPEG whose frame header claims `w` x `h`. */
function bombJpeg(w: number, h: number): Uint8Array {
  const seg = (m: number, body: number[]): number[] => [0xff, m, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body]
  return Uint8Array.from([0xff, 0xd8, ...seg(0xdb, [0, ...new Array<number>(64).fill(1)]), ...seg(0xc0, [8, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, 0x11, 0]),
    ...seg(0xc4, [0, 1, ...new Array<number>(15).fill(0), 0, 0x10, 1, ...new Array<number>(15).fill(0), 0]), ...seg(0xda, [1, 1, 0, 0, 63, 0]), 0, 0, 0xff, 0xd9])
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env['ADV_CROWD_CONFIG'] ?? '{}') as CrowdConfig
  const NETUID = cfg.netuid
  const relay0 = cfg.relays[0]!
  const client = await createChainClient({ endpoint: cfg.chainUrl })
  const subnetView = createSubnetView({ client, netuid: NETUID })
  const stop = new AbortController()
  process.on('SIGTERM', () => stop.abort())
  const crowd: MeshLibp2p[] = []
  const bare = async (relays: string[], listen: string[]): Promise<MeshLibp2p> => {
    const r = await createMeshLibp2p({ relays, listen, appScore: () => 0, isBanned: () => false, topics: [presenceTopic(NETUID)] })
    await r.start()
    crowd.push(r)
    return r
  }
  const counts = { reservationPeers: 0, reservationsGot: 0, idleDials: 0, idleDialsOpen: 0, swapped: 0, junk: 0, flood: 0, floodAnswered: 0, bombs: 0, malformed: 0 }
  const loops: Array<Promise<unknown>> = []
  const loop = (fn: () => Promise<unknown>, pauseMs: number): void => {
    loops.push((async () => { while (!stop.signal.aborted) { await fn().catch(() => {}); await sleep(pauseMs) } })())
  }
  const minerAddrs = cfg.miners.map((p) => `${relay0}/p2p-circuit/p2p/${p}`)
  // ADV_ATTACKS=reserve,idle,swap,junk,flood,mangle picks some (default: all).
  const only = process.env['ADV_ATTACKS']?.split(',')
  const on = (name: string): boolean => only === undefined || only.includes(name)

  // Fresh-id reservation floods: a quarter of the crowd, replaced by new ids every 3 s.
  if (on('reserve')) loop(async () => {
    const batch = await Promise.all(Array.from({ length: Math.max(1, Math.floor(cfg.crowd / 4)) }, () => bare(cfg.relays, ['/p2p-circuit'])))
    counts.reservationPeers += batch.length
    await sleep(3_000)
    counts.reservationsGot += batch.filter((b) => b.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'))).length
    await Promise.all(batch.map((b) => b.stop()))
    for (const b of batch) crowd.splice(crowd.indexOf(b), 1)
  }, 0)
  // Idle connection floods: the rest of the crowd dials the relay and every miner, again and again.
  for (let i = 0; on('idle') && i < cfg.crowd - Math.floor(cfg.crowd / 4); i++) {
    const b = await bare([], [])
    loop(async () => {
      for (const a of [relay0, ...minerAddrs]) {
        counts.idleDials++
        await b.dial(parseMultiaddr(a), { signal: AbortSignal.timeout(3_000) }).then(() => { counts.idleDialsOpen++ }, () => {})
      }
    }, 500)
  }
  // Swapped bindings: the validator's binding with another account's hotkey, on the bind protocol and in challenges.
  const swapper = await bare([], [])
  const flooderKey = await createKeyringSigner(cfg.flooderSuri)
  const honest = decodeBinding(Uint8Array.from(Buffer.from(cfg.validatorBinding, 'hex')))
  const swapped = { ...honest, peerId: swapper.peerId.toString(), hotkey: flooderKey.address }
  if (on('swap')) loop(async () => {
    counts.swapped++
    const conn = await swapper.dial(parseMultiaddr(relay0), { signal: AbortSignal.timeout(3_000) })
    const s = await conn.newStream(BIND_PROTOCOL, { runOnLimitedConnection: true })
    s.send(encodeFrame(encodeBinding(swapped)))
    await s.close().catch(() => {})
    const c = await swapper.dial(parseMultiaddr(minerAddrs[counts.swapped % minerAddrs.length]!), { signal: AbortSignal.timeout(3_000) })
    const cs = await c.newStream(CHALLENGE_PROTOCOL, { runOnLimitedConnection: true })
    cs.send(encodeFrame(encodeRequest({ binding: swapped, challenge: { id: newChallengeId(), task: OCR_WIRE_TASK, payload: new Uint8Array(8), deadline: Date.now() + 5_000 } })))
    await cs.close().catch(() => {})
  }, 200)
  // Junk presence: an unregistered hotkey's node publishing forged presences, 50 a second.
  const outsider = await createMeshNode({ signer: await createKeyringSigner('//Eve//adv-outsider'), netuid: NETUID, chain: subnetView, relays: cfg.relays })
  if (on('junk')) loop(async () => {
    counts.junk++
    await outsider.libp2p.services.pubsub.publish(presenceTopic(NETUID), encodePresence({ binding: await outsider.currentBinding(), model: 'junk', capacity: 99, ts: Date.now(), signature: new Uint8Array(64) }))
  }, 20)
  // The flooding permit holder: 8 challenge streams at a time per miner, one in four a bomb.
  const img = await (async () => { const s = canvasPlatform.createSurface(256, 96); s.ctx.fillStyle = '#fff'; s.ctx.fillRect(0, 0, 256, 96); return await s.encodeJpeg(0.8) })()
  const flooder: MeshNode = await createMeshNode({ signer: flooderKey, netuid: NETUID, chain: subnetView, relays: cfg.relays })
  for (const peer of on('flood') ? cfg.miners : []) {
    for (let k = 0; k < 8; k++) {
      loop(async () => {
        const bomb = (counts.flood++ % 4) === 0
        if (bomb) counts.bombs++
        const now = Date.now()
        const payload = encodeOcrChallenge({ task: 'ocr', id: Buffer.from(newChallengeId()).toString('hex'), mime: 'image/jpeg', image: bomb ? bombJpeg(65_000, 65_000) : img, width: 256, height: 96, issuedAt: now, deadline: now + 8_000 })
        await sendChallenge(flooder, peer, { id: newChallengeId(), task: OCR_WIRE_TASK, payload, deadline: now + 8_000 }, { retries: 0, signal: stop.signal })
        counts.floodAnswered++
      }, 0)
    }
  }
  // The mangling permit holder: malformed frames on the challenge protocol.
  const mangler: MeshNode = await createMeshNode({ signer: await createKeyringSigner(cfg.manglerSuri), netuid: NETUID, chain: subnetView, relays: cfg.relays })
  if (on('mangle')) loop(async () => {
    for (const peer of cfg.miners) {
      counts.malformed++
      await mangler.connect(peer, { transport: 'relay', signal: AbortSignal.timeout(3_000) })
      const s = await mangler.connectionTo(peer)!.newStream(CHALLENGE_PROTOCOL, { runOnLimitedConnection: true })
      s.send(counts.malformed % 2 === 0 ? encodeFrame(new TextEncoder().encode('not protobuf')) : Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]))
      await s.close().catch(() => {})
    }
  }, 100)
  process.stderr.write('crowd: attacking\n')
  const cpu0 = process.cpuUsage()

  await new Promise<void>((r) => stop.signal.addEventListener('abort', () => r(), { once: true }))
  await Promise.race([Promise.all(loops), sleep(5_000)])
  const cpu = process.cpuUsage(cpu0)
  process.stdout.write(JSON.stringify({ ...counts, heapUsed: process.memoryUsage().heapUsed, cpuMs: Math.round((cpu.user + cpu.system) / 1000) }) + '\n')
  await Promise.race([Promise.all([...crowd.map((c) => c.stop()), outsider.stop(), flooder.stop(), mangler.stop(), client.stop()]), sleep(5_000)])
  process.exit(0)
}

void main().catch((err: unknown) => { process.stderr.write(`crowd: ${(err as Error).stack ?? String(err)}\n`); process.exit(1) })
