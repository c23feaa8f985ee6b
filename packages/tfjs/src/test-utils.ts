import { Rng } from '@amc/core';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { BACKEND_NAME } from './backend.js';

/** Random values in [-1, 1) from a seeded generator. */
export function random(shape: readonly number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.uniform() * 2 - 1;
  return tf.tensor(values, shape.slice());
}

/** Runs `fn` on tfjs's cpu backend and on amc-native; returns the values of each output. */
export async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; native: Float32Array[] }> {
  const result: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', BACKEND_NAME]) {
    await tf.setBackend(backend);
    // recycled output buffers come back full of NaN: a kernel relying on zeroed outputs fails the comparison
    const instance = tf.backend() as { poisonRecycled?: boolean };
    if (backend === BACKEND_NAME) instance.poisonRecycled = true;
    const outs = tf.tidy(() => {
      const r = fn();
      return Array.isArray(r) ? r : [r];
    });
    result[backend] = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
  }
  return { cpu: result.cpu as Float32Array[], native: result[BACKEND_NAME] as Float32Array[] };
}

/** Expects every output to agree within `tol` relative to the largest magnitude of the cpu result. */
export function expectClose(r: { cpu: Float32Array[]; native: Float32Array[] }, tol = 1e-4, label = ''): void {
  expect(r.native.length).toBe(r.cpu.length);
  r.cpu.forEach((c, i) => {
    const n = r.native[i] as Float32Array;
    expect(n.length).toBe(c.length);
    let scale = 1e-6;
    for (const v of c) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let j = 0; j < c.length; j++) {
      const a = n[j] as number;
      const b = c[j] as number;
      if (Number.isNaN(b) || Number.isNaN(a)) {
        expect(Number.isNaN(a) && Number.isNaN(b), `${label} output ${i}[${j}]: ${a} vs ${b}`).toBe(true);
      } else if (!Number.isFinite(b) || !Number.isFinite(a)) {
        expect(a, `${label} output ${i}[${j}]`).toBe(b);
      } else {
        worst = Math.max(worst, Math.abs(a - b));
      }
    }
    expect(worst / scale, `${label} output ${i}: max abs diff ${worst} vs scale ${scale}`).toBeLessThanOrEqual(tol);
  });
}
