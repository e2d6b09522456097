/**
 * The Node door of src/server: the local stack (`webtensor start`) and the app's static server
 * with its security headers. The libp2p shims for Node 20 are a side-effect door of their own
 * (./node-shims.ts), loaded before anything that dials.
 */
export { startStack, type Stack, type StackInit } from './stack.ts'
export { startStaticServer, type StaticServer, type StaticServerInit } from './static-server.ts'
