// The house rules that `npm run lint` guards (eslint.config.js, scripts/boundaries.js): an import
// past another folder's door, or along a forbidden arrow, is an error; through the door it is not.
import { describe, expect, it } from 'vitest'
import { ESLint } from 'eslint'

const eslint = new ESLint()

async function problems(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath })
  return (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`)
}

describe('npm run lint: doors and arrows', () => {
  it('refuses an import past another folder’s door, in production code and in tests', async () => {
    expect((await problems('src/roles/x.ts', "import { runEpochCpu } from '../consensus/epoch.ts'\n")).join()).toMatch(/through its door/)
    expect((await problems('test/unit/x.test.ts', "import { epoch } from '../../src/consensus/epoch.ts'\n")).join()).toMatch(/through its door/)
  })

  it('lets an import through the door, and files of one folder import each other', async () => {
    expect(await problems('src/roles/x.ts', "import { runEpoch } from '../consensus/index.ts'\n")).toEqual([])
    expect(await problems('src/roles/x.ts', "import { createNodeRunner } from '../gpu/node.ts'\n")).toEqual([])
    expect(await problems('src/consensus/x.ts', "import { runEpochCpu } from './epoch.ts'\n")).toEqual([])
  })

  it('refuses the forbidden arrows, even through a door', async () => {
    expect((await problems('src/consensus/x.ts', "import { x } from '../ui/index.ts'\n")).join()).toMatch(/may not import src\/ui/)
    expect((await problems('src/p2p/x.ts', "import { x } from '../ui/index.ts'\n")).join()).toMatch(/may not import src\/ui/)
    expect((await problems('src/wallet/x.ts', "import { x } from '../ui/index.ts'\n")).join()).toMatch(/may not import src\/ui/)
    expect((await problems('src/roles/x.ts', "import { x } from '../ui/index.ts'\n")).join()).toMatch(/may not import src\/ui/)
    expect((await problems('src/gpu/x.ts', "import { x } from '../wallet/index.ts'\n")).join()).toMatch(/gpu knows no keys/)
    expect((await problems('src/gpu/x.ts', "import { createLibp2p } from 'libp2p'\n")).join()).toMatch(/gpu knows no keys or network/)
    expect((await problems('src/subnet/x.ts', "import { x } from '../p2p/index.ts'\n")).join()).toMatch(/a task knows no transport/)
    expect((await problems('src/subnet/x.ts', "import { ApiPromise } from '@polkadot/api'\n")).join()).toMatch(/a task knows no transport or chain/)
  })
})
