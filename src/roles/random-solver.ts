/**
 * A deliberately bad miner's solver: it answers every challenge with random words and runs no
 * model. It exists so tests (and devnet demos) can show that validators score such a miner low
 * and that the chain's weights and incentive rank it last. It is never used unless asked for by
 * name: in the app only on the local devnet, through the `?test-miner=random` page parameter.
 */
import { cryptoRandom, randomWords } from '../subnet/index.ts'
import type { OcrSolver } from './miner.ts'

/** Creates a solver that answers `words` random words per challenge (default 4). */
export function createRandomOcrSolver(init: { words?: number } = {}): OcrSolver {
  const n = init.words ?? 4
  return {
    async solve(c) {
      const words = randomWords(cryptoRandom(), n).map((text, i) => ({ text, confidence: 0.9, box: { x: i * 40, y: 10, width: 40, height: 20 } }))
      return { id: c.id, words }
    },
  }
}
