/**
 * Validation of presence gossip, shared by the relay (before it forwards anything) and the nodes
 * (gossipsub's topic validator): cheapest checks first, so junk costs a decode, at most one
 * binding signature check per new binding, and no chain read once a hotkey is over its rate.
 */
import { presenceMessage, verifySignature, type Binding } from './binding.ts'
import { decodePresence, type PresenceMessage } from './messages.ts'
import type { RateLimiter } from './limits.ts'

/** A presence's timestamp may be at most this far from the receiver's clock, ms. */
export const PRESENCE_MAX_SKEW_MS = 120_000

/** Gossipsub's verdicts (the values of its `TopicValidatorResult`). */
export type PresenceVerdict = 'accept' | 'reject' | 'ignore'

/** What {@link checkPresence} needs from its host. */
export interface PresenceCheck {
  /** Verifies the binding for the sending peer (signature, subnet, registration); throws when invalid. */
  verifyBinding(b: Binding, from: string): Promise<unknown>
  /** Messages per hotkey (taken after the binding verified). */
  limiter: RateLimiter
  /** The subnet of the topic. */
  netuid: number
  /** Extra refusal after the binding verified (a banned hotkey). */
  refuse?(from: string, hotkey: string): boolean
  now?: number
}

/** Checks one presence message from `from` (the gossip originator); never throws. */
export async function checkPresence(data: Uint8Array, from: string, c: PresenceCheck): Promise<{ verdict: PresenceVerdict; presence?: PresenceMessage }> {
  let p: PresenceMessage
  try { p = decodePresence(data) } catch { return { verdict: 'reject' } }
  const now = c.now ?? Date.now()
  if (Math.abs(p.ts - now) > PRESENCE_MAX_SKEW_MS) return { verdict: 'ignore' }
  if (p.binding.peerId !== from || p.binding.netuid !== c.netuid) return { verdict: 'reject' }
  try { await c.verifyBinding(p.binding, from) } catch { return { verdict: 'reject' } }
  if (c.refuse?.(from, p.binding.hotkey) === true) return { verdict: 'reject' }
  // Over its rate: dropped, not punished (the forwarding peer may be honest).
  if (!c.limiter.take(p.binding.hotkey)) return { verdict: 'ignore' }
  if (!verifySignature(presenceMessage(from, p.model, p.capacity, p.ts), p.signature, p.binding.hotkey)) return { verdict: 'reject' }
  return { verdict: 'accept', presence: p }
}
