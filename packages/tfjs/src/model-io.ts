/**
 * Saving and loading tfjs layers models as a folder in tfjs's own format (`model.json` + `weights.bin`), without
 * tfjs-node's `file://` handler (which needs the native TensorFlow library). The files load in any tfjs
 * (browser `tf.loadLayersModel('…/model.json')`, tfjs-node `file://…/model.json`) and back through
 * {@link loadModel}.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AmcError, ErrorCode, writeFileAtomic } from '@amc/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** File name of the topology + manifest. */
export const MODEL_JSON = 'model.json';
/** File name of the weights. */
export const WEIGHTS_BIN = 'weights.bin';

/**
 * Saves `model` to `dir` (created if missing) as model.json + weights.bin, each written atomically, weights
 * first (a reader never sees a model.json whose weights are missing).
 *
 * @param extra fields stored in model.json's `userDefinedMetadata` (accuracy, training recipe, ...).
 */
export async function saveModel(model: tfl.LayersModel, dir: string, extra?: Record<string, unknown>): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const weights = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) {
        weights.set(new Uint8Array(b), offset);
        offset += b.byteLength;
      }
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'TensorFlow.js tfjs-layers',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(extra ? { userDefinedMetadata: extra } : {}),
      };
      await writeFileAtomic(join(dir, MODEL_JSON), `${JSON.stringify(json)}\n`);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: total } };
    }),
  );
}

/** A saved model's metadata (`userDefinedMetadata` of model.json), or undefined. */
export async function readModelMetadata(dir: string): Promise<Record<string, unknown> | undefined> {
  const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as { userDefinedMetadata?: Record<string, unknown> };
  return json.userDefinedMetadata;
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers model folder with one weights file group):
 * `path` is the folder or its model.json.
 *
 * @throws AmcError AMC_IO when the files are missing or unreadable, AMC_INVALID_ARGUMENT when they are not a
 * tfjs layers model.
 */
export async function loadModel(path: string): Promise<tfl.LayersModel> {
  const jsonPath = path.endsWith('.json') ? path : join(path, MODEL_JSON);
  const dir = path.endsWith('.json') ? join(jsonPath, '..') : path;
  let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `loadModel: cannot read a tfjs model.json at ${jsonPath}`, { operation: 'loadModel', cause });
  }
  if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new AmcError(ErrorCode.InvalidArgument, `loadModel: ${jsonPath} is not a tfjs layers model (no modelTopology / weightsManifest)`, {
      operation: 'loadModel',
      argument: 'path',
    });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  try {
    for (const group of json.weightsManifest) {
      specs.push(...group.weights);
      for (const p of group.paths) parts.push(new Uint8Array(await readFile(join(dir, p))));
    }
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `loadModel: cannot read the weights of ${jsonPath}`, { operation: 'loadModel', cause });
  }
  const total = parts.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of parts) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData: weightData.buffer }),
  );
}
