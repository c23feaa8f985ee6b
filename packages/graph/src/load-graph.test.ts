import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { saveModel } from '@amc/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import { ErrorCode } from '@amc/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCodeAsync } from '@amc/testing';
import { findGroups, importModel, loadGraph, weightEntries } from './index.js';

let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'amc-graph-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;

function residualModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [6, 6, 2], name: 'input' });
  const s = L.conv2d({ name: 'stem', filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as Sym;
  let y = L.conv2d({ name: 'c1', filters: 8, kernelSize: 3, padding: 'same' }).apply(s) as Sym;
  y = L.batchNormalization({ name: 'bn' }).apply(y) as Sym;
  y = L.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same' }).apply(y) as Sym;
  y = L.conv2d({ name: 'c2', filters: 4, kernelSize: 1 }).apply(y) as Sym;
  const a = L.add({ name: 'add' }).apply([s, y]) as Sym;
  const p = L.globalAveragePooling2d({ name: 'pool' }).apply(a) as Sym;
  return tfl.model({ inputs: x, outputs: L.dense({ name: 'fc', units: 3 }).apply(p) as Sym, name: 'res' });
}

describe('loadGraph', () => {
  it('loads a model saved with saveModel (folder or model.json) into the same graph importModel builds', async () => {
    const model = residualModel();
    const saved = join(dir, 'res');
    await saveModel(model, saved);
    const direct = importModel(model);
    for (const path of [saved, join(saved, 'model.json')]) {
      const graph = await loadGraph(path);
      expect(graph.name).toBe('res');
      expect(graph.nodes.map((n) => [n.name, n.kind, n.outputShape])).toEqual(direct.nodes.map((n) => [n.name, n.kind, n.outputShape]));
      expect(graph.totals()).toEqual(direct.totals());
      for (const node of graph.nodes) {
        const other = direct.node(node.name);
        expect(node.attrs).toEqual(other.attrs);
        for (const [name, w] of weightEntries(node)) {
          const o = weightEntries(other).find(([n]) => n === name)?.[1];
          expect(Array.from(w.data)).toEqual(Array.from(o?.data ?? []));
        }
      }
      const groups = findGroups(graph);
      expect(groups.find((g) => g.isResidual)?.producers.map((p) => p.name)).toEqual(['stem', 'c2']);
    }
    model.dispose();
  });

  it('gives coded errors for missing, corrupt and unsupported files', async () => {
    await expectCodeAsync(loadGraph(''), ErrorCode.InvalidArgument, 'loadGraph', 'path');
    await expectCodeAsync(loadGraph(join(dir, 'absent')), ErrorCode.Io, 'model.json');

    const notJson = join(dir, 'not-json');
    await saveModel(residualModel(), notJson);
    await writeFile(join(notJson, 'model.json'), '{ this is not json');
    await expectCodeAsync(loadGraph(notJson), ErrorCode.Io, 'not valid JSON');

    const noTopology = join(dir, 'no-topology.json');
    await writeFile(noTopology, JSON.stringify({ weightsManifest: [] }));
    await expectCodeAsync(loadGraph(noTopology), ErrorCode.InvalidArgument, 'modelTopology');

    const noLayers = join(dir, 'no-layers.json');
    await writeFile(noLayers, JSON.stringify({ modelTopology: { class_name: 'Model', config: {} }, weightsManifest: [] }));
    await expectCodeAsync(loadGraph(noLayers), ErrorCode.InvalidArgument, 'layer list');

    // A class tfjs does not even know (a Keras Lambda) is named before tfjs tries to build it.
    const lambda = join(dir, 'lambda');
    await saveModel(residualModel(), lambda);
    const json = JSON.parse(await readFile(join(lambda, 'model.json'), 'utf8'));
    const layers = json.modelTopology.config.layers as { class_name: string; config: { name: string } }[];
    const add = layers.find((l) => l.config.name === 'add');
    if (add === undefined) throw new Error('no add layer in the saved topology');
    add.class_name = 'Lambda';
    await writeFile(join(lambda, 'model.json'), JSON.stringify(json));
    await expectCodeAsync(loadGraph(lambda), ErrorCode.UnsupportedLayer, 'layer "add"', 'Lambda', 'Conv2D');

    const noWeights = join(dir, 'no-weights');
    await saveModel(residualModel(), noWeights);
    await rm(join(noWeights, 'weights.bin'));
    await expectCodeAsync(loadGraph(noWeights), ErrorCode.Io, 'weights');
  });
});
