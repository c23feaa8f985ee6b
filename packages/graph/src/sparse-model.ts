/**
 * Saving and loading a (fine-grained-pruned) graph with its weights also in amc's compact format
 * (`weights.amcsparse`, see sparse-weights.ts) beside the standard tfjs files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AmcError, ErrorCode, argumentError, writeFileAtomic } from '@amc/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type ExportModelOptions, saveGraph } from './export-model.js';
import type { Graph } from './graph.js';
import { importModel } from './import-model.js';
import { checkTopology, readModelJson } from './load-graph.js';
import { SPARSE_WEIGHTS_FILE, type SparseTensorEntry, type WeightSpec, decodeSparseWeights, encodeSparseWeights } from './sparse-weights.js';

const MODEL_JSON = 'model.json';

/** Options of {@link saveSparseModel}. */
export interface SaveSparseModelOptions extends ExportModelOptions {
  /** Store a tensor in CSR when its density is at most this. Default 0.6. */
  maxDensity?: number;
}

/** What {@link saveSparseModel} wrote. */
export interface SaveSparseModelResult {
  /** Bytes of the standard tfjs weights.bin. */
  denseBytes: number;
  /** Bytes of weights.amcsparse. */
  compactBytes: number;
  /** How each tensor is stored. */
  tensors: SparseTensorEntry[];
}

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
}

function manifestSpecs(op: string, jsonPath: string, json: ModelJson): { specs: WeightSpec[]; paths: string[] } {
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || !manifest.every((g) => typeof g === 'object' && g !== null && Array.isArray(g.paths) && Array.isArray(g.weights))) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'path', 'a model.json with a weightsManifest', jsonPath);
  }
  const specs = manifest.flatMap((g) => g.weights);
  for (const [i, s] of specs.entries()) {
    if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || !Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw argumentError(ErrorCode.InvalidArgument, op, `weightsManifest weight ${i} of ${jsonPath}`, '{ name, shape, dtype }', s);
    }
  }
  return { specs, paths: manifest.flatMap((g) => g.paths) };
}

/**
 * Saves `graph` to `dir` as {@link saveGraph} does (model.json + weights.bin that plain `@tensorflow/tfjs` loads)
 * and also writes the same weights in amc's compact format, `weights.amcsparse`, where every tensor with density
 * <= `maxDensity` is stored in CSR (about 1.5 x density of its dense bytes). {@link loadSparseModel} reads
 * model.json + weights.amcsparse (weights.bin is not needed, so a deployment may ship only those two files).
 *
 * @throws every error of {@link saveGraph}; AMC_INVALID_ARGUMENT for bad options; AMC_IO when a file cannot be written.
 * @example
 * const { denseBytes, compactBytes } = await saveSparseModel(pruneFineGrained(graph, densities).graph, 'out/model');
 */
export async function saveSparseModel(graph: Graph, dir: string, metadata?: Record<string, unknown>, options?: SaveSparseModelOptions): Promise<SaveSparseModelResult> {
  const op = 'saveSparseModel';
  const { maxDensity, ...exportOptions } = options ?? {};
  await saveGraph(graph, dir, metadata, exportOptions);
  const jsonPath = join(dir, MODEL_JSON);
  const json = (await readModelJson(op, jsonPath)) as ModelJson;
  const { specs, paths } = manifestSpecs(op, jsonPath, json);
  const parts: Uint8Array[] = [];
  try {
    for (const p of paths) parts.push(new Uint8Array(await readFile(join(dir, p))));
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `${op}: cannot read back the weights of ${jsonPath}`, { operation: op, argument: 'dir', received: dir, cause });
  }
  const denseBytes = parts.reduce((n, b) => n + b.byteLength, 0);
  const all = new Uint8Array(denseBytes);
  let offset = 0;
  for (const b of parts) {
    all.set(b, offset);
    offset += b.byteLength;
  }
  const { bytes, tensors } = encodeSparseWeights(specs, new Float32Array(all.buffer, 0, denseBytes / 4), maxDensity === undefined ? {} : { maxDensity });
  await writeFileAtomic(join(dir, SPARSE_WEIGHTS_FILE), bytes);
  return { denseBytes, compactBytes: bytes.length, tensors };
}

/**
 * Loads a model saved by {@link saveSparseModel} from its folder (or its model.json): the topology from model.json,
 * the weights from weights.amcsparse, imported with {@link importModel}. The result runs in `@amc/runtime`, whose
 * `compile` puts the sparse layers on SpMM where that is measured to be faster.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (bad path, not a layers model), AMC_IO (files missing, unreadable or
 *   corrupt), AMC_UNSUPPORTED_LAYER, and every error of {@link importModel}.
 */
export async function loadSparseModel(path: string): Promise<Graph> {
  const op = 'loadSparseModel';
  if (typeof path !== 'string' || path.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'path', 'a non-empty path to a model folder or model.json', path);
  }
  // Registers the tfjs backends (as loadGraph does) before tfjs builds the model.
  await import('@amc/tfjs');
  const jsonPath = path.endsWith('.json') ? path : join(path, MODEL_JSON);
  const dir = path.endsWith('.json') ? join(jsonPath, '..') : path;
  const json = (await readModelJson(op, jsonPath)) as ModelJson;
  checkTopology(jsonPath, json);
  const { specs } = manifestSpecs(op, jsonPath, json);
  const sparsePath = join(dir, SPARSE_WEIGHTS_FILE);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(sparsePath));
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `${op}: cannot read ${sparsePath}`, { operation: op, argument: 'path', received: sparsePath, cause });
  }
  const weights = decodeSparseWeights(bytes, specs, sparsePath);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs as tf.io.WeightsManifestEntry[], weightData: weights.buffer as ArrayBuffer }),
    );
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new AmcError(ErrorCode.InvalidArgument, `${op}: tfjs cannot build the model at ${jsonPath}: ${message}`, { operation: op, argument: 'path', received: jsonPath, cause });
  }
  try {
    return importModel(model);
  } finally {
    model.dispose();
  }
}
