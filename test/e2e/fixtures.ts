/**
 * Shared Playwright fixtures: `stack` is the local stack exactly as `npm start` runs it (the built
 * app in dist/ must exist: `npm test` builds it first), started once per worker on free ports.
 */
import { test as base } from '@playwright/test'
import { startStack, type Stack } from '../../src/server/index.ts'

export const test = base.extend<object, { stack: Stack }>({
  stack: [
    async ({}, use) => {
      const stack = await startStack({ port: 0, services: { validator: false } })
      await use(stack)
      await stack.stop()
    },
    { scope: 'worker', timeout: 180_000 },
  ],
})
export { expect } from '@playwright/test'
