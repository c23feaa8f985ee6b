import type { CompiledModel } from '@amc/runtime';
import { describe, expect, it } from 'vitest';
import { measureLatencies, measureLatency } from './export-command.js';

/** A stand-in model that logs its runs and takes `ms` milliseconds (busy wait) per call. */
function fake(name: string, ms: number, log: string[]): CompiledModel {
  return {
    inputSize: 4,
    outputSize: 2,
    predict: (x: Float32Array, batch: number, out: Float32Array) => {
      expect(x.length).toBe(batch * 4);
      expect(out.length).toBe(batch * 2);
      log.push(name);
      const end = performance.now() + ms;
      while (performance.now() < end);
      return out;
    },
  } as unknown as CompiledModel;
}

describe('latency measurement', () => {
  it('warms every model up, then interleaves their timed runs and returns each median', () => {
    const log: string[] = [];
    const [a, b] = measureLatencies([fake('a', 2, log), fake('b', 0, log)], new Float32Array(64), 8, 5) as [number, number];
    expect(log).toEqual(['a', 'a', 'b', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect(a).toBeGreaterThanOrEqual(2);
    expect(b).toBeLessThan(a);
    const single: string[] = [];
    expect(measureLatency(fake('c', 0, single), new Float32Array(64), 8, 3)).toBeGreaterThanOrEqual(0);
    expect(single).toHaveLength(5);
  });
});
