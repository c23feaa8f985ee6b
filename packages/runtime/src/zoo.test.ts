import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import { importModel } from '@amc/graph';
import { createModel, type ModelName } from '@amc/zoo';
import { afterAll, describe, expect, it } from 'vitest';
import { randomInput, relativeError } from '@amc/testing';
import { randomizeBatchNorms } from '@amc/testing/tfjs';
import { compile } from './index.js';
import { tfPredict } from './test-utils.js';

const MODELS: { name: ModelName; alpha?: number }[] = [
  { name: 'resnet20' },
  { name: 'plain20' },
  { name: 'vgg' },
  { name: 'mobilenetV1', alpha: 0.25 },
  { name: 'mobilenetV2', alpha: 0.25 },
];
const BATCH = 4;
const TOLERANCE = 1e-4;
const errors: string[] = [];

afterAll(() => {
  console.log(`max relative error vs tfjs model.predict:\n${errors.join('\n')}`);
});

describe('zoo models match tfjs', () => {
  it.each(MODELS)('$name', async ({ name, alpha }) => {
    const model = createModel(name, { seed: 7, ...(alpha === undefined ? {} : { alpha }) });
    randomizeBatchNorms(model, 11);
    const graph = importModel(model);
    const bn = graph.nodes.find((n) => n.kind === 'batchNorm');
    expect(bn?.kind === 'batchNorm' && bn.weights.movingVariance.data.some((v) => v !== 1)).toBe(true);
    const compiled = compile(graph);
    // Every batch norm is folded: the zoo always puts one right after a conv / depthwise conv.
    expect(compiled.steps.filter((s) => s.op === 'batchNorm')).toEqual([]);
    expect(compiled.steps.some((s) => s.activation !== 'none')).toBe(true);
    const input = randomInput(BATCH * compiled.inputSize, 3);
    const ours = compiled.predict(input, BATCH);
    expect(ours.length).toBe(BATCH * 10);
    // Buffers are reused: a second call gives the same result and binds no new batch size.
    expect(compiled.predict(input, BATCH)).toEqual(ours);
    expect(compiled.boundBatchSizes).toEqual([BATCH]);
    for (const backend of ['cpu', 'amc-native']) {
      await tf.setBackend(backend);
      const expected = tfPredict(model, input, BATCH);
      const error = relativeError(ours, expected);
      errors.push(`  ${name}${alpha === undefined ? '' : ` a=${alpha}`} on ${backend}: ${error.toExponential(2)}`);
      expect(error).toBeLessThan(TOLERANCE);
    }
    model.dispose();
  });
});
