import { mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@amc/tfjs';
import { ErrorCode, Rng } from '@amc/core';
import { importModel, type Graph } from '@amc/graph';
import { gemm } from '@amc/kernels';
import { resourceOf } from '@amc/rewards';
import { createModel } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCodeAsync } from '@amc/testing';
import { CompressionEnvironment, EMBEDDING_FEATURES, buildCalibrationCache, channelEnergy, finalAccuracyOf, readSearchState, reconstructFromCache, runSearch, uniformPolicy, type EpisodeRecord, type SearchOptions } from './index.js';

let dir: string;
let resnet: Graph;
const images = new Rng(3).fillUniform(new Float32Array(96 * 28 * 28), -1, 1);
const labels = Int32Array.from({ length: 96 }, (_, i) => i % 10);

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'amc-search-'));
  resnet = importModel(createModel('resnet20', { seed: 2 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function env(graph: Graph, method: 'channel' | 'fine-grained' = 'channel', extra: Partial<ConstructorParameters<typeof CompressionEnvironment>[1]> = {}): CompressionEnvironment {
  return new CompressionEnvironment(graph, {
    method,
    seed: 1,
    calibration: { images, count: 32 },
    validation: { images: images.subarray(32 * 784), labels: labels.subarray(32), count: 64 },
    ...extra,
  });
}

describe('CompressionEnvironment', () => {
  it('channel units of ResNet-20: 9 inner groups and 3 residual streams; resource models match the pruned graphs exactly', () => {
    const e = env(resnet);
    expect(e.units.length).toBe(12);
    expect(e.units.filter((u) => u.residual).length).toBe(3);
    expect(e.originalMacs).toBe(resnet.totals().macs);
    expect(e.originalParams).toBe(resnet.totals().params);
    const rng = new Rng(5);
    for (let trial = 0; trial < 4; trial++) {
      const ratios = e.units.map((_, t) => e.quantize(t, rng.uniformRange(0.2, 1)));
      const applied = e.apply(ratios);
      expect(resourceOf(e.models.macs, ratios)).toBeCloseTo(applied.macs, 3);
      expect(resourceOf(e.models.params, ratios)).toBeCloseTo(applied.params, 3);
      expect(applied.graph.totals().macs).toBe(applied.macs);
    }
  });

  it('a candidate shares the untouched weights with the original and never writes into them', () => {
    const e = env(resnet);
    const before = resnet.nodes.map((n) => Object.values(n.weights as Record<string, { data: Float32Array }>).map((t) => t.data.slice()));
    const applied = e.apply(e.units.map((_, t) => e.quantize(t, t % 2 === 0 ? 0.5 : 1)));
    expect(applied.reconstructed.length).toBeGreaterThan(0);
    let shared = 0;
    resnet.nodes.forEach((n, i) => {
      const original = Object.values(n.weights as Record<string, { data: Float32Array }>);
      original.forEach((t, k) => expect(t.data, n.name).toEqual(before[i]![k]));
      const candidate = Object.values(applied.graph.node(n.name).weights as Record<string, { data: Float32Array }>);
      candidate.forEach((t, k) => {
        if (t.data === original[k]!.data) shared++;
      });
    });
    expect(shared).toBeGreaterThan(0);
  });

  it('the same holds through depthwise convs, residual adds and rounding to 8 channels (MobileNet-V2)', () => {
    const mobilenet = importModel(createModel('mobilenetV2', { seed: 1 }));
    const e = env(mobilenet, 'channel', { channelRound: 8, reconstruct: false });
    const rng = new Rng(6);
    const ratios = e.units.map((_, t) => e.quantize(t, rng.uniformRange(0.2, 1)));
    for (const [t, r] of ratios.entries()) {
      const kept = Math.round(r * e.units[t]!.size);
      expect(kept % 8 === 0 || kept === e.units[t]!.size).toBe(true);
    }
    const applied = e.apply(ratios);
    expect(resourceOf(e.models.macs, ratios) / applied.macs).toBeCloseTo(1, 9);
    expect(resourceOf(e.models.params, ratios) / applied.params).toBeCloseTo(1, 9);
  });

  it('embeddings: 13 features, static columns in [0, 1], reduced / rest / previous action as the spec defines', () => {
    const e = env(resnet);
    expect(e.stateDim).toBe(EMBEDDING_FEATURES.length);
    const first = e.embedding(0, [], 1);
    expect(first.length).toBe(13);
    for (const [i, v] of first.entries()) expect(v >= 0 && v <= 1, `${EMBEDDING_FEATURES[i]} = ${v}`).toBe(true);
    expect(first[10]).toBe(0);
    expect(first[12]).toBe(1);
    const decided = [0.5, 0.5];
    const third = e.embedding(2, decided, 0.5);
    const ratios = e.units.map((_, u) => (u < 2 ? 0.5 : 1));
    expect(third[10]).toBeCloseTo(1 - resourceOf(e.models.macs, ratios) / e.originalMacs, 12);
    expect(third[11]).toBeGreaterThan(0);
    expect(e.embedding(11, e.units.map(() => 1).slice(0, 11), 1)[11]).toBe(0);
  });

  it('the cached reconstruction solves the same problem as least squares on the calibration rows', () => {
    const graph = resnet;
    const conv = graph.nodes.find((n) => n.kind === 'conv2d' && (n.inputShapes[0]?.at(-1) ?? 0) === 32 && n.attrs.kernelSize[0] === 3)!;
    const cache = buildCalibrationCache(graph, [conv.id], images, 8, { seed: 4, positionsPerImage: 40 });
    const factor = cache.get(conv.id)!;
    // Rebuild X = the im2col rows the cache saw, through R^T R = G: check G W against R^T (R W).
    const keptIn = Array.from({ length: 32 }, (_, i) => i).filter((i) => i % 3 !== 0);
    const keptOut = Array.from({ length: 32 }, (_, i) => i).filter((i) => i % 4 !== 1);
    const kernel = new Float32Array(9 * keptIn.length * keptOut.length);
    const fit = reconstructFromCache(factor, keptIn, keptOut, kernel);
    expect(fit.cols).toBe(9 * keptIn.length);
    expect(fit.residual).toBeGreaterThan(0);
    expect(fit.residual).toBeLessThan(1);
    // Keeping everything reproduces the original kernel (a consistent, well-determined system).
    const all = Array.from({ length: 32 }, (_, i) => i);
    const full = new Float32Array(9 * 32 * 32);
    const exact = reconstructFromCache(factor, all, all, full);
    expect(exact.residual).toBeLessThan(1e-3);
    const w = (conv.weights as { kernel: { data: Float32Array } }).kernel.data;
    const g = gemm(factor.root, factor.root, [factor.cols, factor.cols, factor.cols], { transA: true });
    const gw = gemm(g, full, [factor.cols, 32, factor.cols]);
    const gw0 = gemm(g, w, [factor.cols, 32, factor.cols]);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < gw.length; i++) {
      diff = Math.max(diff, Math.abs(gw[i]! - gw0[i]!));
      scale = Math.max(scale, Math.abs(gw0[i]!));
    }
    expect(diff / scale).toBeLessThan(1e-2);
  });

  it("channel energy: each input channel's share of the output energy, from the root as from the rows", () => {
    // X (rows x cols, 3 blocks of cin = 4 channels) and W (cols x outs); energy_k = ||X_k W_k||^2 / ||X W||^2.
    const rng = new Rng(9);
    const rows = 40;
    const cin = 4;
    const cols = 3 * cin;
    const outs = 5;
    const x = rng.fillUniform(new Float32Array(rows * cols), -1, 1);
    for (let r = 0; r < rows; r++) for (let b = 0; b < 3; b++) x[r * cols + b * cin + 2]! *= 5; // channel 2 is loud
    const w = rng.fillUniform(new Float32Array(cols * outs), -1, 1);
    const g = gemm(x, x, [cols, cols, rows], { transA: true });
    // Upper Cholesky root of G in double.
    const l = new Float64Array(cols * cols);
    for (let j = 0; j < cols; j++) {
      let d = g[j * cols + j]!;
      for (let k = 0; k < j; k++) d -= l[j * cols + k]! ** 2;
      l[j * cols + j] = Math.sqrt(d);
      for (let i = j + 1; i < cols; i++) {
        let v = g[i * cols + j]!;
        for (let k = 0; k < j; k++) v -= l[i * cols + k]! * l[j * cols + k]!;
        l[i * cols + j] = v / l[j * cols + j]!;
      }
    }
    const root = new Float32Array(cols * cols);
    for (let i = 0; i < cols; i++) for (let j = 0; j <= i; j++) root[j * cols + i] = l[i * cols + j]!;
    const energy = channelEnergy(root, w, cols, cin, outs, gemm(root, w, [cols, outs, cols]));
    const direct = (keep: (c: number) => boolean): number => {
      let e = 0;
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < outs; o++) {
          let y = 0;
          for (let c = 0; c < cols; c++) if (keep(c % cin)) y += x[r * cols + c]! * w[c * outs + o]!;
          e += y * y;
        }
      }
      return e;
    };
    const total = direct(() => true);
    for (let k = 0; k < cin; k++) expect(energy[k]).toBeCloseTo(direct((c) => c === k) / total, 4);
    expect(Array.from(energy).indexOf(Math.max(...energy))).toBe(2);
  });

  it("selection 'energy' keeps the channels with the most output energy; 'l1' is the reference criterion", () => {
    const e = env(resnet, 'channel', { selection: 'energy' });
    const l1 = env(resnet);
    const ratios = e.units.map((u) => (u.residual ? 1 : 0.5));
    const a = e.apply(ratios);
    const b = l1.apply(ratios);
    expect(a.macs).toBe(b.macs);
    // Same shapes, different kept channels (the criteria disagree on this random model), and both run.
    const inner = e.units.find((u) => !u.residual)!;
    const names = (g: Graph) => g.nodes.filter((n) => n.kind === 'conv2d').map((n) => n.outputShape.join('x'));
    expect(names(a.graph)).toEqual(names(b.graph));
    const weights = (g: Graph) => (g.node(g.nodes.find((n) => n.name === inner.layers[0])!.id).weights as { kernel: { data: Float32Array } }).kernel.data;
    expect(Array.from(weights(a.graph))).not.toEqual(Array.from(weights(b.graph)));
    expect(Number.isFinite(e.evaluate(a.graph).accuracy)).toBe(true);
    expect(() => env(resnet, 'channel', { selection: 'random' as never })).toThrow(/options\.selection/);
  });

  it('rejects bad options with coded errors', () => {
    expect(() => env(resnet, 'pruning' as never)).toThrow(/options\.method/);
    expect(() => env(resnet, 'channel', { calibration: { images, count: 1000 } })).toThrow(/calibration\.count/);
    expect(() => env(resnet, 'channel', { channelRound: 0 })).toThrow(/channelRound/);
    expect(() => new CompressionEnvironment({} as Graph, {} as never)).toThrow(/graph/);
  });
});

describe('runSearch', () => {
  const options = (out: string, extra: Partial<SearchOptions> = {}): SearchOptions => ({
    protocol: 'resource',
    target: { resource: 'macs', ratio: 0.5 },
    episodes: 6,
    warmupEpisodes: 2,
    seed: 9,
    out,
    agent: { hidden: [16, 16], batchSize: 8 },
    ...extra,
  });

  it('keeps every episode within the budget, logs it, and is deterministic', async () => {
    const e = env(resnet);
    const records: EpisodeRecord[] = [];
    const a = await runSearch(e, { ...options(join(dir, 'a')), onEpisode: (r) => records.push(r) });
    expect(records.length).toBe(6);
    for (const r of records) {
      expect(r.feasible).toBe(true);
      expect(r.macsRatio).toBeLessThanOrEqual(0.5 + 1e-12);
      // The lower bound 0.2 applies before rounding to whole channels (3 of 16 channels: 0.1875).
      expect(r.ratios.every((x, t) => x >= e.quantize(t, 0.2) && x <= 1)).toBe(true);
    }
    const lines = (await readFile(join(dir, 'a', 'episodes.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as EpisodeRecord).reward)).toEqual(records.map((r) => r.reward));
    expect(a.best.reward).toBe(Math.max(...records.map((r) => r.reward)));
    const b = await runSearch(e, options(join(dir, 'b')));
    expect(b.best).toEqual(a.best);
  });

  it('resumes after a kill mid-search with the same best policy and log as an uninterrupted run', async () => {
    const e = env(resnet);
    const whole = await runSearch(e, options(join(dir, 'whole')));
    const out = join(dir, 'killed');
    await expect(
      runSearch(e, {
        ...options(out),
        onEpisode: (r) => {
          if (r.episode === 3) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    // An episode logged after the last checkpoint (a kill between the two writes) is dropped on resume.
    await appendFile(join(out, 'episodes.jsonl'), '{"episode": 99}\n');
    await expectCodeAsync(runSearch(e, options(out)), ErrorCode.InvalidArgument, /options\.resume/);
    await expectCodeAsync(runSearch(e, { ...options(out), seed: 10, resume: true }), ErrorCode.InvalidArgument, /options of the search/);
    const resumed = await runSearch(e, { ...options(out), resume: true });
    expect(resumed.resumedFrom).toBe(4);
    expect(resumed.best).toEqual(whole.best);
    const withoutTimes = async (path: string): Promise<unknown[]> =>
      (await readFile(path, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => ({ ...(JSON.parse(l) as EpisodeRecord), time: null }));
    expect(await withoutTimes(join(out, 'episodes.jsonl'))).toEqual(await withoutTimes(join(dir, 'whole', 'episodes.jsonl')));
  });

  it('the uniform policy meets the budget; the accuracy protocol and fine-grained method run', async () => {
    const e = env(resnet);
    const uniform = uniformPolicy(e, 'macs', 0.5);
    expect(resourceOf(e.models.macs, uniform) / e.originalMacs).toBeLessThanOrEqual(0.5);
    expect(resourceOf(e.models.macs, uniform) / e.originalMacs).toBeGreaterThan(0.45);
    const fine = env(resnet, 'fine-grained');
    expect(fine.units.length).toBe(22);
    const result = await runSearch(fine, { ...options(join(dir, 'fine')), target: { resource: 'params', ratio: 0.3 }, episodes: 3, warmupEpisodes: 1 });
    expect(result.best.params / result.originalParams).toBeLessThanOrEqual(0.3 + 1e-9);
    const accuracy = await runSearch(e, { ...options(join(dir, 'accuracy')), protocol: 'accuracy', episodes: 3, warmupEpisodes: 1 });
    expect(accuracy.best.reward).toBeCloseTo(-(1 - accuracy.best.accuracy) * Math.log(accuracy.best.macs), 9);
  });

  it('rejects bad options with coded errors', async () => {
    const e = env(resnet);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), episodes: 0 }), ErrorCode.InvalidArgument, /options\.episodes/);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), target: { resource: 'latency' as never, ratio: 0.5 } }), ErrorCode.InvalidArgument, /target\.resource/);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), target: { resource: 'macs', ratio: 1.5 } }), ErrorCode.InvalidArgument, /target\.ratio/);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), reward: 'nope' }), ErrorCode.InvalidArgument, /nope/);
    const ones = e.units.map(() => 1);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), initialPolicies: [ones, ones, ones] }), ErrorCode.InvalidArgument, /initialPolicies/);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), initialPolicies: [[0.5]] }), ErrorCode.InvalidArgument, /initialPolicies\[0\]/);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), initialPolicies: [e.units.map(() => 0)] }), ErrorCode.InvalidArgument, /initialPolicies\[0\]/);
    const validation = { images, labels, count: 96 };
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), finalists: { count: 0, validation } }), ErrorCode.InvalidArgument, /finalists\.count/);
    await expectCodeAsync(runSearch(e, { ...options(join(dir, 'bad')), finalists: { count: 3, validation: { ...validation, count: 97 } } }), ErrorCode.InvalidArgument, /finalists\.validation/);
  });

  it('plays the initial policies first, through the wall', async () => {
    const e = env(resnet);
    const uniform = uniformPolicy(e, 'macs', 0.5);
    const records: EpisodeRecord[] = [];
    await runSearch(e, { ...options(join(dir, 'initial')), initialPolicies: [uniform, e.units.map(() => 1)], onEpisode: (r) => records.push(r) });
    expect(records[0]!.actions).toEqual(uniform);
    expect(records[0]!.ratios).toEqual(uniform);
    // All ones overshoots the budget: the wall cuts it down like any action.
    expect(records[1]!.actions).toEqual(e.units.map(() => 1));
    expect(records[1]!.macsRatio).toBeLessThanOrEqual(0.5 + 1e-12);
  });

  it('re-scores the best distinct policies on the finalists set, selects the best of them, and keeps the selection on resume', async () => {
    const e = env(resnet);
    const validation = { images, labels, count: 96 };
    const out = join(dir, 'finalists');
    const records: EpisodeRecord[] = [];
    const result = await runSearch(e, { ...options(out), finalists: { count: 3, validation }, onEpisode: (r) => records.push(r) });
    expect(result.finalists.length).toBe(3);
    // The finalists are the 3 best distinct policies by search reward, re-scored on the set.
    const byReward = [...records].sort((a, b) => b.reward - a.reward || a.episode - b.episode);
    const distinct = byReward.filter((r, i) => byReward.findIndex((q) => q.ratios.join() === r.ratios.join()) === i).slice(0, 3);
    expect(result.finalists.map((f) => f.episode).sort()).toEqual(distinct.map((r) => r.episode).sort());
    for (const f of result.finalists) {
      expect(f.finalCount).toBe(96);
      expect(f.finalAccuracy).toBe(e.evaluate(e.apply(f.ratios).graph, validation).accuracy);
    }
    expect(result.selected).toEqual(result.finalists[0]);
    expect((result.selected as { finalAccuracy: number }).finalAccuracy).toBe(Math.max(...result.finalists.map((f) => f.finalAccuracy)));
    const again = await runSearch(e, { ...options(out), finalists: { count: 3, validation }, resume: true });
    expect(again.selected).toEqual(result.selected);
    expect((await readSearchState(out))?.selected).toEqual(result.selected);
    // The initial policies are always finalists, however low their search reward.
    const ones = e.units.map(() => 0.2);
    const withStart = await runSearch(e, { ...options(join(dir, 'finalists-start')), initialPolicies: [ones], finalists: { count: 1, validation } });
    expect(withStart.finalists.length).toBe(2);
    expect(withStart.finalists.some((f) => f.episode === 0)).toBe(true);
    expect(finalAccuracyOf(withStart, withStart.finalists[1]!.ratios)).toBe(withStart.finalists[1]!.finalAccuracy);
    expect(finalAccuracyOf(withStart, e.units.map(() => 0.123))).toBeUndefined();
    // Without finalists the selection is the best policy.
    const plain = await runSearch(e, options(join(dir, 'no-finalists')));
    expect(plain.selected).toEqual(plain.best);
    expect(plain.finalists).toEqual([]);
  });
});
