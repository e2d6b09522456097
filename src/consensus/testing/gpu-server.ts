/**
 * Child-process GPU server for the Node (Dawn) tests: Dawn needs VK_ICD_FILENAMES and
 * LD_LIBRARY_PATH set before the process starts, so tests spawn this file with them (see
 * gpu-client.ts). Protocol, one JSON object per line:
 *   out: {"ready": true, "adapter": "..."} or {"ready": false, "reason": "..."}
 *   in:  {"id": 1, "inputs": [epoch input JSON, ...]}
 *   out: {"id": 1, "path": "gpu", "passes": 8, "outputs": [...]} or {"id": 1, "error": "..."}
 *   in:  {"id": 2, "helpers": 200}   (run helpers-check.wgsl on helperCases(200))
 *   out: {"id": 2, "words": [...]}
 *   in:  {"id": 3, "inputs": [...], "loseDevice": true}   (destroys the device right after the
 *        batch's submission, before its readback, as a driver reset would; GPU preferred, not required)
 *   out: {"id": 3, "path": "cpu", "reason": "...", "outputs": [...]}
 * Test-only.
 */
import { createInterface } from 'node:readline'
import { epochOutputToJson, parseEpochInput, runEpochBatch } from '../index.ts'
import { acquireDevice, releaseDevice } from '../gpu-device.ts'
import { helperCases, runHelperKernel } from './helpers-gpu.ts'
import { destroyAfterNextSubmit } from './lose-device.ts'

const send = (x: unknown): void => { process.stdout.write(JSON.stringify(x) + '\n') }

const dev = await acquireDevice()
if (!dev.ok) {
  send({ ready: false, reason: dev.reason })
  process.exit(0)
}
send({ ready: true, adapter: (dev.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo?.description ?? 'unknown' })

const rl = createInterface({ input: process.stdin })
for await (const line of rl) {
  if (line.trim() === '') continue
  const msg = JSON.parse(line) as { id: number; inputs: unknown[]; helpers?: number; loseDevice?: boolean }
  if (msg.helpers !== undefined) {
    const now = await acquireDevice() // a new device after a loss
    if (!now.ok) { send({ id: msg.id, error: now.reason }); continue }
    const out = await runHelperKernel(now.device, helperCases(msg.helpers))
    send({ id: msg.id, words: Array.from(out) })
    continue
  }
  try {
    if (msg.loseDevice === true) {
      const d = await acquireDevice()
      if (!d.ok) throw new Error(d.reason)
      destroyAfterNextSubmit(d.device)
    }
    const res = await runEpochBatch(msg.inputs.map(parseEpochInput), { prefer: 'gpu', requireGpu: msg.loseDevice !== true })
    send({ id: msg.id, path: res.path, passes: res.passes, reason: res.reason, outputs: res.outputs.map(epochOutputToJson) })
  } catch (err) {
    send({ id: msg.id, error: (err as Error).message })
  }
}
await releaseDevice()
