/**
 * The app's browser door: its Svelte parts, for the page's entry (src/main.ts) and the widget,
 * which drives the same mining session. Node code uses ./index.ts, which loads no Svelte module.
 */
export { default as App } from './App.svelte'
export * from './index.ts'
export { MiningSession } from './mining.svelte.ts'
export { PowerPolicy } from './power.svelte.ts'
export { lazyMiningImpl } from './impl-loaders.ts'
