import { benchInput } from '../../bench/consensus.bench.ts'
import { runEpochBatch } from './index.ts'
import { releaseDevice } from './gpu-device.ts'
const inputs = Array.from({ length: 64 }, (_, k) => benchInput(256, 1000 + k))
await runEpochBatch(inputs.slice(0, 1), { prefer: 'gpu', requireGpu: true })
for (let r = 0; r < 2; r++) {
  const c0 = process.cpuUsage(); const t = performance.now()
  await runEpochBatch(inputs, { prefer: 'gpu', requireGpu: true })
  const c = process.cpuUsage(c0)
  console.log('wall', (performance.now() - t).toFixed(0), 'ms cpu', ((c.user + c.system) / 1000).toFixed(0), 'ms')
}
await releaseDevice()
