/// <reference lib="webworker" />
/**
 * The service worker: precaches the app shell (the list vite-plugin-pwa injects at build time)
 * so the app loads offline after the first visit, and serves navigations from the cached
 * index.html. Models and ONNX Runtime's wasm are cached by the model store, not here; ORT's small
 * glue script is precached here, so a returning visit fetches no runtime file.
 * A new version waits until the page says so (the update prompt): never a reload mid-work.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { clientsClaim } from 'workbox-core'
// Directly, not through src/gpu/index.ts: the service worker bundle takes two constants, not the GPU client.
import { ORT_GLUE, ORT_GLUE_SHA256 } from '../gpu/ort-runtime.ts'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> }

// ORT's glue script is precached with its pinned sha256 as integrity (a changed file fails the
// install instead of being served); ORT's wasm comes from the model store's cache as bytes.
const gluePath = `ort/${ORT_GLUE}`
const glueIntegrity = `sha256-${btoa(String.fromCharCode(...(ORT_GLUE_SHA256.match(/../gu) ?? []).map((h) => parseInt(h, 16))))}`
precacheAndRoute(self.__WB_MANIFEST.map((e) => (typeof e !== 'string' && (e.url === gluePath || e.url.endsWith(`/${gluePath}`)) ? { ...e, integrity: glueIntegrity } : e)))
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
