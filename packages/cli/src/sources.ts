/**
 * What the search, export and eval commands share: resolving a model argument (a zoo name with a shipped
 * pretrained checkpoint, or a saved model folder / model.json) into a graph, the data set, and `--target`.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { type FashionMnist, loadFashionMnist } from '@amc/datasets';
import { type Graph, SPARSE_WEIGHTS_FILE, importModel, loadGraph, loadSparseModel } from '@amc/graph';
import { isModelName, listPretrained, loadPretrained } from '@amc/zoo';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The graph of a model argument: a zoo name loads its shipped pretrained checkpoint (an untrained model is no
 * use to compress); anything else is a saved tfjs layers model (folder or model.json), read from
 * weights.amcsparse when the folder has that and no weights.bin.
 */
export async function loadSourceGraph(spec: string, op: string): Promise<Graph> {
  if (isModelName(spec)) {
    const shipped = await listPretrained();
    if (!shipped.some((p) => p.name === spec)) {
      throw new AmcError(
        ErrorCode.InvalidArgument,
        `${op}: the zoo has no pretrained ${spec} (shipped: ${shipped.map((p) => p.name).join(', ') || 'none'}); train it first (amc train --model ${spec}) and pass runs/${spec}/model`,
        { operation: op, argument: '<model>', received: spec },
      );
    }
    const model = await loadPretrained(spec);
    try {
      return importModel(model);
    } finally {
      model.dispose();
    }
  }
  const dir = spec.endsWith('.json') ? join(spec, '..') : spec;
  if ((await exists(join(dir, SPARSE_WEIGHTS_FILE))) && !(await exists(join(dir, 'weights.bin')))) return loadSparseModel(spec);
  return loadGraph(spec);
}

/** The data set of `--data` (Fashion-MNIST is the one built in). */
export async function loadData(name: string, op: string): Promise<FashionMnist> {
  if (name !== 'fashion-mnist') throw argumentError(ErrorCode.InvalidArgument, op, '--data', 'fashion-mnist', name);
  return loadFashionMnist();
}

/** `flops=0.5` / `macs=0.5` / `params=0.2` -> the resource and the fraction of the original to keep. */
export function parseTarget(text: string, op: string): { resource: 'macs' | 'params'; ratio: number } {
  const match = /^(flops|macs|params)=([0-9.]+)$/.exec(text);
  const ratio = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !(ratio > 0 && ratio <= 1)) {
    throw argumentError(ErrorCode.InvalidArgument, op, '--target', 'flops=<fraction> or params=<fraction>, the fraction in (0, 1]', text);
  }
  return { resource: match[1] === 'params' ? 'params' : 'macs', ratio };
}

/** `1234567` -> `1.23M`. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** Seconds -> `1h02m` / `3m05s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
