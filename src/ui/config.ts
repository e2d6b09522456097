/**
 * Runtime configuration of the page: which chain, relay and subnet to use. The local stack
 * (`npm start`) serves it as /config.json; a static deployment may ship its own. Nothing here is
 * hard-coded into the bundle, so one build works against the devnet, testnet or finney.
 */

/** What /config.json holds. Every field is optional; absent means "not configured". */
export interface AppConfig {
  /** Chain endpoint: a ws(s):// URL, or `finney`, `test`, `local`. */
  chain?: string
  /** libp2p multiaddrs of the relay(s) used to join the mesh. */
  relay?: string[]
  /** The subnet this deployment mines on. */
  netuid?: number
  /** A human label for the network, e.g. "local devnet (emulator)". */
  network?: string
  /** The chain is the local devnet: registration is paid by a dev account, no wallet needed. */
  devnet?: boolean
  /** The subnet's task by name (src/subnet's registry: `ocr`, `textdet`); absent means OCR. */
  task?: string
}

/** Fetches /config.json; a missing or malformed file yields `{}` and a reason, never a throw. */
export async function loadConfig(init: { signal?: AbortSignal } = {}): Promise<{ config: AppConfig; error?: string }> {
  try {
    const res = await fetch('/config.json', { cache: 'no-store', signal: init.signal ?? null })
    if (!res.ok) return { config: {}, error: `/config.json: HTTP ${res.status}` }
    return { config: parseConfig(await res.json()) }
  } catch (err) {
    return { config: {}, error: `/config.json unavailable (${err instanceof Error ? err.message : String(err)})` }
  }
}

/** Validates the shape of a config object, dropping fields of the wrong type. */
export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== 'object' || raw === null) return {}
  const r = raw as Record<string, unknown>
  const out: AppConfig = {}
  if (typeof r['chain'] === 'string') out.chain = r['chain']
  if (Array.isArray(r['relay']) && r['relay'].every((a) => typeof a === 'string')) out.relay = r['relay'] as string[]
  if (typeof r['netuid'] === 'number' && Number.isInteger(r['netuid']) && r['netuid'] >= 0 && r['netuid'] <= 65535) out.netuid = r['netuid']
  if (typeof r['network'] === 'string') out.network = r['network']
  if (r['devnet'] === true) out.devnet = true
  if (typeof r['task'] === 'string' && /^[a-z0-9-]{1,32}$/u.test(r['task'])) out.task = r['task']
  return out
}

/**
 * True when the page should run the deliberately bad test miner (random answers, no model), which
 * shows validators ranking such a miner last: only on the local devnet, and only when the page is
 * opened with `?test-miner=random`. Anywhere else the parameter is ignored.
 */
export function wantsRandomTestMiner(config: AppConfig, search: string): boolean {
  return config.devnet === true && new URLSearchParams(search).get('test-miner') === 'random'
}
