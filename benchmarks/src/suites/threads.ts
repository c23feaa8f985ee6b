/**
 * Suite e: two threads against one on the large problems. Each problem is timed at 1 and 2 threads in
 * interleaved rounds (measurePaired), into preallocated outputs, so that the ratio compares the kernel with
 * itself under the same load: on a shared host, a 1-thread median and a 2-thread median taken minutes apart
 * differ by more than the effect measured. A streaming probe in the same suite gives the machine's own ceiling
 * for memory-bound work. The peers' scaling (numpy, onnxruntime) is read from the earlier suites for reference.
 */
import { activationGrad, conv2d, gemm, setNumThreads, spmm } from '../amc.js';
import { randomArray, rngFor } from '../data.js';
import { QUICK_PLAN, gflops, measurePaired } from '../harness.js';
import { readCpuTicks, stealPercent } from '../machine.js';
import { findOk, fmt, fmtMs, pairedRounds, ratio, speedup } from '../record.js';
import { type ConvLayer, describeLayer, gemmProblem, layerById, layerMacs } from '../shapes.js';
import { median } from '../stats.js';
import { SPMM_THREADS_LAYER, THREADS_CONV_LAYERS } from '../suite-layers.js';
import type { Measurement, SuiteContext, SuiteResult, TargetResult } from '../types.js';
import { convCaseId, makeOperands } from './conv.js';
import { FORMATS, type Format, prune, sparseCaseId, toSparse } from './sparse.js';

/** Required 2-thread / 1-thread speedup on large problems. */
export const THREADS_TARGET_SPEEDUP = 1.8;

/** Floats per array of the streaming probe: 64 MiB each, far beyond the caches. */
const STREAM_FLOATS = 16 << 20;

/** A problem of the suite: what it is and a call into preallocated buffers. */
interface ThreadsCase {
  suite: string;
  caseId: string;
  impl: string;
  flops: number;
  /** Bytes moved per call (the streaming probe reports GB/s). */
  bytes?: number;
  params: Record<string, string | number | boolean>;
  /** Peers whose scaling the earlier suites measured, for reference. */
  peers: string[];
  run: () => void;
}

function gemmCase(n: number): ThreadsCase {
  const rng = rngFor(`threads/gemm${n}`);
  const a = randomArray(rng, n * n);
  const b = randomArray(rng, n * n);
  const out = new Float32Array(n * n);
  return { suite: 'gemm', caseId: `gemm${n}`, impl: 'amc', flops: 2 * n ** 3, params: { m: n, n, k: n }, peers: ['numpy'], run: () => void gemm(a, b, [n, n, n], { out }) };
}

function convCase(id: string, batch: number): ThreadsCase {
  const layer = layerById(id) as ConvLayer;
  const { input, filter } = makeOperands(layer, batch);
  const probe = conv2d(input, filter, { strides: layer.stride, padding: 'same' });
  const out = new Float32Array(probe.data.length);
  const macs = layerMacs(layer, batch);
  return {
    suite: 'conv',
    caseId: convCaseId(id, batch),
    impl: 'amc',
    flops: 2 * macs,
    params: { layer: id, shape: describeLayer(layer), batch, macs },
    peers: ['onnxruntime'],
    run: () => void conv2d(input, filter, { strides: layer.stride, padding: 'same', out }),
  };
}

function spmmCases(id: string, batch: number, sparsity: number): ThreadsCase[] {
  const layer = layerById(id);
  const { m, k, n } = gemmProblem(layer, batch);
  // The sparse suite's operands for this problem (same seeds).
  const label = `spmm/${id}/${batch}`;
  const rng = rngFor(label);
  const weights = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const params = { layer: id, shape: describeLayer(layer), batch, m, k, n };
  const denseOut = new Float32Array(m * n);
  const dense: ThreadsCase = {
    suite: 'sparse',
    caseId: sparseCaseId('spmm', id, batch),
    impl: 'dense',
    flops: 2 * m * k * n,
    params,
    peers: [],
    run: () => void gemm(weights, b, [m, n, k], { out: denseOut }),
  };
  const sparse = (format: Format): ThreadsCase => {
    const matrix = toSparse(format, prune(format, label, weights, m, k, sparsity), m, k);
    const out = new Float32Array(m * n);
    return {
      suite: 'sparse',
      caseId: sparseCaseId('spmm', id, batch, sparsity),
      impl: format,
      flops: 2 * m * k * n,
      params: { ...params, sparsity },
      peers: [],
      run: () => void spmm(matrix, b, n, { out }),
    };
  };
  return [dense, ...FORMATS.map(sparse)];
}

function streamCase(floats: number): ThreadsCase {
  const rng = rngFor('threads/stream');
  const dy = randomArray(rng, floats);
  const x = randomArray(rng, floats);
  const out = new Float32Array(floats);
  return {
    suite: 'stream',
    caseId: `relu-grad ${(floats * 4) / 2 ** 20} MiB x 3`,
    impl: 'amc',
    flops: 0,
    bytes: 3 * 4 * floats,
    params: { floats },
    peers: [],
    run: () => void activationGrad(dy, x, 'relu', { out }),
  };
}

/** Times the large problems at 1 and 2 threads, interleaved. */
export async function runThreadsSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const started = performance.now();
  const title = 'e. Two threads vs one';
  const description =
    'Scaling of our kernels from 1 to 2 threads (setNumThreads) on the large problems of the other suites. Each problem is ' +
    'timed at 1 and 2 threads in interleaved rounds (1, 2, 2, 1, ...) into preallocated outputs; the speedup is the median ' +
    'of the per-round ratios. The stream row (a 3-array elementwise kernel over 192 MiB) is the scaling this machine ' +
    'allows memory-bound work. Peer scaling (numpy/OpenBLAS, onnxruntime) comes from the sequential 1- and 2-thread ' +
    'measurements of the earlier suites, for reference only.';
  if (!ctx.threads.includes(1) || !ctx.threads.includes(2)) {
    return { name: 'threads', title, description, measurements: [], targets: [], tables: [], notes: ['This run did not include both 1 and 2 threads.'], durationS: 0 };
  }
  const quick = ctx.quick || ctx.plan === QUICK_PLAN;
  const rounds = pairedRounds(ctx);
  const builders: (() => ThreadsCase[])[] = [
    () => [streamCase(quick ? STREAM_FLOATS / 16 : STREAM_FLOATS)],
    () => [gemmCase(1024)],
    () => [gemmCase(512)],
    ...(quick ? THREADS_CONV_LAYERS.slice(0, 1) : THREADS_CONV_LAYERS).map((id) => () => [convCase(id, 64)]),
    () => spmmCases(SPMM_THREADS_LAYER, 64, 0.9),
  ];
  const previous: Measurement[] = ctx.previous.flatMap((s) => s.measurements);
  const measurements: Measurement[] = [];
  const rows: string[][] = [];
  const ours: [string, number][] = [];
  let stream: number | undefined;
  for (const build of builders) {
    for (const c of build()) {
      (globalThis as { gc?: () => void }).gc?.();
      const info = (threads: number) => ({ suite: 'threads', case: c.caseId, impl: c.impl, threads, flops: c.flops, params: { ...c.params, of: c.suite } });
      let paired;
      const ticksBefore = readCpuTicks();
      try {
        paired = await measurePaired(
          [1, 2].map((threads) => ({ name: `t${threads}`, before: () => setNumThreads(threads), fn: c.run })),
          ctx.plan,
          rounds,
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        ctx.log(`[threads] ${c.caseId} ${c.impl}: FAILED ${reason}`);
        for (const threads of [1, 2]) measurements.push({ ...info(threads), status: 'failed', reason });
        continue;
      } finally {
        setNumThreads(Math.max(...ctx.threads));
      }
      const steal = stealPercent(ticksBefore, readCpuTicks());
      const s = paired.speedups[1] as number;
      const rate = (ms: number) => (c.bytes !== undefined ? `${fmt(c.bytes / (ms * 1e6), 1)} GB/s` : fmt(gflops(c.flops, ms), 1));
      paired.timings.forEach((t, i) => {
        measurements.push({
          ...info(i + 1),
          status: 'ok',
          samplesMs: t.samplesMs,
          callsPerSample: t.callsPerSample,
          warmupCalls: t.warmupCalls,
          stats: t.stats,
          ...(c.flops > 0 ? { gflops: gflops(c.flops, t.stats.median) } : {}),
          ...(i === 1
            ? { params: { ...info(2).params, pairedSpeedup: s, roundRatios: paired.ratios[1]?.map((r) => r.toFixed(3)).join(' ') ?? '', ...(steal === undefined ? {} : { stealPercent: Number(steal.toFixed(2)) }) } }
            : {}),
        });
      });
      const [t1, t2] = paired.timings.map((t) => t.stats.median) as [number, number];
      const spread = paired.ratios[1] as number[];
      ctx.log(`[threads] ${c.caseId} ${c.impl}: t1 ${fmtMs(t1)} ms, t2 ${fmtMs(t2)} ms, paired ${ratio(s)} (rounds ${spread.map((r) => r.toFixed(2)).join(' ')})${steal === undefined ? '' : `, steal ${steal.toFixed(1)}%`}`);
      const isStream = c.suite === 'stream';
      if (isStream) stream = s;
      else ours.push([`${c.caseId} ${c.impl}`, s]);
      rows.push([
        c.suite,
        c.caseId,
        c.impl,
        `${fmtMs(t1)} (${rate(t1)})`,
        `${fmtMs(t2)} (${rate(t2)})`,
        ratio(s),
        `${Math.min(...spread).toFixed(2)}-${Math.max(...spread).toFixed(2)}`,
        steal === undefined ? '-' : `${steal.toFixed(1)}%`,
        isStream ? '(machine)' : s >= THREADS_TARGET_SPEEDUP ? 'yes' : 'no',
      ]);
      for (const peer of c.peers) {
        const one = findOk(previous, c.caseId, peer, 1, c.suite);
        const two = findOk(previous, c.caseId, peer, 2, c.suite);
        if (one?.stats === undefined || two?.stats === undefined) continue;
        rows.push([c.suite, c.caseId, peer, `${fmtMs(one.stats.median)} (${fmt(one.gflops, 1)})`, `${fmtMs(two.stats.median)} (${fmt(two.gflops, 1)})`, ratio(speedup(two, one)), 'sequential', '-', '(peer)']);
      }
    }
  }
  const holding = ours.filter(([, s]) => s >= THREADS_TARGET_SPEEDUP);
  const worst = ours.length === 0 ? undefined : ours.reduce((w, r) => (r[1] < w[1] ? r : w));
  const targets: TargetResult[] = [
    {
      suite: 'threads',
      target: `our kernels >= ${THREADS_TARGET_SPEEDUP}x with 2 threads vs 1 on every large problem listed (paired rounds)`,
      measured:
        worst === undefined
          ? 'not measured'
          : `${holding.length}/${ours.length} hold; median ${ratio(median(ours.map((r) => r[1])))}; worst ${worst[0]} ${ratio(worst[1])}` +
            (stream === undefined ? '' : `; memory-bound ceiling (stream) ${ratio(stream)}`),
      holds: ours.length === 0 ? undefined : holding.length === ours.length,
    },
  ];
  return {
    name: 'threads',
    title,
    description,
    measurements,
    targets,
    tables: [
      {
        title: 'Threads: median ms (GFLOP/s, or GB/s for stream) at 1 and 2 threads; speedup = median of paired rounds',
        header: ['suite', 'case', 'impl', 't1', 't2', 't2 speedup', 'round range', 'steal', `>= ${THREADS_TARGET_SPEEDUP}x`],
        rows,
      },
    ],
    notes: [
      `${rounds} interleaved rounds per problem; each sample is about ${fmt(Math.max(ctx.plan.minSampleMs, ctx.plan.budgetMs / rounds), 0)} ms of calls.`,
      'Outputs are preallocated: the suites above allocate a fresh output per call, whose page faults do not scale with threads.',
      'steal: the share of the machine\'s CPU time the hypervisor gave to other guests while the problem ran (/proc/stat); on a shared host a busy neighbour takes the second core away mid-run, which shows as rounds near 1.0x.',
    ],
    durationS: (performance.now() - started) / 1000,
  };
}
