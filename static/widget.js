/*! webtensor widget loader (Apache-2.0). Defines <webtensor-miner>: a cross-origin iframe of the
 * webtensor app in widget mode. The host page gets status events; it cannot start mining, which
 * only a user's click inside the iframe does. Docs: docs/widget.md */
(() => {
  'use strict'
  if (typeof customElements === 'undefined' || customElements.get('webtensor-miner')) return
  const me = document.currentScript
  const DEFAULT_APP = me && me.src ? new URL(me.src).origin : location.origin
  const PHASES = ['idle', 'registering', 'loading-model', 'joining', 'mining', 'paused', 'error']
  const ALLOW = 'cross-origin-isolated; compute-pressure; storage-access'
  const num = (v) => (typeof v === 'number' && isFinite(v) ? v : 0)

  class WebtensorMiner extends HTMLElement {
    static get observedAttributes() { return ['app', 'netuid', 'duty-cycle'] }
    #frame = null
    #origin = ''
    #nonce = ''
    #status = null
    #onMessage = (e) => this.#receive(e)

    /** The last status the widget reported (a frozen copy), or null. */
    get status() { return this.#status }

    /** Asks the widget to report its status again. Nothing a host sends can start mining. */
    ping() { this.#send('ping') }

    connectedCallback() {
      window.addEventListener('message', this.#onMessage)
      this.#render()
    }

    disconnectedCallback() {
      window.removeEventListener('message', this.#onMessage)
      if (this.#frame) this.#frame.remove()
      this.#frame = null
    }

    attributeChangedCallback() { if (this.isConnected) this.#render() }

    #render() {
      let app
      try { app = new URL(this.getAttribute('app') || DEFAULT_APP) } catch { return }
      if (app.protocol !== 'https:' && app.protocol !== 'http:') return
      const root = this.shadowRoot || this.attachShadow({ mode: 'open' })
      if (!root.firstChild) {
        const style = document.createElement('style')
        style.textContent = ':host{display:inline-block;width:340px;height:300px;max-width:100%}iframe{border:0;width:100%;height:100%;border-radius:12px;color-scheme:normal}'
        root.append(style)
      }
      if (this.#frame) this.#frame.remove()
      this.#origin = app.origin
      this.#nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
      this.#status = null
      const q = new URLSearchParams({ mode: 'widget', nonce: this.#nonce })
      const netuid = this.getAttribute('netuid')
      if (netuid && /^\d{1,5}$/.test(netuid)) q.set('netuid', netuid)
      const duty = Number(this.getAttribute('duty-cycle') || '0.25')
      if (isFinite(duty)) q.set('duty', String(duty))
      const f = document.createElement('iframe')
      f.src = app.origin + '/?' + q
      f.title = this.getAttribute('title') || 'webtensor miner (asks before it uses your GPU)'
      f.allow = ALLOW
      f.referrerPolicy = 'origin'
      f.addEventListener('load', () => this.#send('hello'))
      this.#frame = f
      root.append(f)
    }

    #send(type) {
      const w = this.#frame && this.#frame.contentWindow
      if (w) w.postMessage({ source: 'webtensor-host', v: 1, type, nonce: this.#nonce }, this.#origin)
    }

    #receive(e) {
      // Only our own iframe, from the app origin, with our nonce, in the v1 status shape.
      if (!this.#frame || e.source !== this.#frame.contentWindow || e.origin !== this.#origin) return
      const d = e.data
      if (!d || d.source !== 'webtensor' || d.v !== 1 || d.type !== 'status' || d.nonce !== this.#nonce) return
      if (PHASES.indexOf(d.phase) < 0) return
      const s = Object.freeze({
        phase: d.phase, answered: num(d.answered), accepted: num(d.accepted), dutyCycle: num(d.dutyCycle),
        consent: d.consent === true, error: typeof d.error === 'string' ? d.error : null,
      })
      this.#status = s
      this.dispatchEvent(new CustomEvent('webtensor-status', { detail: s, bubbles: true, composed: true }))
    }
  }
  customElements.define('webtensor-miner', WebtensorMiner)
})()
