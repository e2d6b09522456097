/**
 * A deliberately bad miner's solver: it answers every challenge with its task's random answer
 * (random words for OCR, random boxes for text detection) and runs no model. It exists so tests
 * (and devnet demos) can show that validators score such a miner low and that the chain's
 * weights and incentive rank it last. It is never used unless asked for by name: in the app only
 * on the local devnet, through the `?test-miner=random` page parameter.
 */
import { getTask, type AnyTask } from '../subnet/index.ts'
import type { TaskSolver } from './miner.ts'

/** Creates a solver of `task` (default OCR) that answers at random. */
export function createRandomSolver(task: AnyTask = getTask()): TaskSolver {
  return {
    async solve(c) {
      return task.randomAnswer(c)
    },
  }
}
