import { describe, expect, it } from 'vitest';
import { agreement, chooseChannels, countNonzeros, gatherChannels, hwioToOhwi, nchwToNhwc, nhwcToNchw, ohwiToHwio, pruneBlocks, pruneUnstructured, randomArray, rngFor } from './data.js';

describe('operands', () => {
  it('prunes exactly the requested fraction', () => {
    const dense = randomArray(rngFor('prune'), 1000);
    expect(countNonzeros(pruneUnstructured(rngFor('a'), dense, 0.9))).toBe(100);
    expect(countNonzeros(pruneUnstructured(rngFor('a'), dense, 0))).toBe(1000);
  });

  it('prunes whole 4x1 blocks', () => {
    const rows = 8;
    const cols = 50;
    const pruned = pruneBlocks(rngFor('blocks'), randomArray(rngFor('b'), rows * cols), rows, cols, 0.7);
    expect(countNonzeros(pruned)).toBe(Math.round(0.3 * 100) * 4);
    for (let br = 0; br < 2; br++) {
      for (let c = 0; c < cols; c++) {
        const zeros = [0, 1, 2, 3].filter((r) => pruned[(br * 4 + r) * cols + c] === 0).length;
        expect(zeros === 0 || zeros === 4).toBe(true);
      }
    }
  });

  it('converts layouts both ways', () => {
    const shape = [2, 3, 4, 5];
    const x = randomArray(rngFor('layout'), 120);
    const nchw = nhwcToNchw(x, shape);
    // Element (n=1, h=2, w=3, c=4) of NHWC is element (1, 4, 2, 3) of NCHW.
    expect(nchw[((1 * 5 + 4) * 3 + 2) * 4 + 3]).toBe(x[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
    expect(nchwToNhwc(nchw, [2, 5, 3, 4])).toEqual(x);
    expect(ohwiToHwio(hwioToOhwi(x, shape), shape)).toEqual(x);
  });

  it('gathers kept channels in order', () => {
    const keep = chooseChannels(rngFor('keep'), 10, 5);
    expect(keep.length).toBe(5);
    expect([...keep]).toEqual([...keep].sort((a, b) => a - b));
    const data = Float32Array.from({ length: 20 }, (_, i) => i);
    expect([...gatherChannels(data, 10, Int32Array.from([1, 7]))]).toEqual([1, 7, 11, 17]);
  });

  it('judges agreement relative to the largest reference value', () => {
    expect(agreement(Float32Array.of(1, 2), Float32Array.of(1, 2.0001)).ok).toBe(true);
    expect(agreement(Float32Array.of(1, 2), Float32Array.of(1, 2.1)).ok).toBe(false);
    expect(agreement(Float32Array.of(1), Float32Array.of(1, 2)).ok).toBe(false);
  });
});
