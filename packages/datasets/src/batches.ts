import { ErrorCode, Rng, argumentError } from '@amc/core';
import type { Dataset, ImageShape } from './dataset.js';

/** Seeded augmentation applied per image while batching. */
export interface AugmentOptions {
  /**
   * Random crop with zero padding: the image is padded by `padding` zeros on every side and a window of the
   * original size is cut at a uniformly random offset in `[0, 2 * padding]` on each axis. Zero is in the
   * dataset's value space (for normalised Fashion-MNIST, zero is the train mean, not a black pixel).
   */
  randomCrop?: { padding: number };
  /** Mirror left-right with probability 1/2. */
  horizontalFlip?: boolean;
}

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Images per batch, a positive integer. */
  batchSize: number;
  /** Visit images in a seeded random order (default `false`: dataset order). */
  shuffle?: boolean;
  /** Seed of the shuffle and of the augmentation (default `0`). Same seed, same batches. */
  seed?: number;
  /** Skip the last batch when it holds fewer than `batchSize` images (default `false`). */
  dropLast?: boolean;
  /** Seeded augmentation; none by default. */
  augment?: AugmentOptions;
}

/** One batch: `size` images (`size x h x w x c`, NHWC) and their labels. */
export interface Batch {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
}

const op = 'batches';

/**
 * Iterates over a dataset in batches. Each batch owns fresh arrays. With `shuffle`, the order is a
 * Fisher-Yates permutation from the `@amc/core` {@link Rng} seeded with `seed`; augmentation draws from the
 * same generator, so the same dataset, options and seed give the same batches, bit for bit.
 *
 * @throws AmcError `AMC_INVALID_ARGUMENT` for a bad `batchSize`, `seed` or augmentation option.
 * @example
 * for (const { images, labels, size } of batches(train, { batchSize: 128, shuffle: true, seed: 1 })) { ... }
 */
export function* batches(dataset: Dataset, options: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, shuffle = false, seed = 0, dropLast = false, augment } = options ?? ({} as BatchOptions);
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.batchSize', 'a positive integer', batchSize);
  }
  if (!Number.isSafeInteger(seed)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.seed', 'a safe integer', seed);
  }
  const padding = augment?.randomCrop?.padding;
  if (augment?.randomCrop !== undefined && (!Number.isSafeInteger(padding) || (padding as number) < 0)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.augment.randomCrop.padding', 'a non-negative integer', padding);
  }
  const flip = augment?.horizontalFlip === true;
  const rng = new Rng(seed);
  const count = dataset.count;
  const order = Array.from({ length: count }, (_, i) => i);
  if (shuffle) rng.shuffle(order);
  const [h, w, c] = dataset.shape;
  const imageSize = h * w * c;
  const scratch = new Float32Array(imageSize);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    if (size < batchSize && dropLast) return;
    const images = new Float32Array(size * imageSize);
    const labels = new Int32Array(size);
    for (let b = 0; b < size; b++) {
      const index = order[start + b] as number;
      labels[b] = dataset.labels[index] as number;
      const source = dataset.images.subarray(index * imageSize, (index + 1) * imageSize);
      const target = images.subarray(b * imageSize, (b + 1) * imageSize);
      if (padding !== undefined && padding > 0) {
        const offsetY = rng.int(2 * padding + 1);
        const offsetX = rng.int(2 * padding + 1);
        cropWithPadding(source, dataset.shape, padding, offsetY, offsetX, scratch);
        target.set(scratch);
      } else {
        target.set(source);
      }
      if (flip && rng.uniform() < 0.5) {
        flipHorizontal(target, dataset.shape, scratch);
        target.set(scratch);
      }
    }
    yield { images, labels, size };
  }
}

/**
 * Mirrors one `h x w x c` image left-right: `out[y, x, k] = image[y, w - 1 - x, k]`. Applying it twice gives
 * the image back. `out` must not alias `image`.
 *
 * @throws AmcError `AMC_SHAPE_MISMATCH` when a buffer is not `h * w * c` long.
 */
export function flipHorizontal(image: Float32Array, shape: ImageShape, out = new Float32Array(image.length)): Float32Array {
  const [h, w, c] = shape;
  checkLength('flipHorizontal', image, out, h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const to = (y * w + x) * c;
      const from = (y * w + (w - 1 - x)) * c;
      for (let k = 0; k < c; k++) out[to + k] = image[from + k] as number;
    }
  }
  return out;
}

/**
 * Cuts an `h x w` window from the image padded by `padding` zeros on every side, at `(offsetY, offsetX)` in
 * padded coordinates (each in `[0, 2 * padding]`): `out[y, x] = image[y + offsetY - padding, x + offsetX -
 * padding]`, or 0 outside the image. `offsetY = offsetX = padding` gives the image back.
 *
 * @throws AmcError `AMC_INVALID_ARGUMENT` for an offset out of range; `AMC_SHAPE_MISMATCH` for a bad buffer.
 */
export function cropWithPadding(
  image: Float32Array,
  shape: ImageShape,
  padding: number,
  offsetY: number,
  offsetX: number,
  out = new Float32Array(image.length),
): Float32Array {
  const [h, w, c] = shape;
  checkLength('cropWithPadding', image, out, h * w * c);
  for (const [name, value] of [['offsetY', offsetY], ['offsetX', offsetX]] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value > 2 * padding) {
      throw argumentError(ErrorCode.InvalidArgument, 'cropWithPadding', name, `an integer in [0, ${2 * padding}]`, value);
    }
  }
  const dy = offsetY - padding;
  const dx = offsetX - padding;
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    for (let x = 0; x < w; x++) {
      const sx = x + dx;
      const to = (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        out.fill(0, to, to + c);
      } else {
        const from = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) out[to + k] = image[from + k] as number;
      }
    }
  }
  return out;
}

function checkLength(operation: string, image: Float32Array, out: Float32Array, expected: number): void {
  if (image.length !== expected) {
    throw argumentError(ErrorCode.ShapeMismatch, operation, 'image.length', `h * w * c = ${expected}`, image.length);
  }
  if (out.length !== expected) {
    throw argumentError(ErrorCode.ShapeMismatch, operation, 'out.length', `h * w * c = ${expected}`, out.length);
  }
}
