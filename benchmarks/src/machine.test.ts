import { describe, expect, it } from 'vitest';
import { readCpuTicks, stealPercent } from './machine.js';

describe('CPU steal from /proc/stat', () => {
  const stat = (steal: number, idle: number) => `cpu  100 0 50 ${idle} 5 0 1 ${steal} 0 0\ncpu0 50 0 25 ${idle / 2} 2 0 0 ${steal / 2} 0 0\nintr 1\n`;

  it('reads the aggregate line and computes the stolen share between two readings', () => {
    const before = readCpuTicks(() => stat(10, 1000));
    expect(before).toEqual({ total: 1166, steal: 10 });
    const after = readCpuTicks(() => stat(30, 1180));
    expect(stealPercent(before, after)).toBeCloseTo(10, 10);
  });

  it('gives undefined for unreadable or malformed input and for readings that do not advance', () => {
    expect(readCpuTicks(() => 'intr 1\n')).toBeUndefined();
    expect(readCpuTicks(() => 'cpu 1 2 x 4 5 6 7 8\n')).toBeUndefined();
    expect(
      readCpuTicks(() => {
        throw new Error('no /proc');
      }),
    ).toBeUndefined();
    const t = readCpuTicks(() => stat(10, 1000));
    expect(stealPercent(t, t)).toBeUndefined();
    expect(stealPercent(undefined, t)).toBeUndefined();
  });
});
