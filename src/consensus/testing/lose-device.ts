/**
 * Loses a real WebGPU device at a chosen moment, as a driver reset would: right after the next
 * submission, before its readback. The trigger is the only stand-in; the device and its loss are
 * real. Test-only.
 */
export function destroyAfterNextSubmit(device: GPUDevice): void {
  const queue = device.queue as { submit: GPUQueue['submit'] }
  const submit = queue.submit.bind(device.queue)
  queue.submit = (buffers) => {
    submit(buffers)
    queue.submit = submit
    device.destroy()
  }
}
