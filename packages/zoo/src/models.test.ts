import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCode } from '@amc/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import {
  MODEL_NAMES,
  cifarResNet,
  createModel,
  describeModel,
  layerSeed,
  makeDivisible,
  mobilenetV1,
  mobilenetV2,
  type ModelName,
  type ModelOptions,
} from './index.js';

// ---------------------------------------------------------------------------------------------------------------
// Independent hand computation of trainable parameters and multiply-accumulates (MACs) at 28x28x1, written from the
// papers' architecture descriptions, not from the zoo's code or constants.
// ---------------------------------------------------------------------------------------------------------------

interface Count {
  params: number;
  macs: number;
}

/** Accumulates params and MACs layer by layer; `res` is the current output height = width. */
class Tally implements Count {
  params = 0;
  macs = 0;
  /** Conv k x k, no bias, followed by BN (2 trainable params per channel: gamma, beta). */
  convBn(k: number, cin: number, cout: number, outRes: number): void {
    this.params += k * k * cin * cout + 2 * cout;
    this.macs += outRes * outRes * k * k * cin * cout;
  }
  /** Depthwise 3x3, no bias, followed by BN. */
  dwBn(c: number, outRes: number): void {
    this.params += 9 * c + 2 * c;
    this.macs += outRes * outRes * 9 * c;
  }
  dense(cin: number, cout: number): void {
    this.params += cin * cout + cout;
    this.macs += cin * cout;
  }
}

function handResNet(n: number, shortcuts: boolean): Count {
  const t = new Tally();
  t.convBn(3, 1, 16, 28);
  let cin = 16;
  let res = 28;
  for (const [stage, cout] of [16, 32, 64].entries()) {
    for (let b = 0; b < n; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      res /= stride;
      t.convBn(3, cin, cout, res);
      t.convBn(3, cout, cout, res);
      if (shortcuts && (stride === 2 || cin !== cout)) t.convBn(1, cin, cout, res);
      cin = cout;
    }
  }
  t.dense(64, 10);
  return t;
}

function handVgg(): Count {
  const t = new Tally();
  // 64 64 M 128 128 M 256 256 256, GAP, FC
  t.convBn(3, 1, 64, 28);
  t.convBn(3, 64, 64, 28);
  t.convBn(3, 64, 128, 14);
  t.convBn(3, 128, 128, 14);
  t.convBn(3, 128, 256, 7);
  t.convBn(3, 256, 256, 7);
  t.convBn(3, 256, 256, 7);
  t.dense(256, 10);
  return t;
}

/** Multiple of 8 nearest to v, at least 8, not below 90% of v (the reference _make_divisible). */
function div8(v: number): number {
  let r = Math.max(8, Math.floor((v + 4) / 8) * 8);
  if (r < 0.9 * v) r += 8;
  return r;
}

function handMobileNetV1(alpha: number): Count {
  const t = new Tally();
  const w = (c: number): number => div8(c * alpha);
  let cin = w(32);
  t.convBn(3, 1, cin, 28);
  let res = 28;
  const blocks: [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 1], [1024, 1]];
  for (const [c, s] of blocks) {
    res /= s;
    t.dwBn(cin, res);
    t.convBn(1, cin, w(c), res);
    cin = w(c);
  }
  t.dense(cin, 10);
  return t;
}

function handMobileNetV2(alpha: number): Count {
  const t = new Tally();
  let cin = div8(32 * alpha);
  t.convBn(3, 1, cin, 28);
  let res = 28;
  const settings: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 1], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 1], [6, 320, 1, 1]];
  for (const [e, c, n, s] of settings) {
    for (let r = 0; r < n; r++) {
      const hidden = cin * e;
      if (e !== 1) t.convBn(1, cin, hidden, res);
      res /= r === 0 ? s : 1;
      t.dwBn(hidden, res);
      t.convBn(1, hidden, div8(c * alpha), res);
      cin = div8(c * alpha);
    }
  }
  const last = alpha > 1 ? div8(1280 * alpha) : 1280;
  t.convBn(1, cin, last, res);
  t.dense(last, 10);
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring a built model.
// ---------------------------------------------------------------------------------------------------------------

/** Element count of a fully defined shape. */
function size(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? Number.NaN), 1);
}

function trainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + size(w.shape), 0);
}

/** MACs of the conv, depthwise and dense layers: output positions x kernel size. */
function countMacs(model: tfl.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D' && cls !== 'Dense') continue;
    const kernel = layer.weights[0];
    if (kernel === undefined) throw new Error(`no kernel in ${layer.name}`);
    const kernelSize = size(kernel.shape);
    const out = layer.outputShape as number[];
    const positions = cls === 'Dense' ? 1 : (out[1] ?? 0) * (out[2] ?? 0);
    total += positions * kernelSize;
  }
  return total;
}

function expectAmcError(fn: () => unknown, argument?: string): void {
  const err = expectCode(fn, ErrorCode.InvalidArgument);
  if (argument !== undefined) expect(err.argument).toBe(argument);
}

/** Builds a model, hands it to `fn`, disposes it. */
function withModel<T>(name: ModelName, options: ModelOptions, fn: (m: tfl.LayersModel) => T): T {
  const model = createModel(name, options);
  try {
    return fn(model);
  } finally {
    model.dispose();
  }
}

function weightValues(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

/** Bitwise equality of two float arrays (fast; vitest's deep equality is slow on millions of elements). */
function sameBits(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  // Nothing created by the tests must leak.
  expect(tf.memory().numTensors).toBe(0);
});

// ---------------------------------------------------------------------------------------------------------------

const EXPECTED: Record<ModelName, { hand: Count; params: number; macs: number }> = {
  // ResNet-20 option A has 269,722 params for RGB (He et al.: 0.27M); 1 input channel saves 2*144 -> 269,434.
  // Option-B projections add 16*32 + 2*32 + 32*64 + 2*64 = 2,752.
  plain20: { hand: handResNet(3, false), params: 269_434, macs: 30_821_248 },
  resnet20: { hand: handResNet(3, true), params: 269_434 + 2_752, macs: 31_021_952 },
  // ResNet-56 option A: 853,018 for RGB (0.85M) -> 852,730 for 1 channel, + 2,752.
  resnet56: { hand: handResNet(9, true), params: 852_730 + 2_752, macs: 96_050_048 },
  vgg: { hand: handVgg(), params: 1_738_058, macs: 144_961_024 },
  // Keras MobileNet 1.0: 4,231,976 trainable with the 1000-class 1x1-conv top (1,025,000) and an RGB stem (864);
  // here: a 1-channel stem (288) and a 10-class dense (10,250).
  mobilenetV1: { hand: handMobileNetV1(1), params: 4_231_976 - 1_025_000 - 864 + 288 + 10_250, macs: 161_846_656 },
  // torchvision MobileNetV2 1.0: 3,504,872 params with the 1000-class FC (1,281,000) and an RGB stem (864).
  mobilenetV2: { hand: handMobileNetV2(1), params: 3_504_872 - 1_281_000 - 864 + 288 + 12_810, macs: 126_004_736 },
};

describe('parameter counts and MACs at 28x28x1', () => {
  it('the hand computation agrees with the published parameter counts', () => {
    for (const name of MODEL_NAMES) {
      expect(EXPECTED[name].hand.params, name).toBe(EXPECTED[name].params);
      expect(EXPECTED[name].hand.macs, name).toBe(EXPECTED[name].macs);
    }
    // The headline numbers of the brief.
    expect(EXPECTED.resnet20.params).toBe(272_186);
    expect(EXPECTED.resnet56.params).toBe(855_482);
    expect(Math.round(EXPECTED.resnet20.macs / 1e6)).toBe(31);
  });

  for (const name of MODEL_NAMES) {
    it(`${name}: trainable params and MACs`, () => {
      withModel(name, { seed: 1 }, (model) => {
        expect(trainableParams(model)).toBe(EXPECTED[name].params);
        expect(countMacs(model)).toBe(EXPECTED[name].macs);
        // BN moving statistics are the only non-trainable weights: 2 per BN channel.
        const bnChannels = model.layers
          .filter((l) => l.getClassName() === 'BatchNormalization')
          .reduce((s, l) => s + ((l.outputShape as number[])[3] ?? 0), 0);
        expect(model.countParams() - trainableParams(model)).toBe(2 * bnChannels);
      });
    });
  }

  const ALPHAS = [1, 0.75, 0.5, 0.25];
  const MOBILE: Record<string, Record<number, Count>> = {
    mobilenetV1: {
      1: { params: 3_216_650, macs: 161_846_656 },
      0.75: { params: 1_823_818, macs: 91_580_448 },
      0.5: { params: 823_434, macs: 41_183_936 },
      0.25: { params: 215_498, macs: 10_657_120 },
    },
    mobilenetV2: {
      1: { params: 2_236_106, macs: 126_004_736 },
      0.75: { params: 1_367_802, macs: 81_352_016 },
      0.5: { params: 700_202, macs: 40_014_048 },
      0.25: { params: 250_778, macs: 13_879_408 },
    },
  };
  for (const name of ['mobilenetV1', 'mobilenetV2'] as const) {
    it(`${name}: params and MACs for alpha ${ALPHAS.join(', ')}`, () => {
      for (const alpha of ALPHAS) {
        const hand = name === 'mobilenetV1' ? handMobileNetV1(alpha) : handMobileNetV2(alpha);
        const table = MOBILE[name]?.[alpha];
        expect(hand, `${name} ${alpha}`).toEqual(table);
        withModel(name, { alpha, seed: 3 }, (model) => {
          expect(trainableParams(model), `${name} alpha ${alpha}`).toBe(hand.params);
          expect(countMacs(model), `${name} alpha ${alpha}`).toBe(hand.macs);
        });
      }
    });
  }

  it('numClasses and inputShape change the stem and the head only', () => {
    withModel('resnet20', { inputShape: [32, 32, 3], numClasses: 100 }, (model) => {
      expect(trainableParams(model)).toBe(272_186 + 2 * 9 * 16 + 90 * 64 + 90);
      expect(model.outputs[0]?.shape).toEqual([null, 100]);
    });
  });
});

describe('forward pass on the cpu backend', () => {
  for (const name of MODEL_NAMES) {
    it(`${name}: [2, 28, 28, 1] -> [2, 10] finite logits`, () => {
      withModel(name, { seed: 7 }, (model) => {
        const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 11);
        const y = model.predict(x) as tf.Tensor;
        try {
          expect(y.shape).toEqual([2, 10]);
          expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
        } finally {
          x.dispose();
          y.dispose();
        }
      });
    });
  }
});

describe('graph and names', () => {
  const NAME_RE = /^[A-Za-z][A-Za-z0-9._\/-]*$/;
  for (const name of MODEL_NAMES) {
    it(`${name}: unique, valid layer names; a functional graph from "input" to "head.fc"`, () => {
      withModel(name, {}, (model) => {
        const names = model.layers.map((l) => l.name);
        expect(new Set(names).size).toBe(names.length);
        for (const n of names) expect(n).toMatch(NAME_RE);
        expect(model.name).toBe(name);
        expect(model.inputLayers.map((l) => l.name)).toEqual(['input']);
        expect(model.outputLayers.map((l) => l.name)).toEqual(['head.fc']);
        expect(names).toContain('head.pool');
        // Every conv is followed by a BN: the BN of "x.conv" is "x.bn", of "x.convK" is "x.bnK".
        for (const l of model.layers) {
          const cls = l.getClassName();
          if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') {
            expect(l.name).toMatch(/conv\d?$/);
            expect(names).toContain(l.name.replace(/conv(\d?)$/, 'bn$1'));
            expect((l.getConfig() as { useBias: boolean }).useBias).toBe(false);
          }
          if (cls === 'BatchNormalization') {
            const config = l.getConfig() as { momentum: number; epsilon: number };
            expect(config.momentum).toBe(0.9);
            expect(config.epsilon).toBe(1e-5);
          }
        }
      });
    });
  }

  it('resnet20 has the documented names; plain20 has no shortcuts or adds', () => {
    const resnet = withModel('resnet20', {}, (m) => m.layers.map((l) => l.name));
    const plain = withModel('plain20', {}, (m) => m.layers.map((l) => l.name));
    for (const n of ['stem.conv', 'stem.bn', 'stem.relu', 'stage1.block0.conv1', 'stage1.block0.bn1', 'stage1.block0.add', 'stage3.block2.relu2']) {
      expect(resnet).toContain(n);
    }
    expect(resnet.filter((n) => n.endsWith('.shortcut.conv'))).toEqual(['stage2.block0.shortcut.conv', 'stage3.block0.shortcut.conv']);
    expect(resnet.filter((n) => n.endsWith('.add'))).toHaveLength(9);
    expect(plain.filter((n) => n.includes('shortcut') || n.endsWith('.add'))).toEqual([]);
    expect(resnet.filter((n) => !n.includes('shortcut') && !n.endsWith('.add'))).toEqual(plain);
  });

  it('a second build of the same model keeps the same layer names', () => {
    const a = withModel('resnet20', {}, (m) => m.layers.map((l) => l.name));
    const b = withModel('resnet20', {}, (m) => m.layers.map((l) => l.name));
    expect(b).toEqual(a);
  });

  it('mobilenetV2 has residual adds exactly where stride is 1 and channels match', () => {
    const adds = withModel('mobilenetV2', {}, (m) => m.layers.filter((l) => l.name.endsWith('.add')).map((l) => l.name));
    // Blocks: 0 (16), 1-2 (24), 3-5 (32, s2), 6-9 (64, s2), 10-12 (96), 13-15 (160), 16 (320).
    expect(adds).toEqual(['block2.add', 'block4.add', 'block5.add', 'block7.add', 'block8.add', 'block9.add', 'block11.add', 'block12.add', 'block14.add', 'block15.add']);
    expect(withModel('mobilenetV2', {}, (m) => m.getLayer('block0.dw.conv').getClassName())).toBe('DepthwiseConv2D');
    expect(withModel('mobilenetV2', { dropout: 0.2 }, (m) => m.layers.some((l) => l.name === 'head.dropout'))).toBe(true);
  });
});

describe('initialisation', () => {
  for (const name of MODEL_NAMES) {
    it(`${name}: same seed -> identical weights, different seed -> different weights`, () => {
      const options: ModelOptions = name.startsWith('mobilenet') ? { alpha: 0.25 } : {};
      const a = withModel(name, { ...options, seed: 42 }, weightValues);
      const b = withModel(name, { ...options, seed: 42 }, weightValues);
      const c = withModel(name, { ...options, seed: 43 }, weightValues);
      expect(b.length).toBe(a.length);
      expect(a.every((w, i) => sameBits(w, b[i]))).toBe(true);
      // Every randomly initialised kernel differs under another seed.
      const kernels = withModel(name, options, (m) => m.getWeights().map((_, i) => m.weights[i]?.name.match(/\/(kernel|depthwise_kernel)(_\d+)?$/) !== null));
      let compared = 0;
      a.forEach((w, i) => {
        if (kernels[i] === true) {
          compared++;
          expect(sameBits(c[i], w), `weight ${i}`).toBe(false);
        }
      });
      expect(compared).toBeGreaterThan(0);
    });
  }

  it('layers with the same name get the same initial weights in different models (seeds are keyed by layer name)', () => {
    const plain = createModel('plain20', { seed: 4 });
    const resnet = createModel('resnet20', { seed: 4 });
    try {
      for (const layer of ['stem.conv', 'stage2.block0.conv1', 'stage3.block2.conv2', 'head.fc']) {
        const a = plain.getLayer(layer).getWeights()[0]?.dataSync() as Float32Array;
        const b = resnet.getLayer(layer).getWeights()[0]?.dataSync() as Float32Array;
        expect(sameBits(a, b), layer).toBe(true);
      }
    } finally {
      plain.dispose();
      resnet.dispose();
    }
  });

  it('seed 0 is a real seed (tfjs-core would treat a 0 initialiser seed as none)', () => {
    const a = withModel('resnet20', { seed: 0 }, weightValues);
    const b = withModel('resnet20', { seed: 0 }, weightValues);
    expect(a.every((w, i) => sameBits(w, b[i]))).toBe(true);
  });

  it('layer seeds are positive, in int31 range and depend on both seed and layer name', () => {
    const seeds = new Set<number>();
    for (const seed of [0, 1, -1, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      for (const layer of ['stem.conv', 'head.fc', 'block0.dw.conv']) {
        const s = layerSeed(seed, layer);
        expect(Number.isInteger(s) && s >= 1 && s < 2 ** 31).toBe(true);
        seeds.add(s);
      }
    }
    expect(seeds.size).toBe(15);
  });

  it('He-normal statistics: conv kernels std ~ 0.88 sqrt(2 / fanIn), depthwise uses fanIn = 9', () => {
    // tfjs draws He-normal from a normal truncated at 2 sigma, whose std is 0.8796 sigma.
    const trunc = 0.8796;
    withModel('mobilenetV1', { seed: 5 }, (model) => {
      const std = (layer: string): number => {
        const w = model.getLayer(layer).getWeights()[0];
        if (w === undefined) throw new Error(layer);
        const m = tf.moments(w);
        const s = Math.sqrt(m.variance.dataSync()[0] ?? NaN);
        m.mean.dispose();
        m.variance.dispose();
        return s;
      };
      expect(std('block12.dw.conv') / (trunc * Math.sqrt(2 / 9))).toBeCloseTo(1, 1);
      expect(std('block12.pw.conv') / (trunc * Math.sqrt(2 / 1024))).toBeCloseTo(1, 1);
    });
  });

  it('BN starts at gamma 1, beta 0, moving mean 0, moving variance 1; the dense bias at 0', () => {
    withModel('resnet20', { seed: 1 }, (model) => {
      const [gamma, beta, mean, variance] = model.getLayer('stem.bn').getWeights().map((w) => Array.from(w.dataSync()));
      expect(new Set(gamma)).toEqual(new Set([1]));
      expect(new Set(beta)).toEqual(new Set([0]));
      expect(new Set(mean)).toEqual(new Set([0]));
      expect(new Set(variance)).toEqual(new Set([1]));
      const bias = model.getLayer('head.fc').getWeights()[1];
      expect(Array.from(bias?.dataSync() ?? [1])).toEqual(new Array(10).fill(0));
    });
  });
});

describe('weight decay', () => {
  it('is off by default', () => {
    expect(withModel('resnet20', {}, (m) => m.calculateLosses().length)).toBe(0);
  });

  it('adds (weightDecay / 2) * sum(w^2) for each conv / pointwise / dense kernel, none for depthwise', () => {
    const wd = 1e-3;
    for (const name of ['resnet20', 'mobilenetV1'] as const) {
      withModel(name, { seed: 2, weightDecay: wd, ...(name === 'mobilenetV1' ? { alpha: 0.25 } : {}) }, (model) => {
        const decayed = model.layers.filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'Dense');
        // resnet20: 19 convs + 2 projections + fc; mobilenetV1: stem + 13 pointwise + fc.
        expect(decayed.length).toBe(name === 'resnet20' ? 22 : 15);
        const losses = model.calculateLosses();
        expect(losses.length).toBe(decayed.length);
        const total = losses.reduce((s, l) => s + (l.dataSync()[0] ?? NaN), 0);
        tf.dispose(losses);
        let expected = 0;
        for (const l of decayed) {
          const k = l.getWeights()[0];
          expected += (wd / 2) * Array.from(k?.dataSync() ?? []).reduce((s, v) => s + v * v, 0);
        }
        expect(total / expected).toBeCloseTo(1, 4);
      });
    }
  });
});

describe('argument validation', () => {
  it('rejects unknown model names', () => {
    expectAmcError(() => createModel('resnet18' as ModelName), 'name');
    expectAmcError(() => createModel(undefined as unknown as ModelName), 'name');
    expectAmcError(() => describeModel('mobilenetV3' as ModelName), 'name');
  });

  it('rejects bad alpha values and alpha on models without a width multiplier', () => {
    for (const alpha of [0, -0.5, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number]) {
      expectAmcError(() => createModel('mobilenetV1', { alpha }), 'options.alpha');
      expectAmcError(() => mobilenetV2({ alpha }), 'options.alpha');
    }
    expectAmcError(() => createModel('resnet20', { alpha: 1 }), 'options.alpha');
    expectAmcError(() => createModel('vgg', { alpha: 0.5 }), 'options.alpha');
  });

  it('rejects bad seeds, shapes, class counts, weight decay, dropout and unknown options', () => {
    expectAmcError(() => createModel('resnet20', { seed: 1.5 }), 'options.seed');
    expectAmcError(() => createModel('resnet20', { seed: Number.NaN }), 'options.seed');
    expectAmcError(() => createModel('resnet20', { inputShape: [28, 28] as unknown as [number, number, number] }), 'options.inputShape');
    expectAmcError(() => createModel('resnet20', { inputShape: [28, 28, 0] }), 'options.inputShape');
    expectAmcError(() => createModel('resnet20', { inputShape: [2, 28, 1] }), 'options.inputShape');
    expectAmcError(() => createModel('resnet20', { numClasses: 1 }), 'options.numClasses');
    expectAmcError(() => createModel('resnet20', { numClasses: 2.5 }), 'options.numClasses');
    expectAmcError(() => createModel('resnet20', { weightDecay: -1e-4 }), 'options.weightDecay');
    expectAmcError(() => createModel('resnet20', { weightDecay: Number.POSITIVE_INFINITY }), 'options.weightDecay');
    expectAmcError(() => createModel('vgg', { dropout: 0.2 }), 'options.dropout');
    expectAmcError(() => createModel('mobilenetV2', { dropout: 1 }), 'options.dropout');
    expectAmcError(() => createModel('resnet20', { alhpa: 1 } as unknown as ModelOptions), 'options.alhpa');
    expectAmcError(() => createModel('resnet20', 5 as unknown as ModelOptions), 'options');
    expectAmcError(() => mobilenetV1({ seed: 'x' as unknown as number }), 'options.seed');
    expectAmcError(() => cifarResNet({ depth: 21, shortcuts: true }), 'options.depth');
    expectAmcError(() => cifarResNet({ depth: 20, shortcuts: 'yes' as unknown as boolean }), 'options.shortcuts');
  });

  it('the error message names the operation, the argument and what was expected', () => {
    expect(() => createModel('resnet18' as ModelName)).toThrow(
      'createModel: expected one of plain20, resnet20, resnet56, vgg, mobilenetV1, mobilenetV2 for name but received "resnet18"',
    );
  });
});

describe('serialisation', () => {
  it('a model saved to memory and loaded back keeps its names, weights and outputs', async () => {
    const model = createModel('mobilenetV2', { alpha: 0.25, seed: 9, weightDecay: 1e-4 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (artifacts === undefined) throw new Error('not saved');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 3);
    const [y1, y2] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    const losses = loaded.calculateLosses();
    try {
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
      // The L2 regularisers survive the round trip.
      expect(losses.length).toBe(model.layers.filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'Dense').length);
    } finally {
      tf.dispose([x, y1, y2, ...losses]);
      model.dispose();
      loaded.dispose();
    }
  });
});

describe('registry', () => {
  it('lists every model and describes each', () => {
    expect([...MODEL_NAMES]).toEqual(['plain20', 'resnet20', 'resnet56', 'vgg', 'mobilenetV1', 'mobilenetV2']);
    for (const name of MODEL_NAMES) {
      const text = describeModel(name);
      expect(text.length).toBeGreaterThan(50);
      expect(text).toMatch(/28x28/);
    }
  });

  it('cifarResNet builds the other depths', () => {
    const model = cifarResNet({ depth: 32, shortcuts: true, seed: 1 });
    try {
      expect(model.name).toBe('resnet32');
      expect(trainableParams(model)).toBe(handResNet(5, true).params);
    } finally {
      model.dispose();
    }
  });

  it('makeDivisible follows _make_divisible', () => {
    expect([8, 12, 16, 20, 24, 4, 1, 36, 1280 * 1.4].map((v) => makeDivisible(v))).toEqual([8, 16, 16, 24, 24, 8, 8, 40, 1792]);
  });
});
