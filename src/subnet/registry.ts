/** The tasks a subnet can run, by name (config.json's `task`, the CLI's `--task`). */
import { SubnetError } from './errors.ts'
import { ocrTask } from './ocr/task.ts'
import type { AnyTask } from './task.ts'
import { textdetTask } from './textdet/task.ts'

/** Every task plug-in, by id. A new task registers here. */
export const TASKS: Readonly<Record<string, AnyTask>> = Object.freeze({ [ocrTask.id]: ocrTask, [textdetTask.id]: textdetTask })

/** The task run when none is named. */
export const DEFAULT_TASK = ocrTask.id

/** The task named `name` (default OCR); `UNKNOWN_TASK` names the ones there are. */
export function getTask(name: string = DEFAULT_TASK): AnyTask {
  const t = Object.hasOwn(TASKS, name) ? TASKS[name] : undefined
  if (t === undefined) throw new SubnetError('UNKNOWN_TASK', `task: unknown task '${name}' (known: ${Object.keys(TASKS).join(', ')})`)
  return t
}

/** The task whose mesh task name is `wireName`, or undefined. */
export function taskByWireName(wireName: string): AnyTask | undefined {
  return Object.values(TASKS).find((t) => t.wireName === wireName)
}
