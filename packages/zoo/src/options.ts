import { ErrorCode, argumentError } from '@amc/core';

/**
 * Options shared by every model builder of the zoo (and by {@link createModel}).
 * Every field is optional; the defaults give the Fashion-MNIST setting of the paper reproduction.
 */
export interface ModelOptions {
  /**
   * Width multiplier of the MobileNets (`mobilenetV1`, `mobilenetV2`); channel counts are multiplied by it and
   * rounded to a multiple of 8 (at least 8). A finite number in (0, 2]; default 1. The tested values are
   * 1, 0.75, 0.5 and 0.25. Rejected for the models that have no width multiplier.
   */
  alpha?: number;
  /**
   * Seed of the weight initialisers: a safe integer. The same seed gives bit-identical initial weights; different
   * seeds give different weights. Each layer gets its own seed derived from this one and the layer's name. When
   * omitted the initialisers draw from `Math.random` (not reproducible).
   */
  seed?: number;
  /** Input shape `[height, width, channels]` (NHWC, batch excluded); integers, height and width >= 4. Default `[28, 28, 1]`. */
  inputShape?: [number, number, number];
  /** Number of classes, i.e. of output logits; an integer >= 2. Default 10. */
  numClasses?: number;
  /**
   * SGD-style weight decay (the `weight_decay` of PyTorch's SGD): every conv / pointwise / dense *kernel* gets an
   * L2 regulariser `(weightDecay / 2) * sum(w^2)`, whose gradient is `weightDecay * w`. Depthwise kernels, biases
   * and batch-norm parameters get no decay. A finite number >= 0; default 0 (no regulariser attached at all).
   */
  weightDecay?: number;
  /** Dropout rate before the classifier of `mobilenetV2` (rejected for the other models). In [0, 1); default 0 (no dropout layer). */
  dropout?: number;
}

/** The options after validation and defaults. */
export interface ResolvedOptions {
  alpha: number;
  seed: number | undefined;
  inputShape: [number, number, number];
  numClasses: number;
  weightDecay: number;
  dropout: number;
}

/** What a builder accepts besides the common options. */
export interface OptionSupport {
  /** Whether the model has a width multiplier. */
  alpha?: boolean;
  /** Whether the model has a dropout layer before its classifier. */
  dropout?: boolean;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(['alpha', 'seed', 'inputShape', 'numClasses', 'weightDecay', 'dropout']);

/**
 * Validates `options` for the builder named `operation` and fills in the defaults.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for anything out of range, of the wrong type, an unknown key, or an option the
 *   model does not support.
 */
export function resolveOptions(operation: string, options: unknown, support: OptionSupport = {}): ResolvedOptions {
  const code = ErrorCode.InvalidArgument;
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw argumentError(code, operation, 'options', 'an options object or undefined', options);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) {
      throw argumentError(code, operation, `options.${key}`, `no such option (known: ${[...KNOWN_KEYS].join(', ')})`, o[key]);
    }
  }

  let alpha = 1;
  if (o['alpha'] !== undefined) {
    if (support.alpha !== true) {
      throw argumentError(code, operation, 'options.alpha', 'undefined (this model has no width multiplier)', o['alpha']);
    }
    const a = o['alpha'];
    if (typeof a !== 'number' || !Number.isFinite(a) || a <= 0 || a > 2) {
      throw argumentError(code, operation, 'options.alpha', 'a finite number in (0, 2], e.g. 1, 0.75, 0.5 or 0.25', a);
    }
    alpha = a;
  }

  let seed: number | undefined;
  if (o['seed'] !== undefined) {
    const s = o['seed'];
    if (typeof s !== 'number' || !Number.isSafeInteger(s)) {
      throw argumentError(code, operation, 'options.seed', 'a safe integer or undefined', s);
    }
    seed = s;
  }

  let inputShape: [number, number, number] = [28, 28, 1];
  if (o['inputShape'] !== undefined) {
    const shape = o['inputShape'];
    if (
      !Array.isArray(shape) ||
      shape.length !== 3 ||
      !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1) ||
      (shape[0] as number) < 4 ||
      (shape[1] as number) < 4
    ) {
      throw argumentError(
        code,
        operation,
        'options.inputShape',
        '[height, width, channels] of positive integers with height and width >= 4',
        shape,
      );
    }
    inputShape = [shape[0] as number, shape[1] as number, shape[2] as number];
  }

  let numClasses = 10;
  if (o['numClasses'] !== undefined) {
    const n = o['numClasses'];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 2) {
      throw argumentError(code, operation, 'options.numClasses', 'an integer >= 2', n);
    }
    numClasses = n;
  }

  let weightDecay = 0;
  if (o['weightDecay'] !== undefined) {
    const w = o['weightDecay'];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw argumentError(code, operation, 'options.weightDecay', 'a finite number >= 0', w);
    }
    weightDecay = w;
  }

  let dropout = 0;
  if (o['dropout'] !== undefined) {
    if (support.dropout !== true) {
      throw argumentError(code, operation, 'options.dropout', 'undefined (this model has no dropout layer)', o['dropout']);
    }
    const d = o['dropout'];
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d >= 1) {
      throw argumentError(code, operation, 'options.dropout', 'a number in [0, 1)', d);
    }
    dropout = d;
  }

  return { alpha, seed, inputShape, numClasses, weightDecay, dropout };
}

/**
 * The `_make_divisible` rule of the MobileNet reference code: round `value` to the nearest multiple of `divisor`,
 * at least `divisor`, and never more than 10% below `value`.
 */
export function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}
