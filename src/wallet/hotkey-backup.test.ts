/** The backup rules around the session hotkey: the keystore file's checks, the ledger, the destroy warning. */
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { BACKUP_LEDGER_KEY, backupLedger, createMemoryHotkeyStorage, destroyWarning, keySignerFromKeyFile, openSessionHotkeys, parseKeystoreFile } from './index.ts'

function memoryLedgerStorage(): Pick<Storage, 'getItem' | 'setItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) }
}

beforeAll(async () => { await cryptoWaitReady() })

describe('session hotkey backup', () => {
  it('the exported keystore is polkadot{.js} JSON that passes the file checks, re-imports, and opens in the CLI loader only with its password', async () => {
    const keys = openSessionHotkeys({ storage: createMemoryHotkeyStorage() })
    const key = await keys.getOrCreate()
    const json = await keys.exportJson('a long password')
    const parsed = parseKeystoreFile(JSON.stringify(json))
    expect(parsed.address).toBe(key.address)
    expect((await keySignerFromKeyFile(parsed, 'a long password')).address).toBe(key.address)
    await expect(keySignerFromKeyFile(parsed, 'other')).rejects.toThrow()
    const other = openSessionHotkeys({ storage: createMemoryHotkeyStorage() })
    expect((await other.importJson(parsed, 'a long password')).address).toBe(key.address)
  })

  it('refuses files that are not an encrypted sr25519 keystore, naming what is wrong', () => {
    const ed = new Keyring({ type: 'ed25519' }).addFromUri('//Alice').toJson('pw')
    const sr = new Keyring({ type: 'sr25519' }).addFromUri('//Alice').toJson('pw')
    expect(() => parseKeystoreFile('not json')).toThrow(/not JSON/)
    expect(() => parseKeystoreFile('[]')).toThrow(/not a JSON object/)
    expect(() => parseKeystoreFile('{}')).toThrow(/"encoded"/)
    expect(() => parseKeystoreFile(JSON.stringify(ed))).toThrow(/ed25519/)
    expect(() => parseKeystoreFile(JSON.stringify({ ...sr, encoding: { ...sr.encoding, type: ['none'] } }))).toThrow(/scrypt/)
    expect(() => parseKeystoreFile(JSON.stringify({ ...sr, address: 'nope' }))).toThrow(/address/)
    expect(() => parseKeystoreFile(' '.repeat(17 * 1024))).toThrow(/bytes/)
  })

  it('warns before destroying an unbacked key with a uid or stake, not otherwise', () => {
    const storage = memoryLedgerStorage()
    const ledger = backupLedger(storage)
    const address = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'
    expect(destroyWarning('forget', { address, uid: null }, ledger)).toBeNull()
    expect(destroyWarning('forget', { address, uid: 7, netuid: 1 }, ledger)).toContain('uid 7 on subnet 1')
    expect(destroyWarning('replace', { address, uid: null, stakeRao: 5n }, ledger)).toContain('5 rao of stake')
    expect(destroyWarning('forget', { address, uid: 2, mayHoldStake: true }, ledger)).toContain('uid 2 (and the burn paid for it) and the stake on it')
    ledger.markBackedUp(address)
    expect(JSON.parse(storage.data.get(BACKUP_LEDGER_KEY)!)).toHaveProperty(address)
    expect(destroyWarning('forget', { address, uid: 7 }, backupLedger(storage))).toBeNull()
    // Without storage nothing is remembered, so it always warns.
    const none = backupLedger(undefined)
    none.markBackedUp(address)
    expect(destroyWarning('forget', { address, uid: 7 }, none)).not.toBeNull()
  })
})
