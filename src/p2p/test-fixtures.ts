/**
 * Test fixtures shared by the mesh tests (Node and the browser harness): sr25519 hotkeys from
 * well-known dev seeds, and an in-memory metagraph implementing {@link ChainView} in place of the
 * chain client (built in src/wallet; the devnet is not part of these tests).
 */
import { Keyring } from '@polkadot/keyring'
import type { ChainView, Signer } from './binding.ts'
import { parseMultiaddr } from './libp2p.ts'
import type { MeshNode } from './node.ts'

/** An sr25519 hotkey from a dev URI such as '//Alice' (a @polkadot/keyring pair is a Signer). */
export function devHotkey(uri: string): Signer {
  return new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(uri)
}

/** A metagraph snapshot: which hotkeys are registered, which hold validator permits. */
export class StaticMetagraph implements ChainView {
  readonly registered = new Set<string>()
  readonly permits = new Set<string>()
  /** Stake by hotkey (default 1 for each permit holder). */
  readonly stakes = new Map<string, number>()
  constructor(readonly netuid: number, entries: Array<{ hotkey: string; permit?: boolean }> = []) {
    for (const e of entries) this.add(e.hotkey, e.permit === true)
  }
  add(hotkey: string, permit = false): this {
    this.registered.add(hotkey)
    if (permit) this.permits.add(hotkey)
    return this
  }
  isRegistered(hotkey: string, netuid: number): boolean {
    return netuid === this.netuid && this.registered.has(hotkey)
  }
  hasValidatorPermit(hotkey: string, netuid: number): boolean {
    return netuid === this.netuid && this.permits.has(hotkey)
  }
  stakeShare(hotkey: string, netuid: number): number {
    if (!this.hasValidatorPermit(hotkey, netuid)) return 0
    let total = 0
    for (const h of this.permits) total += this.stakes.get(h) ?? 1
    return total > 0 ? (this.stakes.get(hotkey) ?? 1) / total : 0
  }
}

/**
 * One browser-to-browser WebRTC dial from `node` to `peer`, signalled through `relay`: a fresh
 * connection even when one is open, no retries (what `connect` adds on top). Once made it is
 * closed in the background (a graceful close waits on the peer's streams; not what is tested).
 * Resolves with the dial steps reached (libp2p's progress events) and, on failure, the error.
 */
export async function dialWebRTCOnce(node: MeshNode, relay: string, peer: string, timeoutMs: number): Promise<{ ok: boolean; steps: string[]; message?: string }> {
  const steps: string[] = []
  try {
    const conn = await node.libp2p.dial(parseMultiaddr(`${relay}/p2p-circuit/webrtc/p2p/${peer}`), {
      force: true,
      signal: AbortSignal.timeout(timeoutMs),
      onProgress: (e: { type: string }) => { steps.push(e.type) },
    })
    void conn.close().catch(() => {})
    return { ok: true, steps }
  } catch (err) {
    return { ok: false, steps, message: String(err) }
  }
}
