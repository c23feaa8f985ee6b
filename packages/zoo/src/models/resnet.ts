import type * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCode, argumentError } from '@amc/core';
import { resolveOptions, type ModelOptions } from '../options.js';
import { GraphBuilder, type Sym } from './common.js';

/** Options of {@link cifarResNet}: the common options plus the depth and whether the blocks have shortcuts. */
export interface CifarResNetOptions extends ModelOptions {
  /** Total number of weighted layers, 6n + 2 (20, 32, 44, 56, 110, ...). */
  depth: number;
  /** Residual shortcuts (true: ResNet) or none (false: the "plain" net of He et al. 2016). */
  shortcuts: boolean;
}

/** Channel widths of the three stages. */
export const CIFAR_RESNET_WIDTHS = [16, 32, 64] as const;

/**
 * One basic block: conv3x3-BN-ReLU-conv3x3-BN, (+ shortcut), ReLU.
 * Shortcut option B: identity when the shape is kept, 1x1 conv (stride 2, no bias) + BN when it changes.
 */
function basicBlock(b: GraphBuilder, x: Sym, prefix: string, inChannels: number, outChannels: number, stride: number, shortcuts: boolean): Sym {
  let y = b.conv(x, `${prefix}.conv1`, outChannels, 3, stride);
  y = b.bn(y, `${prefix}.bn1`);
  y = b.relu(y, `${prefix}.relu1`);
  y = b.conv(y, `${prefix}.conv2`, outChannels, 3, 1);
  y = b.bn(y, `${prefix}.bn2`);
  if (shortcuts) {
    let s = x;
    if (stride !== 1 || inChannels !== outChannels) {
      s = b.conv(x, `${prefix}.shortcut.conv`, outChannels, 1, stride);
      s = b.bn(s, `${prefix}.shortcut.bn`);
    }
    y = b.add([y, s], `${prefix}.add`);
  }
  return b.relu(y, `${prefix}.relu2`);
}

/**
 * The CIFAR-style ResNet of He et al. 2016 (sec. 4.2), with or without shortcuts:
 * 3x3 conv 16 + BN + ReLU, three stages of n = (depth - 2) / 6 basic blocks with 16 / 32 / 64 channels (stride 2 at
 * the first block of stages 2 and 3), global average pooling, dense `numClasses` (logits).
 *
 * Layer names: `stem.{conv,bn,relu}`, `stage{1..3}.block{0..n-1}.{conv1,bn1,relu1,conv2,bn2,add,relu2}`,
 * `stage{2,3}.block0.shortcut.{conv,bn}`, `head.pool`, `head.fc`.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for a depth that is not 6n + 2 (n >= 1) or invalid common options.
 */
export function cifarResNet(options: CifarResNetOptions): tfl.LayersModel {
  const operation = 'cifarResNet';
  if (typeof options !== 'object' || options === null) {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'options', 'an object with depth and shortcuts', options);
  }
  const { depth, shortcuts, ...rest } = options;
  if (typeof depth !== 'number' || !Number.isSafeInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'options.depth', 'an integer 6n + 2 with n >= 1 (20, 32, 44, 56, 110)', depth);
  }
  if (typeof shortcuts !== 'boolean') {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'options.shortcuts', 'a boolean', shortcuts);
  }
  const name = `${shortcuts ? 'resnet' : 'plain'}${depth}`;
  return buildCifarResNet(name, depth, shortcuts, resolveOptions(name, rest));
}

function buildCifarResNet(name: string, depth: number, shortcuts: boolean, resolved: ReturnType<typeof resolveOptions>): tfl.LayersModel {
  const b = new GraphBuilder(resolved);
  const n = (depth - 2) / 6;
  const input = b.input();
  let x = b.convBn(input, 'stem', CIFAR_RESNET_WIDTHS[0], 3, 1, 'relu');
  let channels: number = CIFAR_RESNET_WIDTHS[0];
  CIFAR_RESNET_WIDTHS.forEach((width, stage) => {
    for (let block = 0; block < n; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      x = basicBlock(b, x, `stage${stage + 1}.block${block}`, channels, width, stride, shortcuts);
      channels = width;
    }
  });
  x = b.globalAvgPool(x, 'head.pool');
  x = b.dense(x, 'head.fc', resolved.numClasses);
  return b.build(input, x, name);
}

/** Plain-20: ResNet-20 without the shortcuts (He et al. 2016, fig. 6). */
export function plain20(options?: ModelOptions): tfl.LayersModel {
  return buildCifarResNet('plain20', 20, false, resolveOptions('plain20', options));
}

/** ResNet-20 (n = 3), option-B projection shortcuts. */
export function resnet20(options?: ModelOptions): tfl.LayersModel {
  return buildCifarResNet('resnet20', 20, true, resolveOptions('resnet20', options));
}

/** ResNet-56 (n = 9), option-B projection shortcuts. */
export function resnet56(options?: ModelOptions): tfl.LayersModel {
  return buildCifarResNet('resnet56', 56, true, resolveOptions('resnet56', options));
}
