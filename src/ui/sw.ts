/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell (the list vite-plugin-pwa injects at build time)
 * so the app loads offline after the first visit, and serves navigations from the cached
 * index.html. Models and ONNX Runtime's WASM are cached by the model store, not here.
 * A new version waits until the page says so (the update prompt): never a reload mid-work.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> }

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
// The first install takes control at once, so the shell is offline-ready after the first visit.
// Later versions wait in 'installed' until the page sends SKIP_WAITING (the update prompt).
clientsClaim()

// Navigations to app routes get the shell; server endpoints and static files are not navigations we own.
// The widget route goes to the server: its frame-ancestors differ from the cached shell's 'self'.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/(models|rpc|config\.json|partner|widget\.js)/, /[?&]mode=widget(&|$)/],
  }),
)

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting()
})
