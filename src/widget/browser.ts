/** The widget's browser door: its component, mounted by the page's entry (src/main.ts) in widget mode. */
export { default as Widget } from './Widget.svelte'
