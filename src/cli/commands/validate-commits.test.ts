/** `webtensor validate` keeps its weight commits (v2 salts) beside its keystore unless told otherwise (issue 16.5). */
import { expect, it } from 'vitest'
import { commitsBeside } from './validate.ts'

it('the headless validator keeps its commits beside its keystore by default', () => {
  expect(commitsBeside('/keys/hotkey.json')).toBe('/keys/hotkey.commits.json')
  expect(commitsBeside('/keys/HOTKEY.JSON')).toBe('/keys/HOTKEY.commits.json')
  expect(commitsBeside('hotkey')).toBe('hotkey.commits.json')
})
