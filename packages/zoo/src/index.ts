/**
 * @amc/zoo: the models of the AMC paper (He et al. 2018) as TensorFlow.js layers models for 28x28x1 inputs.
 */
export { MODEL_NAMES, createModel, describeModel, isModelName } from './registry.js';
export type { CreateModelOptions, ModelName } from './registry.js';
export { makeDivisible } from './options.js';
export type { ModelOptions } from './options.js';
export { BN_EPSILON, BN_MOMENTUM, layerSeed } from './models/common.js';
export { CIFAR_RESNET_WIDTHS, cifarResNet, plain20, resnet20, resnet56 } from './models/resnet.js';
export type { CifarResNetOptions } from './models/resnet.js';
export { VGG_STAGES, vgg } from './models/vgg.js';
export { MOBILENET_V1_BLOCKS, MOBILENET_V1_STEM, mobilenetV1 } from './models/mobilenet-v1.js';
export type { MobileNetV1Options } from './models/mobilenet-v1.js';
export { MOBILENET_V2_LAST, MOBILENET_V2_SETTINGS, MOBILENET_V2_STEM, mobilenetV2 } from './models/mobilenet-v2.js';
export type { MobileNetV2Options } from './models/mobilenet-v2.js';

// Training: the training loop and checkpoints live in src/train*.ts (written separately) and are exported here.
export { DEFAULT_RECIPE, evaluateModel, learningRateAt, trainModel } from './train.js';
export { createSgdState, decays, sgdMomentumStep } from './train-step.js';
export type { SgdHyper, SgdState } from './train-step.js';
export type { EpochRecord, TrainOptions, TrainProgress, TrainRecipe, TrainResult } from './train.js';
export { MODEL_JSON, WEIGHTS_BIN, loadModel, readModelMetadata, saveModel } from '@amc/tfjs';
export { readCheckpoint, writeCheckpoint } from './checkpoint.js';
export type { CheckpointMeta, CheckpointTensor } from './checkpoint.js';
export { CHECKPOINTS_DIR, listPretrained, loadPretrained } from './pretrained.js';
export type { PretrainedInfo } from './pretrained.js';
