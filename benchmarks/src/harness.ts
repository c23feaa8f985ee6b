/**
 * The timing harness: warm-up, then adaptive repetitions so that each measurement costs about the same wall
 * time whatever the speed of the call, and a summary of the samples.
 */
import { type SampleStats, median, summarize } from './stats.js';

/** How long to measure. All times in milliseconds. */
export interface TimingPlan {
  /** Keep warming up until this much time has passed (at least one call unless `hintMs` covers it). */
  warmupMs: number;
  /** Wall time the timed samples of one measurement should take together. */
  budgetMs: number;
  /** Fewest samples, even when one call is longer than the budget. */
  minSamples: number;
  /** Most samples. */
  maxSamples: number;
  /** Calls shorter than this are batched: one sample then averages several back-to-back calls. */
  minSampleMs: number;
}

/** The full suite: about 0.3 s of samples per measurement. */
export const FULL_PLAN: TimingPlan = { warmupMs: 60, budgetMs: 300, minSamples: 5, maxSamples: 200, minSampleMs: 1 };

/** Smoke mode: just enough to prove that every path runs. */
export const QUICK_PLAN: TimingPlan = { warmupMs: 5, budgetMs: 15, minSamples: 3, maxSamples: 20, minSampleMs: 0.5 };

/** Samples of one measurement. */
export interface Timing {
  /** Milliseconds per call, one entry per sample (each sample may average `callsPerSample` calls). */
  samplesMs: number[];
  callsPerSample: number;
  warmupCalls: number;
  stats: SampleStats;
}

/** A call to time. It may return a promise, which is awaited (the await is part of the time). */
export type Timed = () => unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /**
   * Runs instead of `fn` for the first (untimed) call, so that its result can be checked without an extra
   * call; it must do the same work as `fn` (plus, for example, reading the output back).
   */
  firstCall?: Timed;
}

/** A measurement and the result of its first call. */
export interface Measured extends Timing {
  /** What the first call returned (awaited). */
  first: unknown;
}

/**
 * Times `fn`: one first call (its result is returned for checking), warm-up until `plan.warmupMs` has passed,
 * then samples sized so that they take about `plan.budgetMs` together (never fewer than `plan.minSamples`).
 */
export async function measure(fn: Timed, plan: TimingPlan, options: MeasureOptions = {}): Promise<Measured> {
  const warmStart = performance.now();
  let first = (options.firstCall ?? fn)();
  if (isThenable(first)) first = await first;
  let estimateMs = performance.now() - warmStart;
  let t0 = performance.now();
  const probe = fn();
  const async = isThenable(probe);
  if (async) await probe;
  // The first call includes one-time costs (allocation, JIT, lazy init); later calls refine the estimate.
  estimateMs = Math.min(estimateMs, performance.now() - t0);
  let warmupCalls = 2;
  while (performance.now() - warmStart < plan.warmupMs) {
    t0 = performance.now();
    if (async) await fn();
    else fn();
    estimateMs = Math.min(estimateMs, performance.now() - t0);
    warmupCalls++;
  }
  const callsPerSample = Math.max(1, Math.ceil(plan.minSampleMs / Math.max(estimateMs, 1e-6)));
  const sampleMs = estimateMs * callsPerSample;
  const samples = Math.min(plan.maxSamples, Math.max(plan.minSamples, Math.round(plan.budgetMs / sampleMs)));
  const samplesMs: number[] = [];
  for (let s = 0; s < samples; s++) {
    t0 = performance.now();
    if (async) {
      for (let c = 0; c < callsPerSample; c++) await fn();
    } else {
      for (let c = 0; c < callsPerSample; c++) fn();
    }
    samplesMs.push((performance.now() - t0) / callsPerSample);
  }
  return { samplesMs, callsPerSample, warmupCalls, stats: summarize(samplesMs), first };
}

/** GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/** One contender of {@link measurePaired}. */
export interface PairedEntry {
  name: string;
  /** Runs before each of this entry's samples, untimed (for example `setNumThreads`). */
  before?: () => void;
  /** The call; a returned promise is awaited (and timed). */
  fn: Timed;
}

/** Samples of {@link measurePaired}: one timing per entry and the per-round ratios against entry 0. */
export interface PairedTiming {
  timings: Timing[];
  /** ratios[i][r]: entry 0's time / entry i's time in round r (entry i's speedup over entry 0). */
  ratios: number[][];
  /** Median of each entry's per-round ratios. */
  speedups: number[];
  rounds: number;
}

/**
 * Times several synchronous calls in interleaved rounds: each round takes one sample of every entry, in
 * forward order on even rounds and reverse order on odd ones, so that a slow phase of a shared machine lands on
 * all entries alike. The speedup of entry i over entry 0 is the median of its per-round ratios, which is far
 * steadier on a noisy host than a ratio of two medians taken minutes apart. `plan.budgetMs` is per entry.
 */
export async function measurePaired(
  entries: readonly PairedEntry[],
  plan: TimingPlan,
  rounds: number,
  now: () => number = () => performance.now(),
): Promise<PairedTiming> {
  if (entries.length === 0) throw new Error('measurePaired: expected at least one entry but received none');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`measurePaired: expected rounds >= 1 but received ${rounds}`);
  const callsPerSample: number[] = [];
  const warmupCalls: number[] = [];
  // Entries whose first call returned a promise are awaited; the others run without an await per call.
  const isAsync: boolean[] = [];
  for (const entry of entries) {
    entry.before?.();
    const warmStart = now();
    let estimate = Number.POSITIVE_INFINITY;
    let calls = 0;
    do {
      const t0 = now();
      const r = entry.fn();
      if (calls === 0) isAsync.push(isThenable(r));
      if (isThenable(r)) await r;
      estimate = Math.min(estimate, now() - t0);
      calls++;
    } while (now() - warmStart < plan.warmupMs / entries.length || calls < 2);
    warmupCalls.push(calls);
    const perSample = Math.max(plan.minSampleMs, plan.budgetMs / rounds);
    callsPerSample.push(Math.max(1, Math.round(perSample / Math.max(estimate, 1e-6))));
  }
  const samples: number[][] = entries.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = entries.map((_, i) => (r % 2 === 0 ? i : entries.length - 1 - i));
    for (const i of order) {
      const entry = entries[i] as PairedEntry;
      const calls = callsPerSample[i] as number;
      entry.before?.();
      const t0 = now();
      if (isAsync[i]) {
        for (let c = 0; c < calls; c++) await entry.fn();
      } else {
        for (let c = 0; c < calls; c++) entry.fn();
      }
      (samples[i] as number[]).push((now() - t0) / calls);
    }
  }
  const base = samples[0] as number[];
  const ratios = samples.map((s) => s.map((ms, r) => (base[r] as number) / ms));
  return {
    timings: samples.map((s, i) => ({ samplesMs: s, callsPerSample: callsPerSample[i] as number, warmupCalls: warmupCalls[i] as number, stats: summarize(s) })),
    ratios,
    speedups: ratios.map((r) => median(r)),
    rounds,
  };
}
