import { AmcError, ErrorCode } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { batches, cropWithPadding, flipHorizontal } from './batches.js';
import { createDataset } from './dataset.js';

/** 10 images of 3 x 4 x 2; pixel value encodes (image, y, x, channel) so moves are visible. */
function toyDataset() {
  const [h, w, c] = [3, 4, 2];
  const images = new Float32Array(10 * h * w * c);
  for (let n = 0; n < 10; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) images[((n * h + y) * w + x) * c + k] = 1000 * (n + 1) + 100 * y + 10 * x + k;
  return createDataset(images, Array.from({ length: 10 }, (_, n) => n % 3), [h, w, c], 3);
}

describe('batches', () => {
  it('visits every image once in order without shuffle, with a short last batch', () => {
    const ds = toyDataset();
    const all = [...batches(ds, { batchSize: 4 })];
    expect(all.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(all[2]?.images.length).toBe(2 * 24);
    expect(all.flatMap((b) => Array.from(b.labels))).toEqual(Array.from(ds.labels));
    expect(Array.from(all[0]?.images ?? [])).toEqual(Array.from(ds.images.subarray(0, 4 * 24)));
  });

  it('drops the short last batch with dropLast', () => {
    expect([...batches(toyDataset(), { batchSize: 4, dropLast: true })].map((b) => b.size)).toEqual([4, 4]);
  });

  it('shuffles deterministically: same seed same batches, a permutation of the data', () => {
    const ds = toyDataset();
    const firstPixels = (seed: number) =>
      [...batches(ds, { batchSize: 3, shuffle: true, seed })].flatMap((b) =>
        Array.from({ length: b.size }, (_, i) => b.images[i * 24] as number),
      );
    const a = firstPixels(11);
    expect(firstPixels(11)).toEqual(a);
    expect(firstPixels(12)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, n) => 1000 * (n + 1)));
    expect(a).not.toEqual([...a].sort((x, y) => x - y));
  });

  it('augments with the right shapes, deterministically by seed', () => {
    const ds = toyDataset();
    const run = (seed: number) => [
      ...batches(ds, { batchSize: 4, shuffle: true, seed, augment: { randomCrop: { padding: 1 }, horizontalFlip: true } }),
    ];
    const a = run(5);
    const b = run(5);
    expect(a.map((x) => x.images.length)).toEqual([96, 96, 48]);
    expect(a.map((x) => Array.from(x.images))).toEqual(b.map((x) => Array.from(x.images)));
    expect(a.map((x) => Array.from(x.images))).not.toEqual(run(6).map((x) => Array.from(x.images)));
    // Augmentation moved pixels or zero-filled them: some image differs from every untouched source image.
    const plain = [...batches(ds, { batchSize: 4, shuffle: true, seed: 5 })];
    expect(a.map((x) => Array.from(x.images))).not.toEqual(plain.map((x) => Array.from(x.images)));
  });

  it('rejects bad options with coded errors', () => {
    const ds = toyDataset();
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        return AmcError.isInstance(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(codeOf(() => batches(ds, { batchSize: 0 }).next())).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => batches(ds, { batchSize: 2, seed: 1.5 }).next())).toBe(ErrorCode.InvalidArgument);
    expect(codeOf(() => batches(ds, { batchSize: 2, augment: { randomCrop: { padding: -1 } } }).next())).toBe(
      ErrorCode.InvalidArgument,
    );
  });
});

describe('flipHorizontal and cropWithPadding', () => {
  const shape = [2, 3, 1] as const;
  const image = Float32Array.from([1, 2, 3, 4, 5, 6]);

  it('flips left-right, and twice is the identity', () => {
    expect(Array.from(flipHorizontal(image, shape))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(Array.from(flipHorizontal(flipHorizontal(image, shape), shape))).toEqual(Array.from(image));
  });

  it('crops the zero-padded image at the given offset', () => {
    expect(Array.from(cropWithPadding(image, shape, 1, 1, 1))).toEqual(Array.from(image));
    expect(Array.from(cropWithPadding(image, shape, 1, 0, 0))).toEqual([0, 0, 0, 0, 1, 2]);
    expect(Array.from(cropWithPadding(image, shape, 1, 2, 2))).toEqual([5, 6, 0, 0, 0, 0]);
    expect(() => cropWithPadding(image, shape, 1, 3, 0)).toThrow(/offsetY/);
    expect(() => flipHorizontal(new Float32Array(5), shape)).toThrow(/image.length/);
  });
});
