/**
 * `amc export`: replays the best policy of a search with calibration on more data (AMC-SPEC section 8),
 * physically prunes, optionally fine-tunes (channel pruning), saves a tfjs layers model (plus the compact sparse
 * weights for fine-grained pruning), and reports original vs compressed test accuracy, MACs, params and latency.
 */
import { join } from 'node:path';
import { AmcError, ErrorCode, writeFileAtomic } from '@amc/core';
import { exportModel, importModel, saveGraph, saveSparseModel } from '@amc/graph';
import { setNumThreads } from '@amc/kernels';
import { type CompiledModel, compile } from '@amc/runtime';
import { CompressionEnvironment, readSearchState } from '@amc/search';
import { trainModel } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import type { CliIo } from './io.js';
import type { SearchMetadata } from './search-command.js';
import { formatCount, formatDuration, loadData, loadSourceGraph } from './sources.js';

export const EXPORT_HELP = `amc export: compress a model with the best policy of a search and save it

Usage: amc export <search-dir> [options]

  <search-dir>              the --out folder of amc search
  --out <dir>               where to save the tfjs model [<search-dir>/model]
  --calibration <n>         training images for the reconstruction (channel) [2048]
  --finetune-epochs <n>     fine-tune the pruned model (channel only) [0]
  --lr <x>                  peak learning rate of the fine-tuning (cosine) [0.02]
  --threads <n>             native threads [all cores]
  --quiet                   no fine-tuning progress lines
`;

/** Parsed options of `amc export`. */
export interface ExportCommandOptions {
  searchDir: string;
  out: string;
  calibration: number;
  finetuneEpochs: number;
  lr: number;
  threads?: number;
  quiet: boolean;
}

/** What `amc export` measured (also written to `<out>/compression.json`). */
export interface ExportSummary {
  original: { accuracy: number; macs: number; params: number; msPerBatch: number };
  compressed: { accuracy: number; accuracyBeforeFinetune: number; macs: number; params: number; msPerBatch: number };
  /** Test images and the batch the latency was measured at. */
  testImages: number;
  latencyBatch: number;
}

/** Median milliseconds of one batch of `batch` images on the runtime (after two warm-up runs). */
export function measureLatency(compiled: CompiledModel, images: Float32Array, batch: number, repeats = 7): number {
  return measureLatencies([compiled], images, batch, repeats)[0] as number;
}

/**
 * Median milliseconds of one batch for each model, the models' runs interleaved (A B A B ...) so that a change of
 * the machine's load during the measurement weighs on all of them alike and their ratio stays fair.
 */
export function measureLatencies(models: readonly CompiledModel[], images: Float32Array, batch: number, repeats = 7): number[] {
  const runs = models.map((m) => {
    const x = images.subarray(0, batch * m.inputSize);
    const out = new Float32Array(batch * m.outputSize);
    m.predict(x, batch, out);
    m.predict(x, batch, out);
    return { m, x, out, times: [] as number[] };
  });
  for (let r = 0; r < repeats; r++) {
    for (const run of runs) {
      const start = performance.now();
      run.m.predict(run.x, batch, run.out);
      run.times.push(performance.now() - start);
    }
  }
  return runs.map((run) => run.times.sort((a, b) => a - b)[repeats >> 1] as number);
}

/** Runs `amc export`. Returns the exit code (the summary through `onSummary`). */
export async function runExportCommand(o: ExportCommandOptions, io: CliIo, onSummary?: (s: ExportSummary) => void): Promise<number> {
  if (o.threads !== undefined) setNumThreads(o.threads);
  const state = await readSearchState(o.searchDir);
  if (state === undefined || state.best === null) {
    throw new AmcError(ErrorCode.InvalidArgument, `export: ${o.searchDir} holds no search checkpoint with a best policy (run amc search --out ${o.searchDir} first)`, {
      operation: 'export',
      argument: '<search-dir>',
      received: o.searchDir,
    });
  }
  const meta = state.metadata as unknown as SearchMetadata;
  if (meta.command !== 'search' || typeof meta.model !== 'string') {
    throw new AmcError(ErrorCode.InvalidArgument, `export: the checkpoint in ${o.searchDir} was not written by amc search`, { operation: 'export', argument: '<search-dir>' });
  }
  const graph = await loadSourceGraph(meta.model, 'export');
  const data = await loadData(meta.data, 'export');
  const env = new CompressionEnvironment(graph, {
    method: meta.method,
    seed: meta.seed,
    calibration: { images: data.train.images, count: Math.min(o.calibration, data.train.count) },
    validation: { images: data.validation.images, labels: data.validation.labels, count: data.validation.count },
    channelRound: meta.channelRound,
    freezeResidual: meta.freezeResidual,
    selection: meta.selection ?? 'l1',
  });
  // The finalist the search selected (re-scored on the whole validation split), else its best episode.
  const best = state.selected ?? state.best;
  io.out(`amc export: ${meta.model}, ${meta.method} policy of episode ${best.episode + 1} (validation acc ${(100 * best.accuracy).toFixed(2)}% during the search), calibration on ${Math.min(o.calibration, data.train.count)} images`);
  const applied = env.apply(best.ratios);
  let compressed = applied.graph;
  const test = data.test;
  // One compiled model per graph serves the accuracy and the latency (sparse kernels compute the same function).
  const evaluate = (c: CompiledModel): number => c.evaluate(test.images, test.labels, 256).accuracy;
  let compiledCompressed = compile(compressed);
  const accuracyBeforeFinetune = evaluate(compiledCompressed);
  io.out(`pruned: test acc ${(100 * accuracyBeforeFinetune).toFixed(2)}% before fine-tuning`);
  if (o.finetuneEpochs > 0) {
    if (meta.method !== 'channel') {
      throw new AmcError(ErrorCode.Unsupported, 'export: --finetune-epochs is supported for channel pruning only (fine-tuning would refill the pruned weights)', { operation: 'export', argument: '--finetune-epochs' });
    }
    const { BACKEND_NAME } = await import('@amc/tfjs');
    await tf.setBackend(BACKEND_NAME);
    const model = exportModel(compressed);
    let last = 0;
    await trainModel(model, {
      train: data.train,
      validation: data.validation,
      epochs: o.finetuneEpochs,
      learningRate: o.lr,
      warmupEpochs: 0,
      seed: meta.seed,
      outDir: join(o.searchDir, 'finetune'),
      onProgress: (p) => {
        const now = performance.now();
        if (o.quiet || now - last < 5000) return;
        last = now;
        io.out(`fine-tune epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)} acc ${(100 * p.accuracy).toFixed(2)}% ETA ${formatDuration(p.etaSeconds)}`);
      },
    });
    compressed = importModel(model);
    model.dispose();
    compiledCompressed = compile(compressed);
  }
  const accuracy = o.finetuneEpochs > 0 ? evaluate(compiledCompressed) : accuracyBeforeFinetune;
  const metadata = { search: o.searchDir, policy: best, method: meta.method, source: meta.model, testAccuracy: accuracy, finetuneEpochs: o.finetuneEpochs };
  if (meta.method === 'fine-grained') {
    const saved = await saveSparseModel(compressed, o.out, metadata);
    io.out(`saved ${o.out} (tfjs model.json + weights.bin ${formatCount(saved.denseBytes)}B, compact weights.amcsparse ${formatCount(saved.compactBytes)}B)`);
  } else {
    await saveGraph(compressed, o.out, metadata);
    io.out(`saved ${o.out} (tfjs model.json + weights.bin)`);
  }
  const batch = 128;
  const compiledOriginal = compile(graph);
  const [originalMs, compressedMs] = measureLatencies([compiledOriginal, compiledCompressed], test.images, batch, 15) as [number, number];
  const summary: ExportSummary = {
    original: { accuracy: evaluate(compiledOriginal), macs: env.originalMacs, params: env.originalParams, msPerBatch: originalMs },
    compressed: { accuracy, accuracyBeforeFinetune, macs: applied.macs, params: applied.params, msPerBatch: compressedMs },
    testImages: test.count,
    latencyBatch: batch,
  };
  const row = (name: string, acc: number, macs: number, params: number, ms: number): string =>
    `${name.padEnd(12)} ${`${(100 * acc).toFixed(2)}%`.padStart(9)} ${formatCount(macs).padStart(9)} ${formatCount(params).padStart(9)} ${`${ms.toFixed(1)} ms`.padStart(10)}`;
  io.out(`\n${'model'.padEnd(12)} ${'test acc'.padStart(9)} ${'MACs'.padStart(9)} ${'params'.padStart(9)} ${`batch ${batch}`.padStart(10)}`);
  io.out(row('original', summary.original.accuracy, summary.original.macs, summary.original.params, originalMs));
  io.out(row('compressed', accuracy, applied.macs, applied.params, compressedMs));
  io.out(
    `MACs ${(summary.original.macs / applied.macs).toFixed(2)}x fewer, params ${(summary.original.params / applied.params).toFixed(2)}x fewer, ${(originalMs / compressedMs).toFixed(2)}x faster on @amc/runtime; test accuracy ${(100 * (accuracy - summary.original.accuracy)).toFixed(2)} points${o.finetuneEpochs > 0 ? ` after ${o.finetuneEpochs} fine-tuning epoch(s) (${(100 * (accuracyBeforeFinetune - summary.original.accuracy)).toFixed(2)} before)` : ' (no fine-tuning)'}`,
  );
  await writeFileAtomic(join(o.out, 'compression.json'), `${JSON.stringify(summary, null, 1)}\n`);
  onSummary?.(summary);
  return 0;
}
