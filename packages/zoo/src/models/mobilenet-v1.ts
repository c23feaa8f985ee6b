import type * as tfl from '@tensorflow/tfjs-layers';
import { makeDivisible, resolveOptions, type ModelOptions } from '../options.js';
import { GraphBuilder } from './common.js';

/** Options of {@link mobilenetV1}. */
export type MobileNetV1Options = Omit<ModelOptions, 'dropout'>;

/** Width of the stem conv at alpha 1. */
export const MOBILENET_V1_STEM = 32;

/**
 * The 13 depthwise-separable blocks at alpha 1: [pointwise output channels, stride of the depthwise conv].
 * ImageNet's MobileNet-V1 has stride 2 at the stem and at the 128, 256, 512 and 1024 blocks; for 28x28 the stem,
 * the 512 and the 1024 blocks use stride 1, so the map goes 28 -> 14 (block 1) -> 7 (block 3).
 */
export const MOBILENET_V1_BLOCKS: readonly (readonly [number, number])[] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 1],
  [1024, 1],
];

/**
 * MobileNet-V1 (Howard et al. 2017) for 28x28: 3x3 conv 32 (stride 1) + BN + ReLU, 13 depthwise-separable blocks
 * (3x3 depthwise + BN + ReLU, 1x1 pointwise + BN + ReLU), global average pool, dense `numClasses` (logits).
 * Plain ReLU as in the paper (the TF reference code uses ReLU6). Widths are `makeDivisible(width * alpha, 8)`.
 *
 * Layer names: `stem.{conv,bn,relu}`, `block{0..12}.dw.{conv,bn,relu}`, `block{0..12}.pw.{conv,bn,relu}`,
 * `head.pool`, `head.fc`.
 */
export function mobilenetV1(options?: MobileNetV1Options): tfl.LayersModel {
  const resolved = resolveOptions('mobilenetV1', options, { alpha: true });
  const width = (c: number): number => makeDivisible(c * resolved.alpha, 8);
  const b = new GraphBuilder(resolved);
  const input = b.input();
  let x = b.convBn(input, 'stem', width(MOBILENET_V1_STEM), 3, 1, 'relu');
  MOBILENET_V1_BLOCKS.forEach(([channels, stride], i) => {
    x = b.depthwise(x, `block${i}.dw.conv`, stride);
    x = b.bn(x, `block${i}.dw.bn`);
    x = b.relu(x, `block${i}.dw.relu`);
    x = b.convBn(x, `block${i}.pw`, width(channels), 1, 1, 'relu');
  });
  x = b.globalAvgPool(x, 'head.pool');
  x = b.dense(x, 'head.fc', resolved.numClasses);
  return b.build(input, x, 'mobilenetV1');
}
