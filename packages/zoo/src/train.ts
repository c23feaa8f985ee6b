/**
 * The training loop of the zoo (and of `amc train`, and later of fine-tuning after compression): SGD with
 * momentum and weight decay, a cosine learning-rate schedule with optional warm-up, seeded shuffling and
 * augmentation, progress with ETA, atomic checkpoints (every epoch and every few minutes) and resume after a kill
 * from the exact batch where it stopped, bit for bit (same seed and thread count, same result).
 */
import { join } from 'node:path';
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { type AugmentOptions, type Dataset, batches } from '@amc/datasets';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type CheckpointTensor, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { createSgdState, sgdMomentumStep } from './train-step.js';
import { saveModel } from '@amc/tfjs';

/** The training recipe (everything that defines the run; stored in checkpoints and beside the model). */
export interface TrainRecipe {
  epochs: number;
  batchSize: number;
  /** Peak learning rate. */
  learningRate: number;
  momentum: number;
  /** L2 weight decay added to the gradients of conv and dense kernels (not depthwise kernels, biases or BN). */
  weightDecay: number;
  /** `cosine` (to 0 at the end) or `constant`. */
  schedule: 'cosine' | 'constant';
  /** Epochs of linear warm-up from 0 (may be fractional). */
  warmupEpochs: number;
  /** Seed of shuffling and augmentation. */
  seed: number;
  augment: AugmentOptions;
}

/** Default recipe: the CIFAR ResNet recipe (He et al. 2016) shortened, cosine schedule. */
export const DEFAULT_RECIPE: TrainRecipe = {
  epochs: 30,
  batchSize: 128,
  learningRate: 0.1,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: 'cosine',
  warmupEpochs: 0,
  seed: 1,
  augment: { randomCrop: { padding: 2 }, horizontalFlip: true },
};

/** Progress report, sent after every step. */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean loss and accuracy over the epoch so far. */
  loss: number;
  accuracy: number;
  learningRate: number;
  imagesPerSecond: number;
  /** Seconds left at the current speed. */
  etaSeconds: number;
}

/** One finished epoch. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss?: number;
  validationAccuracy?: number;
  seconds: number;
  learningRate: number;
}

/** Options of {@link trainModel}. */
export interface TrainOptions extends Partial<TrainRecipe> {
  train: Dataset;
  /** Scored after every epoch. */
  validation?: Dataset;
  /** Scored once at the end. */
  test?: Dataset;
  /**
   * Folder of the run: `checkpoint.amcckpt` (resumable state) and, at the end, `model/` (tfjs format) with the
   * recipe and accuracies in its metadata. Without it nothing is written.
   */
  outDir?: string;
  /** Resume from `outDir`'s checkpoint when there is one. Default true. */
  resume?: boolean;
  /** Seconds between mid-epoch checkpoints. Default 300. */
  checkpointIntervalSeconds?: number;
  /** Called after every step. */
  onProgress?: (progress: TrainProgress) => void;
  /** Called after every epoch. */
  onEpoch?: (record: EpochRecord) => void;
  /** Extra metadata saved with the final model (model name, dataset, ...). */
  metadata?: Record<string, unknown>;
  /** Stop after this many steps in this call (for tests of resume); the checkpoint is written first. */
  stopAfterSteps?: number;
}

/** Result of {@link trainModel}. */
export interface TrainResult {
  history: EpochRecord[];
  test?: { loss: number; accuracy: number };
  /** True when the run finished all epochs (false when stopped by `stopAfterSteps`). */
  completed: boolean;
  resumedFrom?: { epoch: number; step: number };
}

const op = 'trainModel';
const CHECKPOINT = 'checkpoint.amcckpt';

function checkRecipe(o: TrainOptions): TrainRecipe {
  const r = { ...DEFAULT_RECIPE, ...Object.fromEntries(Object.entries(o).filter(([k, v]) => k in DEFAULT_RECIPE && v !== undefined)) } as TrainRecipe;
  const int = (name: keyof TrainRecipe, min: number) => {
    const v = r[name] as number;
    if (!Number.isSafeInteger(v) || v < min) throw argumentError(ErrorCode.InvalidArgument, op, `options.${name}`, `an integer >= ${min}`, v);
  };
  const num = (name: keyof TrainRecipe, min: number, max: number) => {
    const v = r[name] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw argumentError(ErrorCode.InvalidArgument, op, `options.${name}`, `a number in [${min}, ${max}]`, v);
    }
  };
  int('epochs', 1);
  int('batchSize', 1);
  int('seed', 0);
  num('learningRate', 0, 100);
  num('momentum', 0, 0.999999);
  num('weightDecay', 0, 1);
  num('warmupEpochs', 0, r.epochs);
  if (r.schedule !== 'cosine' && r.schedule !== 'constant') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.schedule', "'cosine' or 'constant'", r.schedule);
  }
  return r;
}

/** Learning rate at fractional epoch `t` of the recipe. */
export function learningRateAt(r: TrainRecipe, t: number): number {
  if (t < r.warmupEpochs) return (r.learningRate * t) / r.warmupEpochs;
  if (r.schedule === 'constant') return r.learningRate;
  const span = r.epochs - r.warmupEpochs;
  const p = span <= 0 ? 1 : Math.min(1, (t - r.warmupEpochs) / span);
  return 0.5 * r.learningRate * (1 + Math.cos(Math.PI * p));
}

/** Loss and accuracy of `model` on a dataset in inference mode. */
export function evaluateModel(model: tfl.LayersModel, data: Dataset, batchSize = 500): { loss: number; accuracy: number } {
  let lossSum = 0;
  let correct = 0;
  for (const b of batches(data, { batchSize })) {
    const [l, c] = tf.tidy(() => {
      const x = tf.tensor4d(b.images, [b.size, ...data.shape]);
      const logits = model.apply(x, { training: false }) as tf.Tensor2D;
      const labels = tf.tensor1d(b.labels, 'int32');
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, data.numClasses), logits, undefined, undefined, tf.Reduction.SUM);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32'));
      return [loss.dataSync()[0] as number, hits.dataSync()[0] as number];
    });
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count };
}

function sameRecipe(a: unknown, b: TrainRecipe): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Trains `model` in place with SGD + momentum on `options.train`.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (bad recipe, a checkpoint of another recipe or model), AMC_IO
 * (unreadable or corrupt checkpoint, write failures).
 * @example
 * const model = createModel('resnet20', { seed: 1 });
 * const { history, test } = await trainModel(model, { train: data.train, validation: data.validation, test: data.test, epochs: 30, outDir: 'runs/resnet20' });
 */
export async function trainModel(model: tfl.LayersModel, options: TrainOptions): Promise<TrainResult> {
  if (typeof options !== 'object' || options === null) throw argumentError(ErrorCode.InvalidArgument, op, 'options', 'an options object', options);
  const recipe = checkRecipe(options);
  const { train, validation, test, outDir } = options;
  if (train === undefined || !(train.images instanceof Float32Array)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.train', 'a Dataset', train);
  }
  const inputShape = model.inputs[0]?.shape.slice(1);
  if (inputShape === undefined || inputShape.join(',') !== train.shape.join(',')) {
    throw argumentError(ErrorCode.ShapeMismatch, op, 'options.train.shape', `[${inputShape?.join(', ')}] (the model's input)`, train.shape);
  }
  const interval = options.checkpointIntervalSeconds ?? 300;
  const stepsPerEpoch = Math.floor(train.count / recipe.batchSize);
  if (stepsPerEpoch < 1) throw argumentError(ErrorCode.InvalidArgument, op, 'options.batchSize', `at most the train size (${train.count})`, recipe.batchSize);
  const checkpointPath = outDir === undefined ? undefined : join(outDir, CHECKPOINT);

  const sgd = createSgdState(model);
  const { trainable, velocity } = sgd;
  const allWeights = model.weights;
  try {
    return await run();
  } finally {
    tf.dispose(velocity);
  }

  async function run(): Promise<TrainResult> {
    let epoch = 0;
    let step = 0;
    let history: EpochRecord[] = [];
    let epochLoss = 0;
    let epochCorrect = 0;
    let epochSeen = 0;
    let epochSeconds = 0;
    let resumedFrom: TrainResult['resumedFrom'];

    const stateTensors = (): CheckpointTensor[] => [
      ...allWeights.map((w) => ({ name: w.originalName ?? w.name, shape: w.shape.map(Number), data: w.read().dataSync() as Float32Array })),
      ...velocity.map((v, i) => ({ name: `velocity/${trainable[i]?.originalName ?? i}`, shape: v.shape, data: v.dataSync() as Float32Array })),
    ];
    const save = async () => {
      if (checkpointPath === undefined) return;
      await writeCheckpoint(
        checkpointPath,
        { version: 1, recipe, epoch, step, history, partial: { loss: epochLoss, correct: epochCorrect, seen: epochSeen, seconds: epochSeconds } },
        stateTensors(),
      );
    };

    if (checkpointPath !== undefined && options.resume !== false) {
      const ckpt = await readCheckpoint(checkpointPath);
      if (ckpt !== undefined) {
        if (!sameRecipe(ckpt.meta.recipe, recipe)) {
          throw new AmcError(
            ErrorCode.InvalidArgument,
            `${op}: ${checkpointPath} was written by another recipe (${JSON.stringify(ckpt.meta.recipe)}); use the same options, another output folder, or resume: false`,
            { operation: op, argument: 'options.outDir' },
          );
        }
        const expected = stateTensors();
        const ok = ckpt.tensors.length === expected.length && ckpt.tensors.every((t, i) => t.shape.join(',') === expected[i]?.shape.join(','));
        if (!ok) {
          throw new AmcError(ErrorCode.ShapeMismatch, `${op}: ${checkpointPath} holds the weights of another model`, { operation: op, argument: 'options.outDir' });
        }
        tf.tidy(() => {
          allWeights.forEach((w, i) => w.write(tf.tensor((ckpt.tensors[i] as CheckpointTensor).data, w.shape.map(Number))));
          velocity.forEach((v, i) => v.assign(tf.tensor((ckpt.tensors[allWeights.length + i] as CheckpointTensor).data, v.shape)));
        });
        epoch = ckpt.meta.epoch as number;
        step = ckpt.meta.step as number;
        history = ckpt.meta.history as EpochRecord[];
        const partial = ckpt.meta.partial as { loss: number; correct: number; seen: number; seconds: number };
        epochLoss = partial.loss;
        epochCorrect = partial.correct;
        epochSeen = partial.seen;
        epochSeconds = partial.seconds;
        resumedFrom = { epoch, step };
      }
    }

    const numClasses = train.numClasses;
    let lastCheckpoint = performance.now();
    let stepsThisCall = 0;
    const started = performance.now();
    let imagesThisCall = 0;

    for (; epoch < recipe.epochs; epoch++, step = 0) {
      const epochStart = performance.now() - epochSeconds * 1000;
      const generator = batches(train, {
        batchSize: recipe.batchSize,
        shuffle: true,
        dropLast: true,
        seed: recipe.seed * 100_003 + epoch,
        augment: recipe.augment,
      });
      let index = 0;
      for (const b of generator) {
        if (index++ < step) continue; // resume inside the epoch: same batches, skip the done ones
        const lr = learningRateAt(recipe, epoch + step / stepsPerEpoch);
        const hyper = { learningRate: lr, momentum: recipe.momentum, weightDecay: recipe.weightDecay };
        const [lossValue, hits] = sgdMomentumStep(model, sgd, b.images, b.labels, train.shape, numClasses, hyper);
        if (!Number.isFinite(lossValue)) {
          await save();
          throw new AmcError(ErrorCode.NonFinite, `${op}: the loss became ${lossValue} at epoch ${epoch + 1} step ${step + 1} (learning rate ${lr}); lower it`, {
            operation: op,
          });
        }
        step++;
        stepsThisCall++;
        imagesThisCall += b.size;
        epochLoss += lossValue * b.size;
        epochCorrect += hits;
        epochSeen += b.size;
        const elapsed = (performance.now() - started) / 1000;
        const speed = imagesThisCall / Math.max(elapsed, 1e-9);
        const remainingSteps = (recipe.epochs - epoch) * stepsPerEpoch - step;
        epochSeconds = (performance.now() - epochStart) / 1000;
        options.onProgress?.({
          epoch: epoch + 1,
          epochs: recipe.epochs,
          step,
          stepsPerEpoch,
          loss: epochLoss / epochSeen,
          accuracy: epochCorrect / epochSeen,
          learningRate: lr,
          imagesPerSecond: speed,
          etaSeconds: (remainingSteps * recipe.batchSize) / Math.max(speed, 1e-9),
        });
        const stop = options.stopAfterSteps !== undefined && stepsThisCall >= options.stopAfterSteps;
        if (stop || (performance.now() - lastCheckpoint) / 1000 >= interval) {
          await save();
          lastCheckpoint = performance.now();
        }
        if (stop) return { history, completed: false, ...(resumedFrom ? { resumedFrom } : {}) };
        if (step >= stepsPerEpoch) break;
      }
      const record: EpochRecord = {
        epoch: epoch + 1,
        trainLoss: epochLoss / Math.max(epochSeen, 1),
        trainAccuracy: epochCorrect / Math.max(epochSeen, 1),
        seconds: (performance.now() - epochStart) / 1000,
        learningRate: learningRateAt(recipe, epoch + 1),
      };
      if (validation !== undefined) {
        const v = evaluateModel(model, validation);
        record.validationLoss = v.loss;
        record.validationAccuracy = v.accuracy;
      }
      history = [...history, record];
      options.onEpoch?.(record);
      epochLoss = 0;
      epochCorrect = 0;
      epochSeen = 0;
      epochSeconds = 0;
      // the checkpoint names the next position: epoch + 1, step 0
      epoch++;
      step = 0;
      await save();
      lastCheckpoint = performance.now();
      epoch--;
    }
    const result: TrainResult = { history, completed: true, ...(resumedFrom ? { resumedFrom } : {}) };
    if (test !== undefined) result.test = evaluateModel(model, test);
    if (outDir !== undefined) {
      await saveModel(model, join(outDir, 'model'), {
        ...options.metadata,
        recipe,
        history,
        ...(result.test ? { test: result.test } : {}),
        backend: tf.getBackend(),
      });
    }
    return result;
  }
}
