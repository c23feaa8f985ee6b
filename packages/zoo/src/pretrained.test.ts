import { createDataset, loadFashionMnist } from '@amc/datasets';
import { BACKEND_NAME } from '@amc/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { listPretrained, loadPretrained } from './pretrained.js';
import { evaluateModel } from './train.js';

/** The checkpoints this package must ship. */
const SHIPPED = ['resnet20', 'plain20', 'resnet56', 'mobilenetV2'];

describe('pretrained checkpoints', () => {
  beforeAll(async () => {
    await tf.setBackend(BACKEND_NAME);
  });

  it('ships the expected checkpoints, each with its recipe and test accuracy', async () => {
    const list = await listPretrained();
    expect(list.map((p) => p.name)).toEqual(expect.arrayContaining(SHIPPED));
    for (const p of list) {
      expect(p.test.accuracy).toBeGreaterThan(0.9);
      expect(p.recipe.epochs).toBeGreaterThan(0);
      expect(p.normalization?.std).toBeGreaterThan(0);
    }
  });

  it('each loads and scores on the first 2,000 test images close to its recorded test accuracy', async () => {
    const data = await loadFashionMnist();
    const n = 2000;
    const size = 28 * 28;
    const subset = createDataset(data.test.images.subarray(0, n * size), data.test.labels.subarray(0, n), data.test.shape, 10);
    for (const p of await listPretrained()) {
      const model = await loadPretrained(p.name);
      const { accuracy } = evaluateModel(model, subset);
      expect(Math.abs(accuracy - p.test.accuracy), `${p.name}: ${accuracy} on 2,000 vs ${p.test.accuracy} on 10,000`).toBeLessThan(0.02);
      model.dispose();
    }
  }, 120_000);

  it('names the available checkpoints when asked for a missing one', async () => {
    await expect(loadPretrained('resnet1000')).rejects.toMatchObject({ code: 'AMC_INVALID_ARGUMENT', message: expect.stringMatching(/resnet1000/) });
  });
});
