/**
 * The local stack that `npm start` runs and the end-to-end tests start the same way: the built
 * app behind the static server, plus the local services (devnet, relay, headless validator) as
 * they exist. Everything listens on loopback; `stop()` takes it all down in reverse order.
 */
import './node-shims.ts'
import { startStaticServer, type StaticServer } from './static-server.ts'
import type { AppConfig } from '../ui/config.ts'
import { startDevnet, type Devnet } from '../devnet/index.ts'
import { startRelay, type Relay } from '../p2p/node-entry.ts'
import type { HeadlessValidator } from '../roles/node.ts'

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
  const want = { devnet: true, relay: true, validator: true, ...init.services }
  let devnet: Devnet | undefined
  let relay: Relay | undefined
  let validatorReady: Promise<HeadlessValidator | undefined> = Promise.resolve(undefined)
  try {
    if (want.devnet) {
      devnet = await startDevnet({ port: 0, stateFile: init.devnet?.stateFile, blockTimeMs: init.devnet?.blockTimeMs })
      stops.push(() => devnet!.stop())
      config.chain = devnet.url
      config.netuid = LOCAL_NETUID
      config.network = 'local devnet (a subtensor emulator, not a real chain)'
      config.devnet = true
      log(`devnet: ${devnet.url} (emulator; block ${devnet.bestNumber()})`)
    }
    if (want.relay) {
      relay = await startRelay({ port: 0, netuids: [LOCAL_NETUID] })
      stops.push(() => relay!.stop())
      config.relay = relay.multiaddrs
      log(`relay: ${relay.multiaddrs.join(' ')}`)
    }
    let validator: HeadlessValidator | undefined
    if (want.validator && devnet !== undefined && relay !== undefined) {
      // The validator registers and stakes with the devnet's //Alice and waits for its permit
      // (the next epoch), so it starts in the background: the app is usable meanwhile.
      const { startHeadlessValidator } = await import('../roles/node.ts')
      const abort = new AbortController()
      const starting = startHeadlessValidator({ chainUrl: devnet.url, relayAddrs: relay.multiaddrs, netuid: LOCAL_NETUID, coldkeySuri: '//Alice', signal: abort.signal, log: (l) => log(`validator: ${l}`) })
        .then((v) => { validator = v; log(`validator: hotkey ${v.hotkey} uid ${v.uid} validating`); return v })
        .catch((err: unknown) => { if (!abort.signal.aborted) log(`validator: failed to start: ${err instanceof Error ? err.message : String(err)}`); return undefined })
      stops.push(async () => { abort.abort(); await (await starting)?.stop() })
      validatorReady = starting
    }
    const app = await startStaticServer({ root: init.root, port: init.port ?? 0, host: init.host, config: () => config })
    stops.push(() => app.stop())
    log(`app: ${app.url}`)
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
