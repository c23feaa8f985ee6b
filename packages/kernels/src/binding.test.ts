import { describe, expect, it } from 'vitest';
import { loadNative } from './load.js';
import { NATIVE_FUNCTION_NAMES } from './native-binding.js';

describe('native binding contract', () => {
  it('exports exactly the functions the TypeScript interface names', () => {
    const binding = loadNative() as unknown as Record<string, unknown>;
    const exported = Object.keys(binding).filter((k) => typeof binding[k] === 'function').sort();
    expect(exported).toEqual([...NATIVE_FUNCTION_NAMES].sort());
  });

  it('reports the CPU, the ISA cap and the compiled variants', () => {
    const info = loadNative().getInfo();
    expect(info.supportedIsas).toContain('scalar');
    expect(info.supportedIsas).toContain(info.detectedIsa);
    expect(info.numThreads).toBeGreaterThanOrEqual(1);
    const gemmVariants = info.kernels.gemm ?? [];
    expect(gemmVariants.map((k) => k.isa)).toEqual(expect.arrayContaining(['scalar', 'avx2', 'avx512']));
  });

  it('turns a native failure into an Error with a stable code, sync and async', async () => {
    const native = loadNative();
    const bad = { a: new Float32Array(3), b: new Float32Array(2), c: new Float32Array(1), m: 1, n: 1, k: 2 };
    expect(() => native.gemm(bad)).toThrow(expect.objectContaining({ code: 'AMC_SHAPE_MISMATCH' }));
    await expect(native.gemmAsync(bad)).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
    expect(() => (native.gemm as (x: unknown) => void)(42)).toThrow(expect.objectContaining({ code: 'AMC_INVALID_ARGUMENT' }));
    expect(() => (native.gemm as (x: unknown) => void)({ ...bad, a: [1, 2, 3] })).toThrow(
      expect.objectContaining({ code: 'AMC_INVALID_ARGUMENT' }),
    );
  });
});
