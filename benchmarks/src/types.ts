/**
 * The result model shared by the suites, the JSON file and the Markdown report.
 */
import type { TimingPlan } from './harness.js';
import type { SampleStats } from './stats.js';

/** Outcome of one measurement. */
export type MeasurementStatus = 'ok' | 'not-available' | 'failed';

/** One implementation timed on one case with one thread count. */
export interface Measurement {
  suite: string;
  /** Case id, unique within the suite, e.g. `resnet20.stage1/b64`. */
  case: string;
  /** Implementation, e.g. `amc`, `onnxruntime`, `tfjs-wasm`, `numpy`, `amc-csr`. */
  impl: string;
  threads: number;
  status: MeasurementStatus;
  /** Why not ok. */
  reason?: string;
  /** Nominal FLOPs of one call (2 x MACs of the dense problem). */
  flops: number;
  /** FLOPs actually needed (sparse: 2 x nnz x N); absent for dense. */
  usefulFlops?: number;
  /** Case parameters for the reader (layer, batch, sparsity, ...). */
  params: Record<string, string | number | boolean>;
  samplesMs?: number[];
  callsPerSample?: number;
  warmupCalls?: number;
  stats?: SampleStats;
  /** Nominal GFLOP/s at the median. */
  gflops?: number;
  /** Useful GFLOP/s at the median (sparse). */
  usefulGflops?: number;
  /** Agreement of this implementation's output with the reference implementation of the case. */
  check?: { against: string; maxAbsError: number; relativeError: number; ok: boolean };
}

/** A performance target and whether it holds in this run. */
export interface TargetResult {
  suite: string;
  /** What is promised, e.g. `amc conv2d >= 1.2x onnxruntime (ResNet-20 3x3, batch 64, 1 thread)`. */
  target: string;
  /** The measured value(s) in words. */
  measured: string;
  /** undefined when it could not be evaluated (something not available). */
  holds: boolean | undefined;
}

/** A table for the Markdown report. */
export interface ReportTable {
  title: string;
  header: string[];
  rows: string[][];
}

/** What a suite returns. */
export interface SuiteResult {
  name: string;
  title: string;
  /** What the suite measures, one paragraph. */
  description: string;
  measurements: Measurement[];
  targets: TargetResult[];
  tables: ReportTable[];
  notes: string[];
  /** Suite-specific facts for the JSON record (peer versions, thread support, ...). */
  details?: Record<string, unknown>;
  durationS: number;
}

/** What every suite gets. */
export interface SuiteContext {
  quick: boolean;
  plan: TimingPlan;
  /** Thread counts to run (ours and onnxruntime). */
  threads: number[];
  /** Batch sizes to run. */
  batches: number[];
  /** Progress line to stderr. */
  log(line: string): void;
  /** Measurements of earlier suites of this run (the threads suite reads them). */
  previous: readonly SuiteResult[];
}
