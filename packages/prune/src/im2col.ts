/**
 * Calibration rows for least-squares reconstruction: the im2col rows of a conv (or the input features of a dense
 * layer) at sampled output positions of each calibration image. Shared by `reconstructConsumers` and the search's
 * calibration cache (`@amc/search`).
 */
import type { Rng } from '@amc/core';
import type { Conv2dNode, DenseNode } from '@amc/graph';

/** `k` distinct positions in [0, n), ascending (all of them when k >= n). */
export function samplePositions(rng: Rng, n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(rng.int(n));
  return [...chosen].sort((a, b) => a - b);
}

/** Output positions of one sample of `node`: `outH * outW` for a conv, the leading input dims for a dense layer. */
export function outputPositions(node: Conv2dNode | DenseNode): number {
  if (node.kind === 'conv2d') return (node.outputShape[0] as number) * (node.outputShape[1] as number);
  return (node.inputShapes[0] as number[]).slice(0, -1).reduce((a, b) => a * b, 1);
}

/**
 * For each of `count` images, `min(perImage, outputPositions)` positions drawn from `rng` (image by image, so the
 * draws are reproducible from the seed).
 */
export function drawPositions(rng: Rng, node: Conv2dNode | DenseNode, count: number, perImage: number): number[][] {
  const n = outputPositions(node);
  const k = Math.min(perImage, n);
  return Array.from({ length: count }, () => samplePositions(rng, n, k));
}

/**
 * The rows of `node`'s least-squares problem from its input features `x` (`count` samples, NHWC): for a conv, the
 * im2col row of each position (order kh, kw, cin: the kernel's own layout; zero padding included); for a dense
 * layer, the input features at the position. Row r is position `positions[n][j]` of image n, in order.
 */
export function gatherRows(node: Conv2dNode | DenseNode, x: Float32Array, positions: readonly (readonly number[])[]): { data: Float32Array; rows: number; cols: number } {
  const inShape = node.inputShapes[0] as number[];
  const cin = inShape.at(-1) as number;
  const rows = positions.reduce((a, p) => a + p.length, 0);
  if (node.kind === 'dense') {
    const per = outputPositions(node);
    const data = new Float32Array(rows * cin);
    let r = 0;
    positions.forEach((list, n) => {
      for (const p of list) {
        const from = (n * per + p) * cin;
        data.set(x.subarray(from, from + cin), r * cin);
        r++;
      }
    });
    return { data, rows, cols: cin };
  }
  const [kh, kw] = node.attrs.kernelSize;
  const [sh, sw] = node.attrs.strides;
  const [dh, dw] = node.attrs.dilation;
  const [top, , left] = node.attrs.pads;
  const [h, w] = inShape as [number, number, number];
  const ow = node.outputShape[1] as number;
  const cols = kh * kw * cin;
  const data = new Float32Array(rows * cols);
  let r = 0;
  positions.forEach((list, n) => {
    for (const p of list) {
      const py = Math.floor(p / ow);
      const px = p % ow;
      let col = 0;
      for (let i = 0; i < kh; i++) {
        const iy = py * sh - top + i * dh;
        for (let j = 0; j < kw; j++, col += cin) {
          const ix = px * sw - left + j * dw;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          const from = ((n * h + iy) * w + ix) * cin;
          data.set(x.subarray(from, from + cin), r * cols + col);
        }
      }
      r++;
    }
  });
  return { data, rows, cols };
}

/**
 * The least-squares targets at the rows of {@link gatherRows}: `Y - b` restricted to `outChannels`, Y being the
 * layer's (pre-activation) output `y` (`perImage` positions of `fullOut` channels per sample) and `bias` the
 * layer's bias over the kept outputs (kept out of the fit, so it is counted once).
 */
export function targetRows(
  y: Float32Array,
  positions: readonly (readonly number[])[],
  perImage: number,
  fullOut: number,
  outChannels: readonly number[],
  bias: Float32Array | undefined,
): Float32Array {
  const outs = outChannels.length;
  const rows = positions.reduce((a, p) => a + p.length, 0);
  const data = new Float32Array(rows * outs);
  let r = 0;
  positions.forEach((list, n) => {
    for (const p of list) {
      const from = (n * perImage + p) * fullOut;
      outChannels.forEach((c, k) => {
        data[r * outs + k] = (y[from + c] as number) - (bias?.[k] ?? 0);
      });
      r++;
    }
  });
  return data;
}
