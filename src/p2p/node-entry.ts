/** The Node-only door of src/p2p: everything in ./index.ts plus the relay. */
export * from './index.ts'
export { startRelay } from './relay.ts'
export type { Relay, RelayInit } from './relay.ts'
export type { RelayStats } from './relay.ts'
/** Low-level pieces for harnesses that play hostile peers (bench/adversary): bare libp2p peers, raw frames. */
export { createMeshLibp2p, parseMultiaddr, readFrame } from './libp2p.ts'
export type { MeshLibp2p } from './libp2p.ts'
export { BIND_PROTOCOL } from './bind.ts'
export { encodeFrame } from './frame.ts'
export { encodePresence, encodeRequest, decodeResponse } from './messages.ts'
