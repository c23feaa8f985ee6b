import type * as tfl from '@tensorflow/tfjs-layers';
import { resolveOptions, type ModelOptions } from '../options.js';
import { GraphBuilder } from './common.js';

/** The stages of the zoo's VGG: channel widths of the 3x3 convs; a 2x2 max pool follows every stage but the last. */
export const VGG_STAGES: readonly (readonly number[])[] = [
  [64, 64],
  [128, 128],
  [256, 256, 256],
];

/**
 * A VGG-style net for 28x28 inputs (a narrowed, shortened VGG-16, Simonyan & Zisserman 2015, as used by AMC):
 * conv-BN-ReLU 64, 64, maxpool, 128, 128, maxpool, 256, 256, 256, global average pool, dense `numClasses` (logits).
 * There is no third max pool: it would cut the 7x7 map to 3x3 and drop a row and a column; the global average pool
 * replaces it (and VGG-16's 4096-wide FC layers, which would dominate the parameter count at this input size).
 *
 * Layer names: `stage{s}.{conv,bn,relu}{j}` (s = 1..3, j = 1..), `stage{1,2}.pool`, `head.pool`, `head.fc`.
 */
export function vgg(options?: ModelOptions): tfl.LayersModel {
  const b = new GraphBuilder(resolveOptions('vgg', options));
  const input = b.input();
  let x = input;
  VGG_STAGES.forEach((widths, s) => {
    widths.forEach((width, j) => {
      x = b.conv(x, `stage${s + 1}.conv${j + 1}`, width, 3, 1);
      x = b.bn(x, `stage${s + 1}.bn${j + 1}`);
      x = b.relu(x, `stage${s + 1}.relu${j + 1}`);
    });
    if (s < VGG_STAGES.length - 1) x = b.maxPool(x, `stage${s + 1}.pool`);
  });
  x = b.globalAvgPool(x, 'head.pool');
  x = b.dense(x, 'head.fc', b.options.numClasses);
  return b.build(input, x, 'vgg');
}
