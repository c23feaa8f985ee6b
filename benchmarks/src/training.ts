/**
 * The training/inference throughput suite: `tsx src/training.ts [--quick] [--model=resnet20] [--batch=128]
 * [--threads=1,2] [--warmup=3] [--iters=10] [--repeats=5] [--cpu-train-batch=8] [--cpu-infer-batch=128] [--cpu-warmup=1]
 * [--cpu-warmup-batch=1] [--cpu-train-steps=2] [--cpu-infer-steps=3] [--skip-cpu] [--skip-torch] [--no-write] [--out=DIR]`.
 *
 * For every thread count, in one run: amc-native training and inference throughput (the zoo's training step, see
 * {@link makeTrainer}), the PyTorch peer (same architecture, batch and threads), and once (single-threaded JS)
 * tfjs's own `cpu` backend, bounded (a few steps, a small training batch) because its training step is about three
 * orders of magnitude slower (its Conv2DBackpropFilter kernel alone takes ~90% of the step). Writes
 * `results/training-<machine>.json` and `.md` (quick runs: `training-<machine>.quick.*`); the result tables go to
 * stdout, progress to stderr.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_NAME } from '@amc/tfjs';
import { DEFAULT_RECIPE, createModel, createSgdState, sgdMomentumStep } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { setNumThreads } from './amc.js';
import { intOption, numberList } from './args.js';
import { BENCH_SEED, rngFor } from './data.js';
import { collectMachine, machineSlug, repoRoot } from './machine.js';
import { writeResults } from './report.js';
import { runTorchPeer, type TorchPeerModel, type TorchPeerResult } from './torch-peer.js';
import {
  type TensorCheck,
  type ThroughputMeasurement,
  type TrainingImpl,
  type TrainingMode,
  type TrainingRecord,
  evaluateTargets,
  imagesPerSecondOf,
  okMeasurement,
  renderResultTables,
  renderTrainingMarkdown,
  tensorCountGrows,
} from './training-report.js';

/** The models of the suite: those the PyTorch peer can build too. */
export const TRAINING_MODELS: readonly TorchPeerModel[] = ['resnet20', 'plain20', 'resnet56', 'mobilenetV2'];

const INPUT_SHAPE = [28, 28, 1] as const;
const NUM_CLASSES = 10;
/** The learning rate of the timed steps: the recipe's peak (constant here; the schedule does not change the cost). */
const RECIPE = { learningRate: DEFAULT_RECIPE.learningRate, momentum: DEFAULT_RECIPE.momentum, weightDecay: DEFAULT_RECIPE.weightDecay };

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Seeded inputs shared by every backend: images uniform in [0, 1), labels uniform in 0..9. */
interface Inputs {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

function makeInputs(model: string, count: number): Inputs {
  const rng = rngFor(`training/${model}`);
  const images = rng.fillUniform(new Float32Array(count * INPUT_SHAPE[0] * INPUT_SHAPE[1] * INPUT_SHAPE[2]), 0, 1);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(NUM_CLASSES);
  return { images, labels, count };
}

/** The first `batch` samples (a view, no copy). */
function firstBatch(inputs: Inputs, batch: number): { images: Float32Array; labels: Int32Array } {
  const per = INPUT_SHAPE[0] * INPUT_SHAPE[1] * INPUT_SHAPE[2];
  return { images: inputs.images.subarray(0, batch * per), labels: inputs.labels.subarray(0, batch) };
}

/** A training step and its state (momentum buffers). */
interface Trainer {
  /** One step; returns the loss. */
  step(): number;
  dispose(): void;
}

/**
 * The training step of `@amc/zoo`'s `trainModel`, the same function (`sgdMomentumStep`): inside one `tf.tidy`, the
 * batch tensor and one-hot labels, `tf.variableGrads` of softmax cross-entropy over `model.trainableWeights`
 * (forward with `training: true`), weight decay on kernels, the momentum update `v = m v + g`, `w -= lr v` with tf
 * ops, the accuracy count, and the read-back of loss and hits (`dataSync`).
 */
function makeTrainer(model: tfl.LayersModel, images: Float32Array, labelData: Int32Array): Trainer {
  const state = createSgdState(model);
  return {
    step: () => sgdMomentumStep(model, state, images, labelData, INPUT_SHAPE, NUM_CLASSES, RECIPE)[0],
    dispose: () => tf.dispose(state.velocity),
  };
}

/** Inference as the zoo's `evaluateModel` runs it: `model.apply(x, { training: false })`, logits read back. */
function makeInference(model: tfl.LayersModel, images: Float32Array, batch: number): () => void {
  return () => {
    tf.tidy(() => {
      const x = tf.tensor4d(images, [batch, ...INPUT_SHAPE]);
      (model.apply(x, { training: false }) as tf.Tensor).dataSync();
    });
  };
}

interface StepPlan {
  warmup: number;
  repeats: number;
  iters: number;
  /** Batch of the warm-up steps, when not the measured batch (JIT warm-up of a very slow backend on a tiny batch). */
  warmupBatch?: number;
}

/**
 * Runs `plan.warmup` untimed steps (of `warmupStep`, default `step`), then `plan.repeats` repeats of `plan.iters`
 * steps, each step timed, counting tensors after each.
 */
function timeSteps(step: () => unknown, plan: StepPlan, warmupStep: () => unknown = step): { stepMs: number[][]; tensors: TensorCheck; last: unknown } {
  (globalThis as { gc?: () => void }).gc?.();
  const beforeWarmup = tf.memory().numTensors;
  let last: unknown;
  for (let i = 0; i < plan.warmup; i++) warmupStep();
  const afterWarmup = tf.memory().numTensors;
  const afterEachStep: number[] = [];
  const stepMs: number[][] = [];
  for (let r = 0; r < plan.repeats; r++) {
    const times: number[] = [];
    for (let i = 0; i < plan.iters; i++) {
      const t0 = performance.now();
      last = step();
      times.push(performance.now() - t0);
      afterEachStep.push(tf.memory().numTensors);
    }
    stepMs.push(times);
  }
  return { stepMs, tensors: { beforeWarmup, afterWarmup, afterEachStep, grows: tensorCountGrows(afterWarmup, afterEachStep) }, last };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Times one backend in one mode on a fresh model (same seed, so the same initial weights everywhere). */
async function measureBackend(
  impl: Exclude<TrainingImpl, 'pytorch'>,
  mode: TrainingMode,
  options: { model: TorchPeerModel; batch: number; threads: number; inputs: Inputs; plan: StepPlan },
): Promise<ThroughputMeasurement> {
  const { model: name, batch, threads, inputs, plan } = options;
  const warmupBatch = plan.warmupBatch ?? batch;
  const base = { impl, mode, threads, batch, warmupSteps: plan.warmup, ...(warmupBatch === batch ? {} : { warmupBatch }), iters: plan.iters, repeats: plan.repeats };
  const backend = impl === 'amc-native' ? BACKEND_NAME : 'cpu';
  const started = performance.now();
  let model: tfl.LayersModel | undefined;
  let trainer: Trainer | undefined;
  let warmupTrainer: Trainer | undefined;
  try {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
    if (tf.getBackend() !== backend) throw new Error(`the active backend is ${tf.getBackend()}, not ${backend}`);
    model = createModel(name, { seed: BENCH_SEED });
    const { images, labels } = firstBatch(inputs, batch);
    const small = firstBatch(inputs, warmupBatch);
    let step: () => unknown;
    let warmupStep: () => unknown;
    if (mode === 'train') {
      trainer = makeTrainer(model, images, labels);
      step = trainer.step;
      warmupTrainer = warmupBatch === batch ? trainer : makeTrainer(model, small.images, small.labels);
      warmupStep = warmupTrainer.step;
    } else {
      step = makeInference(model, images, batch);
      warmupStep = warmupBatch === batch ? step : makeInference(model, small.images, warmupBatch);
    }
    const { stepMs, tensors, last } = timeSteps(step, plan, warmupStep);
    const m = okMeasurement({ ...base, stepMs, tensors }, imagesPerSecondOf(batch, stepMs));
    if (mode === 'train' && typeof last === 'number') m.lastLoss = last;
    const leak = tensors.grows ? ` TENSORS GROW ${tensors.afterWarmup} -> ${Math.max(...tensors.afterEachStep)}` : '';
    log(
      `[training] ${impl} ${mode} t${threads} b${batch}: ${(m.stats?.median ?? 0).toFixed(1)} images/s ` +
        `(${plan.warmup} warm-up${warmupBatch === batch ? '' : ` at batch ${warmupBatch}`} + ${plan.repeats} x ${plan.iters} steps, ${((performance.now() - started) / 1000).toFixed(1)} s)${leak}`,
    );
    return m;
  } catch (error) {
    log(`[training] ${impl} ${mode} t${threads}: FAILED ${message(error)}`);
    return { ...base, status: 'failed', reason: message(error) };
  } finally {
    if (warmupTrainer !== trainer) warmupTrainer?.dispose();
    trainer?.dispose();
    model?.dispose();
  }
}

/** The two PyTorch measurements (train, infer) of one peer run, or two `missing` / `failed` ones. */
function torchMeasurements(result: TorchPeerResult | { missing: string } | { failed: string }, batch: number, threads: number, plan: StepPlan): ThroughputMeasurement[] {
  return (['train', 'infer'] as const).map((mode): ThroughputMeasurement => {
    const base = { impl: 'pytorch' as const, mode, threads, batch };
    if ('missing' in result) return { ...base, status: 'missing', reason: result.missing };
    if ('failed' in result) return { ...base, status: 'failed', reason: result.failed };
    const t = result[mode];
    if (t === undefined) return { ...base, status: 'failed', reason: `the peer reported no ${mode} result` };
    const m = okMeasurement(
      { ...base, warmupSteps: result.warmup ?? plan.warmup, iters: result.iters ?? plan.iters, repeats: result.repeats ?? plan.repeats },
      t.imagesPerSecond,
    );
    if (t.lastLoss !== undefined) m.lastLoss = t.lastLoss;
    return m;
  });
}

/** The tensor-count note of the amc-native (and tfjs cpu) measurements. */
function tensorNotes(measurements: readonly ThroughputMeasurement[]): string[] {
  const notes: string[] = [];
  const checked = measurements.filter((m) => m.tensors !== undefined);
  const growing = checked.filter((m) => m.tensors?.grows === true);
  const amc = checked.filter((m) => m.impl === 'amc-native');
  if (amc.length > 0 && !amc.some((m) => m.tensors?.grows === true)) {
    notes.push(
      `Tensor check: tf.memory().numTensors did not grow across the amc-native steps (${amc
        .map((m) => `${m.mode} t${m.threads}: ${m.tensors?.afterWarmup} after warm-up, ${m.tensors?.afterEachStep.at(-1)} after the last step`)
        .join('; ')}).`,
    );
  }
  for (const m of growing) {
    notes.push(`LEAK: tf.memory().numTensors grew during ${m.impl} ${m.mode} t${m.threads}: ${m.tensors?.afterWarmup} after warm-up, up to ${Math.max(...(m.tensors?.afterEachStep ?? []))} (${m.tensors?.afterEachStep.join(', ')}).`);
  }
  for (const m of checked) {
    const t = m.tensors;
    if (t !== undefined && t.afterWarmup > t.beforeWarmup) {
      notes.push(`${m.impl} ${m.mode} t${m.threads}: ${t.afterWarmup - t.beforeWarmup} tensor(s) appeared during warm-up (${t.beforeWarmup} -> ${t.afterWarmup}); constant afterwards unless reported above.`);
    }
  }
  return notes;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      model: { type: 'string', default: 'resnet20' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      warmup: { type: 'string' },
      iters: { type: 'string' },
      repeats: { type: 'string' },
      'cpu-train-batch': { type: 'string' },
      'cpu-infer-batch': { type: 'string' },
      'cpu-warmup': { type: 'string' },
      'cpu-warmup-batch': { type: 'string' },
      'cpu-train-steps': { type: 'string' },
      'cpu-infer-steps': { type: 'string' },
      'skip-cpu': { type: 'boolean', default: false },
      'skip-torch': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const model = values.model ?? 'resnet20';
  if (!(TRAINING_MODELS as readonly string[]).includes(model)) throw new Error(`training: expected --model among ${TRAINING_MODELS.join(', ')} but received ${model}`);
  const modelName = model as TorchPeerModel;
  const int = (name: keyof typeof values, fallback: number, min = 1): number => {
    const text = values[name];
    return typeof text === 'string' ? intOption(text, name, min) : fallback;
  };
  const batch = int('batch', quick ? 32 : 128);
  const threads = values.threads === undefined ? (quick ? [1] : [1, 2]) : numberList(values.threads, 'threads');
  const plan: StepPlan = { warmup: int('warmup', quick ? 1 : 3, 0), iters: int('iters', quick ? 2 : 10), repeats: int('repeats', quick ? 1 : 5) };
  // tfjs cpu: its training step costs ~10 s per image (Conv2DBackpropFilter), so it trains on a small batch; it warms
  // up (JIT) on a tiny one. images/s hardly depends on the batch there (every kernel is a loop over the batch).
  const cpuBatch = { train: int('cpu-train-batch', quick ? 1 : 8), infer: int('cpu-infer-batch', quick ? 8 : batch) };
  const cpuWarmup = int('cpu-warmup', 1, 0);
  const cpuWarmupBatch = int('cpu-warmup-batch', 1);
  const cpuTrain: StepPlan = { warmup: cpuWarmup, warmupBatch: cpuWarmupBatch, iters: 1, repeats: int('cpu-train-steps', quick ? 1 : 2) };
  const cpuInfer: StepPlan = { warmup: cpuWarmup, warmupBatch: cpuWarmupBatch, iters: 1, repeats: int('cpu-infer-steps', quick ? 1 : 3) };
  const outDir = values.out ?? path.join(repoRoot(), 'benchmarks', 'results');

  const started = performance.now();
  const machine = collectMachine(['@tensorflow/tfjs-layers', '@amc/tfjs', '@amc/zoo']);
  const slug = machineSlug(machine);
  log(`amc training throughput (${quick ? 'quick' : 'full'}): ${modelName}, batch ${batch}, threads ${threads.join(',')}, ${machine.cpu.model}, load ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  if (machine.cpu.logicalCores < Math.max(...threads)) log(`warning: ${Math.max(...threads)} threads requested on ${machine.cpu.logicalCores} logical cores`);

  const tensorsAtStart = tf.memory().numTensors;
  const inputs = makeInputs(modelName, Math.max(batch, cpuBatch.train, cpuBatch.infer, cpuWarmupBatch));
  const measurements: ThroughputMeasurement[] = [];
  const peerDetails: Record<string, unknown>[] = [];
  let peerStatus: TrainingRecord['peer'] = { status: values['skip-torch'] === true ? 'skipped' : 'ok' };
  let torchVersion: string | undefined;
  let pythonVersion: string | undefined;

  for (const t of threads) {
    setNumThreads(t);
    measurements.push(await measureBackend('amc-native', 'train', { model: modelName, batch, threads: t, inputs, plan }));
    measurements.push(await measureBackend('amc-native', 'infer', { model: modelName, batch, threads: t, inputs, plan }));
    if (peerStatus.status === 'missing') {
      measurements.push(...torchMeasurements({ missing: peerStatus.reason ?? '?' }, batch, t, plan));
    } else if (peerStatus.status !== 'skipped') {
      let result: TorchPeerResult | { missing: string } | { failed: string };
      try {
        result = await runTorchPeer({ model: modelName, batch, threads: t, mode: 'both', ...plan });
      } catch (error) {
        result = { failed: message(error) };
      }
      if ('missing' in result) {
        peerStatus = { status: 'missing', reason: result.missing };
        log(`[training] pytorch: missing (${result.missing})`);
      } else if ('failed' in result) {
        log(`[training] pytorch t${t}: FAILED ${result.failed}`);
        peerStatus = { status: 'failed', reason: `t${t}: ${result.failed}` };
      } else {
        torchVersion ??= result.torch;
        pythonVersion ??= result.python;
        const { train: _train, infer: _infer, ...details } = result;
        peerDetails.push(details);
        log(`[training] pytorch ${result.torch} t${t} b${batch}: train ${result.train?.median.toFixed(1)} images/s, infer ${result.infer?.median.toFixed(1)} images/s (torch threads ${result.torchThreads ?? '?'})`);
      }
      measurements.push(...torchMeasurements(result, batch, t, plan));
    }
  }
  if (values['skip-cpu'] !== true) {
    // tfjs's cpu backend is single-threaded JS: measured once, the baseline at every thread count.
    measurements.push(await measureBackend('tfjs-cpu', 'train', { model: modelName, batch: cpuBatch.train, threads: 1, inputs, plan: cpuTrain }));
    measurements.push(await measureBackend('tfjs-cpu', 'infer', { model: modelName, batch: cpuBatch.infer, threads: 1, inputs, plan: cpuInfer }));
  }
  await tf.setBackend(BACKEND_NAME);
  setNumThreads(Math.max(...threads));
  const tensorsAlive = { start: tensorsAtStart, end: tf.memory().numTensors };
  machine.loadAverage.end = os.loadavg();

  const targets = evaluateTargets(measurements, threads);
  const notes: string[] = [
    `Training step: the step of @amc/zoo's trainModel (tf.variableGrads of softmax cross-entropy over model.trainableWeights, weight decay ${RECIPE.weightDecay} on conv/dense kernels, SGD momentum ${RECIPE.momentum} with tf ops, lr ${RECIPE.learningRate}, loss and accuracy read back). ` +
      `Inference: model.apply(x, { training: false }) and the logits read back. PyTorch: the same architecture (benchmarks/python/torch_peer.py), SGD(lr ${RECIPE.learningRate}, momentum ${RECIPE.momentum}, weight_decay ${RECIPE.weightDecay}) and model.eval() under torch.inference_mode().`,
    `Inputs: amc-native and tfjs cpu use the same seeded batch (images uniform in [0, 1), labels uniform in 0..9, seed derived from ${BENCH_SEED}) and the same initial weights (createModel seed ${BENCH_SEED}); the PyTorch peer draws its own seeded batch of the same shape (the script takes no input file; throughput does not depend on the values).`,
  ];
  if (values['skip-cpu'] !== true) {
    notes.push(
      `tfjs cpu is bounded: its training step is about three orders of magnitude slower than amc-native's (tfjs-backend-cpu's Conv2DBackpropFilter alone takes ~90% of it), ` +
        `so it runs ${cpuTrain.repeats} timed training step(s) at batch ${cpuBatch.train} and ${cpuInfer.repeats} timed inference step(s) at batch ${cpuBatch.infer}, each step one sample, ` +
        `after ${cpuWarmup} warm-up step(s) at batch ${cpuWarmupBatch} (JIT). Its images/s hardly depend on the batch (every kernel loops over it); the ratio compares images/s. ` +
        'It is single-threaded JS, measured once and used as the baseline at every thread count.',
    );
  } else {
    notes.push('tfjs cpu skipped (--skip-cpu).');
  }
  if (peerStatus.status === 'missing') notes.push(`PyTorch peer missing: ${peerStatus.reason}. The PyTorch targets are not evaluated.`);
  if (peerStatus.status === 'failed') notes.push(`PyTorch peer failed: ${peerStatus.reason}.`);
  if (peerStatus.status === 'skipped') notes.push('PyTorch peer skipped (--skip-torch).');
  notes.push(...tensorNotes(measurements));
  if (tensorsAlive.end > tensorsAlive.start) {
    notes.push(`LEAK: ${tensorsAlive.end - tensorsAlive.start} tensor(s) still alive after every model and buffer was disposed (${tensorsAlive.start} before the first measurement, ${tensorsAlive.end} after the last).`);
  }
  for (const m of measurements) {
    if (m.status === 'failed') notes.push(`${m.impl} ${m.mode} t${m.threads} failed: ${m.reason ?? '?'}`);
    if (m.lastLoss !== undefined && !Number.isFinite(m.lastLoss)) notes.push(`${m.impl} ${m.mode} t${m.threads}: the last loss is ${m.lastLoss} (the step diverged; its timing may not be representative).`);
  }
  const load = machine.loadAverage;
  if (Math.max(load.start[0] ?? 0, load.end?.[0] ?? 0) > 0.5) {
    notes.push(`The machine was not quiet: load average ${load.start[0]?.toFixed(2)} at the start, ${load.end?.[0]?.toFixed(2)} at the end (1 min). The numbers are noisy.`);
  }

  const record: TrainingRecord = {
    format: 1,
    suite: 'training',
    mode: quick ? 'quick' : 'full',
    model: modelName,
    batch,
    cpuBatch,
    threads,
    date: machine.date,
    versions: {
      tfjsCore: tf.version_core,
      tfjsLayers: machine.packages['@tensorflow/tfjs-layers'] ?? 'unknown',
      tfjsBackendCpu: machine.packages['@tensorflow/tfjs-backend-cpu'] ?? 'unknown',
      ...(torchVersion === undefined ? {} : { torch: torchVersion }),
      ...(pythonVersion === undefined ? {} : { python: pythonVersion }),
    },
    config: {
      plan,
      cpu: { batch: cpuBatch, train: cpuTrain, infer: cpuInfer },
      peer: { ...plan, note: 'warm-up steps before every repeat' },
      recipe: RECIPE,
      seed: BENCH_SEED,
      backend: BACKEND_NAME,
    },
    measurements,
    targets,
    peer: peerDetails.length > 0 ? { ...peerStatus, details: peerDetails } : peerStatus,
    notes,
    tensorsAlive,
    machine,
    durationS: (performance.now() - started) / 1000,
  };
  process.stdout.write(`${renderResultTables(record)}\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  if (values['no-write'] !== true) {
    // ResNet-20 (the issue's targets) keeps the plain name; other models get their own files.
    const base = path.join(outDir, `training-${modelName === 'resnet20' ? '' : `${modelName}-`}${slug}${quick ? '.quick' : ''}`);
    const written = writeResults(base, record, renderTrainingMarkdown(record));
    log(`wrote ${written.json} and ${written.md} in ${record.durationS.toFixed(0)} s`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`training benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
