import { Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { Adam, softUpdate } from './adam.js';
import { createDenseEngine } from './dense-engine.js';
import { addMatMul, addWeightGradient, matMulTransposed } from './dense-kernels.js';
import { Mlp, type MlpSpec } from './mlp.js';

const SEED = 77;

function randomArray(rng: Rng, n: number, zeroFraction = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() < zeroFraction ? 0 : rng.uniformRange(-1, 1);
  return out;
}

describe('dense kernels', () => {
  it('match plain loops for every blocking remainder (rows and widths 1 .. 9)', () => {
    const rng = new Rng(SEED);
    for (const rows of [1, 3, 4, 5, 8, 9]) {
      for (const inSize of [1, 2, 3, 4, 5, 7, 9]) {
        for (const outSize of [1, 4, 6]) {
          const x = randomArray(rng, rows * inSize, 0.3);
          const w = randomArray(rng, 3 + inSize * outSize);
          const d = randomArray(rng, rows * outSize, 0.3);
          const y = randomArray(rng, rows * outSize);
          const yRef = Float64Array.from(y);
          addMatMul(x, rows, inSize, w, 3, outSize, y);
          for (let b = 0; b < rows; b++) {
            for (let j = 0; j < outSize; j++) {
              for (let k = 0; k < inSize; k++) yRef[b * outSize + j]! += x[b * inSize + k]! * w[3 + k * outSize + j]!;
            }
          }
          y.forEach((v, i) => expect(v).toBeCloseTo(yRef[i]!, 12));
          const kFrom = inSize > 2 ? 1 : 0;
          const width = inSize - kFrom;
          const out = new Float64Array(rows * width);
          matMulTransposed(d, rows, outSize, w, 3, kFrom, inSize, out);
          for (let b = 0; b < rows; b++) {
            for (let k = kFrom; k < inSize; k++) {
              let s = 0;
              for (let j = 0; j < outSize; j++) s += d[b * outSize + j]! * w[3 + k * outSize + j]!;
              expect(out[b * width + k - kFrom]).toBeCloseTo(s, 12);
            }
          }
          const g = randomArray(rng, 2 + inSize * outSize);
          const gRef = Float64Array.from(g);
          addWeightGradient(x, d, rows, inSize, outSize, g, 2);
          for (let k = 0; k < inSize; k++) {
            for (let j = 0; j < outSize; j++) {
              for (let b = 0; b < rows; b++) gRef[2 + k * outSize + j]! += x[b * inSize + k]! * d[b * outSize + j]!;
            }
          }
          g.forEach((v, i) => expect(v).toBeCloseTo(gRef[i]!, 12));
        }
      }
    }
  });
});

describe('dense engines', () => {
  it('native (float32 SGEMM) matches js (Float64) to float32 precision on every product, offsets and column ranges included', () => {
    const rng = new Rng(SEED + 1);
    const native = createDenseEngine('native');
    const js = createDenseEngine('js');
    expect([native.name, js.name]).toEqual(['native', 'js']);
    const close = (got: Float64Array, want: Float64Array, scale: number, label: string): void => {
      let worst = 0;
      want.forEach((w, i) => (worst = Math.max(worst, Math.abs((got[i] as number) - w))));
      expect(worst, label).toBeLessThanOrEqual(1e-5 * scale);
    };
    for (const [rows, inSize, outSize] of [[1, 11, 300], [64, 12, 300], [64, 300, 300], [64, 300, 1], [3, 5, 7], [64, 301, 17]] as const) {
      const x = randomArray(rng, rows * inSize, 0.3);
      const w = randomArray(rng, 5 + inSize * outSize);
      const d = randomArray(rng, rows * outSize, 0.3);
      const y0 = randomArray(rng, rows * outSize);
      const scale = Math.sqrt(inSize * outSize) + 1;
      const [ya, yb] = [Float64Array.from(y0), Float64Array.from(y0)];
      native.addMatMul(x, rows, inSize, w, 5, outSize, ya);
      js.addMatMul(x, rows, inSize, w, 5, outSize, yb);
      close(ya, yb, scale, `addMatMul ${rows}x${inSize}x${outSize}`);
      const kFrom = Math.min(inSize - 1, 2);
      const [oa, ob] = [new Float64Array(rows * (inSize - kFrom)), new Float64Array(rows * (inSize - kFrom))];
      native.matMulTransposed(d, rows, outSize, w, 5, kFrom, inSize, oa);
      js.matMulTransposed(d, rows, outSize, w, 5, kFrom, inSize, ob);
      close(oa, ob, scale, `matMulTransposed ${rows}x${inSize}x${outSize}`);
      const g0 = randomArray(rng, 4 + inSize * outSize);
      const [ga, gb] = [Float64Array.from(g0), Float64Array.from(g0)];
      native.addWeightGradient(x, d, rows, inSize, outSize, ga, 4);
      js.addWeightGradient(x, d, rows, inSize, outSize, gb, 4);
      close(ga, gb, Math.sqrt(rows) + 1, `addWeightGradient ${rows}x${inSize}x${outSize}`);
      expect(ga.subarray(0, 4)).toEqual(g0.subarray(0, 4));
    }
  });
});

describe('Mlp', () => {
  const specs: MlpSpec[] = [
    { inputBlocks: [3, 2], hidden: [6, 5], outputSize: 2, outputActivation: 'sigmoid', lastLayerInit: 0.5 },
    { inputBlocks: [7], hidden: [9], outputSize: 1, outputActivation: 'none', lastLayerInit: 0.3 },
  ];

  it.each(specs.map((s, i) => [i, s] as const))('spec %d: parameter and input gradients match central finite differences', (_, spec) => {
    const rng = new Rng(SEED);
    const batch = 5; // one block of 4 rows and a remainder
    const mlp = new Mlp(spec, batch);
    mlp.initialize(rng);
    const input = randomArray(rng, batch * mlp.inputSize);
    const weights = randomArray(rng, batch * mlp.outputSize);
    // loss = sum_i weights_i * output_i, so d loss / d output = weights.
    const loss = (): number => mlp.forward(input, batch).reduce((s, v, i) => s + v * weights[i]!, 0);
    loss();
    mlp.zeroGrads();
    const inputFrom = spec.inputBlocks[0]! === mlp.inputSize ? 0 : spec.inputBlocks[0]!;
    const inputGrad = Float64Array.from(mlp.backward(weights, batch, true, inputFrom)!);
    const h = 1e-6;
    const check = (array: Float64Array, i: number, analytic: number): void => {
      const saved = array[i]!;
      array[i] = saved + h;
      const up = loss();
      array[i] = saved - h;
      const down = loss();
      array[i] = saved;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(numeric - analytic), `seed ${SEED}, index ${i}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
    };
    for (let i = 0; i < mlp.parameterCount; i++) check(mlp.params, i, mlp.grads[i]!);
    const width = mlp.inputSize - inputFrom;
    for (let b = 0; b < batch; b++) for (let k = inputFrom; k < mlp.inputSize; k++) check(input, b * mlp.inputSize + k, inputGrad[b * width + k - inputFrom]!);
  });

  it('initialises per fan-in (each input block its own), the last layer within lastLayerInit', () => {
    const spec: MlpSpec = { inputBlocks: [16, 1], hidden: [64], outputSize: 1, outputActivation: 'none', lastLayerInit: 3e-3 };
    const mlp = new Mlp(spec, 1);
    mlp.initialize(new Rng(SEED));
    // layout: W1 [17, 64], b1 (state), b1 (action), W2 [64, 1], b2
    const p = mlp.params;
    const maxAbs = (from: number, to: number): number => p.subarray(from, to).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs(0, 16 * 64)).toBeLessThanOrEqual(1 / 4);
    expect(maxAbs(0, 16 * 64)).toBeGreaterThan(0.2);
    expect(maxAbs(16 * 64, 17 * 64)).toBeGreaterThan(0.5); // fan-in 1: U(-1, 1)
    expect(maxAbs(17 * 64, 18 * 64)).toBeLessThanOrEqual(1 / 4);
    expect(maxAbs(19 * 64, 20 * 64)).toBeLessThanOrEqual(3e-3);
    expect(mlp.parameterCount).toBe(17 * 64 + 2 * 64 + 64 + 1);
  });
});

describe('Adam and softUpdate', () => {
  it('follow the PyTorch update by hand', () => {
    const adam = new Adam(1, 0.1);
    const p = new Float64Array([1]);
    adam.apply(p, new Float64Array([2]));
    // t = 1: m = 0.2, v = 0.004, step = 0.1 / 0.1 * 0.2 / (sqrt(0.004) / sqrt(0.001) + 1e-8) = 0.1 (to 1e-8)
    expect(p[0]).toBeCloseTo(0.9, 8);
    const p1 = p[0]!;
    adam.apply(p, new Float64Array([-1]));
    const m = 0.9 * 0.2 + 0.1 * -1;
    const v = 0.999 * 0.004 + 0.001 * 1;
    expect(p[0]).toBeCloseTo(p1 - (0.1 / (1 - 0.81)) * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8)), 12);
    expect(adam.step).toBe(2);
    const target = new Float64Array([1, 2]);
    softUpdate(target, new Float64Array([3, 4]), 0.25);
    expect(Array.from(target)).toEqual([1.5, 2.5]);
  });
});
