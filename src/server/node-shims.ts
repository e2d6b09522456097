/**
 * Node 20 shims for what libp2p 3 expects from a newer runtime. Imported first by Node entry
 * points (the stack, the CLI loads bin/webtensor.js which has the same shim).
 */
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void
      let reject!: (e?: unknown) => void
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    },
  })
}
export {}
