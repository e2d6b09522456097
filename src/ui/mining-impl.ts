/**
 * The page's miner: wires the miner role (src/roles) to the page's chain client, GPU inference
 * worker and mesh node. Loaded only when the user presses Start mining.
 */
import type { MiningImpl } from './mining.svelte.ts'

/** Creates the implementation behind the dashboard's MiningSession. */
export function createMiningImpl(): MiningImpl {
  return {
    async start() {
      throw new Error('The miner role is not wired into the page in this build.')
    },
    pause() {},
    resume() {},
    setDutyCycle() {},
    async stop() {},
  }
}
