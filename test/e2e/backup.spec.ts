/**
 * The session hotkey is not lost with the browser profile: a miner registers (uid), the page asks
 * the browser to persist its storage, Forget warns while the key has no backup, the miner backs
 * the key up from the app (a password-encrypted polkadot{.js} keystore that the CLI's keystore
 * loader opens), and a fresh profile restores it and mines again with the same uid.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from './fixtures.ts'
import { keySignerFromKeyFile } from '../../src/wallet/index.ts'

const PASSWORD = 'correct horse battery'

test('back up the session hotkey from the app, restore it in a fresh profile: same hotkey, same uid', async ({ browser, stack }) => {
  test.setTimeout(360_000)
  const first = await browser.newContext()
  const a = await first.newPage()
  await a.addInitScript(() => {
    const w = window as unknown as { __persist: number }
    w.__persist = 0
    const orig = navigator.storage.persist.bind(navigator.storage)
    navigator.storage.persist = () => { w.__persist++; return orig() }
  })
  await a.goto(stack.url)
  await a.getByRole('button', { name: 'Start mining' }).click()
  await expect(a.getByTestId('uid')).toHaveText(/^\d+$/, { timeout: 180_000 })
  const uid = (await a.getByTestId('uid').textContent())!
  // The key now holds a uid: the page asked the browser to keep its storage.
  await a.waitForFunction(() => (window as unknown as { __persist: number }).__persist > 0)
  await a.getByRole('button', { name: 'Stop' }).click()
  await expect(a.getByTestId('miner-phase')).toContainText('Not mining')

  await a.getByText('Session hotkey: back up, restore, forget').click()
  const hotkey = (await a.getByTestId('session-hotkey').textContent())!
  expect(hotkey).toMatch(/^5[1-9A-HJ-NP-Za-km-z]{47}$/)
  // Forget without a backup warns that the uid would be lost; dismissing keeps the key.
  const warned = a.waitForEvent('dialog').then(async (d) => { const m = d.message(); await d.dismiss(); return m })
  await a.getByRole('button', { name: 'Forget hotkey' }).click()
  const warning = await warned
  expect(warning).toContain('no backup')
  expect(warning).toContain(`uid ${uid}`)
  await expect(a.getByTestId('session-hotkey')).toHaveText(hotkey)

  // Back up: a keystore download.
  await a.getByRole('button', { name: 'Back up hotkey' }).click()
  await a.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await a.getByLabel('Repeat password').fill(PASSWORD)
  const download = a.waitForEvent('download')
  await a.getByRole('button', { name: 'Download key file' }).click()
  const dir = mkdtempSync(join(tmpdir(), 'webtensor-backup-'))
  const dl = await download
  expect(dl.suggestedFilename()).toBe(`webtensor-hotkey-${hotkey.slice(0, 8)}.json`)
  const file = join(dir, dl.suggestedFilename())
  await dl.saveAs(file) // kept after this profile closes
  const json = JSON.parse(readFileSync(file, 'utf8')) as { address: string; encoded: string; encoding: { content: string[]; type: string[] } }
  expect(json.address).toBe(hotkey)
  expect(json.encoding.content).toEqual(['pkcs8', 'sr25519'])
  expect(json.encoding.type).toContain('scrypt')
  // The file opens with its password as `webtensor validate --keystore` opens keystores, and not without it.
  expect((await keySignerFromKeyFile(json, PASSWORD)).address).toBe(hotkey)
  await expect(keySignerFromKeyFile(json, 'wrong password')).rejects.toThrow()
  await expect(a.getByTestId('backup-message')).toContainText('Saved')
  // Backed up: Forget no longer warns about loss (a plain confirmation); dismiss it.
  const plain = a.waitForEvent('dialog').then(async (d) => { const m = d.message(); await d.dismiss(); return m })
  await a.getByRole('button', { name: 'Forget hotkey' }).click()
  expect(await plain).not.toContain('no backup')
  await first.close()

  // A fresh profile: no hotkey until the backup is restored; then Start mining finds the same uid.
  const second = await browser.newContext()
  const b = await second.newPage()
  await b.goto(stack.url)
  await b.getByText('Session hotkey: back up, restore, forget').click()
  await expect(b.getByTestId('session-hotkey')).toHaveText('none yet')
  await b.getByRole('button', { name: 'Restore from a backup' }).click()
  await b.getByLabel('Key file', { exact: true }).setInputFiles(file)
  await b.getByLabel('Key file password').fill('wrong password')
  await b.getByRole('button', { name: 'Restore', exact: true }).click()
  await expect(b.getByRole('alert')).toContainText('password')
  await b.getByLabel('Key file password').fill(PASSWORD)
  await b.getByRole('button', { name: 'Restore', exact: true }).click()
  await expect(b.getByTestId('session-hotkey')).toHaveText(hotkey)
  await b.getByRole('button', { name: 'Start mining' }).click()
  await expect(b.getByTestId('uid')).toHaveText(uid, { timeout: 180_000 })
  await b.getByRole('button', { name: 'Stop' }).click()
  await second.close()
  rmSync(dir, { recursive: true, force: true })
})
