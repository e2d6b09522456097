/**
 * The subnet as the roles see it: the metagraph (uids, hotkeys, permits) and the peer ids miners
 * published as commitments, read through the wallet's chain client and cached briefly. It also
 * serves the mesh as its {@link ChainView}: a lookup that misses re-reads the chain (at most once a
 * second), so a hotkey registered a moment ago is known at once.
 */
import type { ChainView } from '../p2p/index.ts'
import type { ChainClient, Metagraph, Neuron } from '../wallet/index.ts'

/** Options of {@link createSubnetView}. */
export interface SubnetViewInit {
  client: ChainClient
  netuid: number
  /** How long a metagraph read is reused, ms (default 3000). */
  ttlMs?: number
}

/** Cached reads of one subnet; also the mesh's {@link ChainView}. */
export interface SubnetView extends ChainView {
  readonly netuid: number
  /** The metagraph, re-read when older than the ttl (or when `fresh`). */
  metagraph(options?: { fresh?: boolean; signal?: AbortSignal }): Promise<Metagraph>
  /** The neuron of `hotkey`, or undefined. */
  neuron(hotkey: string, options?: { fresh?: boolean; signal?: AbortSignal }): Promise<Neuron | undefined>
  /** Peer ids published with `Commitments.set_commitment`, by hotkey (re-read when older than the ttl). */
  peerIds(options?: { fresh?: boolean; signal?: AbortSignal }): Promise<Map<string, string>>
}

const PEER_ID = /^(12D3Koo|Qm)[1-9A-HJ-NP-Za-km-z]{20,80}$/u

/** Each metagraph's neurons by hotkey, built once per metagraph read (a lookup per binding and presence scanned all of them). */
const indexes = new WeakMap<Metagraph, Map<string, Neuron>>()

function byHotkey(m: Metagraph): Map<string, Neuron> {
  let ix = indexes.get(m)
  if (ix === undefined) {
    ix = new Map()
    // The first neuron of a hotkey wins, as Array.find did.
    for (const n of m.neurons) if (!ix.has(n.hotkey)) ix.set(n.hotkey, n)
    indexes.set(m, ix)
  }
  return ix
}

/** Creates a {@link SubnetView}. */
export function createSubnetView(init: SubnetViewInit): SubnetView {
  const ttl = init.ttlMs ?? 3000
  const netuid = init.netuid
  let mg: { at: number; value: Promise<Metagraph> } | undefined
  let pc: { at: number; value: Promise<Map<string, string>> } | undefined
  const metagraph = async (options: { fresh?: boolean; signal?: AbortSignal } = {}): Promise<Metagraph> => {
    const now = Date.now()
    if (mg === undefined || options.fresh === true || now - mg.at > ttl) {
      const value = init.client.getMetagraph(netuid, options.signal !== undefined ? { signal: options.signal } : {})
      const entry = { at: now, value }
      mg = entry
      value.catch(() => { if (mg === entry) mg = undefined })
    }
    return await mg.value
  }
  const peerIds = async (options: { fresh?: boolean; signal?: AbortSignal } = {}): Promise<Map<string, string>> => {
    const now = Date.now()
    if (pc === undefined || options.fresh === true || now - pc.at > ttl) {
      const value = init.client.getCommitments(netuid, options.signal !== undefined ? { signal: options.signal } : {}).then((list) => {
        const m = new Map<string, string>()
        for (const c of list) {
          const t = c.text?.trim()
          if (t !== undefined && PEER_ID.test(t)) m.set(c.hotkey, t)
        }
        return m
      })
      const entry = { at: now, value }
      pc = entry
      value.catch(() => { if (pc === entry) pc = undefined })
    }
    return await pc.value
  }
  // A miss re-reads the chain, but no more than once a second.
  const lookup = async (hotkey: string): Promise<Neuron | undefined> => {
    let n = byHotkey(await metagraph()).get(hotkey)
    if (n === undefined && mg !== undefined && Date.now() - mg.at > 1000) n = byHotkey(await metagraph({ fresh: true })).get(hotkey)
    return n
  }
  return {
    netuid,
    metagraph,
    peerIds,
    async neuron(hotkey, options = {}) {
      return byHotkey(await metagraph(options)).get(hotkey)
    },
    async isRegistered(hotkey, n) {
      return n === netuid && (await lookup(hotkey)) !== undefined
    },
    async hasValidatorPermit(hotkey, n) {
      if (n !== netuid) return false
      let x = await lookup(hotkey)
      if (x !== undefined && !x.validatorPermit && mg !== undefined && Date.now() - mg.at > 1000) x = byHotkey(await metagraph({ fresh: true })).get(hotkey)
      return x?.validatorPermit === true
    },
    async stakeShare(hotkey, n) {
      if (n !== netuid) return 0
      const neurons = (await metagraph()).neurons.filter((x) => x.validatorPermit)
      const mine = neurons.find((x) => x.hotkey === hotkey)
      if (mine === undefined) return 0
      const total = neurons.reduce((sum, x) => sum + x.stake, 0n)
      // Permit holders with no stake at all share equally.
      return total > 0n ? Number((mine.stake * 1_000_000n) / total) / 1_000_000 : 1 / neurons.length
    },
  }
}

/**
 * One {@link ChainView} over several subnets (what a relay carrying them reads): a
 * {@link SubnetView} per netuid on one chain client; other subnets know no hotkey.
 */
export function createSubnetsView(client: ChainClient, netuids: readonly number[]): ChainView {
  const views = new Map(netuids.map((n) => [n, createSubnetView({ client, netuid: n })]))
  return {
    isRegistered: async (hotkey, n) => (await views.get(n)?.isRegistered(hotkey, n)) === true,
    hasValidatorPermit: async (hotkey, n) => (await views.get(n)?.hasValidatorPermit(hotkey, n)) === true,
    stakeShare: async (hotkey, n) => (await views.get(n)?.stakeShare?.(hotkey, n)) ?? 0,
  }
}
