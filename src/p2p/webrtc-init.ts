/**
 * Workaround for a race in @libp2p/webrtc 6.0.33's browser-to-browser dial (private-to-private
 * `initiateConnection`): the dialer creates an 'init' data channel, waits for its peer connection
 * to report 'connected', then does `if (channel.readyState !== 'open') await pEvent(channel, 'open')`,
 * closes the channel and awaits its 'close' event. The recipient's muxer closes the 'init' channel
 * as soon as it sees it. Chromium can deliver the channel's 'open', 'closing' and 'close' events
 * BEFORE the peer connection's 'connected' (recorded on a stalled dial: open at +549 ms, closing
 * +549, close +554, connectionState 'connected' +571), so when the dialer looks the channel is
 * already closed and it waits for an 'open' (then a 'close') that already happened, until the dial
 * times out. A dialer whose page is busier than the recipient's (a validator under load) loses the
 * race on every retry: 13 of 45 parallel dials stalled here on an idle machine.
 *
 * The fix: every 'init' channel this page creates is watched from creation, and a listener for
 * 'open' or 'close' added after that event already happened is called at once (in a microtask)
 * instead of never. Nothing else changes: other channels, and 'init' channels that have not yet
 * opened or closed, behave as before.
 */

const PATCHED = Symbol.for('webtensor.webrtc-init-late-events')

/** Installs the workaround on this realm's RTCPeerConnection (idempotent; no-op without WebRTC). */
export function patchInitChannelRace(): void {
  const Pc = (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection
  if (typeof Pc !== 'function') return
  const proto = Pc.prototype as RTCPeerConnection & { [PATCHED]?: true }
  if (proto[PATCHED] === true) return
  const create = proto.createDataChannel
  proto.createDataChannel = function createDataChannel(this: RTCPeerConnection, label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = create.call(this, label, init)
    if (label === 'init') replayLateEvents(channel)
    return channel
  }
  Object.defineProperty(proto, PATCHED, { value: true })
}

/** Makes `channel` call an 'open' or 'close' listener added after that event fired. */
function replayLateEvents(channel: RTCDataChannel): void {
  const seen = new Set<string>()
  const add = channel.addEventListener.bind(channel)
  add('open', () => { seen.add('open') })
  add('close', () => { seen.add('close') })
  channel.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions) => {
    if (listener === null) return
    add(type, listener, options)
    if (!seen.has(type)) return
    // 'open' is replayed only once the channel is past it: while still open, readyState says so.
    if (type === 'open' && channel.readyState === 'open') return
    queueMicrotask(() => {
      const event = new Event(type)
      if (typeof listener === 'function') listener.call(channel, event)
      else listener.handleEvent(event)
    })
  }) as RTCDataChannel['addEventListener']
}
