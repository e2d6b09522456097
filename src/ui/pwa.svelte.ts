/**
 * Service-worker registration and the update prompt state. A new version never reloads the page
 * by itself: `needRefresh` turns true and the user chooses when (`applyUpdate()`).
 */
import { Workbox } from 'workbox-window'

/** What the page knows about its service worker. */
export class PwaState {
  /** The service worker controls this page (the shell works offline). */
  offlineReady = $state(false)
  /** A newer version is installed and waiting for the user's go-ahead. */
  needRefresh = $state(false)
  /** Registration failed or service workers are unavailable (e.g. plain http on a LAN address). */
  error = $state<string | null>(null)
  #wb: Workbox | null = null

  /** Registers /sw.js; idempotent. */
  start(): void {
    if (this.#wb !== null) return
    if (!('serviceWorker' in navigator)) {
      this.error = 'Service workers are unavailable here, so the app will not work offline.'
      return
    }
    const wb = new Workbox('/sw.js', { scope: '/' })
    this.#wb = wb
    wb.addEventListener('waiting', () => { this.needRefresh = true })
    wb.addEventListener('controlling', () => { this.offlineReady = true })
    if (navigator.serviceWorker.controller !== null) this.offlineReady = true
    wb.register().then(
      () => navigator.serviceWorker.ready.then(() => { if (navigator.serviceWorker.controller !== null) this.offlineReady = true }),
      (err: unknown) => { this.error = `Service worker registration failed: ${err instanceof Error ? err.message : String(err)}` },
    )
  }

  /** Activates the waiting version and reloads once it controls the page. */
  applyUpdate(): void {
    const wb = this.#wb
    if (wb === null) return
    wb.addEventListener('controlling', () => window.location.reload())
    wb.messageSkipWaiting()
  }

  /** Hides the prompt until the next update. */
  dismissUpdate(): void { this.needRefresh = false }
}
