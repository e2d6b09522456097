import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cdp, page, userEvent } from 'vitest/browser'
import { flushSync, mount, unmount } from 'svelte'
import Widget from './Widget.svelte'
import { CONSENT_KEY } from './consent.ts'
import { MiningSession, type MiningImpl } from '../ui/mining.svelte.ts'

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

  function render(): { session: MiningSession; miner: ReturnType<typeof standInMiner> } {
    const miner = standInMiner()
    const session = new MiningSession(miner)
    box = document.createElement('div')
    document.body.append(box)
    app = mount(Widget, { target: box, props: { session } })
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
})
