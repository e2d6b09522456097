import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'

const target = document.getElementById('app')
if (target === null) throw new Error('index.html lacks #app')
// `?mode=widget`: the compact, consent-gated UI that <webtensor-miner> (static/widget.js) frames.
if (new URL(location.href).searchParams.get('mode') === 'widget') {
  void import('../widget/Widget.svelte').then(({ default: Widget }) => mount(Widget, { target }))
} else {
  mount(App, { target })
}
