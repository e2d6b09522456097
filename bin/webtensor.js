#!/usr/bin/env node
// The `webtensor` command. Sources are TypeScript; tsx runs them without a build step.
import { register } from 'tsx/esm/api'
if (typeof Promise.withResolvers !== 'function') {
  // Node 20 lacks Promise.withResolvers, which libp2p 3 uses.
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
