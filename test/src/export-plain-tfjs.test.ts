import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findGroups, importModel, saveGraph } from '@amc/graph';
import { pruneChannels } from '@amc/prune';
import { compile } from '@amc/runtime';
import '@amc/tfjs';
import { createModel } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../fixtures/plain-tfjs-predict.mjs', import.meta.url));

describe('a compressed model exported by amc loads in plain @tensorflow/tfjs', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'amc-export-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('ResNet-20 with its inner groups pruned to half: same outputs in a process that imports only @tensorflow/tfjs', async () => {
    const model = createModel('resnet20', { seed: 7 });
    const graph = importModel(model);
    model.dispose();
    const decisions = new Map(findGroups(graph).filter((g) => g.prunable && !g.isResidual).map((g) => [g.id, 0.5]));
    const { graph: pruned } = pruneChannels(graph, decisions);
    expect(pruned.totals().macs).toBeLessThan(0.55 * graph.totals().macs);
    const out = join(dir, 'resnet20-pruned');
    await saveGraph(pruned, out);

    const x = Float32Array.from({ length: 3 * 28 * 28 }, (_, i) => Math.sin(i * 0.37));
    const expected = compile(pruned).predict(x, 3);
    const inputPath = join(dir, 'input.json');
    await writeFile(inputPath, JSON.stringify({ x: Array.from(x), shape: [3, 28, 28, 1] }));
    const { stdout } = await run(process.execPath, [FIXTURE, out, inputPath], { maxBuffer: 1 << 24 });
    const result = JSON.parse(stdout) as { y: number[]; params: number; tfjs: string };
    expect(result.tfjs).toBe('4.22.0');
    expect(result.params).toBe(pruned.totals().params);
    let worst = 0;
    let scale = 0;
    expected.forEach((v, i) => {
      worst = Math.max(worst, Math.abs((result.y[i] as number) - v));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(worst / scale).toBeLessThan(1e-4);
  });
});
