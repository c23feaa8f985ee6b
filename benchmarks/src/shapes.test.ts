import { describe, expect, it } from 'vitest';
import { ALL_LAYERS, type ConvLayer, gemmProblem, layerById, layerMacs, networkMacs, outputSize, samePadding } from './shapes.js';
import { SUITE_LAYER_LISTS } from './suite-layers.js';

describe('shape tables', () => {
  it('has unique ids, and every id a suite runs exists', () => {
    const ids = ALL_LAYERS.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [name, list] of Object.entries(SUITE_LAYER_LISTS)) {
      for (const id of list) expect(() => layerById(id), `${name}: ${id}`).not.toThrow();
    }
  });

  it('counts MACs of single layers', () => {
    // 3x3 16->16 at 28x28, 'same': 28*28*16*(3*3*16) per image.
    expect(layerMacs(layerById('resnet20.stage1'), 1)).toBe(1_806_336);
    expect(layerMacs(layerById('resnet20.stage1'), 64)).toBe(115_605_504);
    // Stride 2 halves each side: 14*14*32*(3*3*16).
    expect(layerMacs(layerById('resnet20.stage2.down'), 1)).toBe(903_168);
    // Depthwise 3x3 over 64 channels, stride 2 from 28 to 14: 14*14*64*9.
    expect(layerMacs(layerById('mobilenet-v1.dw2'), 1)).toBe(112_896);
    // Pointwise 128->128 at 14x14.
    expect(layerMacs(layerById('mobilenet-v1.pw3'), 1)).toBe(14 * 14 * 128 * 128);
    expect(layerMacs(layerById('vgg.fc1'), 64)).toBe(64 * 1152 * 256);
  });

  it('counts whole networks with repeats', () => {
    // stem + 6 x stage1 + down + 5 x stage2 + down + 5 x stage3 + fc 64->10.
    expect(networkMacs('resnet20')).toBe(112_896 + 6 * 1_806_336 + 903_168 + 5 * 1_806_336 + 903_168 + 5 * 1_806_336 + 640);
    expect(networkMacs('resnet20')).toBe(30_821_248);
  });

  it('pads like tfjs same', () => {
    expect(samePadding(layerById('resnet20.stage1') as ConvLayer)).toEqual([1, 1, 1, 1]);
    expect(samePadding(layerById('resnet20.stage2.down') as ConvLayer)).toEqual([0, 1, 0, 1]);
    expect(samePadding(layerById('mobilenet-v1.dw6') as ConvLayer)).toEqual([1, 1, 1, 1]);
    expect(samePadding(layerById('mobilenet-v1.pw3') as ConvLayer)).toEqual([0, 0, 0, 0]);
    expect(outputSize(7, 2)).toBe(4);
  });

  it('maps layers to channels-first GEMM problems', () => {
    expect(gemmProblem(layerById('mobilenet-v1.pw3'), 64)).toEqual({ m: 128, k: 128, n: 64 * 196 });
    expect(gemmProblem(layerById('resnet20.stage1'), 1)).toEqual({ m: 16, k: 144, n: 784 });
    expect(gemmProblem(layerById('vgg.fc1'), 1)).toEqual({ m: 256, k: 1152, n: 1 });
    expect(() => gemmProblem(layerById('mobilenet-v1.dw3'), 1)).toThrow();
  });
});
