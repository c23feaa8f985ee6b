/**
 * Turns a timed call into a {@link Measurement}: never throws (a failing implementation is recorded as
 * `failed` with its error), logs one progress line, and optionally checks the first call's output.
 */
import type { Agreement } from './data.js';
import { QUICK_PLAN, type Timed, type TimingPlan, gflops, measure, measurePaired } from './harness.js';
import type { Measurement, SuiteContext } from './types.js';

/** The identifying part of a measurement. */
export type CaseInfo = Pick<Measurement, 'suite' | 'case' | 'impl' | 'threads' | 'flops' | 'usefulFlops' | 'params'>;

/** Options of {@link timeCase}. */
export interface TimeCaseOptions {
  /** Replaces `fn` for the first call; its result goes to `check`. */
  firstCall?: Timed;
  /** Compares the first call's result with the case's reference. */
  check?: (first: unknown) => { against: string } & Agreement;
  /** A plan for this measurement only (for example fewer samples for very slow peers). */
  plan?: TimingPlan;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** A measurement that could not run. */
export function notAvailable(info: CaseInfo, reason: string, ctx?: SuiteContext): Measurement {
  ctx?.log(`[${info.suite}] ${info.case} ${info.impl} t${info.threads}: not available (${reason})`);
  return { ...info, status: 'not-available', reason };
}

/** Times `fn` and records it (status `failed` with the error when the call or its check throws). */
export async function timeCase(ctx: SuiteContext, info: CaseInfo, fn: Timed, options: TimeCaseOptions = {}): Promise<Measurement> {
  (globalThis as { gc?: () => void }).gc?.();
  try {
    const timed = await measure(fn, options.plan ?? ctx.plan, options.firstCall === undefined ? {} : { firstCall: options.firstCall });
    const m: Measurement = {
      ...info,
      status: 'ok',
      samplesMs: timed.samplesMs,
      callsPerSample: timed.callsPerSample,
      warmupCalls: timed.warmupCalls,
      stats: timed.stats,
      gflops: gflops(info.flops, timed.stats.median),
    };
    if (info.usefulFlops !== undefined) m.usefulGflops = gflops(info.usefulFlops, timed.stats.median);
    if (options.check !== undefined) {
      const c = options.check(timed.first);
      m.check = { against: c.against, maxAbsError: c.maxAbsError, relativeError: c.relativeError, ok: c.ok };
    }
    const useful = m.usefulGflops === undefined ? '' : `, ${m.usefulGflops.toFixed(1)} useful`;
    const check = m.check === undefined ? '' : m.check.ok ? ' check ok' : ` CHECK FAILED (rel ${m.check.relativeError.toExponential(2)})`;
    ctx.log(
      `[${info.suite}] ${info.case} ${info.impl} t${info.threads}: ${timed.stats.median.toFixed(3)} ms ` +
        `(${(m.gflops ?? 0).toFixed(1)} GFLOP/s${useful}, n=${timed.stats.n})${check}`,
    );
    return m;
  } catch (error) {
    const reason = describeError(error);
    ctx.log(`[${info.suite}] ${info.case} ${info.impl} t${info.threads}: FAILED ${reason}`);
    return { ...info, status: 'failed', reason };
  }
}

/** Finds a measurement of `impl` on `caseId` with `threads` (ok ones only). */
export function findOk(measurements: readonly Measurement[], caseId: string, impl: string, threads: number, suite?: string): Measurement | undefined {
  return measurements.find(
    (m) => m.case === caseId && m.impl === impl && m.threads === threads && m.status === 'ok' && (suite === undefined || m.suite === suite),
  );
}

/** Speedup of `subject` over `baseline` (baseline median / subject median), undefined if either is missing. */
export function speedup(subject: Measurement | undefined, baseline: Measurement | undefined): number | undefined {
  if (subject?.stats === undefined || baseline?.stats === undefined) return undefined;
  return baseline.stats.median / subject.stats.median;
}

/** Formats a number for tables: `-` when undefined. */
export function fmt(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** `median ms (GFLOP/s)` for a table cell, or the status. */
export function cell(m: Measurement | undefined, useful = false): string {
  if (m === undefined) return '-';
  if (m.status !== 'ok' || m.stats === undefined) return m.status === 'failed' ? 'failed' : 'n/a';
  const rate = useful && m.usefulGflops !== undefined ? m.usefulGflops : m.gflops;
  const mark = m.check !== undefined && !m.check.ok ? ' (mismatch)' : '';
  return `${fmtMs(m.stats.median)} (${fmt(rate, 1)})${mark}`;
}

/** Milliseconds with 3 significant-ish digits. */
export function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** `1.23x` or `-`. */
export function ratio(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(2)}x`;
}

/** One implementation of a {@link timePaired} comparison. */
export interface PairedImpl {
  impl: string;
  fn: Timed;
  /** Runs before each of this implementation's samples, untimed. */
  before?: () => void;
}

/** The result of {@link timePaired}: one measurement per implementation and each one's paired speedup over the first. */
export interface PairedResult {
  measurements: Measurement[];
  /** speedups[i]: median over rounds of (time of impls[0]) / (time of impls[i]); undefined when the run failed. */
  speedups: (number | undefined)[];
}

/** Interleaved rounds per paired comparison: 11, or 3 in quick and smoke runs. */
export function pairedRounds(ctx: Pick<SuiteContext, 'quick' | 'plan'>): number {
  return ctx.quick || ctx.plan === QUICK_PLAN ? 3 : 11;
}

/**
 * Times several implementations of one case in interleaved rounds ({@link measurePaired}) and records them as
 * measurements with impl `paired:<impl>`; never throws (a failure is recorded on every implementation).
 */
export async function timePaired(ctx: SuiteContext, info: Omit<CaseInfo, 'impl'>, impls: readonly PairedImpl[]): Promise<PairedResult> {
  (globalThis as { gc?: () => void }).gc?.();
  const rounds = pairedRounds(ctx);
  try {
    const paired = await measurePaired(
      impls.map((p) => ({ name: p.impl, fn: p.fn, ...(p.before === undefined ? {} : { before: p.before }) })),
      ctx.plan,
      rounds,
    );
    const measurements: Measurement[] = paired.timings.map((t, i) => ({
      ...info,
      impl: `paired:${(impls[i] as PairedImpl).impl}`,
      status: 'ok',
      samplesMs: t.samplesMs,
      callsPerSample: t.callsPerSample,
      warmupCalls: t.warmupCalls,
      stats: t.stats,
      gflops: gflops(info.flops, t.stats.median),
      params: { ...info.params, rounds, speedupOverFirst: paired.speedups[i] as number },
    }));
    ctx.log(
      `[${info.suite}] ${info.case} paired t${info.threads}: ` +
        impls.map((p, i) => `${p.impl} ${(paired.timings[i]?.stats.median ?? 0).toFixed(3)} ms`).join(', ') +
        `; speedups over ${impls[0]?.impl}: ${paired.speedups.slice(1).map((s) => s.toFixed(2)).join(', ')}`,
    );
    return { measurements, speedups: paired.speedups };
  } catch (error) {
    const reason = describeError(error);
    ctx.log(`[${info.suite}] ${info.case} paired t${info.threads}: FAILED ${reason}`);
    return { measurements: impls.map((p) => ({ ...info, impl: `paired:${p.impl}`, status: 'failed' as const, reason })), speedups: impls.map(() => undefined) };
  }
}
