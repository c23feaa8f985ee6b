/**
 * Pretrained checkpoints shipped with the package (`checkpoints/<name>/`: tfjs model.json + weights.bin, trained
 * here by `amc train`; the recipe, the training history and the test accuracy are in model.json's
 * `userDefinedMetadata`).
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { loadModel, readModelMetadata } from '@amc/tfjs';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Folder of the shipped checkpoints. */
export const CHECKPOINTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'checkpoints');

/** What a shipped checkpoint says about itself. */
export interface PretrainedInfo {
  /** Folder name: the zoo model name, with `-<alpha>` for a width multiplier. */
  name: string;
  dir: string;
  model: string;
  alpha?: number;
  /** Accuracy and loss on the 10,000 Fashion-MNIST test images. */
  test: { accuracy: number; loss: number };
  /** The training recipe (epochs, batch size, learning rate, ...). */
  recipe: Record<string, unknown>;
  /** Normalisation the model expects: `(x / 255 - mean) / std`. */
  normalization?: { mean: number; std: number };
}

/** The checkpoints shipped in this package. */
export async function listPretrained(): Promise<PretrainedInfo[]> {
  let names: string[];
  try {
    names = (await readdir(CHECKPOINTS_DIR)).sort();
  } catch {
    return [];
  }
  const out: PretrainedInfo[] = [];
  for (const name of names) {
    const dir = join(CHECKPOINTS_DIR, name);
    if (!(await stat(dir)).isDirectory()) continue;
    const meta = await readModelMetadata(dir);
    if (meta === undefined) continue;
    out.push({
      name,
      dir,
      model: String(meta.model),
      ...(typeof meta.alpha === 'number' ? { alpha: meta.alpha } : {}),
      test: meta.test as PretrainedInfo['test'],
      recipe: meta.recipe as Record<string, unknown>,
      ...(meta.normalization ? { normalization: meta.normalization as PretrainedInfo['normalization'] } : {}),
    });
  }
  return out;
}

/**
 * Loads a shipped checkpoint by name (see {@link listPretrained}).
 *
 * @throws AmcError AMC_INVALID_ARGUMENT naming the available checkpoints when there is none of that name.
 * @example
 * const model = await loadPretrained('resnet20');
 */
export async function loadPretrained(name: string): Promise<tfl.LayersModel> {
  const available = await listPretrained();
  const hit = available.find((p) => p.name === name);
  if (typeof name !== 'string' || hit === undefined) {
    throw argumentError(
      ErrorCode.InvalidArgument,
      'loadPretrained',
      'name',
      available.length === 0 ? 'a shipped checkpoint (none are installed)' : `one of ${available.map((p) => p.name).join(', ')}`,
      name,
    );
  }
  try {
    return await loadModel(hit.dir);
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `loadPretrained: the ${name} checkpoint in ${hit.dir} cannot be loaded`, { operation: 'loadPretrained', cause });
  }
}
