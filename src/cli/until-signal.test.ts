/**
 * `untilSignal` / `watchSignals` in a child process, as the commands use them: the first SIGTERM
 * or SIGINT runs `stop` and the process ends with 0; by default a second Ctrl-C during a slow
 * stop ends it at once (Node's default); with `keep` it only reports the signal again.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = new URL('../../', import.meta.url).pathname
const children = new Set<ChildProcess>()
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

/**
 * Runs an ES module body with `untilSignal` and `watchSignals` imported; a timer keeps it alive.
 * The body prints 'ready' once its handlers are in place (a signal before that would kill it).
 */
function script(body: string): { child: ChildProcess; out: () => string; waitFor: (text: string) => Promise<void>; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const code = `import { untilSignal, watchSignals } from './src/cli/until-signal.ts'\nconst keepAlive = setInterval(() => {}, 1000)\n${body}\nclearInterval(keepAlive)\n`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let out = ''
  let err = ''
  const waiters: Array<() => void> = []
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    for (const w of waiters) w()
  })
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const waitFor = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.includes(text)) resolve()
      }
      waiters.push(check)
      void exit.then(() => reject(new Error(`exited before printing '${text}': ${out}${err}`)))
      check()
    })
  return { child, out: () => out, waitFor, exit }
}

describe('untilSignal', () => {
  it('runs stop at SIGTERM, returns the signal and lets the process end with 0', async () => {
    const s = script(`
const waiting = untilSignal(async () => { await new Promise((r) => setTimeout(r, 50)); console.log('stopped') })
console.log('ready')
const sig = await waiting
console.log('returned ' + sig, process.listenerCount('SIGINT'), process.listenerCount('SIGTERM'))
`)
    await s.waitFor('ready')
    s.child.kill('SIGTERM')
    expect(await s.exit).toEqual({ code: 0, signal: null })
    expect(s.out()).toContain('stopped\nreturned SIGTERM 0 0')
  }, 30_000)

  it('counts a signal that came before it waits (during start-up); onSignal names it', async () => {
    const s = script(`
const watch = watchSignals({ onSignal: (sig) => console.log(sig + ': stopping') })
console.log('ready')
await new Promise((r) => setTimeout(r, 500))
console.log('aborted ' + watch.signal.aborted)
console.log('returned ' + await untilSignal(async () => console.log('stopped'), watch))
`)
    await s.waitFor('ready')
    s.child.kill('SIGINT')
    expect(await s.exit).toEqual({ code: 0, signal: null })
    expect(s.out()).toContain('SIGINT: stopping\naborted true\nstopped\nreturned SIGINT')
  }, 30_000)

  it('a second SIGINT during a slow stop ends the process at once', async () => {
    const s = script(`
const waiting = untilSignal(async () => { console.log('stopping'); await new Promise((r) => setTimeout(r, 60_000)) })
console.log('ready')
await waiting
console.log('returned')
`)
    await s.waitFor('ready')
    s.child.kill('SIGINT')
    await s.waitFor('stopping')
    s.child.kill('SIGINT')
    expect(await s.exit).toEqual({ code: null, signal: 'SIGINT' })
    expect(s.out()).not.toContain('returned')
  }, 30_000)

  it('with keep, a second signal only calls onSignal again; stop finishes', async () => {
    const s = script(`
const watch = watchSignals({ keep: true, onSignal: () => console.log('stopping') })
console.log('ready')
await untilSignal(async () => { console.log('in stop'); await new Promise((r) => setTimeout(r, 1500)) }, watch)
console.log('returned', process.listenerCount('SIGINT'))
`)
    await s.waitFor('ready')
    s.child.kill('SIGINT')
    await s.waitFor('in stop')
    s.child.kill('SIGTERM')
    expect(await s.exit).toEqual({ code: 0, signal: null })
    expect(s.out().match(/^stopping$/gm)?.length).toBe(2)
    expect(s.out()).toContain('returned 0')
  }, 30_000)
})
