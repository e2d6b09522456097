/**
 * The page's miner: the miner role (src/roles) wired to this page's chain client, session
 * hotkey, GPU inference worker and mesh node, reporting into the dashboard's MiningSession.
 * Loaded only when the user presses Start mining.
 */
import type { MiningImpl, MiningSession, TaskRecord } from './mining.svelte.ts'
import { loadConfig, wantsRandomTestMiner } from './config.ts'
import { createChainClient, openSessionHotkeys, connectWallet, type ChainClient, type TxSigner } from '../wallet/index.ts'
import { createMiner, createBrowserSolver, createRandomSolver, type Miner, type BrowserSolver, type MinerState, type TaskSolver } from '../roles/index.ts'
import { getTask } from '../subnet/index.ts'
import { newPrivateKey } from '../p2p/index.ts'

const PEER_KEY = 'webtensor.peer-key.v1'

/** The libp2p identity of this browser (not a chain key): kept so the published peer id stays valid. */
async function peerPrivateKeyAsync(): Promise<Uint8Array> {
  try {
    const saved = localStorage.getItem(PEER_KEY)
    if (saved !== null) return Uint8Array.from(atob(saved), (c) => c.charCodeAt(0))
  } catch { /* unreadable: make a new one */ }
  const key = await newPrivateKey()
  try { localStorage.setItem(PEER_KEY, btoa(String.fromCharCode(...key))) } catch { /* private mode: a new peer id next time */ }
  return key
}

const EP_NAMES: Record<string, string> = { webgpu: 'WebGPU', wasm: 'WASM' }

/** Creates the implementation behind the dashboard's MiningSession. */
export function createMiningImpl(): MiningImpl {
  let client: ChainClient | null = null
  let miner: Miner | null = null
  let solver: BrowserSolver | null = null
  let testSolver: TaskSolver | null = null
  let unsubscribe: Array<() => void> = []
  let abort: AbortController | null = null

  let base = { answered: 0, accepted: 0, history: [] as TaskRecord[] }

  function render(session: MiningSession, s: MinerState): void {
    if (s.phase === 'error') {
      session.phase = 'error'
      session.error = s.error?.message ?? 'The miner stopped.'
    } else if (s.phase !== 'idle') {
      session.phase = s.phase
    }
    session.uid = s.uid
    session.hotkey = s.hotkey
    session.peerId = s.peerId
    // Totals continue across reloads: this run's counts on top of what the page had saved.
    session.answered = base.answered + s.counts.answered
    session.accepted = base.accepted + (s.counts.accepted ?? 0)
    session.history = [...base.history, ...s.history.map((r): TaskRecord => ({ at: r.at, latencyMs: r.latencyMs, ok: r.ok, score: null }))].slice(-2_000)
    session.persist()
    const path = solver?.inference.path
    if (testSolver !== null) session.executionProvider = 'no model: random answers (devnet test miner)'
    else if (path) session.executionProvider = `${EP_NAMES[path.ep] ?? path.ep}${path.ep === 'wasm' && globalThis.crossOriginIsolated ? ' (multithreaded)' : ''}`
    const mesh = miner?.mesh
    if (mesh) {
      const peers = mesh.peers()
      session.peers = { direct: peers.filter((p) => p.direct).length, relayed: peers.filter((p) => p.relayed && !p.direct).length }
      session.relayConnected = mesh.multiaddrs().some((a) => a.includes('/p2p-circuit'))
    }
  }

  async function followChain(session: MiningSession, c: ChainClient, netuid: number, signal: AbortSignal): Promise<void> {
    let lastRead = 0
    const stop = await c.subscribeBlocks((head) => {
      session.chainHead = Number(head)
      if (Date.now() - lastRead < 5_000 || signal.aborted) return
      lastRead = Date.now()
      void (async () => {
        const next = await c.getNextEpochBlock(netuid, { signal })
        session.blocksToEpoch = Math.max(0, Number(next) - Number(head))
        if (session.uid === null) return
        const mg = await c.getMetagraph(netuid, { signal })
        const me = mg.neurons.find((n) => n.uid === session.uid)
        if (me) {
          session.incentive = me.incentive / 65535
          session.emissionRao = me.emission
        }
      })().catch(() => { /* transient read errors: the next block retries */ })
    })
    unsubscribe.push(stop)
  }

  async function stop(): Promise<void> {
    abort?.abort()
    for (const u of unsubscribe.splice(0)) u()
    await miner?.stop()
    solver?.stop()
    await client?.stop()
    miner = null
    solver = null
    testSolver = null
    client = null
  }

  return {
    async start(session) {
      // What an earlier start left behind when it failed (or was declined) is closed first.
      await stop()
      abort = new AbortController()
      const signal = abort.signal
      base = { answered: session.answered, accepted: session.accepted, history: [...session.history] }
      session.phase = 'registering'
      const { config, error } = await loadConfig({ signal })
      if (config.chain === undefined || config.netuid === undefined || config.relay === undefined || config.relay.length === 0) {
        session.errorHelp = 'This page has no network configured (chain, relay and netuid in /config.json). Start the local stack with `npm ci && npm start` and open the URL it prints.'
        throw new Error(error ?? 'No chain, relay or subnet configured.')
      }
      // The subnet's task (config.json `task`, default OCR): an unknown name stops here, naming the known ones.
      const task = getTask(config.task)
      const hotkey = await (await openSessionHotkeys()).getOrCreate()
      // Who pays registration: on the local devnet the session hotkey itself, funded by the devnet
      // faucet (each tab its own account, so tabs never race on a shared nonce); elsewhere the
      // user's coldkey in the wallet extension (every signature is an extension prompt).
      let coldkey: TxSigner
      if (config.devnet === true) {
        coldkey = hotkey.signer
      } else {
        const wallet = await connectWallet({ appName: 'webtensor' })
        const account = wallet.selected ?? wallet.accounts[0]
        if (account === undefined) {
          session.errorHelp = 'Create or import an account in your wallet extension, allow this site, then press Start mining again.'
          throw new Error('The wallet extension offers no account.')
        }
        coldkey = await wallet.signer(account.address)
      }
      client = await createChainClient({ endpoint: config.chain, signal })
      if (wantsRandomTestMiner(config, location.search)) {
        testSolver = createRandomSolver(task)
      } else {
        solver = createBrowserSolver({
          task,
          onProgress: (p) => {
            session.progress = { loaded: p.loaded, total: p.total, etaMs: p.etaSeconds === null ? null : p.etaSeconds * 1000 }
          },
        })
      }
      const netuid = config.netuid
      const payer = coldkey.address
      miner = createMiner({
        client,
        netuid,
        // On a real network the price is shown and nothing is signed until the user agrees; on
        // the devnet the faucet pays and the price is only shown.
        onQuote: (q) => {
          const offer = { netuid, burnRao: q.burn, feeRao: q.fee, balanceRao: q.balance, payer }
          if (config.devnet === true) { session.registration = { ...offer, awaiting: false }; return true }
          return session.askToRegister(offer)
        },
        hotkey: hotkey.signer,
        relays: config.relay,
        task,
        solver: testSolver ?? solver!,
        coldkey,
        privateKey: await peerPrivateKeyAsync(),
        dutyCycle: session.dutyCycle,
      })
      unsubscribe.push(miner.subscribe((s) => render(session, s)))
      void followChain(session, client, config.netuid, signal)
      await miner.start({ signal })
    },
    pause: () => miner?.pause(),
    resume: () => miner?.resume(),
    setDutyCycle: (f) => miner?.setDutyCycle(f),
    stop,
  }
}
