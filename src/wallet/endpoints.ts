/** Named chain endpoints. */
import { WalletError } from './errors.ts'
import type { Endpoint } from './types.ts'

/** Public entry points of the named networks (opentensor's, as the Bittensor SDK uses them). */
export const ENDPOINTS: Readonly<Record<'finney' | 'test' | 'local', string>> = Object.freeze({
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
})

/** Resolve `finney` / `test` / `local` or validate a `ws://` / `wss://` URL. Throws `BAD_ENDPOINT`. */
export function resolveEndpoint(endpoint: Endpoint): string {
  if (endpoint === 'finney' || endpoint === 'test' || endpoint === 'local') return ENDPOINTS[endpoint as 'finney' | 'test' | 'local']
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new WalletError('BAD_ENDPOINT', `endpoint must be finney, test, local or a ws:// or wss:// URL, got "${endpoint}"`)
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WalletError('BAD_ENDPOINT', `endpoint must use ws:// or wss://, got "${endpoint}"`)
  }
  return endpoint
}
