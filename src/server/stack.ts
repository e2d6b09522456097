/**
 * The local stack that `npm start` runs and the end-to-end tests start the same way: the built
 * app behind the static server, plus the local services (devnet, relay, headless validator) as
 * they exist. Everything listens on loopback; `stop()` takes it all down in reverse order.
 */
import { startStaticServer, type StaticServer } from './static-server.ts'
import type { AppConfig } from '../ui/config.ts'

/** Options of {@link startStack}. */
export interface StackInit {
  /** Port of the app server (0 = any free port). */
  port?: number
  host?: string
  /** Folder of the built app (default dist). */
  root?: string
  /** Progress lines for the terminal. */
  log?: (line: string) => void
}

/** The running stack. */
export interface Stack {
  /** The URL to open. */
  url: string
  /** What the page receives as /config.json. */
  config: AppConfig
  app: StaticServer
  stop(): Promise<void>
}

/** Starts every local service, then the app server; on failure stops what already started. */
export async function startStack(init: StackInit = {}): Promise<Stack> {
  const log = init.log ?? (() => {})
  const stops: Array<() => Promise<void>> = []
  const config: AppConfig = {}
  try {
    const app = await startStaticServer({ root: init.root, port: init.port ?? 0, host: init.host, config: () => config })
    stops.push(() => app.stop())
    log(`app: ${app.url}`)
    let stopping: Promise<void> | undefined
    return {
      url: app.url,
      config,
      app,
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
