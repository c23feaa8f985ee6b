import type { Activation } from '@amc/core';
import { applyActivation } from './activation.js';

/** Straightforward batch norm over the last dimension of [rows, channels] (two-pass statistics in double). */
export function referenceBatchNorm(
  x: Float32Array,
  rows: number,
  channels: number,
  o: { gamma?: Float32Array; beta?: Float32Array; epsilon: number; mean?: Float32Array; variance?: Float32Array; activation?: Activation },
): { y: Float32Array; mean: Float32Array; variance: Float32Array } {
  let mean = o.mean;
  let variance = o.variance;
  if (mean === undefined || variance === undefined) {
    mean = new Float32Array(channels);
    variance = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += x[r * channels + c] as number;
      const m = s / rows;
      let v = 0;
      for (let r = 0; r < rows; r++) v += ((x[r * channels + c] as number) - m) ** 2;
      mean[c] = m;
      variance[c] = v / rows;
    }
  }
  const y = new Float32Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const g = o.gamma ? (o.gamma[c] as number) : 1;
      const b = o.beta ? (o.beta[c] as number) : 0;
      const v = (g * ((x[r * channels + c] as number) - (mean[c] as number))) / Math.sqrt((variance[c] as number) + o.epsilon) + b;
      y[r * channels + c] = applyActivation(v, o.activation);
    }
  }
  return { y, mean, variance };
}

/** Training-mode batch-norm gradient by the textbook formula (in double). */
export function referenceBatchNormGrad(
  dy: Float32Array,
  x: Float32Array,
  rows: number,
  channels: number,
  o: { gamma?: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number },
): { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array } {
  const dx = new Float32Array(rows * channels);
  const dgamma = new Float32Array(channels);
  const dbeta = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const invstd = 1 / Math.sqrt((o.variance[c] as number) + o.epsilon);
    const g = o.gamma ? (o.gamma[c] as number) : 1;
    let sdy = 0;
    let sdyxhat = 0;
    for (let r = 0; r < rows; r++) {
      const xhat = ((x[r * channels + c] as number) - (o.mean[c] as number)) * invstd;
      sdy += dy[r * channels + c] as number;
      sdyxhat += (dy[r * channels + c] as number) * xhat;
    }
    dbeta[c] = sdy;
    dgamma[c] = sdyxhat;
    for (let r = 0; r < rows; r++) {
      const xhat = ((x[r * channels + c] as number) - (o.mean[c] as number)) * invstd;
      dx[r * channels + c] = ((g * invstd) / rows) * (rows * (dy[r * channels + c] as number) - sdy - xhat * sdyxhat);
    }
  }
  return { dx, dgamma, dbeta };
}
