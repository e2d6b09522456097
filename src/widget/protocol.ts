/**
 * The widget's postMessage protocol (version 1), shared by the widget iframe and mirrored by the
 * plain-JS loader (static/widget.js). Messages are typed, versioned and carry the nonce the loader
 * put in the iframe URL, so a loader accepts only its own iframe's messages.
 *
 * - widget → host: `status` (after every change, and in reply to `hello`/`ping`), posted with the
 *   host's exact origin as `targetOrigin`, never `"*"`.
 * - host → widget: `hello` and `ping` only, which ask for a `status`. Nothing a host can send
 *   starts, resumes or configures mining: those need a trusted click inside the iframe.
 */
import type { MiningPhase } from '../ui/index.ts'

/** `source` of every message the widget posts. */
export const WIDGET_SOURCE = 'webtensor'
/** `source` of every message a host (the loader) posts. */
export const HOST_SOURCE = 'webtensor-host'
/** Protocol version. */
export const PROTOCOL_VERSION = 1

/** The status the widget reports to its host. No keys, addresses or peer ids leave the iframe. */
export interface WidgetStatus {
  source: typeof WIDGET_SOURCE
  v: typeof PROTOCOL_VERSION
  type: 'status'
  /** The loader's nonce, echoed. */
  nonce: string
  phase: MiningPhase
  answered: number
  accepted: number
  /** Duty-cycle cap in force, 0.1..1. */
  dutyCycle: number
  /** Whether the user has remembered consent for this host origin. */
  consent: boolean
  /** A short error text when phase is 'error'. */
  error: string | null
}

/** A message a host may send. */
export interface HostMessage {
  source: typeof HOST_SOURCE
  v: typeof PROTOCOL_VERSION
  type: 'hello' | 'ping'
  nonce: string
}

const PHASES: readonly MiningPhase[] = ['idle', 'registering', 'loading-model', 'joining', 'mining', 'paused', 'error']
const NONCE = /^[A-Za-z0-9_-]{8,64}$/

/** True when `nonce` has the shape the loader generates (8..64 URL-safe characters). */
export function isNonce(nonce: unknown): nonce is string {
  return typeof nonce === 'string' && NONCE.test(nonce)
}

/**
 * Validates a message received from the host. Returns null for anything but a well-formed
 * `hello`/`ping` carrying `expectedNonce`; in particular any `start`-like message is null.
 */
export function parseHostMessage(data: unknown, expectedNonce: string): HostMessage | null {
  if (typeof data !== 'object' || data === null) return null
  const d = data as Record<string, unknown>
  if (d['source'] !== HOST_SOURCE || d['v'] !== PROTOCOL_VERSION) return null
  if (d['type'] !== 'hello' && d['type'] !== 'ping') return null
  if (d['nonce'] !== expectedNonce) return null
  return { source: HOST_SOURCE, v: PROTOCOL_VERSION, type: d['type'], nonce: expectedNonce }
}

/** Builds a status message. */
export function statusMessage(s: Omit<WidgetStatus, 'source' | 'v' | 'type'>): WidgetStatus {
  return {
    source: WIDGET_SOURCE, v: PROTOCOL_VERSION, type: 'status', nonce: s.nonce, phase: s.phase,
    answered: s.answered, accepted: s.accepted, dutyCycle: s.dutyCycle, consent: s.consent,
    error: s.error === null ? null : s.error.slice(0, 200),
  }
}

/**
 * Validates a status message as the loader does (the loader is plain JS and repeats these checks;
 * this twin documents them and is what the tests pin).
 */
export function parseStatusMessage(data: unknown, expectedNonce: string): WidgetStatus | null {
  if (typeof data !== 'object' || data === null) return null
  const d = data as Record<string, unknown>
  if (d['source'] !== WIDGET_SOURCE || d['v'] !== PROTOCOL_VERSION || d['type'] !== 'status') return null
  if (d['nonce'] !== expectedNonce) return null
  const phase = d['phase']
  if (typeof phase !== 'string' || !(PHASES as readonly string[]).includes(phase)) return null
  const n = (k: string) => (typeof d[k] === 'number' && Number.isFinite(d[k]) ? (d[k] as number) : 0)
  return statusMessage({
    nonce: expectedNonce, phase: phase as MiningPhase, answered: n('answered'), accepted: n('accepted'),
    dutyCycle: n('dutyCycle'), consent: d['consent'] === true, error: typeof d['error'] === 'string' ? d['error'] : null,
  })
}
