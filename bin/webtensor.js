#!/usr/bin/env node
// The `webtensor` command. Sources are TypeScript; tsx runs them without a build step.
import { register } from 'tsx/esm/api'
register()
// Node 20 shims libp2p needs (Promise.withResolvers).
await import('../src/server/node-shims.ts')
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
