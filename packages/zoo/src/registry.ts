import type * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCode, argumentError } from '@amc/core';
import type { ModelOptions } from './options.js';
import { mobilenetV1 } from './models/mobilenet-v1.js';
import { mobilenetV2 } from './models/mobilenet-v2.js';
import { plain20, resnet20, resnet56 } from './models/resnet.js';
import { vgg } from './models/vgg.js';

/** The models of the zoo. */
export type ModelName = 'plain20' | 'resnet20' | 'resnet56' | 'vgg' | 'mobilenetV1' | 'mobilenetV2';

/** Every {@link ModelName}, in a fixed order. */
export const MODEL_NAMES: readonly ModelName[] = Object.freeze([
  'plain20',
  'resnet20',
  'resnet56',
  'vgg',
  'mobilenetV1',
  'mobilenetV2',
] as const);

/** Options of {@link createModel}; see {@link ModelOptions} for each field. */
export type CreateModelOptions = ModelOptions;

const BUILDERS: Readonly<Record<ModelName, (options?: ModelOptions) => tfl.LayersModel>> = {
  plain20,
  resnet20,
  resnet56,
  vgg,
  mobilenetV1,
  mobilenetV2,
};

const DESCRIPTIONS: Readonly<Record<ModelName, string>> = {
  plain20:
    'Plain-20 (He et al. 2016, sec. 4.2; AMC sec. 4.1): ResNet-20 without the shortcuts. 3x3 conv 16 + BN + ReLU, ' +
    'three stages of 3 blocks (conv3x3-BN-ReLU-conv3x3-BN-ReLU) with 16/32/64 channels, stride 2 at stages 2 and 3, ' +
    'global average pool, dense. Adaptation: 28x28x1 input (Fashion-MNIST), maps 28 -> 14 -> 7.',
  resnet20:
    'ResNet-20 (He et al. 2016, sec. 4.2; AMC sec. 4.1): 3x3 conv 16 + BN + ReLU, three stages of 3 basic blocks with ' +
    '16/32/64 channels, stride 2 at stages 2 and 3, global average pool, dense. Shortcuts: identity, or option B ' +
    '(1x1 conv stride 2 + BN) where the shape changes. Adaptation: 28x28x1 input, maps 28 -> 14 -> 7.',
  resnet56:
    'ResNet-56 (He et al. 2016, sec. 4.2; AMC sec. 4.1): as ResNet-20 with 9 basic blocks per stage, option-B ' +
    'projection shortcuts. Adaptation: 28x28x1 input, maps 28 -> 14 -> 7.',
  vgg:
    'VGG-style net (Simonyan & Zisserman 2015; AMC prunes VGG-16 on ImageNet): conv3x3-BN-ReLU 64, 64, maxpool, ' +
    '128, 128, maxpool, 256, 256, 256, global average pool, dense. Adaptation: a narrowed, shortened VGG-16 for ' +
    '28x28x1 (maps 28 -> 14 -> 7), batch norm added, the 4096-wide FC layers replaced by global average pooling.',
  mobilenetV1:
    'MobileNet-V1 (Howard et al. 2017; AMC sec. 4.3): 3x3 conv 32 + BN + ReLU, 13 depthwise-separable blocks ' +
    '(3x3 depthwise-BN-ReLU, 1x1 pointwise-BN-ReLU) 64 .. 1024 channels, global average pool, dense; width multiplier ' +
    'alpha (multiples of 8). Adaptation: 28x28x1 input, stem stride 1, stride 2 only at the first 128 and 256 blocks ' +
    '(28 -> 14 -> 7); ReLU rather than ReLU6.',
  mobilenetV2:
    'MobileNet-V2 (Sandler et al. 2018; AMC sec. 4.3): 3x3 conv 32 + BN + ReLU6, 17 inverted-residual blocks ' +
    '(expansion 6, the first 1; linear bottleneck; residual add at stride 1 with equal channels), 1x1 conv 1280 + BN + ' +
    'ReLU6, global average pool, optional dropout, dense; width multiplier alpha (_make_divisible, multiples of 8). ' +
    'Adaptation: 28x28x1 input, stem stride 1, stride 2 only at the 32 and 64 stages (28 -> 14 -> 7).',
};

/** True when `value` is a {@link ModelName}. */
export function isModelName(value: unknown): value is ModelName {
  return typeof value === 'string' && (MODEL_NAMES as readonly string[]).includes(value);
}

function checkName(operation: string, name: unknown): ModelName {
  if (!isModelName(name)) {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'name', `one of ${MODEL_NAMES.join(', ')}`, name);
  }
  return name;
}

/**
 * Builds the model `name` as a tfjs-layers functional model (an input layer named `input`, logits out, no softmax)
 * with fresh weights. Needs a registered tfjs backend. The caller owns the model: `model.dispose()` frees it.
 *
 * @example
 * const model = createModel('resnet20', { seed: 1, weightDecay: 1e-4 });
 * @throws AmcError AMC_INVALID_ARGUMENT for an unknown name or an invalid option (including `alpha` for a model without
 *   a width multiplier, `dropout` for a model other than mobilenetV2, and unknown option keys).
 */
export function createModel(name: ModelName, options?: CreateModelOptions): tfl.LayersModel {
  return BUILDERS[checkName('createModel', name)](options);
}

/** A short text on the model `name`: the paper it comes from and how it is adapted to 28x28x1 inputs. */
export function describeModel(name: ModelName): string {
  return DESCRIPTIONS[checkName('describeModel', name)];
}
