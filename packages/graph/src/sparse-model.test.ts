import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmcError, ErrorCode, Rng } from '@amc/core';
import { loadModel } from '@amc/tfjs';
import { createModel } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SPARSE_WEIGHTS_FILE,
  decodeSparseWeights,
  encodeSparseWeights,
  importModel,
  loadSparseModel,
  saveSparseModel,
  weightEntries,
  type Graph,
  type WeightSpec,
} from './index.js';
import { expectCode, expectCodeAsync } from '@amc/testing';

let dir: string;
let graph: Graph;

/** ResNet-20 with 90% of every conv / dense kernel zeroed at random (seeded). */
function sparseResnet(): Graph {
  const g = importModel(createModel('resnet20', { seed: 4 }));
  const rng = new Rng(11);
  for (const node of g.nodes) {
    if (node.kind !== 'conv2d' && node.kind !== 'dense') continue;
    const k = node.weights.kernel.data;
    for (let i = 0; i < k.length; i++) if (rng.uniform() < 0.9) k[i] = 0;
  }
  return g;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'amc-sparse-'));
  graph = sparseResnet();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encodeSparseWeights / decodeSparseWeights', () => {
  const specs: WeightSpec[] = [
    { name: 'a', shape: [3, 3, 4, 8], dtype: 'float32' },
    { name: 'b', shape: [8] },
    { name: 'c', shape: [2, 70000] },
    { name: 'd', shape: [0, 5] },
  ];
  const total = 3 * 3 * 4 * 8 + 8 + 2 * 70000;
  function data(density: number, seed: number): Float32Array {
    const rng = new Rng(seed);
    const x = new Float32Array(total);
    for (let i = 0; i < total; i++) x[i] = rng.uniform() < density ? rng.uniformRange(-1, 1) : 0;
    return x;
  }

  it('round-trips exactly at every density, CSR where smaller, 4-byte column indices past 65536 columns', () => {
    for (const density of [0, 0.05, 0.5, 1]) {
      const x = data(density, 3);
      x[5] = -0; // a negative zero is a zero: stored or not, it decodes to a zero
      const { bytes, tensors } = encodeSparseWeights(specs, x);
      const y = decodeSparseWeights(bytes, specs);
      expect(Array.from(y).map((v) => (v === 0 ? 0 : v))).toEqual(Array.from(x).map((v) => (v === 0 ? 0 : v)));
      // At 0.5, CSR is smaller only for 2-byte indices over enough rows (c has 4-byte ones, b one short row).
      const expected = { 0: ['csr', 'csr', 'csr', 'dense'], 0.05: ['csr', 'csr', 'csr', 'dense'], 0.5: ['csr', 'dense', 'dense', 'dense'], 1: ['dense', 'dense', 'dense', 'dense'] };
      expect(tensors.map((t) => t.encoding)).toEqual(expected[density as keyof typeof expected]);
      expect(tensors[2]!.indexBytes).toBe(4);
      expect(tensors[0]!.indexBytes).toBe(2);
      // 5% of the values at 6-8 bytes each, plus row offsets and the header.
      if (density === 0.05) expect(bytes.length).toBeLessThan(0.12 * 4 * total);
    }
  });

  it('rejects corrupt files with AMC_IO naming the problem, never a crash', () => {
    const x = data(0.1, 5);
    const { bytes } = encodeSparseWeights(specs, x);
    expectCode(() => decodeSparseWeights(bytes.subarray(0, 10), specs), ErrorCode.Io, 'magic');
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0x40;
    expectCode(() => decodeSparseWeights(flipped, specs), ErrorCode.Io, 'checksum');
    expectCode(() => decodeSparseWeights(bytes.subarray(0, bytes.length - 8), specs), ErrorCode.Io, 'payload');
    expectCode(() => decodeSparseWeights(bytes, specs.slice(1)), ErrorCode.Io, 'tensors where model.json lists 3');
    expectCode(() => decodeSparseWeights(bytes, [{ name: 'z', shape: [3, 3, 4, 8] }, ...specs.slice(1)]), ErrorCode.Io, 'where model.json has z');
    const badHeader = bytes.slice();
    badHeader[14] = 0x7b; // '{' inside the JSON
    expectCode(() => decodeSparseWeights(badHeader, specs), ErrorCode.Io);
    const rng = new Rng(9);
    for (let trial = 0; trial < 300; trial++) {
      const fuzz = bytes.slice();
      for (let k = 0; k < 4; k++) fuzz[rng.int(fuzz.length)] = rng.int(256);
      try {
        decodeSparseWeights(fuzz, specs);
      } catch (e) {
        expect(AmcError.isInstance(e), String(e)).toBe(true);
      }
    }
    expectCode(() => decodeSparseWeights('x' as never, specs), ErrorCode.InvalidArgument, 'bytes');
    expectCode(() => encodeSparseWeights(specs, x.subarray(1)), ErrorCode.ShapeMismatch);
    expectCode(() => encodeSparseWeights([{ name: 'q', shape: [2], dtype: 'int32' }], new Float32Array(2)), ErrorCode.Unsupported, 'float32');
    expectCode(() => encodeSparseWeights(specs, x, { maxDensity: 2 }), ErrorCode.InvalidArgument, 'maxDensity');
  });
});

describe('saveSparseModel / loadSparseModel', () => {
  it('saves the tfjs files plus a compact file 4x+ smaller at 90% sparsity, and loads it back exactly', async () => {
    const out = join(dir, 'resnet');
    const result = await saveSparseModel(graph, out, { note: 'sparse' });
    expect(result.compactBytes).toBeLessThan(result.denseBytes / 4);
    const kernels = result.tensors.filter((t) => t.name.endsWith('/kernel'));
    expect(kernels.length).toBe(22);
    for (const t of kernels) expect(t.encoding, t.name).toBe('csr');
    const back = await loadSparseModel(out);
    expect(back.nodes.length).toBe(graph.nodes.length);
    for (const node of graph.nodes) {
      const a = weightEntries(node);
      const b = weightEntries(back.node(node.name));
      expect(b.map(([n]) => n)).toEqual(a.map(([n]) => n));
      for (const [i, [, t]] of a.entries()) expect(b[i]![1].data).toEqual(t.data);
    }
    // The tfjs files beside it are the standard ones.
    const model = await loadModel(out);
    expect(model.countParams()).toBe(graph.totals().params);
    model.dispose();
  });

  it('reports missing and corrupt files with coded errors', async () => {
    const out = join(dir, 'corrupt');
    await saveSparseModel(graph, out);
    const file = join(out, SPARSE_WEIGHTS_FILE);
    const bytes = new Uint8Array(await readFile(file));
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(file, bytes);
    await expectCodeAsync(loadSparseModel(out), ErrorCode.Io, 'checksum');
    await expectCodeAsync(loadSparseModel(join(dir, 'nope')), ErrorCode.Io, 'model.json');
    await writeFile(join(out, 'model.json'), '{"modelTopology": 3}');
    await expectCodeAsync(loadSparseModel(out), ErrorCode.InvalidArgument);
    await expectCodeAsync(loadSparseModel(''), ErrorCode.InvalidArgument, 'path');
  });
});
