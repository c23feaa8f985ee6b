/**
 * `amc train`: trains a zoo model (or a tfjs model.json) on Fashion-MNIST with the zoo's training loop, printing
 * progress with an ETA, checkpointing into the output folder and resuming from it.
 */
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { type Dataset, createDataset, loadFashionMnist } from '@amc/datasets';
import { BACKEND_NAME } from '@amc/tfjs';
import { setNumThreads } from '@amc/kernels';
import { DEFAULT_RECIPE, MODEL_NAMES, type ModelName, createModel, isModelName, loadModel, trainModel } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CliIo } from './io.js';
import { formatDuration } from './sources.js';

export const TRAIN_HELP = `amc train: train a model on Fashion-MNIST (checkpoints every epoch and every 5 minutes; rerun to resume)

Usage: amc train [options]

  --model <name|path>     zoo model (${MODEL_NAMES.join(', ')}) or a tfjs model.json / folder [resnet20]
  --alpha <x>             width multiplier of mobilenetV1 / mobilenetV2
  --data <name>           data set: fashion-mnist [fashion-mnist]
  --epochs <n>            [${DEFAULT_RECIPE.epochs}]
  --lr <x>                peak learning rate (cosine schedule) [${DEFAULT_RECIPE.learningRate}]
  --batch <n>             batch size [${DEFAULT_RECIPE.batchSize}]
  --momentum <x>          [${DEFAULT_RECIPE.momentum}]
  --weight-decay <x>      on conv and dense kernels [${DEFAULT_RECIPE.weightDecay}]
  --warmup <epochs>       linear warm-up [${DEFAULT_RECIPE.warmupEpochs}]
  --schedule <s>          cosine | constant [${DEFAULT_RECIPE.schedule}]
  --no-augment            no random crop (padding 2) and flip
  --seed <n>              seed of the initial weights, shuffling and augmentation [${DEFAULT_RECIPE.seed}]
  --out <dir>             output folder: checkpoint.amcckpt, model/ (tfjs format) [runs/<model>]
  --no-resume             start over even when <out> has a checkpoint
  --threads <n>           native threads [all cores]
  --backend <name>        amc-native | cpu | tensorflow (needs @tensorflow/tfjs-node) [amc-native]
  --train-subset <n>      train on the first n training images (quick experiments)
  --quiet                 no progress lines
`;

/** Parsed options of `amc train`. */
export interface TrainCommandOptions {
  model: string;
  alpha?: number;
  data: 'fashion-mnist';
  epochs: number;
  lr: number;
  batch: number;
  momentum: number;
  weightDecay: number;
  warmup: number;
  schedule: 'cosine' | 'constant';
  augment: boolean;
  seed: number;
  out: string;
  resume: boolean;
  threads?: number;
  backend: string;
  trainSubset?: number;
  quiet: boolean;
}

function subset(data: Dataset, n: number): Dataset {
  if (n >= data.count) return data;
  const size = data.shape[0] * data.shape[1] * data.shape[2];
  return createDataset(data.images.subarray(0, n * size), data.labels.subarray(0, n), data.shape, data.numClasses, data.classNames);
}

async function useBackend(name: string): Promise<void> {
  if (name === 'tensorflow') {
    try {
      const moduleName = '@tensorflow/tfjs-node';
      await import(moduleName);
    } catch (cause) {
      throw new AmcError(ErrorCode.Unsupported, "amc train: --backend tensorflow needs @tensorflow/tfjs-node, which is not installed (npm install @tensorflow/tfjs-node)", { operation: 'train', argument: '--backend', cause });
    }
  }
  if (!['amc-native', 'cpu', 'tensorflow'].includes(name)) {
    throw argumentError(ErrorCode.InvalidArgument, 'train', '--backend', 'amc-native, cpu or tensorflow', name);
  }
  if (!(await tf.setBackend(name))) {
    throw new AmcError(ErrorCode.Unsupported, `amc train: the ${name} backend failed to initialise`, { operation: 'train', argument: '--backend' });
  }
}

/** Runs `amc train` with parsed options. Returns the process exit code. */
export async function runTrain(o: TrainCommandOptions, io: CliIo): Promise<number> {
  if (o.threads !== undefined) setNumThreads(o.threads);
  await useBackend(o.backend);
  const data = await loadFashionMnist();
  const train = o.trainSubset === undefined ? data.train : subset(data.train, o.trainSubset);
  let model: tfl.LayersModel;
  let modelName: string;
  if (isModelName(o.model)) {
    modelName = o.model;
    model = createModel(o.model as ModelName, { seed: o.seed, ...(o.alpha === undefined ? {} : { alpha: o.alpha }) });
  } else {
    if (o.alpha !== undefined) throw argumentError(ErrorCode.InvalidArgument, 'train', '--alpha', 'a zoo model (not a model.json)', o.model);
    modelName = o.model;
    model = await loadModel(o.model);
  }
  io.out(`amc train: ${modelName}${o.alpha === undefined ? '' : ` alpha ${o.alpha}`} on Fashion-MNIST (${train.count} train / ${data.validation.count} validation / ${data.test.count} test), backend ${tf.getBackend()}, output ${o.out}`);
  let lastPrint = 0;
  const result = await trainModel(model, {
    train,
    validation: data.validation,
    test: data.test,
    epochs: o.epochs,
    batchSize: o.batch,
    learningRate: o.lr,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    warmupEpochs: o.warmup,
    schedule: o.schedule,
    seed: o.seed,
    augment: o.augment ? { randomCrop: { padding: 2 }, horizontalFlip: true } : {},
    outDir: o.out,
    resume: o.resume,
    metadata: { model: modelName, ...(o.alpha === undefined ? {} : { alpha: o.alpha }), dataset: 'fashion-mnist', normalization: data.normalization, split: data.split },
    onProgress: (p) => {
      const now = performance.now();
      if (o.quiet || (now - lastPrint < 2000 && p.step !== p.stepsPerEpoch)) return;
      lastPrint = now;
      io.out(
        `epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)} acc ${(100 * p.accuracy).toFixed(2)}% lr ${p.learningRate.toFixed(4)} ${p.imagesPerSecond.toFixed(0)} img/s ETA ${formatDuration(p.etaSeconds)}`,
      );
    },
    onEpoch: (r) =>
      io.out(
        `epoch ${r.epoch} done in ${formatDuration(r.seconds)}: train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAccuracy).toFixed(2)}%, validation acc ${r.validationAccuracy === undefined ? '-' : (100 * r.validationAccuracy).toFixed(2)}%`,
      ),
  });
  if (result.resumedFrom) io.out(`(resumed from epoch ${result.resumedFrom.epoch + 1} step ${result.resumedFrom.step})`);
  if (result.test) io.out(`test accuracy ${(100 * result.test.accuracy).toFixed(2)}% (loss ${result.test.loss.toFixed(4)}); model saved to ${o.out}/model`);
  model.dispose();
  return 0;
}

export { BACKEND_NAME };
