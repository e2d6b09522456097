/** The Node-only door of src/p2p: everything in ./index.ts plus the relay. */
export * from './index.ts'
export { startRelay } from './relay.ts'
export type { Relay, RelayInit } from './relay.ts'
