/**
 * Suite d: sparse kernels against dense at increasing sparsity. `spmm` (CSR on unstructured pruning, 4x1
 * block-CSR on 4x1-block pruning) against our dense `gemm` on the [M x K] x [K x N] problems of 1x1 convs
 * (N = batch x pixels) and dense layers, and `sparseConv2d` (NHWC) against dense `conv2d`.
 */
import type { FloatTensor } from '@amc/core';
import { type SparseMatrix, conv2d, denseToBlockCsr, denseToCsr, gemm, setNumThreads, sparseConv2d, sparseDense, spmm } from '../amc.js';
import { agreement, countNonzeros, hwioToOhwi, ohwiToHwio, pruneBlocks, pruneUnstructured, randomArray, rngFor } from '../data.js';
import { cell, findOk, fmt, notAvailable, ratio, speedup, timeCase, timePaired } from '../record.js';
import { type ConvLayer, type Layer, describeLayer, gemmProblem, layerById, layerMacs } from '../shapes.js';
import { breakEvenSparsity, geometricMean } from '../stats.js';
import { SPARSE_CONV_QUICK_LAYERS, SPARSE_CONV_SUITE_LAYERS, SPARSE_DENSE_SUITE_LAYERS, SPMM_QUICK_LAYERS, SPMM_SUITE_LAYERS, SPMM_THREADS_LAYER } from '../suite-layers.js';
import type { Measurement, ReportTable, SuiteContext, SuiteResult, TargetResult } from '../types.js';

/** Sparsities of the full run (fraction of zero weights). */
export const SPARSITIES = [0, 0.5, 0.7, 0.8, 0.9, 0.95] as const;




/** Targets at 90% sparsity, batch 64. */
export const CSR_TARGET_SPEEDUP = 5;
export const CSR_TARGET_BREAK_EVEN = 0.5;
export const BCSR_TARGET_SPEEDUP = 10;

/** The two sparse formats: CSR on unstructured pruning, 4x1 block-CSR on block pruning. */
export const FORMATS = ['csr', 'bcsr'] as const;
export type Format = (typeof FORMATS)[number];

/** The three sparse problem kinds: SpMM (feature-major), NHWC convolution, batch-major dense layer. */
export type SparseKind = 'spmm' | 'sparse-conv' | 'sparse-dense';

/** Case id of a sparse problem. */
export function sparseCaseId(kind: SparseKind, layerId: string, batch: number, sparsity?: number): string {
  return `${kind}:${layerId}/b${batch}` + (sparsity === undefined ? '' : `/s${sparsity}`);
}

/** `dense` pruned for `format` (unstructured for CSR, whole 4x1 blocks for block-CSR), seeded by `label`. */
export function prune(format: Format, label: string, dense: Float32Array, rows: number, cols: number, sparsity: number): Float32Array {
  const rng = rngFor(`${label}/${format}/${sparsity}`);
  return format === 'csr' ? pruneUnstructured(rng, dense, sparsity) : pruneBlocks(rng, dense, rows, cols, sparsity, 4);
}

/** `dense` in `format`. */
export function toSparse(format: Format, dense: Float32Array, rows: number, cols: number): SparseMatrix {
  return format === 'csr' ? denseToCsr(dense, rows, cols) : denseToBlockCsr(dense, rows, cols);
}

async function spmmCases(ctx: SuiteContext, layer: Layer, batch: number, sparsities: readonly number[], threadsList: readonly number[], measurements: Measurement[]) {
  const { m, k, n } = gemmProblem(layer, batch);
  const label = `spmm/${layer.id}/${batch}`;
  const rng = rngFor(label);
  const weights = randomArray(rng, m * k);
  const b = randomArray(rng, k * n);
  const out = new Float32Array(m * n);
  const flops = 2 * m * k * n;
  const params = { layer: layer.id, shape: describeLayer(layer), batch, m, k, n };
  for (const threads of threadsList) {
    setNumThreads(threads);
    measurements.push(
      await timeCase(ctx, { suite: 'sparse', case: sparseCaseId('spmm', layer.id, batch), impl: 'dense', threads, flops, params }, () =>
        gemm(weights, b, [m, n, k], { out }),
      ),
    );
    if (threads === 1) {
      // Two floors every sparsity pays. copy: reading B and writing C at memcpy speed (TypedArray.set), which no
      // unfused kernel can beat. fixed: our spmm with one nonzero per row, which still packs all of B and writes
      // all of C; dense / fixed bounds the speedup of our spmm on this shape.
      const copyOut = new Float32Array(m * n);
      const shared = Math.min(k, m) * n;
      measurements.push(
        await timeCase(
          ctx,
          { suite: 'sparse', case: sparseCaseId('spmm', layer.id, batch), impl: 'copy', threads, flops, params: { ...params, bytes: 4 * (shared + m * n) } },
          () => {
            copyOut.set(b.subarray(0, shared));
            if (m > k) copyOut.fill(0, shared);
          },
        ),
      );
      const single = new Float32Array(m * k);
      for (let r = 0; r < m; r++) single[r * k + (r % k)] = 1;
      const floorMatrix = denseToCsr(single, m, k);
      const floorOut = new Float32Array(m * n);
      measurements.push(
        await timeCase(
          ctx,
          { suite: 'sparse', case: sparseCaseId('spmm', layer.id, batch), impl: 'fixed', threads, flops, usefulFlops: 2 * m * n, params: { ...params, nnz: m, bytes: 4 * (k * n + m * n) } },
          () => spmm(floorMatrix, b, n, { out: floorOut }),
        ),
      );
    }
    for (const sparsity of sparsities) {
      for (const format of FORMATS) {
        const pruned = prune(format, label, weights, m, k, sparsity);
        const nnz = countNonzeros(pruned);
        const info = {
          suite: 'sparse',
          case: sparseCaseId('spmm', layer.id, batch, sparsity),
          impl: format,
          threads,
          flops,
          usefulFlops: 2 * nnz * n,
          params: { ...params, sparsity, nnz },
        };
        let matrix: SparseMatrix;
        try {
          matrix = toSparse(format, pruned, m, k);
        } catch (error) {
          measurements.push(notAvailable(info, error instanceof Error ? error.message : String(error), ctx));
          continue;
        }
        const sparseOut = new Float32Array(m * n);
        measurements.push(
          await timeCase(ctx, info, () => spmm(matrix, b, n, { out: sparseOut }), {
            firstCall: () => spmm(matrix, b, n),
            check: (first) => ({ against: 'gemm', ...agreement(first as Float32Array, gemm(pruned, b, [m, n, k])) }),
          }),
        );
      }
    }
    if (threads === 1 && batch === 64 && sparsities.includes(PAIRED_SPARSITY)) {
      // The targets' ratios at 90%, timed again in interleaved rounds (dense, csr, bcsr, bcsr, csr, dense, ...).
      const matrices = FORMATS.map((format) => toSparse(format, prune(format, label, weights, m, k, PAIRED_SPARSITY), m, k));
      const outs = FORMATS.map(() => new Float32Array(m * n));
      const paired = await timePaired(ctx, { suite: 'sparse', case: sparseCaseId('spmm', layer.id, batch, PAIRED_SPARSITY), threads, flops, params: { ...params, sparsity: PAIRED_SPARSITY } }, [
        { impl: 'dense', fn: () => gemm(weights, b, [m, n, k], { out }) },
        ...FORMATS.map((format, i) => ({ impl: format, fn: () => spmm(matrices[i] as SparseMatrix, b, n, { out: outs[i] as Float32Array }) })),
      ]);
      measurements.push(...paired.measurements);
    }
  }
}

/** The sparsity whose speedups the targets name, re-timed in paired rounds. */
const PAIRED_SPARSITY = 0.9;

/** The paired speedup over dense of `format` on an spmm problem at 90% (undefined when not measured). */
function pairedAt90(measurements: readonly Measurement[], layerId: string, batch: number, format: Format): number | undefined {
  const m = findOk(measurements, sparseCaseId('spmm', layerId, batch, PAIRED_SPARSITY), `paired:${format}`, 1, 'sparse');
  const s = m?.params.speedupOverFirst;
  return typeof s === 'number' ? s : undefined;
}

async function sparseConvCases(ctx: SuiteContext, layer: ConvLayer, batch: number, sparsities: readonly number[], measurements: Measurement[]) {
  const label = `sparse-conv/${layer.id}/${batch}`;
  const rng = rngFor(label);
  const inputShape = [batch, layer.inHeight, layer.inWidth, layer.inChannels];
  const filterShape = [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels];
  const input: FloatTensor = { data: randomArray(rng, inputShape.reduce((a, b) => a * b, 1)), shape: inputShape };
  const filter: FloatTensor = { data: randomArray(rng, filterShape.reduce((a, b) => a * b, 1)), shape: filterShape };
  const macs = layerMacs(layer, batch);
  const rows = layer.outChannels;
  const cols = layer.kernel * layer.kernel * layer.inChannels;
  const geometry = { strides: layer.stride, padding: 'same' as const };
  const params = { layer: layer.id, shape: describeLayer(layer), batch, macs };
  const threads = 1;
  setNumThreads(threads);
  const denseInfo = { suite: 'sparse', case: sparseCaseId('sparse-conv', layer.id, batch), impl: 'dense', threads, flops: 2 * macs, params };
  measurements.push(await timeCase(ctx, denseInfo, () => conv2d(input, filter, geometry)));
  const ohwi = hwioToOhwi(filter.data, filterShape);
  for (const sparsity of sparsities) {
    for (const format of FORMATS) {
      const pruned = prune(format, label, ohwi, rows, cols, sparsity);
      const nnz = countNonzeros(pruned);
      const info = {
        suite: 'sparse',
        case: sparseCaseId('sparse-conv', layer.id, batch, sparsity),
        impl: format,
        threads,
        flops: 2 * macs,
        usefulFlops: (2 * macs * nnz) / (rows * cols),
        params: { ...params, sparsity, nnz },
      };
      let matrix: SparseMatrix;
      try {
        matrix = toSparse(format, pruned, rows, cols);
      } catch (error) {
        measurements.push(notAvailable(info, error instanceof Error ? error.message : String(error), ctx));
        continue;
      }
      const options = { ...geometry, kernelSize: [layer.kernel, layer.kernel] as const };
      const check = {
        check: (first: unknown) => ({
          against: 'conv2d',
          ...agreement((first as FloatTensor).data, conv2d(input, { data: ohwiToHwio(pruned, filterShape), shape: filterShape }, geometry).data),
        }),
      };
      measurements.push(await timeCase(ctx, info, () => sparseConv2d(input, matrix, options), check));
    }
  }
}

async function sparseDenseCases(ctx: SuiteContext, layer: Layer, batch: number, sparsities: readonly number[], measurements: Measurement[]) {
  if (layer.kind !== 'dense') throw new Error(`sparseDenseCases: expected a dense layer but received ${layer.id}`);
  const rows = layer.outFeatures;
  const cols = layer.inFeatures;
  const label = `sparse-dense/${layer.id}/${batch}`;
  const rng = rngFor(label);
  const weights = randomArray(rng, rows * cols);
  const x = randomArray(rng, batch * cols);
  const out = new Float32Array(batch * rows);
  const flops = 2 * batch * rows * cols;
  const params = { layer: layer.id, shape: describeLayer(layer), batch };
  const threads = 1;
  setNumThreads(threads);
  // Dense baseline in the same batch-major layout: x [batch x in] times weights^T.
  measurements.push(
    await timeCase(ctx, { suite: 'sparse', case: sparseCaseId('sparse-dense', layer.id, batch), impl: 'dense', threads, flops, params }, () =>
      gemm(x, weights, [batch, rows, cols], { transB: true, out }),
    ),
  );
  for (const sparsity of sparsities) {
    for (const format of FORMATS) {
      const pruned = prune(format, label, weights, rows, cols, sparsity);
      const nnz = countNonzeros(pruned);
      const info = {
        suite: 'sparse',
        case: sparseCaseId('sparse-dense', layer.id, batch, sparsity),
        impl: format,
        threads,
        flops,
        usefulFlops: 2 * nnz * batch,
        params: { ...params, sparsity, nnz },
      };
      let matrix: SparseMatrix;
      try {
        matrix = toSparse(format, pruned, rows, cols);
      } catch (error) {
        measurements.push(notAvailable(info, error instanceof Error ? error.message : String(error), ctx));
        continue;
      }
      const sparseOut = new Float32Array(batch * rows);
      measurements.push(
        await timeCase(ctx, info, () => sparseDense(x, batch, matrix, { out: sparseOut }), {
          firstCall: () => sparseDense(x, batch, matrix),
          check: (first) => ({ against: 'gemm', ...agreement(first as Float32Array, gemm(x, pruned, [batch, rows, cols], { transB: true })) }),
        }),
      );
    }
  }
}

/** A layer id without its model prefix (`mobilenet-v1.pw3` -> `pw3`), for target lines. */
function shortLayer(id: string): string {
  return id.replace(/^[a-z0-9-]+\./, '');
}

function breakEvenText(value: ReturnType<typeof breakEvenSparsity>): string {
  if (value === undefined) return '-';
  if (value.kind === 'below') return `<= ${value.at}`;
  if (value.kind === 'above') return `> ${value.at}`;
  return value.at.toFixed(2);
}

/** Runs the sparse suite. */
export async function runSparseSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const started = performance.now();
  const sparsities = ctx.quick ? [0, 0.9] : [...SPARSITIES];
  const spmmLayers = (ctx.quick ? SPMM_QUICK_LAYERS : SPMM_SUITE_LAYERS).map(layerById);
  const convLayers = (ctx.quick ? SPARSE_CONV_QUICK_LAYERS : SPARSE_CONV_SUITE_LAYERS).map((id) => layerById(id) as ConvLayer);
  const denseLayers = (ctx.quick ? [] : SPARSE_DENSE_SUITE_LAYERS).map(layerById);
  const measurements: Measurement[] = [];
  for (const layer of spmmLayers) {
    for (const batch of ctx.batches) await spmmCases(ctx, layer, batch, sparsities, [1], measurements);
  }
  if (ctx.threads.includes(2) && ctx.batches.includes(64)) {
    await spmmCases(ctx, layerById(SPMM_THREADS_LAYER), 64, [0.9], [2], measurements);
  }
  for (const layer of convLayers) {
    for (const batch of ctx.batches) await sparseConvCases(ctx, layer, batch, sparsities, measurements);
  }
  for (const layer of denseLayers) {
    for (const batch of ctx.batches) await sparseDenseCases(ctx, layer, batch, sparsities, measurements);
  }

  const tables: ReportTable[] = [];
  const floors: { layer: string; batch: number; copy: number | undefined; fixed: number | undefined }[] = [];
  const breakEvens: { kind: string; layer: string; batch: number; format: Format; value: ReturnType<typeof breakEvenSparsity>; at90?: number }[] = [];
  for (const kind of ['spmm', 'sparse-conv', 'sparse-dense'] as const) {
    const layers: readonly Layer[] = kind === 'spmm' ? spmmLayers : kind === 'sparse-conv' ? convLayers : denseLayers;
    if (layers.length === 0) continue;
    const header = ['layer', 'shape', 'batch', 'format', 'dense ms (GFLOP/s)'];
    for (const s of sparsities) header.push(`s=${s}`);
    header.push('break-even');
    // spmm also has the data-movement floor (see spmmCases) and the bound it sets.
    if (kind === 'spmm') header.push(`s=${PAIRED_SPARSITY} paired`, 'copy ms (GB/s)', 'fixed ms (GB/s)', 'dense / copy', 'dense / fixed');
    const rows: string[][] = [];
    const detailRows: string[][] = [];
    for (const layer of layers) {
      for (const batch of ctx.batches) {
        const dense = findOk(measurements, sparseCaseId(kind, layer.id, batch), 'dense', 1, 'sparse');
        for (const format of FORMATS) {
          const speedups = sparsities.map((s) => speedup(findOk(measurements, sparseCaseId(kind, layer.id, batch, s), format, 1, 'sparse'), dense));
          const value = breakEvenSparsity(sparsities, speedups.map((v) => v ?? Number.NaN));
          const at90 = speedups[sparsities.indexOf(0.9)];
          breakEvens.push({ kind, layer: layer.id, batch, format, value, ...(at90 === undefined ? {} : { at90 }) });
          const row = [layer.id, describeLayer(layer), String(batch), format, cell(dense), ...speedups.map(ratio), breakEvenText(value)];
          if (kind === 'spmm') {
            const copy = findOk(measurements, sparseCaseId(kind, layer.id, batch), 'copy', 1, 'sparse');
            const fixed = findOk(measurements, sparseCaseId(kind, layer.id, batch), 'fixed', 1, 'sparse');
            const traffic = (mm: Measurement | undefined): string => {
              const bytes = mm?.params.bytes;
              return mm?.stats === undefined || typeof bytes !== 'number' ? '-' : `${mm.stats.median.toFixed(3)} (${fmt(bytes / mm.stats.median / 1e6, 1)})`;
            };
            row.push(ratio(pairedAt90(measurements, layer.id, batch, format)), traffic(copy), traffic(fixed), ratio(speedup(copy, dense)), ratio(speedup(fixed, dense)));
            if (format === 'csr') floors.push({ layer: layer.id, batch, copy: speedup(copy, dense), fixed: speedup(fixed, dense) });
          }
          rows.push(row);
          for (const s of sparsities) {
            const mm = findOk(measurements, sparseCaseId(kind, layer.id, batch, s), format, 1, 'sparse');
            if (mm?.stats === undefined) continue;
            detailRows.push([layer.id, String(batch), format, String(s), `${mm.stats.median.toFixed(3)}`, fmt(mm.usefulGflops, 1), fmt(mm.gflops, 1)]);
          }
        }
      }
    }
    const name = { spmm: 'spmm vs dense gemm', 'sparse-conv': 'sparseConv2d vs dense conv2d', 'sparse-dense': 'sparseDense vs dense gemm (batch-major)' }[kind];
    tables.push({ title: `${name}: speedup over dense at each sparsity (1 thread)`, header, rows });
    tables.push({
      title: `${name}: median ms, useful GFLOP/s (2 x nnz x N) and effective-dense GFLOP/s (2 x M x K x N)`,
      header: ['layer', 'batch', 'format', 'sparsity', 'ms', 'useful GFLOP/s', 'effective GFLOP/s'],
      rows: detailRows,
    });
  }

  const targets: TargetResult[] = [];
  const spmm64 = breakEvens.filter((b) => b.kind === 'spmm' && b.batch === 64);
  const summarizeTarget = (format: Format, min: number): TargetResult => {
    const cases = spmm64.filter((b) => b.format === format).map((b) => ({ ...b, paired: pairedAt90(measurements, b.layer, b.batch, format) }));
    const known = cases.filter((b) => b.paired !== undefined);
    const values = known.map((b) => b.paired as number);
    const capped = (key: 'copy' | 'fixed') => floors.filter((f) => f.batch === 64 && (f[key] ?? Number.POSITIVE_INFINITY) < min);
    const boundText = [
      capped('copy').length === 0 ? '' : `; memcpy of B and C alone caps ${capped('copy').map((f) => `${shortLayer(f.layer)} at ${ratio(f.copy)}`).join(', ')}`,
      capped('fixed').length === 0 ? '' : `; our fixed cost (1 nonzero per row) caps ${capped('fixed').map((f) => `${shortLayer(f.layer)} at ${ratio(f.fixed)}`).join(', ')}`,
    ].join('');
    return {
      suite: 'sparse',
      target: `spmm ${format === 'csr' ? 'CSR (unstructured)' : '4x1 block-CSR (block-pruned)'} >= ${min}x dense gemm at 90% sparsity, every batch-64 problem, 1 thread (paired rounds)`,
      measured:
        values.length === 0
          ? 'not measured'
          : `geomean ${ratio(geometricMean(values))}, worst ${ratio(Math.min(...values))}; ${values.filter((v) => v >= min).length}/${values.length} hold${boundText}`,
      holds: known.length === 0 || known.length < cases.length ? undefined : values.every((v) => v >= min),
    };
  };
  if (sparsities.includes(0.9) && spmm64.length > 0) {
    targets.push(summarizeTarget('csr', CSR_TARGET_SPEEDUP));
    const csr = spmm64.filter((b) => b.format === 'csr');
    const known = csr.filter((b) => b.value !== undefined);
    const worstBreakEven = (b: (typeof csr)[number]) => (b.value === undefined ? Number.NaN : b.value.kind === 'above' ? Number.POSITIVE_INFINITY : b.value.at);
    targets.push({
      suite: 'sparse',
      target: `spmm CSR break-even sparsity <= ${CSR_TARGET_BREAK_EVEN} vs dense gemm, every batch-64 problem, 1 thread`,
      measured: known.length === 0 ? 'not measured' : known.map((b) => `${shortLayer(b.layer)} ${breakEvenText(b.value)}`).join(', '),
      holds: known.length === 0 || known.length < csr.length ? undefined : known.every((b) => worstBreakEven(b) <= CSR_TARGET_BREAK_EVEN),
    });
    targets.push(summarizeTarget('bcsr', BCSR_TARGET_SPEEDUP));
  }
  return {
    name: 'sparse',
    title: 'd. Sparse (CSR, 4x1 block-CSR) vs dense',
    description:
      'Weights pruned at increasing sparsity: unstructured for CSR (`denseToCsr`), whole 4x1 output-channel blocks for block-CSR ' +
      '(`denseToBlockCsr`); conversion is untimed. `spmm(A sparse M x K, B K x N)` against `gemm` of the unpruned dense matrix on ' +
      'the problems of 1x1 convs (M = out channels, K = in channels, N = batch x pixels, channels-first activations) and dense ' +
      'layers (N = batch); `sparseConv2d` (NHWC, weights cout x kh*kw*cin) against `conv2d`. Break-even: the sparsity where ' +
      'the speedup crosses 1, interpolated linearly between measured sparsities. FC layers also run batch-major: ' +
      '`sparseDense(x batch x in, weights out x in)` against `gemm(x, weights, transB)`.',
    measurements,
    targets,
    tables,
    notes: [
      'Useful GFLOP/s count only the nonzero weights (2 x nnz x N); effective-dense GFLOP/s divide the dense problem (2 x M x K x N) by the sparse time.',
      'copy: TypedArray.set of B into a C-sized buffer (memcpy: reads min(K, M) x N, writes M x N), a floor no unfused kernel beats; ' +
        'fixed: spmm with one nonzero per row, which still packs all of B and writes all of C, the cost every sparsity pays in our spmm. ' +
        'GB/s = bytes moved / time; dense / copy and dense / fixed bound the speedup on that shape.',
      "Every sparse output is checked against a dense computation with the same pruned weights (max |diff| <= 1e-3 x max |ref|).",
    ],
    details: { breakEvens },
    durationS: (performance.now() - started) / 1000,
  };
}
