/**
 * Suite e: two threads against one on the large problems. It measures nothing itself: it reads the 1- and
 * 2-thread measurements the gemm, conv and sparse suites made in this run.
 */
import { findOk, fmt, ratio, speedup } from '../record.js';
import type { Measurement, SuiteContext, SuiteResult, TargetResult } from '../types.js';
import { convCaseId } from './conv.js';
import { SPMM_THREADS_LAYER, THREADS_CONV_LAYERS } from '../suite-layers.js';
import { sparseCaseId } from './sparse.js';

/** Required 2-thread / 1-thread speedup on large problems. */
export const THREADS_TARGET_SPEEDUP = 1.8;

/** [suite, case, impls] of the large problems; the first impl is ours, the others are peers for reference. */
const LARGE_CASES: readonly (readonly [string, string, readonly string[]])[] = [
  ['gemm', 'gemm1024', ['amc', 'numpy']],
  ['gemm', 'gemm512', ['amc', 'numpy']],
  ...THREADS_CONV_LAYERS.map((id) => ['conv', convCaseId(id, 64), ['amc', 'onnxruntime']] as const),
  ['sparse', sparseCaseId('spmm', SPMM_THREADS_LAYER, 64), ['dense']],
  ['sparse', sparseCaseId('spmm', SPMM_THREADS_LAYER, 64, 0.9), ['csr', 'bcsr']],
];

/** Builds the threads suite from the earlier suites of this run. */
export function runThreadsSuite(ctx: SuiteContext): SuiteResult {
  const started = performance.now();
  const all: Measurement[] = ctx.previous.flatMap((s) => s.measurements);
  const rows: string[][] = [];
  const oursSpeedups: [string, number | undefined][] = [];
  for (const [suite, caseId, impls] of LARGE_CASES) {
    for (const impl of impls) {
      const one = findOk(all, caseId, impl, 1, suite);
      const two = findOk(all, caseId, impl, 2, suite);
      if (one === undefined && two === undefined) continue;
      const s = speedup(two, one);
      const ours = impl === 'amc' || suite === 'sparse';
      if (ours) oursSpeedups.push([`${caseId} ${impl}`, s]);
      rows.push([
        suite,
        caseId,
        impl,
        one?.stats === undefined ? '-' : `${one.stats.median.toFixed(2)} (${fmt(one.gflops, 1)})`,
        two?.stats === undefined ? '-' : `${two.stats.median.toFixed(2)} (${fmt(two.gflops, 1)})`,
        ratio(s),
        ours ? (s === undefined ? '-' : s >= THREADS_TARGET_SPEEDUP ? 'yes' : 'no') : '(peer)',
      ]);
    }
  }
  const known = oursSpeedups.filter((r): r is [string, number] => r[1] !== undefined);
  const targets: TargetResult[] = [
    {
      suite: 'threads',
      target: `our kernels >= ${THREADS_TARGET_SPEEDUP}x with 2 threads vs 1 on every large problem listed`,
      measured: known.length === 0 ? 'not measured' : `${known.filter((r) => r[1] >= THREADS_TARGET_SPEEDUP).length}/${known.length} hold; worst ${known.reduce((w, r) => (r[1] < w[1] ? r : w))[0]} ${ratio(Math.min(...known.map((r) => r[1])))}`,
      holds: known.length === 0 || known.length < oursSpeedups.length ? undefined : known.every((r) => r[1] >= THREADS_TARGET_SPEEDUP),
    },
  ];
  return {
    name: 'threads',
    title: 'e. Two threads vs one',
    description:
      'Scaling of our kernels from 1 to 2 threads (setNumThreads) on the large problems of the other suites, with the peers ' +
      '(numpy/OpenBLAS, onnxruntime) for reference. Taken from the measurements above, not re-measured.',
    measurements: [],
    targets,
    tables: [{ title: 'Threads: median ms (GFLOP/s) at 1 and 2 threads', header: ['suite', 'case', 'impl', 't1', 't2', 't2 speedup', `>= ${THREADS_TARGET_SPEEDUP}x`], rows }],
    notes: ctx.threads.includes(2) ? [] : ['This run did not include 2 threads.'],
    durationS: (performance.now() - started) / 1000,
  };
}
