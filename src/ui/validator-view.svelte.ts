/**
 * The validator tab's data: the subnet's metagraph read every few blocks, and, when a
 * recomputation is available, this page's own Yuma result for the same state beside the chain's.
 */
import type { ChainClient, Metagraph } from '../wallet/index.ts'

/** One miner row of the validator tab. */
export interface ValidatorRow {
  uid: number
  hotkey: string
  validatorPermit: boolean
  stake: bigint
  incentiveU16: number
  dividendsU16: number
  emission: bigint
  /** This page's recomputed incentive (u16), or null when not computed. */
  predictedIncentive: number | null
}

/** Recomputes a subnet's incentive (u16 per uid) from chain state; supplied by the validator role. */
export type Recompute = (client: ChainClient, netuid: number, signal: AbortSignal) => Promise<{ incentiveU16: number[]; path: string } | null>

export class ValidatorView {
  rows = $state<ValidatorRow[]>([])
  block = $state<bigint | null>(null)
  error = $state<string | null>(null)
  path = $state<string | null>(null)
  mismatches = $state(0)
  #abort: AbortController | null = null
  #client: ChainClient | null = null

  constructor(private readonly recompute?: Recompute) {}

  /** Connects and refreshes every 6 s until `stop()`; idempotent. */
  async start(endpoint: string, netuid: number): Promise<void> {
    if (this.#abort !== null) return
    const abort = new AbortController()
    this.#abort = abort
    try {
      const { createChainClient } = await import('../wallet/index.ts')
      const client = await createChainClient({ endpoint, signal: abort.signal })
      this.#client = client
      while (!abort.signal.aborted) {
        await this.#refresh(client, netuid, abort.signal)
        await new Promise((r) => setTimeout(r, 6_000))
      }
    } catch (err) {
      if (!abort.signal.aborted) this.error = `Could not read the subnet: ${err instanceof Error ? err.message : String(err)}`
    }
  }

  async #refresh(client: ChainClient, netuid: number, signal: AbortSignal): Promise<void> {
    const mg: Metagraph = await client.getMetagraph(netuid, { signal })
    const predicted = this.recompute ? await this.recompute(client, netuid, signal).catch(() => null) : null
    this.path = predicted?.path ?? null
    this.block = mg.block
    this.rows = mg.neurons.map((n) => ({
      uid: n.uid,
      hotkey: n.hotkey,
      validatorPermit: n.validatorPermit,
      stake: n.stake,
      incentiveU16: n.incentive,
      dividendsU16: n.dividends,
      emission: n.emission,
      predictedIncentive: predicted?.incentiveU16[n.uid] ?? null,
    }))
    this.mismatches = this.rows.filter((r) => r.predictedIncentive !== null && r.predictedIncentive !== r.incentiveU16).length
    this.error = null
  }

  async stop(): Promise<void> {
    this.#abort?.abort()
    this.#abort = null
    await this.#client?.stop()
    this.#client = null
  }
}
