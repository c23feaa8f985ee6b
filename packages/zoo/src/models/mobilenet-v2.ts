import type * as tfl from '@tensorflow/tfjs-layers';
import { makeDivisible, resolveOptions, type ModelOptions } from '../options.js';
import { GraphBuilder } from './common.js';

/** Options of {@link mobilenetV2}: the common options, `alpha` and `dropout`. */
export type MobileNetV2Options = ModelOptions;

/** Width of the stem conv at alpha 1. */
export const MOBILENET_V2_STEM = 32;
/** Width of the last 1x1 conv at alpha <= 1 (scaled by alpha only when alpha > 1). */
export const MOBILENET_V2_LAST = 1280;

/**
 * The inverted-residual settings [expansion t, output channels c, repeats n, stride s of the first repeat].
 * ImageNet's MobileNet-V2 has stride 2 at the stem and at the 24, 32, 64 and 160 stages; for 28x28 the stem, the
 * 24 and the 160 stages use stride 1, so the map goes 28 -> 14 (32 stage) -> 7 (64 stage).
 */
export const MOBILENET_V2_SETTINGS: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 1],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 1],
  [6, 320, 1, 1],
];

/**
 * MobileNet-V2 (Sandler et al. 2018) for 28x28: 3x3 conv 32 (stride 1) + BN + ReLU6, 17 inverted-residual blocks
 * (1x1 expand + BN + ReLU6 [absent when t = 1], 3x3 depthwise + BN + ReLU6, 1x1 linear projection + BN, residual add
 * when stride 1 and the channels match), 1x1 conv 1280 * max(1, alpha) + BN + ReLU6, global average pool, optional
 * dropout, dense `numClasses` (logits). Channels are `makeDivisible(c * alpha, 8)` (the reference `_make_divisible`).
 *
 * Layer names: `stem.{conv,bn,relu}`, `block{i}.expand.{conv,bn,relu}` (not in block0), `block{i}.dw.{conv,bn,relu}`,
 * `block{i}.project.{conv,bn}`, `block{i}.add` (residual blocks only), `head.conv`, `head.bn`, `head.relu`,
 * `head.pool`, `head.dropout` (when dropout > 0), `head.fc`; i = 0..16.
 */
export function mobilenetV2(options?: MobileNetV2Options): tfl.LayersModel {
  const resolved = resolveOptions('mobilenetV2', options, { alpha: true, dropout: true });
  const { alpha } = resolved;
  const b = new GraphBuilder(resolved);
  const input = b.input();
  let channels = makeDivisible(MOBILENET_V2_STEM * alpha, 8);
  let x = b.convBn(input, 'stem', channels, 3, 1, 'relu6');
  let i = 0;
  for (const [t, c, n, s] of MOBILENET_V2_SETTINGS) {
    const out = makeDivisible(c * alpha, 8);
    for (let r = 0; r < n; r++) {
      const stride = r === 0 ? s : 1;
      const prefix = `block${i}`;
      let y = x;
      if (t !== 1) y = b.convBn(y, `${prefix}.expand`, channels * t, 1, 1, 'relu6');
      y = b.depthwise(y, `${prefix}.dw.conv`, stride);
      y = b.bn(y, `${prefix}.dw.bn`);
      y = b.relu(y, `${prefix}.dw.relu`, 6);
      y = b.convBn(y, `${prefix}.project`, out, 1, 1, 'none');
      x = stride === 1 && channels === out ? b.add([x, y], `${prefix}.add`) : y;
      channels = out;
      i++;
    }
  }
  const last = alpha > 1 ? makeDivisible(MOBILENET_V2_LAST * alpha, 8) : MOBILENET_V2_LAST;
  x = b.conv(x, 'head.conv', last, 1, 1);
  x = b.bn(x, 'head.bn');
  x = b.relu(x, 'head.relu', 6);
  x = b.globalAvgPool(x, 'head.pool');
  if (resolved.dropout > 0) x = b.dropout(x, 'head.dropout', resolved.dropout);
  x = b.dense(x, 'head.fc', resolved.numClasses);
  return b.build(input, x, 'mobilenetV2');
}
