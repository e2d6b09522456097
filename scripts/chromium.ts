/**
 * How webtensor starts headless Chromium everywhere (Vitest browser mode, Playwright e2e,
 * Lighthouse, benchmarks): the Debian package, never a downloaded browser.
 */
import { existsSync } from 'node:fs'

/** Flags that work on a closed-network CI machine; WebGPU on (SwiftShader without a GPU). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--allow-loopback-in-peer-connection',
]

/** Path of the Chromium binary: $CHROMIUM_PATH, else the Debian package. */
export function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH']
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p
  throw new Error('Chromium not found: install the Debian package `chromium` (apt-get install -y chromium) or set CHROMIUM_PATH')
}
