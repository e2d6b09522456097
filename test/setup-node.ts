import '../src/server/node-shims.ts'
