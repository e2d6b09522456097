import { describe, expect, it } from 'vitest'
import { GpuError, ModelIntegrityError, QuotaError, errorFromData, errorToData } from './errors.ts'

describe('GPU errors across the worker boundary', () => {
  it('round-trip keeps class, name, code, message and file', () => {
    const cases: GpuError[] = [new ModelIntegrityError('a.onnx', 'aa', 'bb'), new QuotaError(10, 5), new GpuError('DEVICE_LOST', 'gone')]
    for (const e of cases) {
      const back = errorFromData(structuredClone(errorToData(e)))
      expect(back).toBeInstanceOf(GpuError)
      expect(back).toBeInstanceOf(e.constructor as typeof GpuError)
      expect(back.name).toBe(e.name)
      expect(back.code).toBe(e.code)
      expect(back.message).toBe(e.message)
    }
    const integrity = errorFromData(errorToData(new ModelIntegrityError('a.onnx', 'aa', 'bb'))) as ModelIntegrityError
    expect(integrity.file).toBe('a.onnx')
  })

  it('foreign errors become data with a code', () => {
    expect(errorToData(new TypeError('x'))).toEqual({ name: 'TypeError', code: 'INFERENCE_FAILED', message: 'x' })
    expect(errorToData(new DOMException('stop', 'AbortError')).code).toBe('ABORTED')
    expect(errorFromData({ name: 'Weird', code: 'NOPE', message: 'm' }).code).toBe('INFERENCE_FAILED')
  })
})
