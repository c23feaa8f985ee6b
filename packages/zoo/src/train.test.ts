import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmcError, Rng } from '@amc/core';
import { createDataset } from '@amc/datasets';
import { BACKEND_NAME } from '@amc/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint.js';
import { loadModel, readModelMetadata } from '@amc/tfjs';
import { DEFAULT_RECIPE, evaluateModel, learningRateAt, trainModel } from './train.js';

// A learnable toy task: the class is the brightest of 4 quadrants of a noisy 28x28 image.
function toyData(count: number, seed: number) {
  const rng = new Rng(seed);
  const images = new Float32Array(count * 28 * 28);
  const labels: number[] = [];
  for (let n = 0; n < count; n++) {
    const label = rng.int(4);
    labels.push(label);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const q = (y < 14 ? 0 : 2) + (x < 14 ? 0 : 1);
        images[n * 784 + y * 28 + x] = rng.normal() * 0.5 + (q === label ? 1 : 0);
      }
    }
  }
  return createDataset(images, labels, [28, 28, 1], 4);
}

function tinyNet(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [28, 28, 1] });
  let x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.heNormal({ seed }) }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.averagePooling2d({ poolSize: 7 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('trainModel', () => {
  let dir: string;
  const train = toyData(384, 1);
  const validation = toyData(128, 2);
  const recipe = { epochs: 3, batchSize: 32, learningRate: 0.1, weightDecay: 1e-4, seed: 7, augment: { horizontalFlip: false } };

  beforeAll(async () => {
    await tf.setBackend(BACKEND_NAME);
    dir = await mkdtemp(join(tmpdir(), 'amc-train-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('learns, reports progress and epochs, and saves a loadable model with its recipe', async () => {
    const model = tinyNet(3);
    const before = evaluateModel(model, validation);
    const progress: number[] = [];
    const epochs: number[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const result = await trainModel(model, {
      ...recipe,
      train,
      validation,
      test: validation,
      outDir: join(dir, 'a'),
      metadata: { model: 'tiny' },
      onProgress: (p) => progress.push(p.etaSeconds),
      onEpoch: (r) => epochs.push(r.epoch),
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(result.completed).toBe(true);
    expect(epochs).toEqual([1, 2, 3]);
    expect(progress.length).toBe(3 * 12);
    expect(progress.at(-1)).toBe(0);
    expect(result.history.at(-1)?.validationAccuracy).toBeGreaterThan(0.9);
    expect(result.history.at(-1)?.validationAccuracy).toBeGreaterThan(before.accuracy);
    expect(result.test?.accuracy).toBe(result.history.at(-1)?.validationAccuracy);
    const loaded = await loadModel(join(dir, 'a', 'model'));
    expect(evaluateModel(loaded, validation)).toEqual(evaluateModel(model, validation));
    const meta = await readModelMetadata(join(dir, 'a', 'model'));
    expect(meta?.model).toBe('tiny');
    expect((meta?.recipe as { epochs: number }).epochs).toBe(3);
    const ckpt = await readCheckpoint(join(dir, 'a', 'checkpoint.amcckpt'));
    expect(ckpt?.meta.epoch).toBe(3);
    loaded.dispose();
    model.dispose();
  });

  it('resumes after a stop mid-epoch and ends bit-identical to an uninterrupted run', async () => {
    const whole = tinyNet(5);
    await trainModel(whole, { ...recipe, train });
    const interrupted = tinyNet(5);
    const first = await trainModel(interrupted, { ...recipe, train, outDir: join(dir, 'b'), stopAfterSteps: 17 });
    expect(first.completed).toBe(false);
    interrupted.dispose();
    // a fresh process would build a fresh model: same here, with another init seed to prove the weights come back
    const resumed = tinyNet(99);
    const second = await trainModel(resumed, { ...recipe, train, outDir: join(dir, 'b') });
    expect(second.resumedFrom).toEqual({ epoch: 1, step: 5 });
    expect(second.history.length).toBe(3);
    const a = weightsOf(whole);
    const b = weightsOf(resumed);
    a.forEach((w, i) => expect(Buffer.from((b[i] as Float32Array).buffer).equals(Buffer.from(w.buffer)), `weight ${i}`).toBe(true));
    whole.dispose();
    resumed.dispose();
  });

  it('refuses a checkpoint of another recipe or model and a corrupt one, with coded errors', async () => {
    const model = tinyNet(1);
    await trainModel(model, { ...recipe, train, outDir: join(dir, 'c'), stopAfterSteps: 1 });
    await expect(trainModel(model, { ...recipe, learningRate: 0.2, train, outDir: join(dir, 'c') })).rejects.toMatchObject({ code: 'AMC_INVALID_ARGUMENT' });
    const other = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28, 1] }), tfl.layers.dense({ units: 4 })] });
    await expect(trainModel(other, { ...recipe, train, outDir: join(dir, 'c') })).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
    const path = join(dir, 'c', 'checkpoint.amcckpt');
    const bytes = await readFile(path);
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] as number) ^ 1;
    await writeFile(path, bytes);
    await expect(trainModel(model, { ...recipe, train, outDir: join(dir, 'c') })).rejects.toMatchObject({ code: 'AMC_IO' });
    // resume: false starts over and replaces it
    const fresh = await trainModel(model, { ...recipe, epochs: 1, train, outDir: join(dir, 'c'), resume: false });
    expect(fresh.completed).toBe(true);
    model.dispose();
    other.dispose();
  });

  it('validates its options', async () => {
    const model = tinyNet(1);
    for (const bad of [{ epochs: 0 }, { batchSize: 1.5 }, { learningRate: -1 }, { momentum: 1 }, { schedule: 'step' }, { seed: -1 }, { batchSize: 100_000 }]) {
      const error = await trainModel(model, { train, ...(bad as object) }).catch((e: unknown) => e);
      expect(AmcError.isInstance(error), JSON.stringify(bad)).toBe(true);
      expect((error as AmcError).code).toBe('AMC_INVALID_ARGUMENT');
    }
    const wrongShape = createDataset(new Float32Array(4 * 8 * 8), [0, 1, 2, 3], [8, 8, 1], 4);
    await expect(trainModel(model, { train: wrongShape })).rejects.toMatchObject({ code: 'AMC_SHAPE_MISMATCH' });
    model.dispose();
  });

  it('follows the cosine schedule with warm-up', () => {
    const r = { ...DEFAULT_RECIPE, epochs: 10, warmupEpochs: 2, learningRate: 0.4 };
    expect(learningRateAt(r, 0)).toBe(0);
    expect(learningRateAt(r, 1)).toBeCloseTo(0.2);
    expect(learningRateAt(r, 2)).toBeCloseTo(0.4);
    expect(learningRateAt(r, 6)).toBeCloseTo(0.2);
    expect(learningRateAt(r, 10)).toBeCloseTo(0);
    expect(learningRateAt({ ...r, schedule: 'constant' }, 7)).toBe(0.4);
  });
});
