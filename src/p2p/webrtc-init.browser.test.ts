/**
 * The 'init' channel race of @libp2p/webrtc's browser-to-browser dial (see webrtc-init.ts), forced
 * with two real RTCPeerConnections in this Chromium page: the recipient closes the 'init' channel
 * the moment it arrives (as the library's muxer does), and the dialer only looks at the channel
 * after that close has reached it (as a dialer whose page is busier does). Then the dialer's steps
 * of `initiateConnection` run verbatim: `if (readyState !== 'open')` wait for 'open', close(), wait
 * for 'close'. Without the workaround the first wait never ends.
 */
import { describe, expect, it } from 'vitest'
import { patchInitChannelRace } from './webrtc-init.ts'

/** p-event's way (what the library uses): a listener added with addEventListener, until `signal`. */
function nextEvent(target: EventTarget, type: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => { target.removeEventListener(type, done); resolve() }
    target.addEventListener(type, done)
    signal.addEventListener('abort', () => { target.removeEventListener(type, done); reject(new Error(`no '${type}' event on the init channel`)) })
  })
}

/** Signals `dialer` to `recipient` in this page: offer, answer, candidates. */
async function signal(dialer: RTCPeerConnection, recipient: RTCPeerConnection): Promise<void> {
  dialer.onicecandidate = ({ candidate }) => { if (candidate !== null) void recipient.addIceCandidate(candidate) }
  recipient.onicecandidate = ({ candidate }) => { if (candidate !== null) void dialer.addIceCandidate(candidate) }
  const offer = await dialer.createOffer()
  await dialer.setLocalDescription(offer)
  await recipient.setRemoteDescription(offer)
  const answer = await recipient.createAnswer()
  await recipient.setLocalDescription(answer)
  await dialer.setRemoteDescription(answer)
}

/** Two connected peer connections; the recipient closes the dialer's 'init' channel on arrival. */
async function dialWithEagerRecipient(): Promise<{ channel: RTCDataChannel; close: () => void; closedBeforeLooking: Promise<void> }> {
  const dialer = new RTCPeerConnection({ iceServers: [] })
  const recipient = new RTCPeerConnection({ iceServers: [] })
  const channel = dialer.createDataChannel('init')
  // The test's own watcher, added at creation: resolves once the channel is closed.
  const closedBeforeLooking = new Promise<void>((resolve) => { channel.onclose = () => resolve() })
  recipient.ondatachannel = ({ channel: c }) => { if (c.label === 'init') c.close() }
  await signal(dialer, recipient)
  return { channel, closedBeforeLooking, close: () => { dialer.close(); recipient.close() } }
}

describe('the init channel race of WebRTC dials', () => {
  it('a dialer that looks after the recipient closed the init channel still completes its steps', async () => {
    patchInitChannelRace()
    const { channel, closedBeforeLooking, close } = await dialWithEagerRecipient()
    try {
      await closedBeforeLooking
      expect(channel.readyState).toBe('closed')
      // initiate-connection.js, from 'initiator connected' on:
      const signal = AbortSignal.timeout(10_000)
      if (channel.readyState !== 'open') await nextEvent(channel, 'open', signal)
      channel.close()
      await nextEvent(channel, 'close', signal)
    } finally {
      close()
    }
  })

  it('leaves an open init channel, and other channels, as they were', async () => {
    patchInitChannelRace()
    patchInitChannelRace() // idempotent: one wrapper, not two
    const dialer = new RTCPeerConnection({ iceServers: [] })
    const recipient = new RTCPeerConnection({ iceServers: [] })
    try {
      const init = dialer.createDataChannel('init')
      const other = dialer.createDataChannel('')
      expect(other.addEventListener).toBe(RTCDataChannel.prototype.addEventListener)
      expect(init.addEventListener).not.toBe(RTCDataChannel.prototype.addEventListener)
      const opened = new Promise<void>((resolve) => { init.onopen = () => resolve() })
      await signal(dialer, recipient)
      await opened
      // Open now: a late 'open' listener is not called (readyState already says 'open').
      let lateOpen = 0
      init.addEventListener('open', () => { lateOpen++ })
      await new Promise((r) => setTimeout(r, 0))
      expect(lateOpen).toBe(0)
      // Closed by this side: the 'close' listener added before the close is called once.
      let closes = 0
      const closed = new Promise<void>((resolve) => { init.addEventListener('close', () => { closes++; resolve() }) })
      init.close()
      await closed
      expect(closes).toBe(1)
    } finally {
      dialer.close()
      recipient.close()
    }
  })
})
