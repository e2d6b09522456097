/**
 * What the widget learns about where it is embedded: the host origin (from the browser, not from
 * anything the host says) and the loader's URL parameters.
 */

/** Parameters the loader puts in the iframe URL. */
export interface WidgetParams {
  /** Nonce echoed in every status message; null when absent or malformed. */
  nonce: string | null
  /** Host-suggested duty cycle, clamped to 0.1..0.5 (a host cannot ask for more). */
  dutyCycle: number
  /** Host-named subnet, or null. */
  netuid: number | null
}

/** Default duty cycle of the widget: modest, since the user is on someone else's page. */
export const DEFAULT_WIDGET_DUTY_CYCLE = 0.25
/** The most a host may suggest; the user can still raise it inside the widget. */
export const MAX_HOST_DUTY_CYCLE = 0.5

/** Reads `?nonce=&duty=&netuid=` (the hash is read too, for loaders that put them there). */
export function widgetParams(url: string): WidgetParams {
  const u = new URL(url)
  const q = new URLSearchParams(u.search)
  for (const [k, v] of new URLSearchParams(u.hash.slice(1))) if (!q.has(k)) q.set(k, v)
  const nonce = q.get('nonce')
  const duty = Number(q.get('duty') ?? NaN)
  const netuidRaw = q.get('netuid')
  const netuid = netuidRaw !== null && /^\d{1,5}$/.test(netuidRaw) && Number(netuidRaw) <= 65535 ? Number(netuidRaw) : null
  return {
    nonce: nonce !== null && /^[A-Za-z0-9_-]{8,64}$/.test(nonce) ? nonce : null,
    dutyCycle: Number.isFinite(duty) ? Math.min(MAX_HOST_DUTY_CYCLE, Math.max(0.1, duty)) : DEFAULT_WIDGET_DUTY_CYCLE,
    netuid,
  }
}

/**
 * The embedding page's origin: `location.ancestorOrigins[0]` where the browser has it (Chromium,
 * WebKit; the host cannot forge it), else the origin of `document.referrer`. Null when the widget
 * is the top-level page or the host cannot be told (no referrer).
 */
export function hostOrigin(env: { isTop: boolean; ancestorOrigins?: ArrayLike<string> | undefined; referrer: string }): string | null {
  if (env.isTop) return null
  const first = env.ancestorOrigins !== undefined && env.ancestorOrigins.length > 0 ? env.ancestorOrigins[0] : undefined
  if (first !== undefined && first !== 'null') return first
  if (env.referrer === '') return null
  try {
    const o = new URL(env.referrer).origin
    return o === 'null' ? null : o
  } catch {
    return null
  }
}
