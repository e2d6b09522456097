import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cdp, page, userEvent } from 'vitest/browser'
import { flushSync, mount, unmount } from 'svelte'
import Widget from './Widget.svelte'
import { CONSENT_KEY, ConsentStore, idbConsentStorage, memoryStorage, requestStorageAccess, type ConsentStorage, type FrameStorageEnv } from './consent.ts'
import { MiningSession, type MiningImpl } from '../ui/browser.ts'

/**
 * The widget component in real Chromium with real (trusted vs untrusted) clicks. The miner role
 * behind MiningSession is a stand-in that records calls (the real one needs the chain, relay and
 * model; the e2e test drives it).
 */
function standInMiner(): MiningImpl & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    async start(s) { calls.push('start'); s.phase = 'mining' },
    pause() { calls.push('pause') },
    resume() { calls.push('resume') },
    setDutyCycle(f) { calls.push(`duty ${f}`) },
    async stop() { calls.push('stop') },
  }
}

const until = async (cond: () => boolean) => { await expect.poll(cond, { timeout: 10_000 }).toBe(true) }
const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name)

describe('Widget', () => {
  // A viewport the runner's window holds at scale 1: a scaled (transformed) frame is, rightly, not
  // "visible" to IntersectionObserver v2.
  beforeAll(async () => { await page.viewport(400, 560) })
  let app: ReturnType<typeof mount> | undefined
  let box: HTMLElement | undefined
  afterEach(() => {
    if (app !== undefined) unmount(app)
    box?.remove()
    localStorage.removeItem(CONSENT_KEY)
    app = box = undefined
  })

  function render(frameEnv?: FrameStorageEnv): { session: MiningSession; miner: ReturnType<typeof standInMiner> } {
    const miner = standInMiner()
    const session = new MiningSession(miner)
    box = document.createElement('div')
    document.body.append(box)
    app = mount(Widget, { target: box, props: frameEnv === undefined ? { session } : { session, frameEnv } })
    flushSync()
    return { session, miner }
  }

  it('starts only from a trusted click, remembers consent when asked, and Forget revokes it', async () => {
    const { session, miner } = render()
    // The widget's default duty cycle is modest, whatever the app stored before.
    expect(session.dutyCycle).toBe(0.25)
    await until(() => document.querySelector('main')?.dataset['visible'] === 'true')
    button('Start mining')!.click() // a script's click: untrusted
    await until(() => document.querySelector('[data-testid=refused]') !== null)
    expect(miner.calls).not.toContain('start')
    expect(session.phase).toBe('idle')

    await userEvent.click(document.querySelector<HTMLInputElement>('input[type=checkbox]')!)
    await userEvent.click(button('Start mining')!)
    await until(() => session.phase === 'mining')
    expect(miner.calls).toContain('start')
    expect(document.querySelector('[data-testid=widget-chip]')!.textContent).toContain('Mining')
    const stored = JSON.parse(localStorage.getItem(CONSENT_KEY) ?? '{}') as Record<string, { dutyCycle: number }>
    expect(Object.values(stored)).toEqual([expect.objectContaining({ dutyCycle: 0.25 })])

    await userEvent.click(button('Forget this site')!)
    await until(() => session.phase === 'idle')
    expect(miner.calls).toContain('stop')
    expect(localStorage.getItem(CONSENT_KEY)).toBeNull()
  })

  it('pauses while the widget cannot be seen and resumes when it can', async () => {
    const { session, miner } = render()
    await until(() => document.querySelector('main')?.dataset['visible'] === 'true')
    await userEvent.click(button('Start mining')!)
    await until(() => session.phase === 'mining')

    box!.style.opacity = '0.2' // faded by the page (IntersectionObserver v2)
    await until(() => session.phase === 'paused')
    expect(document.querySelector('[data-testid=widget-chip]')!.textContent).toContain('out of view')
    box!.style.opacity = ''
    await until(() => session.phase === 'mining')

    box!.style.display = 'none' // hidden outright
    await until(() => session.phase === 'paused')
    box!.style.display = ''
    await until(() => session.phase === 'mining')
    expect(miner.calls.filter((c) => c === 'pause')).toHaveLength(2)
    expect(miner.calls.filter((c) => c === 'resume')).toHaveLength(2)

    // A pause the user chose is not undone by coming back into view.
    await userEvent.click(button('Pause')!)
    box!.style.opacity = '0.2'
    await until(() => document.querySelector('main')?.dataset['visible'] === 'false')
    box!.style.opacity = ''
    await until(() => document.querySelector('main')?.dataset['visible'] === 'true')
    expect(session.phase).toBe('paused')
  })

  it('follows CPU pressure: duty capped at "serious", paused at "critical", restored at "nominal"', async () => {
    const session = cdp()
    await session.send('Emulation.setPressureSourceOverrideEnabled', { enabled: true, source: 'cpu' })
    try {
      await session.send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'nominal' })
      const { session: mining } = render()
      await until(() => document.querySelector('main')?.dataset['visible'] === 'true')
      await userEvent.click(button('Start mining')!)
      await until(() => mining.phase === 'mining')
      await session.send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'serious' })
      await until(() => mining.dutyCycle === 0.1)
      expect(mining.phase).toBe('mining')
      await session.send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'critical' })
      await until(() => mining.phase === 'paused')
      expect(document.querySelector('[data-testid=widget-chip]')!.textContent).toContain('under pressure')
      await session.send('Emulation.setPressureStateOverride', { source: 'cpu', state: 'nominal' })
      await until(() => mining.phase === 'mining')
      expect(mining.dutyCycle).toBe(0.25)
    } finally {
      await session.send('Emulation.setPressureSourceOverrideEnabled', { enabled: false, source: 'cpu' })
    }
  })

  /**
   * SIMULATION of blocked third-party storage: this test page is same-site with the runner, so its
   * real localStorage works. The widget gets a frame environment whose localStorage throws
   * SecurityError (what Chromium does in a cross-site frame with third-party storage blocked; the
   * e2e test sees it for real) and a stand-in Storage Access API that records its calls.
   */
  function simulatedBlockedFrame(opts: { answer?: 'deny' | 'grant' | 'none'; permission?: PermissionState; storage?: ConsentStorage } = {}) {
    const unpartitioned = opts.storage ?? memoryStorage()
    const calls: Array<{ types: unknown; activation: boolean | undefined }> = []
    const env: FrameStorageEnv = {
      localStorage: () => { throw new DOMException('Access is denied for this document.', 'SecurityError') },
      permissionState: async () => opts.permission ?? 'prompt',
      hasStorageAccess: async () => false,
      requestStorageAccess: opts.answer === 'none' ? undefined : async (types) => {
        calls.push({ types, activation: (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation?.isActive })
        if (opts.answer === 'grant' || opts.permission === 'granted') return { localStorage: unpartitioned as Storage }
        throw new DOMException('requestStorageAccess not allowed', 'NotAllowedError')
      },
    }
    return { env, calls, unpartitioned }
  }
  const text = (id: string) => document.querySelector(`[data-testid=${id}]`)?.textContent ?? null
  const BLOCKED = 'Your browser blocks storage for embedded sites, so this choice lasts until you leave this page.'

  it('simulated blocked storage, access denied: consent lasts this visit, says so, and Forget revokes it', async () => {
    const frame = simulatedBlockedFrame({ answer: 'deny' })
    const { session, miner } = render(frame.env)
    await until(() => document.querySelector('main')?.dataset['visible'] === 'true')
    expect(text('no-storage')).toContain('may ask you to allow it')
    // Loading asked the browser for nothing (the permission is not granted): no prompt spam.
    await new Promise((r) => setTimeout(r, 50))
    expect(frame.calls).toEqual([])
    // A script's click neither starts nor asks for storage.
    await userEvent.click(document.querySelector<HTMLInputElement>('input[type=checkbox]')!)
    button('Start mining')!.click()
    await until(() => text('refused') !== null)
    expect(frame.calls).toEqual([])

    await userEvent.click(button('Start mining')!)
    await until(() => session.phase === 'mining')
    expect(miner.calls).toContain('start')
    // Asked once, from the trusted click (transient activation), for localStorage.
    expect(frame.calls).toEqual([{ types: { localStorage: true, indexedDB: true }, activation: true }])
    expect(text('consent-session')).toBe(BLOCKED)
    expect(localStorage.getItem(CONSENT_KEY)).toBeNull() // nothing leaked into the real storage

    await userEvent.click(button('Forget this site')!)
    await until(() => session.phase === 'idle')
    expect(text('consent-session')).toBeNull()
    expect(text('consent-text')).toContain('invites you')
    expect(text('no-storage')).toBe(BLOCKED)
    expect(frame.calls).toHaveLength(1)
  })

  it('simulated blocked storage, access granted on click: consent goes to the granted storage and is restored at the next load without a prompt', async () => {
    const frame = simulatedBlockedFrame({ answer: 'grant' })
    const first = render(frame.env)
    await until(() => document.querySelector('main')?.dataset['visible'] === 'true')
    await userEvent.click(document.querySelector<HTMLInputElement>('input[type=checkbox]')!)
    await userEvent.click(button('Start mining')!)
    await until(() => first.session.phase === 'mining')
    expect(frame.calls).toEqual([{ types: { localStorage: true, indexedDB: true }, activation: true }])
    expect(text('consent-session')).toBeNull()
    const stored = JSON.parse(frame.unpartitioned.getItem(CONSENT_KEY) ?? '{}') as Record<string, { dutyCycle: number }>
    expect(Object.values(stored)).toEqual([expect.objectContaining({ dutyCycle: 0.25 })])
    unmount(app!); box!.remove(); app = box = undefined

    // Next visit: the permission now reads "granted", so the widget may ask without a gesture.
    const again = simulatedBlockedFrame({ permission: 'granted', storage: frame.unpartitioned })
    const second = render(again.env)
    await until(() => text('consent-remembered') !== null)
    expect(text('consent-remembered')).not.toContain('for this visit')
    // Asked once at load, before any click on this widget (the page's earlier click may still count as activation, so that is not checked).
    expect(again.calls.map((c) => c.types)).toEqual([{ localStorage: true, indexedDB: true }])
    expect(second.session.phase).toBe('idle') // remembered consent never starts anything by itself
    expect(second.miner.calls).not.toContain('start')
    await userEvent.click(button('Forget this site')!)
    await until(() => frame.unpartitioned.getItem(CONSENT_KEY) === null)
  })

  it('simulated blocked storage without the Storage Access API: says so up front, consent for this visit only', async () => {
    const frame = simulatedBlockedFrame({ answer: 'none' })
    const { session } = render(frame.env)
    await until(() => document.querySelector('main')?.dataset['visible'] === 'true')
    expect(text('no-storage')).toBe(BLOCKED)
    await userEvent.click(document.querySelector<HTMLInputElement>('input[type=checkbox]')!)
    await userEvent.click(button('Start mining')!)
    await until(() => session.phase === 'mining')
    expect(text('consent-session')).toBe(BLOCKED)
    await userEvent.click(button('Stop')!)
    await until(() => session.phase === 'idle')
    expect(text('consent-remembered')).toContain('for this visit')
    await userEvent.click(button('Forget this site')!)
    await until(() => text('consent-text') !== null)
  })
})

describe('consent in IndexedDB (the storage-access handle\'s, where its localStorage is refused)', () => {
  it('persists grants and revocations across instances, and reads back what an earlier visit wrote', async () => {
    const first = await idbConsentStorage(indexedDB)
    expect(first).not.toBeNull()
    const a = new ConsentStore(first!)
    a.revoke('https://a.example')
    a.grant('https://a.example', 0.25)
    a.grant('https://b.example', 0.5)
    a.revoke('https://b.example')
    // Writes go through asynchronously: a later visit (new instance) waits for them by opening anew.
    await expect.poll(async () => new ConsentStore((await idbConsentStorage(indexedDB))!).origins()).toEqual(['https://a.example'])
    expect(new ConsentStore((await idbConsentStorage(indexedDB))!).get('https://a.example')?.dutyCycle).toBe(0.25)
    a.revoke('https://a.example')
    await expect.poll(async () => new ConsentStore((await idbConsentStorage(indexedDB))!).origins()).toEqual([])
  })

  it('requestStorageAccess falls back to the handle\'s IndexedDB when its localStorage throws', async () => {
    const refused = { getItem() { throw new DOMException('denied', 'SecurityError') } } as unknown as Storage
    const s = await requestStorageAccess({
      localStorage: () => { throw new DOMException('denied', 'SecurityError') },
      requestStorageAccess: async () => ({ localStorage: refused, indexedDB }),
    })
    expect(s).not.toBeNull()
    s!.setItem(CONSENT_KEY, '{}')
    expect(s!.getItem(CONSENT_KEY)).toBe('{}')
    s!.removeItem(CONSENT_KEY)
  })
})
