import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { unsupportedLayerError } from './convert-layer.js';
import type { Graph } from './graph.js';
import { importModel } from './import-model.js';
import { SUPPORTED_LAYER_CLASSES } from './types.js';

const OPERATION = 'loadGraph';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The layer list of a saved topology: `{class_name, config}` of a functional model (`config.layers`) or a
 * Sequential one (`config.layers`, or `config` itself in old files), possibly wrapped in `model_config`.
 */
function topologyLayers(topology: unknown): unknown[] | undefined {
  const root = isObject(topology) && isObject(topology['model_config']) ? topology['model_config'] : topology;
  if (!isObject(root)) return undefined;
  const config = root['config'];
  if (Array.isArray(config)) return config;
  if (isObject(config) && Array.isArray(config['layers'])) return config['layers'];
  return undefined;
}

/**
 * Checks the classes of a saved model before tfjs builds it, so an unsupported or unknown class (a Lambda or a
 * custom layer that tfjs cannot even deserialize) gives a coded error naming the layer. Internal (also used by
 * loadSparseModel), not exported from the package.
 */
export function checkTopology(jsonPath: string, json: unknown): void {
  if (!isObject(json) || json['modelTopology'] === undefined || json['modelTopology'] === null) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'path', 'a tfjs layers model.json (with a modelTopology)', jsonPath);
  }
  const layers = topologyLayers(json['modelTopology']);
  if (layers === undefined) {
    throw argumentError(
      ErrorCode.InvalidArgument,
      OPERATION,
      'path',
      'a model.json whose modelTopology holds a functional or Sequential model config with a layer list',
      jsonPath,
    );
  }
  const supported = new Set(SUPPORTED_LAYER_CLASSES);
  layers.forEach((layer, i) => {
    const className = isObject(layer) ? (layer['class_name'] ?? layer['className']) : undefined;
    const config = isObject(layer) && isObject(layer['config']) ? layer['config'] : {};
    const name = typeof config['name'] === 'string' ? config['name'] : `#${i}`;
    if (typeof className !== 'string') {
      throw argumentError(ErrorCode.InvalidArgument, OPERATION, `modelTopology layer ${name} of ${jsonPath}`, 'a class_name', className);
    }
    if (!supported.has(className)) throw unsupportedLayerError(OPERATION, name, className);
  });
}

/**
 * Reads and parses a model.json. Internal (also used by loadSparseModel).
 *
 * @throws AmcError AMC_IO when the file is missing, unreadable or not JSON.
 */
export async function readModelJson(op: string, jsonPath: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `${op}: cannot read a tfjs model.json at ${jsonPath}`, { operation: op, argument: 'path', expected: 'a readable model.json', received: jsonPath, cause });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `${op}: ${jsonPath} is not valid JSON (corrupt or not a model.json)`, { operation: op, argument: 'path', expected: 'a JSON model.json', received: jsonPath, cause });
  }
}

/**
 * Loads a tfjs layers model saved on disk (`path` is its folder or its model.json, e.g. from `saveModel` of
 * `@amc/tfjs` or `tf.io` / tfjs-converter) and imports it with {@link importModel}. The tfjs model is disposed
 * once its weights are copied. Needs a registered tfjs backend; `@amc/tfjs` (loaded on the first call) registers
 * its own and tfjs's cpu backend.
 *
 * @example
 * const graph = await loadGraph('runs/resnet20/model');
 * @throws AmcError AMC_INVALID_ARGUMENT for a `path` that is not a non-empty string, a file that is not a tfjs
 *   layers model.json (no modelTopology, no layer list) or a topology tfjs cannot build; AMC_IO when model.json
 *   or the weights are missing or unreadable, or model.json is not JSON; AMC_UNSUPPORTED_LAYER for a layer class
 *   outside `SUPPORTED_LAYER_CLASSES`; and every error of {@link importModel}.
 */
export async function loadGraph(path: string): Promise<Graph> {
  if (typeof path !== 'string' || path.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'path', 'a non-empty path to a model folder or model.json', path);
  }
  // Loaded lazily: importing @amc/tfjs registers its backend, which importModel's users may not want.
  const { MODEL_JSON, loadModel } = await import('@amc/tfjs');
  const jsonPath = path.endsWith('.json') ? path : join(path, MODEL_JSON);
  const json = await readModelJson(OPERATION, jsonPath);
  checkTopology(jsonPath, json);
  let model;
  try {
    model = await loadModel(path);
  } catch (cause) {
    if (AmcError.isInstance(cause)) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new AmcError(ErrorCode.InvalidArgument, `${OPERATION}: tfjs cannot build the model at ${jsonPath}: ${message}`, {
      operation: OPERATION,
      argument: 'path',
      received: jsonPath,
      cause,
    });
  }
  try {
    return importModel(model);
  } finally {
    model.dispose();
  }
}
