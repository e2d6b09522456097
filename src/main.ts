/**
 * The page's entry point (index.html): mounts the full app (src/ui) or, with `?mode=widget`, the
 * embeddable widget (src/widget). It is the one place that knows both, so neither imports the
 * other's entry (the widget drives the app's mining session through src/ui's browser door).
 */
import { mount } from 'svelte'
import { App } from './ui/browser.ts'
import './ui/app.css'

const target = document.getElementById('app')
if (target === null) throw new Error('index.html lacks #app')

/** True when this page is framed by a page of another origin (its location cannot be read). */
function framedByOtherOrigin(): boolean {
  if (window.top === window) return false
  try {
    return window.top?.location.origin !== location.origin
  } catch {
    return true
  }
}

// `?mode=widget`: the compact, consent-gated UI that <webtensor-miner> (static/widget.js) frames.
if (new URL(location.href).searchParams.get('mode') === 'widget') {
  void import('./widget/browser.ts').then(({ Widget }) => mount(Widget, { target }))
} else if (framedByOtherOrigin()) {
  // Clickjacking guard where the server sent no frame-ancestors: the full app (Start mining,
  // Register, Stake) never runs inside another site's frame. Only the widget does, with its consent.
  target.innerHTML = '<main class="framed" data-testid="framed-refused"><h1>webtensor</h1><p>This page is shown inside another site, so it will not run here. <a target="_blank" rel="noopener">Open webtensor in its own tab</a>.</p></main>'
  target.querySelector('a')?.setAttribute('href', location.origin + '/')
} else {
  mount(App, { target })
}
