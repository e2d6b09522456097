// The architecture's doors and forbidden arrows, read by eslint.config.js and
// scripts/lint-svelte-imports.js (docs/architecture.md draws the same map).

/** Every folder of src/. */
export const FOLDERS = ['cli', 'consensus', 'devnet', 'gpu', 'p2p', 'roles', 'server', 'subnet', 'timelock', 'ui', 'wallet', 'weights', 'widget']

/** Each folder's door(s): the only files another folder may import. */
export const DOORS = Object.fromEntries(FOLDERS.map((f) => [f, ['index.ts']]))
DOORS.gpu.push('node.ts')
DOORS.roles.push('node.ts')
DOORS.subnet.push('node.ts')
DOORS.p2p.push('node-entry.ts')
// Data doors: pinned file manifests (names, sizes, sha256) that build tooling and the service
// worker read without loading the subsystem behind them.
DOORS.subnet.push('ocr/manifest.ts')
DOORS.gpu.push('ort-runtime.ts')
// The Node stack's side-effect door: the shims libp2p needs on Node 20 (test setup, harnesses).
DOORS.server.push('node-shims.ts')
DOORS.ui = ['index.ts', 'browser.ts']
DOORS.cli = ['main.ts']
DOORS.widget = ['browser.ts'] // only the page's entry mounts the widget; nothing else uses its parts

const NO_UI = 'the app sits on top; lower rooms never reach up into it'
const NO_CLI = 'the command line is an entry point, nothing imports it'
const NO_SERVER = 'src/server is a Node entry point (the local stack); only the CLI starts it'

/** FORBIDDEN[from][to] = why `from` may not import `to` at all; '@packages' lists npm packages. */
export const FORBIDDEN = {
  consensus: { ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'consensus is pure math under the roles', p2p: 'consensus knows no network', wallet: 'consensus knows no keys or chain', devnet: 'consensus knows no chain' },
  p2p: { ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'the mesh is under the roles', devnet: 'the mesh knows no chain emulator' },
  wallet: { ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'the wallet is under the roles', p2p: 'the wallet knows no network but the chain' },
  gpu: {
    ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'gpu is under the roles',
    wallet: 'gpu knows no keys', p2p: 'gpu knows no network', weights: 'gpu knows no chain', devnet: 'gpu knows no chain', timelock: 'gpu knows no keys',
    '@packages': { list: ['@polkadot/api', '@polkadot/keyring', '@polkadot/util-crypto', '@polkadot/extension-dapp', 'libp2p', '@libp2p/webrtc', '@libp2p/websockets'], why: 'gpu knows no keys or network' },
  },
  subnet: {
    ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'a task is under the roles',
    p2p: 'a task knows no transport', wallet: 'a task knows no chain', weights: 'a task knows no chain', devnet: 'a task knows no chain',
    '@packages': { list: ['@polkadot/api', 'libp2p', '@libp2p/webrtc', '@libp2p/websockets'], why: 'a task knows no transport or chain' },
  },
  roles: { ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER },
  weights: { ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'weights are under the roles', p2p: 'weights know no mesh' },
  timelock: { ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'timelock is under the roles', p2p: 'timelock knows no mesh', wallet: 'timelock is pure encryption' },
  devnet: { ui: NO_UI, widget: NO_UI, cli: NO_CLI, server: NO_SERVER, roles: 'the devnet is a chain, it knows no roles', p2p: 'the devnet knows no mesh' },
  ui: { cli: NO_CLI, server: NO_SERVER, widget: 'the widget embeds the app, not the other way round' },
  widget: { cli: NO_CLI, server: NO_SERVER },
  server: { cli: NO_CLI },
}

/** Test doors: fixtures a folder offers to tests, benches and harnesses (never to production code). */
export const TEST_DOORS = {
  devnet: ['testing.ts'],
  p2p: ['test-fixtures.ts'],
  roles: ['testing.ts'],
  timelock: ['fixtures/[^/]+\\.json'],
}

/** Files that are tests, benches or harnesses (they may also use the test doors). */
export const TEST_FILES = ['**/*.test.ts', '**/*.spec.ts', 'test/**', 'bench/**', 'src/**/testing.ts', 'src/**/test-fixtures.ts']
