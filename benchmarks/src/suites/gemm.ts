/**
 * Suite a: square SGEMM, our `gemm` against numpy/OpenBLAS, 1 and 2 threads.
 */
import { gemm, setNumThreads } from '../amc.js';
import { randomArray, rngFor } from '../data.js';
import { summarize } from '../stats.js';
import { gflops } from '../harness.js';
import { type NumpyGemmRun, OPENBLAS_ENV_VARS, runNumpyGemm } from '../peers/numpy.js';
import { cell, findOk, notAvailable, ratio, speedup, timeCase } from '../record.js';
import type { Measurement, SuiteContext, SuiteResult, TargetResult } from '../types.js';

/** Sizes of the full run. */
export const GEMM_SIZES = [256, 512, 1024] as const;

/** The one-thread throughput our gemm should reach (GFLOP/s). */
export const GEMM_TARGET_GFLOPS = 85;

function caseId(n: number): string {
  return `gemm${n}`;
}

function numpyMeasurements(run: NumpyGemmRun, impl: string, sizes: readonly number[], ctx: SuiteContext): Measurement[] {
  return sizes.map((n) => {
    const info = { suite: 'gemm', case: caseId(n), impl, threads: run.threads, flops: 2 * n ** 3, params: { m: n, n, k: n } };
    const sample = run.results.find((r) => r.n === n);
    if (!run.available || sample === undefined) return notAvailable(info, run.error ?? 'no result', ctx);
    const stats = summarize(sample.samplesMs);
    ctx.log(`[gemm] ${info.case} ${impl} t${run.threads}: ${stats.median.toFixed(3)} ms (${gflops(info.flops, stats.median).toFixed(1)} GFLOP/s, n=${stats.n})`);
    return { ...info, status: 'ok', samplesMs: sample.samplesMs, callsPerSample: sample.callsPerSample, stats, gflops: gflops(info.flops, stats.median) };
  });
}

/** Runs the gemm suite. */
export async function runGemmSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const started = performance.now();
  const sizes = ctx.quick ? [256] : [...GEMM_SIZES];
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  const numpyRuns: NumpyGemmRun[] = [];
  const envSet = OPENBLAS_ENV_VARS.filter((name) => process.env[name] !== undefined);
  for (const threads of ctx.threads) {
    setNumThreads(threads);
    for (const n of sizes) {
      const rng = rngFor(`gemm${n}`);
      const a = randomArray(rng, n * n);
      const b = randomArray(rng, n * n);
      const out = new Float32Array(n * n);
      measurements.push(
        await timeCase(ctx, { suite: 'gemm', case: caseId(n), impl: 'amc', threads, flops: 2 * n ** 3, params: { m: n, n, k: n } }, () =>
          gemm(a, b, [n, n, n], { out }),
        ),
      );
    }
    ctx.log(`[gemm] numpy t${threads}: timing in python3 (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset)...`);
    const run = runNumpyGemm(sizes, threads, ctx.plan);
    numpyRuns.push(run);
    measurements.push(...numpyMeasurements(run, 'numpy', sizes, ctx));
    if (envSet.length > 0 && run.available) {
      const asSet = runNumpyGemm(sizes, threads, ctx.plan, true);
      numpyRuns.push(asSet);
      measurements.push(...numpyMeasurements(asSet, 'numpy-env', sizes, ctx));
    }
  }
  const baseRun = numpyRuns[0];
  if (baseRun?.available) {
    notes.push(
      `numpy ${baseRun.numpy} (python ${baseRun.python}), OpenBLAS core ${baseRun.openblasCore ?? 'unknown'} ` +
        `(found by ${baseRun.coreSource ?? 'none'}${baseRun.coreSource === 'ctypes' ? '; install threadpoolctl for its report' : ''}), ` +
        `config: ${baseRun.openblasConfig ?? 'unknown'}.`,
    );
  } else {
    notes.push(`numpy/OpenBLAS peer not available: ${baseRun?.error ?? 'not run'}. Install python3 with numpy (Debian: apt-get install python3-numpy).`);
  }
  notes.push(
    envSet.length > 0
      ? `This environment sets ${envSet.map((v) => `${v}=${process.env[v]}`).join(', ')}; the numpy baseline runs with both unset, numpy-env as set.`
      : 'OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are not set in this environment.',
  );

  const header = ['n', 'threads', 'amc ms (GFLOP/s)', 'numpy ms (GFLOP/s)', 'amc vs numpy'];
  if (envSet.length > 0) header.push('numpy-env ms (GFLOP/s)');
  const rows: string[][] = [];
  for (const threads of ctx.threads) {
    for (const n of sizes) {
      const ours = findOk(measurements, caseId(n), 'amc', threads);
      const numpy = findOk(measurements, caseId(n), 'numpy', threads);
      const row = [String(n), String(threads), cell(ours), cell(numpy), ratio(speedup(ours, numpy))];
      if (envSet.length > 0) row.push(cell(findOk(measurements, caseId(n), 'numpy-env', threads)));
      rows.push(row);
    }
  }
  const oneThread = sizes.map((n) => [n, findOk(measurements, caseId(n), 'amc', 1)?.gflops] as const);
  const targets: TargetResult[] = [
    {
      suite: 'gemm',
      target: `amc gemm >= ${GEMM_TARGET_GFLOPS} GFLOP/s, 1 thread, every size`,
      measured: oneThread.map(([n, g]) => `${n}: ${g === undefined ? '-' : g.toFixed(1)}`).join(', '),
      holds: oneThread.some(([, g]) => g === undefined) ? undefined : oneThread.every(([, g]) => (g as number) >= GEMM_TARGET_GFLOPS),
    },
  ];
  return {
    name: 'gemm',
    title: 'a. GEMM (square, FP32)',
    description:
      'C = A x B for n x n row-major FP32 matrices: our `gemm` (preallocated output) against `numpy.matmul(a, b, out=c)` ' +
      '(OpenBLAS SGEMM) in a python3 child process with OPENBLAS_NUM_THREADS set to the same thread count. FLOPs = 2n^3.',
    measurements,
    targets,
    tables: [{ title: 'GEMM: median ms (GFLOP/s)', header, rows }],
    notes,
    details: { numpy: numpyRuns.map((r) => ({ ...r, results: undefined })) },
    durationS: (performance.now() - started) / 1000,
  };
}

