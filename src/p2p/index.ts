/**
 * The webtensor miner mesh (src/p2p): libp2p node factory for browsers and Node, chain-bound
 * identity, the challenge protocol and presence gossip. The Node-only relay is in ./node-entry
 * (`startRelay`).
 */
export { createMeshNode, presenceTopic } from './node.ts'
export type { MeshNode, MeshNodeInit, MeshNodeEvents, PresenceInfo, PeerConnectionInfo, TransportPreference } from './node.ts'
export { answerMessage, verifySignature, encodeBinding, decodeBinding } from './binding.ts'
export type { Binding, ChainView, Signer, CreateBindingInit, VerifiedBinding, VerifyBindingOptions } from './binding.ts'
export { serveChallenges, sendChallenge, newChallengeId, verifyAnswerEvidence, CHALLENGE_PROTOCOL, CHALLENGE_SESSION_PROTOCOL } from './challenge.ts'
export type { AnswerEvidence, ChallengeHandler, ChallengeServer, ChallengeResult, IncomingChallenge, SendChallengeOptions } from './challenge.ts'
export type { Challenge } from './messages.ts'
export { DEFAULT_LIMITS } from './limits.ts'
export type { MeshLimits } from './limits.ts'
export { newPrivateKey, verifyPeerSignature } from './libp2p.ts'
export { MeshError, MeshProtocolError, MeshRefusedError, MeshConnectionError, MeshTimeoutError } from './errors.ts'
export type { MeshErrorCode } from './errors.ts'
