/**
 * The local stack that `npm start` runs and the end-to-end tests start the same way: the built
 * app behind the static server, plus the local services (devnet, relay, headless validator) as
 * they exist, or, with `chain`, relay and validator against an existing subtensor endpoint instead
 * of the devnet. Everything listens on loopback; `stop()` takes it all down in reverse order.
 */
import './node-shims.ts'
import { startStaticServer, type StaticServer } from './static-server.ts'
import { advertiseFor, servedOrigins } from './reached-host.ts'
import type { AppConfig } from '../ui/index.ts'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { startRelay, type Relay } from '../p2p/node-entry.ts'
import type { ChainView } from '../p2p/index.ts'
import type { HeadlessValidator } from '../roles/node.ts'
import { getTask } from '../subnet/index.ts'

/** The subnet the local stack mines on (the devnet's genesis subnet). */
export const LOCAL_NETUID = 1

/** Options of {@link startStack}. */
export interface StackInit {
  /** Port of the app server (0 = any free port). */
  port?: number
  host?: string
  /** Folder of the built app (default dist). */
  root?: string
  /** Progress lines for the terminal. */
  log?: (line: string) => void
  /** Which local services to run beside the app (default: all). */
  services?: { devnet?: boolean; relay?: boolean; validator?: boolean }
  /** Devnet options: persist to this file; block time in ms. */
  devnet?: { stateFile?: string; blockTimeMs?: number }
  /** The subnet's task (src/subnet's registry), for the headless validator and the app (/config.json `task`); default OCR. */
  task?: string
  /**
   * Run against an existing subtensor endpoint (subtensor's localnet, a chopsticks fork, testnet)
   * instead of starting the devnet: relay, headless validator and app use `url` and `netuid`.
   * `coldkeySuri` pays the validator's registration and stake (default `//Alice`, funded on dev chains).
   */
  chain?: { url: string; netuid: number; coldkeySuri?: string }
}

/** The running stack. */
export interface Stack {
  /** The URL to open. */
  url: string
  /** What the page receives as /config.json. */
  config: AppConfig
  app: StaticServer
  /** The devnet, when it runs. */
  devnet?: Devnet
  /** The relay, when it runs. */
  relay?: Relay
  /** The headless validator, once it validates. */
  readonly validator: HeadlessValidator | undefined
  /** Resolves when the headless validator validates (undefined when it does not run or failed). */
  validatorReady(): Promise<HeadlessValidator | undefined>
  stop(): Promise<void>
}

/** Starts every local service, then the app server; on failure stops what already started. */
export async function startStack(init: StackInit = {}): Promise<Stack> {
  const log = init.log ?? (() => {})
  const stops: Array<() => Promise<void>> = []
  const config: AppConfig = {}
  const task = getTask(init.task) // an unknown name fails here, before anything starts
  if (init.task !== undefined) config.task = task.id
  const want = { devnet: true, relay: true, validator: true, ...init.services }
  if (init.chain !== undefined) want.devnet = false // an existing endpoint replaces the devnet
  const netuid = init.chain?.netuid ?? LOCAL_NETUID
  let chainUrl: string | undefined
  let devnet: Devnet | undefined
  let relay: Relay | undefined
  let validatorReady: Promise<HeadlessValidator | undefined> = Promise.resolve(undefined)
  try {
    if (want.devnet) {
      // The devnet and relay listen where the app does: a browser on another machine reaches all three.
      devnet = await startDevnet({ port: 0, host: init.host, stateFile: init.devnet?.stateFile, blockTimeMs: init.devnet?.blockTimeMs })
      stops.push(() => devnet!.stop())
      config.chain = chainUrl = devnet.url
      config.netuid = LOCAL_NETUID
      config.network = 'local devnet (a subtensor emulator, not a real chain)'
      config.devnet = true
      log(`devnet: ${devnet.url} (emulator; block ${devnet.bestNumber()})`)
    }
    if (init.chain !== undefined) {
      chainUrl = await checkEndpoint(init.chain.url, netuid)
      config.chain = chainUrl
      config.netuid = netuid
      config.network = `existing chain at ${chainUrl}`
      log(`chain: ${chainUrl} (existing endpoint, subnet ${netuid})`)
    }
    if (want.relay) {
      // The relay reads the chain: only hotkeys registered on the subnet may reserve or be reached.
      let chain: ChainView | undefined
      if (chainUrl !== undefined) {
        const [{ createChainClient }, { createSubnetsView }] = await Promise.all([import('../wallet/index.ts'), import('../roles/index.ts')])
        const client = await createChainClient({ endpoint: chainUrl })
        stops.push(() => client.stop())
        chain = createSubnetsView(client, [netuid])
      }
      relay = await startRelay({ port: 0, host: init.host, netuids: [netuid], ...(chain !== undefined ? { chain } : {}) })
      stops.push(() => relay!.stop())
      config.relay = relay.multiaddrs
      log(`relay: ${relay.multiaddrs.join(' ')}`)
    }
    let validator: HeadlessValidator | undefined
    if (want.validator && chainUrl !== undefined && relay !== undefined) {
      // The validator registers and stakes with //Alice (the devnet's, or a dev chain's) and waits
      // for its permit (the next epoch), so it starts in the background: the app is usable meanwhile.
      const { startHeadlessValidator } = await import('../roles/node.ts')
      const abort = new AbortController()
      const starting = startHeadlessValidator({ chainUrl, relayAddrs: relay.multiaddrs, netuid, task, coldkeySuri: init.chain?.coldkeySuri ?? '//Alice', signal: abort.signal, log: (l) => log(`validator: ${l}`) })
        .then((v) => { validator = v; log(`validator: hotkey ${v.hotkey} uid ${v.uid} validating`); return v })
        .catch((err: unknown) => { if (!abort.signal.aborted) log(`validator: failed to start: ${err instanceof Error ? err.message : String(err)}`); return undefined })
      stops.push(async () => { abort.abort(); await (await starting)?.stop() })
      validatorReady = starting
    }
    const app = await startStaticServer({ root: init.root, port: init.port ?? 0, host: init.host, config: (reached) => advertiseFor(config, reached, init.host ?? '127.0.0.1') })
    stops.push(() => app.stop())
    log(`app: ${app.url}`)
    // The app's own pages call devnet_faucet; other origins are refused the devnet's admin methods.
    devnet?.allowOrigin(app.url)
    // Listening beyond loopback (--host 0.0.0.0): the app as reached at this machine's other addresses too.
    for (const origin of servedOrigins(init.host ?? '127.0.0.1', app.port)) devnet?.allowOrigin(origin)
    let stopping: Promise<void> | undefined
    return {
      url: app.url,
      config,
      app,
      ...(devnet === undefined ? {} : { devnet }),
      ...(relay === undefined ? {} : { relay }),
      get validator() { return validator },
      validatorReady: () => validatorReady,
      stop() {
        stopping ??= (async () => {
          for (const stop of stops.reverse()) await stop().catch(() => {})
        })()
        return stopping
      },
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => {})
    throw err
  }
}

/**
 * Connects to an existing endpoint once, before anything starts: the resolved URL when it answers
 * and `netuid` exists there; a clear error naming the endpoint or the subnet otherwise.
 */
async function checkEndpoint(endpoint: string, netuid: number): Promise<string> {
  const { createChainClient } = await import('../wallet/index.ts')
  let client
  try {
    client = await createChainClient({ endpoint, signal: AbortSignal.timeout(30_000), backoff: { initialMs: 500, maxMs: 5_000 } })
  } catch (err) {
    throw new Error(`--chain ${endpoint}: no subtensor node answered (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  try {
    const added = await client.readStorage('SubtensorModule', 'NetworksAdded', [netuid])
    if (added.toJSON() !== true) throw new Error(`--netuid ${netuid}: subnet ${netuid} does not exist on ${client.url}`)
    return client.url
  } finally {
    await client.stop()
  }
}
