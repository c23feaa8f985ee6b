/**
 * The pure part of the training/inference throughput suite (`training.ts`): the result model, images/s from step
 * times, the ratios and their targets, and the Markdown report. Nothing here runs a model.
 */
import type { MachineRecord } from './machine.js';
import { holdsMark, renderMachineTable, renderTable } from './report.js';
import { type SampleStats, summarize } from './stats.js';
import type { ReportTable } from './types.js';

/** The implementations compared. */
export type TrainingImpl = 'amc-native' | 'tfjs-cpu' | 'pytorch';
/** A training step (forward, backward, SGD update) or an inference step (forward only). */
export type TrainingMode = 'train' | 'infer';

/** `tf.memory().numTensors` around the steps of one measurement. */
export interface TensorCheck {
  /** Before the first (warm-up) step. */
  beforeWarmup: number;
  /** After the warm-up steps, before the first timed step. */
  afterWarmup: number;
  /** After every timed step, in order. */
  afterEachStep: number[];
  /** True when some count after a timed step exceeds the count after warm-up (tensors leak per step). */
  grows: boolean;
}

/** One implementation in one mode with one thread count. */
export interface ThroughputMeasurement {
  impl: TrainingImpl;
  mode: TrainingMode;
  /** Threads of the implementation (tfjs-cpu is single-threaded JS: always 1). */
  threads: number;
  batch: number;
  status: 'ok' | 'missing' | 'failed';
  /** Why not ok. */
  reason?: string;
  /** Untimed steps (before the repeats; for PyTorch before each repeat, as the peer script does). */
  warmupSteps?: number;
  /** Batch of the warm-up steps when it differs from `batch` (tfjs cpu warms up on a tiny batch). */
  warmupBatch?: number;
  /** Timed steps per repeat. */
  iters?: number;
  repeats?: number;
  /** Images/s of each repeat (batch x iters / the repeat's wall time): the samples of `stats`. */
  imagesPerSecond?: number[];
  /** Raw samples: milliseconds of every timed step, one array per repeat (not available from the PyTorch peer). */
  stepMs?: number[][];
  /** Median, quartiles, IQR, ... of `imagesPerSecond`. */
  stats?: SampleStats;
  /** Training: the loss of the last timed step (a check that the step ran and stayed finite). */
  lastLoss?: number;
  tensors?: TensorCheck;
}

/** A target on the ratio of amc-native's throughput to a baseline's. */
export interface TrainingTarget {
  mode: TrainingMode;
  baseline: Exclude<TrainingImpl, 'amc-native'>;
  /** The ratio (amc-native images/s / baseline images/s) must be at least this. */
  min: number;
}

/** The targets of the suite. */
export const TRAINING_TARGETS: readonly TrainingTarget[] = [
  { mode: 'train', baseline: 'tfjs-cpu', min: 20 },
  { mode: 'train', baseline: 'pytorch', min: 0.8 },
  { mode: 'infer', baseline: 'pytorch', min: 0.8 },
];

/** A target evaluated at one thread count. */
export interface TargetEvaluation extends TrainingTarget {
  threads: number;
  /** amc-native median images/s / baseline median images/s; undefined when either is missing. */
  ratio?: number;
  subjectImagesPerSecond?: number;
  baselineImagesPerSecond?: number;
  /** Thread count of the baseline measurement used (tfjs-cpu: 1 whatever `threads`). */
  baselineThreads?: number;
  /** undefined: not evaluated (a side is missing or failed). */
  holds: boolean | undefined;
}

/** The JSON file's content. */
export interface TrainingRecord {
  format: 1;
  suite: 'training';
  mode: 'full' | 'quick';
  model: string;
  /** Batch of amc-native and PyTorch. */
  batch: number;
  /** Batches of the tfjs cpu backend (smaller than `batch` for training: its training step is very slow). */
  cpuBatch: { train: number; infer: number };
  threads: number[];
  date: string;
  versions: { tfjsCore: string; tfjsLayers: string; tfjsBackendCpu: string; torch?: string; python?: string };
  /** Step counts, the SGD recipe, the input seed, the peer's settings. */
  config: Record<string, unknown>;
  measurements: ThroughputMeasurement[];
  targets: TargetEvaluation[];
  /** PyTorch peer: `ok`, or `missing` / `failed` with the reason (the install hint included). */
  peer: { status: 'ok' | 'missing' | 'failed' | 'skipped'; reason?: string; details?: Record<string, unknown>[] };
  notes: string[];
  /** `tf.memory().numTensors` before the first measurement and after the last (every model and buffer disposed). */
  tensorsAlive?: { start: number; end: number };
  machine: MachineRecord;
  durationS: number;
}

/**
 * Images/s of each repeat from the step times of that repeat (`batch` images per step).
 *
 * @example imagesPerSecondOf(100, [[500, 500], [250, 250]]) // [200, 400]
 */
export function imagesPerSecondOf(batch: number, stepMs: readonly (readonly number[])[]): number[] {
  return stepMs.map((steps) => {
    let total = 0;
    for (const ms of steps) total += ms;
    return (batch * steps.length * 1000) / total;
  });
}

/** Whether the tensor count after any timed step exceeds the count after warm-up. */
export function tensorCountGrows(afterWarmup: number, afterEachStep: readonly number[]): boolean {
  return afterEachStep.some((n) => n > afterWarmup);
}

/** An ok measurement with its samples summarized. */
export function okMeasurement(
  base: Omit<ThroughputMeasurement, 'status' | 'stats' | 'imagesPerSecond'>,
  imagesPerSecond: number[],
): ThroughputMeasurement {
  return { ...base, status: 'ok', imagesPerSecond, stats: summarize(imagesPerSecond) };
}

/** The ok measurement of `impl` in `mode` at `threads`, if any. */
export function findThroughput(measurements: readonly ThroughputMeasurement[], impl: TrainingImpl, mode: TrainingMode, threads: number): ThroughputMeasurement | undefined {
  return measurements.find((m) => m.impl === impl && m.mode === mode && m.threads === threads && m.status === 'ok' && m.stats !== undefined);
}

/**
 * Evaluates every target at every thread count. tfjs-cpu is single-threaded, so its 1-thread measurement is the
 * baseline at every thread count.
 */
export function evaluateTargets(
  measurements: readonly ThroughputMeasurement[],
  threads: readonly number[],
  targets: readonly TrainingTarget[] = TRAINING_TARGETS,
): TargetEvaluation[] {
  const out: TargetEvaluation[] = [];
  for (const target of targets) {
    for (const t of threads) {
      const baselineThreads = target.baseline === 'tfjs-cpu' ? 1 : t;
      const subject = findThroughput(measurements, 'amc-native', target.mode, t);
      const baseline = findThroughput(measurements, target.baseline, target.mode, baselineThreads);
      const evaluation: TargetEvaluation = { ...target, threads: t, holds: undefined };
      if (subject?.stats !== undefined && baseline?.stats !== undefined && baseline.stats.median > 0) {
        evaluation.subjectImagesPerSecond = subject.stats.median;
        evaluation.baselineImagesPerSecond = baseline.stats.median;
        evaluation.baselineThreads = baselineThreads;
        evaluation.ratio = subject.stats.median / baseline.stats.median;
        evaluation.holds = evaluation.ratio >= target.min;
      }
      out.push(evaluation);
    }
  }
  return out;
}

/** Images/s for a table: no decimals from 100 up, one from 1 up, two significant digits below 1. */
export function fmtRate(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toPrecision(2);
}

/** A ratio: `0.83x`, `12.3x`, `1043x`. */
export function fmtRatio(value: number): string {
  if (value >= 100) return `${value.toFixed(0)}x`;
  if (value >= 10) return `${value.toFixed(1)}x`;
  return `${value.toFixed(2)}x`;
}

/** `median (IQR x)` of a measurement, or its status. */
export function rateCell(m: ThroughputMeasurement | undefined): string {
  if (m === undefined) return '-';
  if (m.status !== 'ok' || m.stats === undefined) return m.status === 'missing' ? 'missing' : 'failed';
  return m.stats.n > 1 ? `${fmtRate(m.stats.median)} (IQR ${fmtRate(m.stats.iqr)})` : fmtRate(m.stats.median);
}

/** How a measurement was timed, in words: `3 warm-up + 5 x 10 steps`. */
export function timedCell(m: ThroughputMeasurement | undefined): string {
  if (m === undefined || m.status !== 'ok') return '-';
  const warmupBatch = m.warmupBatch === undefined || m.warmupBatch === m.batch ? '' : ` (batch ${m.warmupBatch})`;
  const warmup = m.warmupSteps === undefined ? '' : `${m.warmupSteps} warm-up${warmupBatch}${m.impl === 'pytorch' ? ' per repeat' : ''} + `;
  const repeats = m.repeats ?? 1;
  const iters = m.iters ?? 1;
  const timed =
    repeats === 1 ? `${iters} step${iters === 1 ? '' : 's'}` : iters === 1 ? `${repeats} steps, each a sample` : `${repeats} x ${iters} steps`;
  return `${warmup}${timed}`;
}

/** The target in words, e.g. `amc-native / PyTorch training >= 0.8x`. */
export function targetLabel(target: TrainingTarget): string {
  const baseline = target.baseline === 'pytorch' ? 'PyTorch' : 'tfjs cpu';
  return `amc-native / ${baseline} ${target.mode === 'train' ? 'training' : 'inference'} >= ${target.min}x`;
}

/** `2.31x (512 / 222 images/s)` or `not evaluated`-style text. */
export function measuredLabel(e: TargetEvaluation): string {
  if (e.ratio === undefined) return 'not measured';
  return `${fmtRatio(e.ratio)} (${fmtRate(e.subjectImagesPerSecond)} / ${fmtRate(e.baselineImagesPerSecond)} images/s)`;
}

const IMPL_ORDER: readonly TrainingImpl[] = ['amc-native', 'tfjs-cpu', 'pytorch'];

/** The throughput table: one row per implementation and thread count, training and inference side by side. */
export function throughputTable(record: Pick<TrainingRecord, 'measurements' | 'model' | 'versions'>): ReportTable {
  const rows: string[][] = [];
  const keys: [TrainingImpl, number][] = [];
  for (const impl of IMPL_ORDER) {
    const threads = [...new Set(record.measurements.filter((m) => m.impl === impl).map((m) => m.threads))].sort((a, b) => a - b);
    for (const t of threads) keys.push([impl, t]);
  }
  for (const [impl, t] of keys) {
    const find = (mode: TrainingMode) => record.measurements.find((m) => m.impl === impl && m.mode === mode && m.threads === t);
    const train = find('train');
    const infer = find('infer');
    const name = impl === 'pytorch' && record.versions.torch !== undefined ? `pytorch ${record.versions.torch}` : impl;
    const batch = train !== undefined && infer !== undefined && train.batch !== infer.batch ? `${train.batch} / ${infer.batch}` : String(train?.batch ?? infer?.batch ?? '-');
    rows.push([name, String(t), batch, rateCell(train), timedCell(train), rateCell(infer), timedCell(infer)]);
  }
  return {
    title: `${record.model}: images/s (median over repeats; IQR across repeats)`,
    header: ['backend', 'threads', 'batch (train / infer)', 'train images/s', 'train timed', 'infer images/s', 'infer timed'],
    rows,
  };
}

/** The targets table. */
export function targetsTable(targets: readonly TargetEvaluation[]): ReportTable {
  return {
    title: 'Targets',
    header: ['target', 'threads', 'measured', 'result'],
    rows: targets.map((e) => [
      targetLabel(e),
      e.baselineThreads !== undefined && e.baselineThreads !== e.threads ? `${e.threads} (baseline ${e.baselineThreads})` : String(e.threads),
      measuredLabel(e),
      e.holds === undefined ? holdsMark(undefined) : e.holds ? 'holds' : 'does not hold',
    ]),
  };
}

/** The two result tables (what the run prints to stdout). */
export function renderResultTables(record: Pick<TrainingRecord, 'measurements' | 'model' | 'versions' | 'targets'>): string {
  return `${renderTable(throughputTable(record))}\n\n${renderTable(targetsTable(record.targets))}\n`;
}

/** The Markdown report: header, tables, notes, machine. */
export function renderTrainingMarkdown(record: TrainingRecord): string {
  const m = record.machine;
  const out: string[] = [];
  out.push(`# Training throughput: ${record.model}, batch ${record.batch} (${record.mode} run)`, '');
  out.push(
    `${record.date}, commit ${m.git === undefined ? 'unknown' : `${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (uncommitted changes)' : ''}`}, ` +
      `${Math.round(record.durationS)} s. Every backend measured in this same run on the same seeded inputs; ratios are amc-native / baseline (> 1: amc-native faster).`,
    '',
  );
  if (record.mode === 'quick') out.push('> Quick run: small batch, one thread, tiny step counts, to check the harness. Do not quote these numbers.', '');
  out.push(renderTable(throughputTable(record)), '', renderTable(targetsTable(record.targets)), '');
  if (record.notes.length > 0) out.push('## Notes', '', ...record.notes.map((n) => `- ${n}`), '');
  const versions = [
    `tfjs-core ${record.versions.tfjsCore}`,
    `tfjs-layers ${record.versions.tfjsLayers}`,
    `tfjs-backend-cpu ${record.versions.tfjsBackendCpu}`,
    `torch ${record.versions.torch ?? 'not available'}${record.versions.python === undefined ? '' : ` (python ${record.versions.python})`}`,
  ];
  out.push('## Machine', '', renderMachineTable(m, `${record.threads.join(', ')} (amc setNumThreads; torch.set_num_threads; tfjs cpu is single-threaded)`), '');
  out.push(`Versions: ${versions.join(', ')}.`, '');
  return out.join('\n');
}
