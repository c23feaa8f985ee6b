import { describe, expect, it } from 'vitest';
import {
  type RuntimeMeasurement,
  type VariantInfo,
  closestRatio,
  evaluateRuntimeTargets,
  imagesPerSecond,
  itersFor,
  kernelTables,
  measuredCell,
  okRuntimeMeasurement,
  relativeError,
  runtimeTargets,
  runtimeTargetsTable,
  scalingNotes,
  spreadNotes,
} from './runtime-bench-report.js';

const ok = (variant: string, impl: RuntimeMeasurement['impl'], threads: number, rates: number[]): RuntimeMeasurement =>
  okRuntimeMeasurement({ variant, impl, threads, batch: 128, warmup: 4, iters: 10, repeats: rates.length }, rates);

const variants: VariantInfo[] = [
  { id: 'resnet20', description: '', macs: 1000, params: 10 },
  { id: 'resnet20-pruned', description: '', macs: 500, params: 5 },
];

describe('runtime suite helpers', () => {
  it('turns calls and milliseconds into images/s, and picks calls per repeat', () => {
    expect(imagesPerSecond(128, 10, 1000)).toBe(1280);
    expect(itersFor(150, 1000, 10)).toBe(7);
    expect(itersFor(5000, 1000, 10)).toBe(1);
    expect(itersFor(1, 1000, 10)).toBe(10);
    expect(itersFor(0, 1000, 10)).toBe(10);
  });

  it('measures the relative error of two outputs', () => {
    expect(relativeError(new Float32Array([1, 2]), new Float32Array([1, 2.5]))).toBeCloseTo(0.2, 7);
    expect(relativeError(new Float32Array([0]), new Float32Array([0]))).toBe(0);
    expect(relativeError(new Float32Array([1]), new Float32Array([1, 2]))).toBe(Number.POSITIVE_INFINITY);
    expect(relativeError(new Float32Array([Number.NaN]), new Float32Array([1]))).toBe(Number.POSITIVE_INFINITY);
  });

  it('picks the preserve ratio whose MACs are closest to the goal', () => {
    expect(closestRatio([0.5, 0.6, 0.7], [0.25, 0.37, 0.48], 0.5)).toEqual({ ratio: 0.7, macsRatio: 0.48 });
    expect(closestRatio([0.7, 0.71], [0.49, 0.51], 0.5)).toEqual({ ratio: 0.71, macsRatio: 0.51 });
    expect(() => closestRatio([], [], 0.5)).toThrow(RangeError);
  });

  it('evaluates ratios, efficiency, strict targets and missing sides at every thread count', () => {
    const measurements = [
      ok('resnet20', 'runtime', 1, [1000, 1000, 1000]),
      ok('resnet20-pruned', 'runtime', 1, [1800, 1900, 2000]),
      ok('resnet20', 'pytorch', 1, [900, 1000, 1100]),
      ok('resnet20-pruned', 'tfjs', 1, [1900, 1900, 1900]),
      ok('resnet20', 'runtime', 2, [1500, 1500]),
      { variant: 'resnet20', impl: 'pytorch', threads: 2, batch: 128, status: 'missing', reason: 'no torch' } as RuntimeMeasurement,
    ];
    const targets = runtimeTargets('mobilenetV1-sparse');
    const e = evaluateRuntimeTargets(measurements, variants, [1, 2], targets);
    expect(e).toHaveLength(targets.length * 2);
    const find = (id: string, t: number) => e.find((x) => x.id === id && x.threads === t);
    expect(find('vs-pytorch', 1)?.ratio).toBeCloseTo(1, 12);
    expect(find('vs-pytorch', 1)?.holds).toBe(true);
    expect(find('vs-pytorch', 1)?.pairedRange).toBeUndefined();
    expect(find('vs-pytorch', 1)?.vsFastestBaseline).toBeCloseTo(1000 / 1100, 12);
    expect(measuredCell(find('vs-pytorch', 1)!)).toBe("1.00x (1000 / 1000 images/s; 0.91x vs the baseline's fastest repeat)");
    expect(find('vs-pytorch', 2)?.holds).toBeUndefined();
    expect(find('channel-pruned', 1)?.ratio).toBeCloseTo(1.9, 12);
    expect(find('channel-pruned', 1)?.holds).toBe(true);
    expect(find('channel-pruned', 1)?.pairedRange).toEqual([1.8, 2]);
    const eff = find('channel-pruned-efficiency', 1);
    expect(eff?.macsRatio).toBe(0.5);
    expect(eff?.value).toBeCloseTo(0.95, 12);
    expect(eff?.holds).toBe(true);
    expect(eff?.pairedRange?.[0]).toBeCloseTo(0.9, 12);
    // runtime 1900 vs tfjs 1900: "faster" is strict, equal does not hold.
    expect(find('vs-tfjs-pruned', 1)?.ratio).toBe(1);
    expect(find('vs-tfjs-pruned', 1)?.holds).toBe(false);
    expect(find('fine-grained', 1)?.holds).toBeUndefined();
    expect(measuredCell(find('fine-grained', 1)!)).toBe('not evaluated');
    expect(measuredCell(find('channel-pruned', 1)!)).toBe('1.90x (1900 / 1000 images/s; repeats 1.80-2.00)');
    const rows = runtimeTargetsTable(e).rows;
    expect(rows.find((r) => r[0]?.startsWith('channel-pruned ResNet-20') && r[1] === '1')?.[3]).toBe('does not hold');
  });

  it('flags measurements whose repeats spread more than 2x', () => {
    expect(spreadNotes([ok('resnet20', 'pytorch', 2, [835, 124, 1162]), ok('resnet20', 'runtime', 2, [1800, 1700])])).toHaveLength(1);
    expect(spreadNotes([ok('resnet20', 'pytorch', 2, [835, 124, 1162])])[0]).toContain('resnet20 pytorch t2: repeats from 124 to 1162');
  });

  it('flags multi-thread measurements no faster than one thread', () => {
    const notes = scalingNotes([ok('resnet20', 'runtime', 1, [1000]), ok('resnet20', 'runtime', 2, [900]), ok('m', 'runtime', 1, [100]), ok('m', 'runtime', 2, [180]), ok('resnet20', 'pytorch', 2, [10])]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('resnet20 runtime t2 900 images/s vs t1 1000 (x0.90)');
  });

  it('tabulates kernel choices per thread count', () => {
    const step = (kernel: string, timings?: Record<string, number>) => ({ layer: 'block0.pw.conv', op: 'conv2d', kernel, density: 0.1, ...(timings === undefined ? {} : { timings }) });
    const [table] = kernelTables([
      { variant: 'm', threads: 1, steps: [step('csr', { dense: 1, csr: 0.25, bcsr: 0.5 })] },
      { variant: 'm', threads: 2, steps: [step('dense')] },
    ]);
    expect(table?.header).toEqual(['step (first layer)', 'op', 'density', 'kernel t1', 'probe ms t1', 'kernel t2', 'probe ms t2']);
    expect(table?.rows[0]).toEqual(['block0.pw.conv', 'conv2d', '0.100', 'csr', 'dense 1.000, csr 0.250, bcsr 0.500', 'dense', '-']);
    expect(table?.title).toContain('t1: 1 csr; t2: 1 dense');
  });
});
