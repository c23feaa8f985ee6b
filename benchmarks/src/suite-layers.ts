/**
 * Which layers of the shape tables each suite runs (ids of shapes.ts), in full and quick mode. Kept apart from
 * the suites so that a test can check every id without loading the kernels.
 */

/** Conv suite: every distinct conv of ResNet-20, VGG, MobileNet-V1 and a cross-section of MobileNet-V2. */
export const CONV_SUITE_LAYERS: readonly string[] = [
  'resnet20.stem',
  'resnet20.stage1',
  'resnet20.stage2.down',
  'resnet20.stage2',
  'resnet20.stage3.down',
  'resnet20.stage3',
  'vgg.conv1a',
  'vgg.conv1b',
  'vgg.conv2a',
  'vgg.conv2b',
  'vgg.conv3a',
  'vgg.conv3b',
  'mobilenet-v1.stem',
  'mobilenet-v1.dw1',
  'mobilenet-v1.pw1',
  'mobilenet-v1.dw2',
  'mobilenet-v1.pw2',
  'mobilenet-v1.dw3',
  'mobilenet-v1.pw3',
  'mobilenet-v1.dw4',
  'mobilenet-v1.pw4',
  'mobilenet-v1.dw5',
  'mobilenet-v1.pw5',
  'mobilenet-v1.dw6',
  'mobilenet-v1.pw6',
  'mobilenet-v1.dw7-11',
  'mobilenet-v1.pw7-11',
  'mobilenet-v1.pw12',
  'mobilenet-v1.pw13',
  'mobilenet-v2.b2.expand',
  'mobilenet-v2.b2.dw',
  'mobilenet-v2.b2.project',
  'mobilenet-v2.b3.expand',
  'mobilenet-v2.b3.dw',
  'mobilenet-v2.b3.project',
  'mobilenet-v2.b5.expand',
  'mobilenet-v2.b5.dw',
  'mobilenet-v2.b5.project',
  'mobilenet-v2.b8.expand',
  'mobilenet-v2.b8.dw',
  'mobilenet-v2.b8.project',
  'mobilenet-v2.head',
];

/** Conv suite, quick mode: one 3x3 conv, one depthwise, one pointwise. */
export const CONV_QUICK_LAYERS: readonly string[] = ['resnet20.stage2', 'mobilenet-v1.dw3', 'mobilenet-v1.pw3'];

/** ResNet-20 3x3 layers of the onnxruntime target. */
export const RESNET_TARGET_LAYERS: readonly string[] = [
  'resnet20.stage1',
  'resnet20.stage2.down',
  'resnet20.stage2',
  'resnet20.stage3.down',
  'resnet20.stage3',
];

/** Sliced suite: the 3x3 convs with at least 16 input channels and some 1x1 convs. */
export const SLICED_SUITE_LAYERS: readonly string[] = [
  'resnet20.stage1',
  'resnet20.stage2.down',
  'resnet20.stage2',
  'resnet20.stage3.down',
  'resnet20.stage3',
  'vgg.conv1b',
  'vgg.conv2a',
  'vgg.conv2b',
  'vgg.conv3a',
  'vgg.conv3b',
  'mobilenet-v1.pw1',
  'mobilenet-v1.pw3',
  'mobilenet-v1.pw5',
  'mobilenet-v2.b3.expand',
];

/** Sliced suite, quick mode. */
export const SLICED_QUICK_LAYERS: readonly string[] = ['resnet20.stage2'];

/** Sparse suite, SpMM problems of the full run: 1x1 convs and dense layers. */
export const SPMM_SUITE_LAYERS: readonly string[] = [
  'mobilenet-v1.pw3',
  'mobilenet-v1.pw5',
  'mobilenet-v1.pw7-11',
  'mobilenet-v1.pw13',
  'mobilenet-v2.b3.expand',
  'mobilenet-v2.b8.project',
  'mobilenet-v2.head',
  'vgg.fc1',
];

/** Sparse suite, sparseConv2d layers of the full run: 3x3 and 1x1. */
export const SPARSE_CONV_SUITE_LAYERS: readonly string[] = ['resnet20.stage1', 'vgg.conv2b', 'resnet20.stage3', 'mobilenet-v1.pw3', 'mobilenet-v1.pw5'];

/** The layer whose 2-thread sparse timings feed the threads suite. */
export const SPMM_THREADS_LAYER = 'mobilenet-v1.pw3';

/** Sparse suite, sparseDense layers (batch-major fully connected layers). */
export const SPARSE_DENSE_SUITE_LAYERS: readonly string[] = ['vgg.fc1', 'mobilenet-v1.fc'];

/** Sparse suite, quick mode: SpMM problems and sparseConv2d layers. */
export const SPMM_QUICK_LAYERS: readonly string[] = ['mobilenet-v1.pw3', 'vgg.fc1'];
export const SPARSE_CONV_QUICK_LAYERS: readonly string[] = ['resnet20.stage2'];

/** Threads suite: the large conv layers (batch 64) whose 1- and 2-thread timings are compared. */
export const THREADS_CONV_LAYERS: readonly string[] = [
  'vgg.conv1b',
  'vgg.conv2b',
  'vgg.conv3b',
  'resnet20.stage1',
  'resnet20.stage2',
  'mobilenet-v1.pw3',
  'mobilenet-v2.b2.expand',
];

/** Every list above, by name (for the test). */
export const SUITE_LAYER_LISTS: Readonly<Record<string, readonly string[]>> = {
  CONV_SUITE_LAYERS,
  CONV_QUICK_LAYERS,
  RESNET_TARGET_LAYERS,
  SLICED_SUITE_LAYERS,
  SLICED_QUICK_LAYERS,
  SPMM_SUITE_LAYERS,
  SPARSE_CONV_SUITE_LAYERS,
  SPMM_QUICK_LAYERS,
  SPARSE_CONV_QUICK_LAYERS,
  SPARSE_DENSE_SUITE_LAYERS,
  SPMM_THREADS: [SPMM_THREADS_LAYER],
  THREADS_CONV_LAYERS,
};
