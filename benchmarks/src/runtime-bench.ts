/**
 * The `@amc/runtime` inference suite: `tsx src/runtime-bench.ts [--quick] [--batch=128] [--threads=1,2] [--warmup=3]
 * [--repeats=7] [--min-repeat-ms=1000] [--max-iters=10] [--macs-goal=0.5] [--density=0.1] [--sparse-model=mobilenetV1]
 * [--alpha=1] [--probe-batch=N] [--skip-torch] [--skip-tfjs] [--no-write] [--out=DIR]`.
 *
 * For every thread count, in one run: unpruned ResNet-20 on the runtime against the PyTorch peer; ResNet-20
 * channel-pruned to about half its MACs against the unpruned one; fine-grained-sparse models compiled with the default
 * `sparse: 'auto'` against the same graph compiled `sparse: 'dense'`; and the runtime against tfjs `model.predict` on
 * the `amc-native` backend for the compressed models. The implementations of one model family are timed interleaved
 * (repeat 1 of each, then repeat 2 of each, ...), so slow drifts of a noisy machine hit every side alike. Writes
 * `results/runtime-<machine>.json` and `.md` (quick runs: `runtime-<machine>.quick.*`); tables to stdout, progress to
 * stderr.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportModel } from '@amc/graph';
import { type CompiledModel, compile } from '@amc/runtime';
import { BACKEND_NAME } from '@amc/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { setNumThreads } from './amc.js';
import { intOption, numberList } from './args.js';
import { BENCH_SEED, rngFor } from './data.js';
import { collectMachine, machineSlug, repoRoot } from './machine.js';
import { writeResults } from './report.js';
import {
  type KernelChoices,
  type RuntimeImpl,
  type RuntimeMeasurement,
  type RuntimeRecord,
  evaluateRuntimeTargets,
  imagesPerSecond,
  itersFor,
  okRuntimeMeasurement,
  relativeError,
  renderRuntimeMarkdown,
  renderRuntimeSummary,
  runtimeTargets,
  scalingNotes,
  spreadNotes,
} from './runtime-bench-report.js';
import { type Variant, channelPrunedVariant, innerPrunedVariant, resnet20Variant, sparseMobileNetVariant, sparseResNetVariant } from './runtime-bench-models.js';
import { runTorchPeer } from './torch-peer.js';

const INPUT_SHAPE = [28, 28, 1] as const;
const PER_SAMPLE = INPUT_SHAPE[0] * INPUT_SHAPE[1] * INPUT_SHAPE[2];
/** Outputs agree when max |diff| <= this x max |reference| (float sums in another order). */
const CHECK_TOLERANCE = 1e-3;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the timing loop needs of one implementation. */
interface Subject {
  variant: string;
  impl: Exclude<RuntimeImpl, 'pytorch'>;
  /** One inference of the whole batch, outputs read back. */
  run: () => Float32Array;
  compileMs?: number;
  /** Compare the first output with this subject's first output. */
  checkAgainst?: { variant: string; impl: RuntimeImpl };
}

interface Plan {
  warmup: number;
  repeats: number;
  minRepeatMs: number;
  maxIters: number;
}

/** A compiled model's run closure (fresh output copy, as a caller gets it). */
function runtimeRun(model: CompiledModel, images: Float32Array, batch: number): () => Float32Array {
  return () => model.predict(images, batch);
}

/** tfjs inference as a user runs it: the batch tensor, `model.predict`, the logits read back, in one tidy. */
function tfjsRun(model: tfl.LayersModel, images: Float32Array, batch: number): () => Float32Array {
  return () =>
    tf.tidy(() => {
      const x = tf.tensor4d(images, [batch, ...INPUT_SHAPE]);
      return (model.predict(x, { batchSize: batch }) as tf.Tensor).dataSync() as Float32Array;
    });
}

/**
 * Times `subjects` interleaved: each gets its first call (output kept for the checks) and `plan.warmup` untimed
 * calls, from whose fastest the calls per repeat follow ({@link itersFor}); then `plan.repeats` rounds, each running
 * one repeat of every subject, the order rotated every round.
 */
function timeInterleaved(subjects: readonly Subject[], batch: number, threads: number, plan: Plan): RuntimeMeasurement[] {
  const live: { s: Subject; iters: number; rates: number[]; first: Float32Array; warmup: number }[] = [];
  const failed: RuntimeMeasurement[] = [];
  for (const s of subjects) {
    try {
      const first = s.run();
      let fastest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < plan.warmup; i++) {
        const t0 = performance.now();
        s.run();
        fastest = Math.min(fastest, performance.now() - t0);
      }
      live.push({ s, iters: itersFor(fastest, plan.minRepeatMs, plan.maxIters), rates: [], first, warmup: plan.warmup + 1 });
    } catch (error) {
      log(`[runtime] ${s.variant} ${s.impl} t${threads}: FAILED ${message(error)}`);
      failed.push({ variant: s.variant, impl: s.impl, threads, batch, status: 'failed', reason: message(error) });
    }
  }
  for (let r = 0; r < plan.repeats; r++) {
    for (let k = 0; k < live.length; k++) {
      const entry = live[(k + r) % live.length] as (typeof live)[number];
      const t0 = performance.now();
      for (let i = 0; i < entry.iters; i++) entry.s.run();
      entry.rates.push(imagesPerSecond(batch, entry.iters, performance.now() - t0));
    }
  }
  const out = live.map(({ s, iters, rates, warmup }) =>
    okRuntimeMeasurement({ variant: s.variant, impl: s.impl, threads, batch, warmup, iters, repeats: plan.repeats, ...(s.compileMs === undefined ? {} : { compileMs: s.compileMs }) }, rates),
  );
  for (const m of out) {
    const entry = live.find((e) => e.s.variant === m.variant && e.s.impl === m.impl);
    const ref = entry?.s.checkAgainst;
    const other = ref === undefined ? undefined : live.find((e) => e.s.variant === ref.variant && e.s.impl === ref.impl);
    if (entry !== undefined && ref !== undefined && other !== undefined) {
      const err = relativeError(entry.first, other.first);
      m.check = { against: `${ref.variant} ${ref.impl}`, relativeError: err, ok: err <= CHECK_TOLERANCE };
    }
    log(`[runtime] ${m.variant} ${m.impl} t${threads} b${batch}: ${(m.stats?.median ?? 0).toFixed(1)} images/s (IQR ${(m.stats?.iqr ?? 0).toFixed(1)}, ${m.repeats} x ${m.iters})${m.check === undefined ? '' : ` check ${m.check.relativeError.toExponential(1)}`}`);
  }
  return [...out, ...failed];
}

/** Compiles `variant` for `threads` (timed), and its runtime subject. */
function compiled(variant: Variant, impl: 'runtime' | 'runtime-dense', threads: number, images: Float32Array, batch: number, probeBatch: number | undefined): { subject: Subject; model: CompiledModel } {
  const t0 = performance.now();
  const model = compile(variant.graph, { numThreads: threads, ...(impl === 'runtime-dense' ? { sparse: 'dense' as const } : {}), ...(probeBatch === undefined ? {} : { probeBatch }) });
  const compileMs = performance.now() - t0;
  return { subject: { variant: variant.id, impl, run: runtimeRun(model, images, batch), compileMs }, model };
}

/** The conv2d / dense steps of a compiled model with their kernel, density and probe timings. */
function kernelChoices(variant: string, threads: number, model: CompiledModel): KernelChoices {
  const steps = model.steps
    .filter((s) => s.kernel !== null)
    .map((s) => ({ layer: s.layers[0] ?? '?', op: s.op, kernel: s.kernel ?? '?', density: s.density ?? 1, ...(s.timings === undefined ? {} : { timings: s.timings }) }));
  return { variant, threads, steps };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      batch: { type: 'string' },
      threads: { type: 'string' },
      warmup: { type: 'string' },
      repeats: { type: 'string' },
      'min-repeat-ms': { type: 'string' },
      'max-iters': { type: 'string' },
      'macs-goal': { type: 'string' },
      density: { type: 'string' },
      'sparse-model': { type: 'string' },
      alpha: { type: 'string' },
      'probe-batch': { type: 'string' },
      'skip-torch': { type: 'boolean', default: false },
      'skip-tfjs': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const int = (name: keyof typeof values, fallback: number, min = 1): number => {
    const text = values[name];
    return typeof text === 'string' ? intOption(text, name, min) : fallback;
  };
  const num = (name: keyof typeof values, fallback: number, lo: number, hi: number): number => {
    const text = values[name];
    if (typeof text !== 'string') return fallback;
    const v = Number(text);
    if (!(v > lo && v <= hi)) throw new Error(`runtime-bench: expected a number in (${lo}, ${hi}] for --${name} but received ${text}`);
    return v;
  };
  const batch = int('batch', quick ? 16 : 128);
  const threads = values.threads === undefined ? (quick ? [1] : [1, 2]) : numberList(values.threads, 'threads');
  const plan: Plan = { warmup: int('warmup', quick ? 1 : 3, 0), repeats: int('repeats', quick ? 2 : 7), minRepeatMs: int('min-repeat-ms', quick ? 100 : 1000), maxIters: int('max-iters', quick ? 2 : 10) };
  const macsGoal = num('macs-goal', 0.5, 0, 1);
  const density = num('density', 0.1, 0, 1);
  const sparseModel = values['sparse-model'] ?? 'mobilenetV1';
  if (sparseModel !== 'mobilenetV1' && sparseModel !== 'mobilenetV2') throw new Error(`runtime-bench: expected mobilenetV1 or mobilenetV2 for --sparse-model but received ${sparseModel}`);
  const alpha = num('alpha', quick ? 0.25 : 1, 0, 2);
  const probeBatch = typeof values['probe-batch'] === 'string' ? intOption(values['probe-batch'], 'probe-batch') : undefined;
  const skipTorch = values['skip-torch'] === true;
  const skipTfjs = values['skip-tfjs'] === true;
  const outDir = values.out ?? path.join(repoRoot(), 'benchmarks', 'results');

  const started = performance.now();
  const machine = collectMachine(['@tensorflow/tfjs-layers', '@amc/tfjs', '@amc/zoo', '@amc/graph', '@amc/prune', '@amc/runtime']);
  const slug = machineSlug(machine);
  log(`amc runtime inference (${quick ? 'quick' : 'full'}): batch ${batch}, threads ${threads.join(',')}, ${machine.cpu.model}, load ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  if (machine.cpu.logicalCores < Math.max(...threads)) log(`warning: ${Math.max(...threads)} threads requested on ${machine.cpu.logicalCores} logical cores`);
  if (!(await tf.setBackend(BACKEND_NAME))) throw new Error(`tf.setBackend('${BACKEND_NAME}') returned false`);

  // Variants (outside every timed region).
  const { variant: resnet20, pretrained } = await resnet20Variant();
  const { variant: pruned, ratio: preserveRatio, macsRatio } = channelPrunedVariant(resnet20, macsGoal);
  const inner = innerPrunedVariant(resnet20, 0.5);
  const resnetSparse = sparseResNetVariant(resnet20, density);
  const mobileSparse = sparseMobileNetVariant(sparseModel, alpha, density);
  const variants = [resnet20, pruned, inner, resnetSparse, mobileSparse];
  log(`[runtime] variants ready (${((performance.now() - started) / 1000).toFixed(1)} s): preserve ratio ${preserveRatio} -> MACs ${(macsRatio * 100).toFixed(1)}%`);
  const tfjsModels = new Map<string, tfl.LayersModel>();
  if (!skipTfjs) for (const v of [pruned, mobileSparse]) tfjsModels.set(v.id, exportModel(v.graph));

  const images = rngFor('runtime/images').fillUniform(new Float32Array(batch * PER_SAMPLE), 0, 1);
  const measurements: RuntimeMeasurement[] = [];
  const kernels: KernelChoices[] = [];
  const notes: string[] = [];
  let torchVersion: string | undefined;
  let torchMissing: string | undefined;

  for (const t of threads) {
    setNumThreads(t);
    // ResNet-20 family.
    const base = compiled(resnet20, 'runtime', t, images, batch, probeBatch);
    const prunedRt = compiled(pruned, 'runtime', t, images, batch, probeBatch);
    const innerRt = compiled(inner, 'runtime', t, images, batch, probeBatch);
    const sparseRt = compiled(resnetSparse, 'runtime', t, images, batch, probeBatch);
    const sparseDense = compiled(resnetSparse, 'runtime-dense', t, images, batch, probeBatch);
    sparseRt.subject.checkAgainst = { variant: resnetSparse.id, impl: 'runtime-dense' };
    kernels.push(kernelChoices(resnetSparse.id, t, sparseRt.model));
    const resnetSubjects: Subject[] = [base.subject, prunedRt.subject, innerRt.subject, sparseRt.subject, sparseDense.subject];
    const prunedTfjs = tfjsModels.get(pruned.id);
    if (prunedTfjs !== undefined) {
      resnetSubjects.push({ variant: pruned.id, impl: 'tfjs', run: tfjsRun(prunedTfjs, images, batch) });
      prunedRt.subject.checkAgainst = { variant: pruned.id, impl: 'tfjs' };
    }
    measurements.push(...timeInterleaved(resnetSubjects, batch, t, plan));
    for (const c of [base, prunedRt, innerRt, sparseRt, sparseDense]) c.model.releaseBuffers();

    // Fine-grained MobileNet.
    const mobRt = compiled(mobileSparse, 'runtime', t, images, batch, probeBatch);
    const mobDense = compiled(mobileSparse, 'runtime-dense', t, images, batch, probeBatch);
    mobRt.subject.checkAgainst = { variant: mobileSparse.id, impl: 'runtime-dense' };
    kernels.push(kernelChoices(mobileSparse.id, t, mobRt.model));
    const mobSubjects: Subject[] = [mobRt.subject, mobDense.subject];
    const mobTfjs = tfjsModels.get(mobileSparse.id);
    if (mobTfjs !== undefined) {
      mobSubjects.push({ variant: mobileSparse.id, impl: 'tfjs', run: tfjsRun(mobTfjs, images, batch), checkAgainst: { variant: mobileSparse.id, impl: 'runtime-dense' } });
    }
    measurements.push(...timeInterleaved(mobSubjects, batch, t, plan));
    for (const c of [mobRt, mobDense]) c.model.releaseBuffers();

    // PyTorch peer: unpruned ResNet-20, same batch and threads, as many calls per repeat as the runtime's.
    const base0 = { variant: 'resnet20', impl: 'pytorch' as const, threads: t, batch };
    if (skipTorch) {
      measurements.push({ ...base0, status: 'missing', reason: 'skipped (--skip-torch)' });
    } else if (torchMissing !== undefined) {
      measurements.push({ ...base0, status: 'missing', reason: torchMissing });
    } else {
      const iters = measurements.find((m) => m.variant === 'resnet20' && m.impl === 'runtime' && m.threads === t)?.iters ?? 10;
      try {
        const result = await runTorchPeer({ model: 'resnet20', batch, threads: t, mode: 'infer', warmup: plan.warmup, iters, repeats: plan.repeats });
        if ('missing' in result) {
          torchMissing = result.missing;
          measurements.push({ ...base0, status: 'missing', reason: result.missing });
          log(`[runtime] pytorch: missing (${result.missing})`);
        } else if (result.infer === undefined) {
          measurements.push({ ...base0, status: 'failed', reason: 'the peer reported no infer result' });
        } else {
          torchVersion ??= result.torch;
          const m = okRuntimeMeasurement({ ...base0, warmup: plan.warmup, iters, repeats: plan.repeats }, result.infer.imagesPerSecond);
          measurements.push(m);
          log(`[runtime] resnet20 pytorch ${result.torch} t${t} b${batch}: ${(m.stats?.median ?? 0).toFixed(1)} images/s (torch threads ${result.torchThreads ?? '?'})`);
        }
      } catch (error) {
        measurements.push({ ...base0, status: 'failed', reason: message(error) });
        log(`[runtime] pytorch t${t}: FAILED ${message(error)}`);
      }
    }
  }
  for (const m of tfjsModels.values()) m.dispose();
  machine.loadAverage.end = os.loadavg();

  const targets = evaluateRuntimeTargets(measurements, variants, threads, runtimeTargets(mobileSparse.id));
  notes.push(
    `ResNet-20: ${pretrained ? 'the shipped pretrained checkpoint (loadPretrained)' : `no pretrained checkpoint found, createModel seed ${BENCH_SEED}`}. ` +
      `Channel pruning: one uniform preserve ratio over every prunable group of findGroups, chosen among 0.50..0.95 (step 0.01) for the MACs closest to ${macsGoal} of unpruned: ${preserveRatio} (MACs ratio ${macsRatio.toFixed(4)}); no reconstruction (weights only, same cost).`,
    `Inputs: one seeded batch of ${batch} images uniform in [0, 1) for every implementation; PyTorch draws its own (torch.randn) of the same shape. Runtime calls: CompiledModel.predict(images, ${batch}) (a fresh output copy per call). tfjs: tf.tidy(tensor4d + model.predict + dataSync) on the ${BACKEND_NAME} backend, the graph exported with exportModel (fine-grained zeros run dense there).`,
    `Timing: per implementation 1 + ${plan.warmup} untimed calls, calls per repeat so that a repeat lasts >= ${plan.minRepeatMs} ms (1..${plan.maxIters}), ${plan.repeats} repeats interleaved across the implementations of a model family (order rotated every repeat). PyTorch (separate process): ${plan.warmup} warm-up calls before each of ${plan.repeats} repeats, as many calls per repeat as the unpruned runtime measurement.`,
    `Sparse kernels: compile(graph) with the default sparse 'auto' (each layer with density <= 0.7 timed dense / CSR / block-CSR on the probe batch${probeBatch === undefined ? ' (default 16 samples)' : ` of ${probeBatch} samples`}, the fastest kept); the dense twin is compile(graph, { sparse: 'dense' }). Compile times include those probes.`,
  );
  if (torchMissing !== undefined) notes.push(`PyTorch peer missing: ${torchMissing}. The PyTorch target is not evaluated.`);
  for (const m of measurements) {
    if (m.status === 'failed') notes.push(`${m.variant} ${m.impl} t${m.threads} failed: ${m.reason ?? '?'}`);
    if (m.check !== undefined && !m.check.ok) notes.push(`OUTPUT MISMATCH: ${m.variant} ${m.impl} t${m.threads} vs ${m.check.against}: relative error ${m.check.relativeError.toExponential(2)}.`);
  }
  notes.push(...spreadNotes(measurements), ...scalingNotes(measurements));
  const load = machine.loadAverage;
  if (Math.max(load.start[0] ?? 0, load.end?.[0] ?? 0) > 0.5) {
    notes.push(`The machine was not quiet: load average ${load.start[0]?.toFixed(2)} at the start, ${load.end?.[0]?.toFixed(2)} at the end (1 min). The numbers are noisy.`);
  }

  const record: RuntimeRecord = {
    format: 1,
    suite: 'runtime',
    mode: quick ? 'quick' : 'full',
    batch,
    threads,
    date: machine.date,
    variants: variants.map(({ graph: _graph, ...info }) => info),
    measurements,
    targets,
    kernels,
    config: {
      plan,
      macsGoal,
      preserveRatio,
      macsRatio,
      density,
      sparseModel,
      alpha,
      probeBatch: probeBatch ?? 'default',
      pretrained,
      seed: BENCH_SEED,
      backend: BACKEND_NAME,
      checkTolerance: CHECK_TOLERANCE,
      versions: { tfjsCore: tf.version_core, ...(torchVersion === undefined ? {} : { torch: torchVersion }) },
    },
    notes,
    machine,
    durationS: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${renderRuntimeSummary(record)}\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  if (values['no-write'] !== true) {
    const base = path.join(outDir, `runtime-${slug}${quick ? '.quick' : ''}`);
    const written = writeResults(base, record, renderRuntimeMarkdown(record));
    log(`wrote ${written.json} and ${written.md} in ${record.durationS.toFixed(0)} s`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`runtime benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
