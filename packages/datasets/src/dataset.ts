import { ErrorCode, argumentError } from '@amc/core';

/** Image shape of one sample: `[height, width, channels]` (NHWC without the batch axis). */
export type ImageShape = readonly [number, number, number];

/**
 * A labelled image dataset held in memory.
 *
 * `images` is `count x h x w x c` in NHWC order, row-major; `labels[i]` is the class of image `i`, an integer
 * in `[0, numClasses)`. The arrays are owned by the dataset: do not mutate them while batching.
 */
export interface Dataset {
  /** Pixel values, `count * h * w * c` floats, NHWC. */
  readonly images: Float32Array;
  /** Class index of each image, `count` integers in `[0, numClasses)`. */
  readonly labels: Int32Array;
  /** Number of images. */
  readonly count: number;
  /** Shape of one image: `[h, w, c]`. */
  readonly shape: ImageShape;
  /** Number of classes. */
  readonly numClasses: number;
  /** Human-readable class names, `numClasses` of them (`'0'`, `'1'`, ... when none are given). */
  readonly classNames: readonly string[];
}

const op = 'createDataset';

/**
 * Builds a {@link Dataset} from your own data ("bring your own data").
 *
 * A `Float32Array` of images is used as is (not copied); a `Uint8Array` is read as 8-bit pixels and scaled to
 * `[0, 1]` by `x / 255`. Labels may be any integer array; they are copied into an `Int32Array`.
 *
 * @param images `N * h * w * c` pixel values, NHWC.
 * @param labels `N` class indices in `[0, numClasses)`.
 * @param shape `[h, w, c]`, positive integers.
 * @param numClasses a positive integer.
 * @param classNames optional, `numClasses` names.
 * @throws AmcError `AMC_INVALID_ARGUMENT` for a bad shape, `numClasses`, type or non-integer label;
 *   `AMC_SHAPE_MISMATCH` when the image and label lengths disagree; `AMC_INDEX_OUT_OF_RANGE` for a label
 *   outside `[0, numClasses)`; `AMC_NON_FINITE` for a NaN or infinite pixel.
 * @example
 * const ds = createDataset(new Uint8Array(2 * 4 * 4), [0, 1], [4, 4, 1], 2);
 */
export function createDataset(
  images: Float32Array | Uint8Array,
  labels: Int32Array | Uint8Array | readonly number[],
  shape: readonly [number, number, number],
  numClasses: number,
  classNames?: readonly string[],
): Dataset {
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    !shape.every((d) => Number.isSafeInteger(d) && d > 0)
  ) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'shape', 'three positive integers [h, w, c]', shape);
  }
  if (!Number.isSafeInteger(numClasses) || numClasses <= 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'numClasses', 'a positive integer', numClasses);
  }
  if (!(images instanceof Float32Array) && !(images instanceof Uint8Array)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'images', 'a Float32Array or Uint8Array', images);
  }
  if (!(labels instanceof Int32Array) && !(labels instanceof Uint8Array) && !Array.isArray(labels)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'labels', 'an Int32Array, Uint8Array or number[]', labels);
  }
  const [h, w, c] = shape;
  const imageSize = h * w * c;
  const count = labels.length;
  if (images.length !== count * imageSize) {
    throw argumentError(
      ErrorCode.ShapeMismatch,
      op,
      'images.length',
      `labels.length * h * w * c = ${count} * ${imageSize} = ${count * imageSize}`,
      images.length,
    );
  }
  const outLabels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label)) {
      throw argumentError(ErrorCode.InvalidArgument, op, `labels[${i}]`, 'an integer', label);
    }
    if (label < 0 || label >= numClasses) {
      throw argumentError(ErrorCode.IndexOutOfRange, op, `labels[${i}]`, `an integer in [0, ${numClasses})`, label);
    }
    outLabels[i] = label;
  }
  let outImages: Float32Array;
  if (images instanceof Uint8Array) {
    outImages = new Float32Array(images.length);
    for (let i = 0; i < images.length; i++) outImages[i] = (images[i] as number) / 255;
  } else {
    for (let i = 0; i < images.length; i++) {
      if (!Number.isFinite(images[i] as number)) {
        throw argumentError(ErrorCode.NonFinite, op, `images[${i}]`, 'a finite number', images[i]);
      }
    }
    outImages = images;
  }
  let names: readonly string[];
  if (classNames === undefined) {
    names = Array.from({ length: numClasses }, (_, k) => String(k));
  } else {
    if (!Array.isArray(classNames) || classNames.length !== numClasses || !classNames.every((n) => typeof n === 'string')) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'classNames', `${numClasses} strings`, classNames);
    }
    names = [...classNames];
  }
  return Object.freeze({
    images: outImages,
    labels: outLabels,
    count,
    shape: Object.freeze([h, w, c] as const),
    numClasses,
    classNames: Object.freeze(names),
  });
}

/** Internal: wraps arrays already known to be valid (no checks, no copies). Not exported from the package. */
export function datasetFromParts(
  images: Float32Array,
  labels: Int32Array,
  shape: readonly [number, number, number],
  numClasses: number,
  classNames: readonly string[],
): Dataset {
  return Object.freeze({
    images,
    labels,
    count: labels.length,
    shape: Object.freeze([...shape] as [number, number, number]),
    numClasses,
    classNames,
  });
}
