/**
 * The pure part of the `@amc/runtime` inference suite (`runtime-bench.ts`): the result model, the targets and their
 * evaluation (same-run ratios of median images/s), and the Markdown report. Nothing here runs a model.
 */
import type { MachineRecord } from './machine.js';
import { escapeCell, renderMachineTable, renderTable } from './report.js';
import { type SampleStats, summarize } from './stats.js';
import { fmtRate, fmtRatio } from './training-report.js';
import type { ReportTable } from './types.js';

/**
 * What runs a model variant: `runtime` (`compile(graph)` of @amc/runtime, default `sparse: 'auto'`),
 * `runtime-dense` (`compile(graph, { sparse: 'dense' })`), `tfjs` (tfjs `model.predict` on the `amc-native`
 * backend, the graph exported with `exportModel`), `pytorch` (the PyTorch CPU peer; unpruned ResNet-20 only).
 */
export type RuntimeImpl = 'runtime' | 'runtime-dense' | 'tfjs' | 'pytorch';

/** A model variant of the suite (unpruned, channel-pruned, fine-grained sparse). */
export interface VariantInfo {
  /** Key used by measurements and targets, e.g. `resnet20`, `resnet20-pruned`, `mobilenetV1-sparse`. */
  id: string;
  /** How it was made, in words. */
  description: string;
  /** Multiply-accumulates per sample of the dense computation (`graph.totals().macs`). */
  macs: number;
  params: number;
  /** Nonzero parameters (fine-grained variants). */
  nonzeroParams?: number;
}

/** One implementation of one variant at one thread count. */
export interface RuntimeMeasurement {
  variant: string;
  impl: RuntimeImpl;
  threads: number;
  batch: number;
  status: 'ok' | 'missing' | 'failed';
  reason?: string;
  /** Untimed calls before the repeats (PyTorch: before each repeat). */
  warmup?: number;
  /** Timed calls per repeat. */
  iters?: number;
  repeats?: number;
  /** Images/s of each repeat (batch x iters / the repeat's wall time): the samples of `stats`. */
  imagesPerSecond?: number[];
  stats?: SampleStats;
  /** Milliseconds of `compile` (runtime: includes the `auto` mode's kernel probes). */
  compileMs?: number;
  /** The first output against a reference of the same variant (max |diff| / max |reference|). */
  check?: { against: string; relativeError: number; ok: boolean };
}

/** A target on the ratio of two measurements' median images/s, evaluated at every thread count. */
export interface RuntimeTarget {
  id: string;
  /** The issue's wording. */
  title: string;
  subject: { variant: string; impl: RuntimeImpl };
  baseline: { variant: string; impl: RuntimeImpl };
  /** The value must be at least this (`strict`: above it). */
  min: number;
  strict?: boolean;
  /**
   * `efficiency`: the value is the speedup divided by the ideal one (baseline MACs / subject MACs), i.e.
   * speedup x subject MACs / baseline MACs. Default `ratio` (the speedup itself).
   */
  kind?: 'ratio' | 'efficiency';
  /** Informational rows (reported and evaluated, but not one of the issue's targets). */
  secondary?: boolean;
}

/** The targets of the issue; `sparseVariant` is the fine-grained MobileNet variant id. */
export function runtimeTargets(sparseVariant: string): RuntimeTarget[] {
  const rt = (variant: string): { variant: string; impl: RuntimeImpl } => ({ variant, impl: 'runtime' });
  return [
    { id: 'vs-pytorch', title: 'unpruned ResNet-20: runtime / PyTorch >= 1.0x', subject: rt('resnet20'), baseline: { variant: 'resnet20', impl: 'pytorch' }, min: 1 },
    { id: 'channel-pruned', title: 'ResNet-20 at ~50% MACs / unpruned, runtime >= 1.7x', subject: rt('resnet20-pruned'), baseline: rt('resnet20'), min: 1.7 },
    { id: 'channel-pruned-efficiency', title: 'channel-pruned speedup / ideal (MACs ratio) >= 0.85', subject: rt('resnet20-pruned'), baseline: rt('resnet20'), min: 0.85, kind: 'efficiency' },
    { id: 'channel-pruned-inner', title: '(secondary) ResNet-20 inner groups at 0.5 / unpruned, runtime >= 1.7x', subject: rt('resnet20-inner'), baseline: rt('resnet20'), min: 1.7, secondary: true },
    { id: 'fine-grained', title: `${sparseVariant} (1x1 convs + dense fine-grained) sparse auto / dense >= 2x`, subject: rt(sparseVariant), baseline: { variant: sparseVariant, impl: 'runtime-dense' }, min: 2 },
    { id: 'fine-grained-resnet20', title: '(secondary) ResNet-20 at 90% sparsity, sparse auto / dense >= 2x', subject: rt('resnet20-sparse'), baseline: { variant: 'resnet20-sparse', impl: 'runtime-dense' }, min: 2, secondary: true },
    { id: 'vs-tfjs-pruned', title: 'channel-pruned ResNet-20: runtime / tfjs amc-native > 1x', subject: rt('resnet20-pruned'), baseline: { variant: 'resnet20-pruned', impl: 'tfjs' }, min: 1, strict: true },
    { id: 'vs-tfjs-sparse', title: `fine-grained ${sparseVariant}: runtime / tfjs amc-native > 1x`, subject: rt(sparseVariant), baseline: { variant: sparseVariant, impl: 'tfjs' }, min: 1, strict: true },
  ];
}

/** A target evaluated at one thread count. */
export interface RuntimeTargetEvaluation {
  id: string;
  title: string;
  threads: number;
  min: number;
  strict: boolean;
  kind: 'ratio' | 'efficiency';
  secondary: boolean;
  /** Subject median images/s / baseline median images/s. */
  ratio?: number;
  /** The value compared with `min`: `ratio`, or the efficiency. */
  value?: number;
  subjectImagesPerSecond?: number;
  baselineImagesPerSecond?: number;
  /** Subject MACs / baseline MACs (efficiency targets). */
  macsRatio?: number;
  /** Min and max of the per-repeat ratios when both sides ran the same number of interleaved repeats. */
  pairedRange?: [number, number];
  /** Baselines timed in another process (PyTorch): the subject's median over the baseline's fastest repeat. */
  vsFastestBaseline?: number;
  /** undefined: not evaluated (a side missing or failed). */
  holds: boolean | undefined;
}

/** The JSON file's content. */
export interface RuntimeRecord {
  format: 1;
  suite: 'runtime';
  mode: 'full' | 'quick';
  batch: number;
  threads: number[];
  date: string;
  variants: VariantInfo[];
  measurements: RuntimeMeasurement[];
  targets: RuntimeTargetEvaluation[];
  /** Per sparse variant and thread count: the compiled model's steps (kernel, density, probe timings). */
  kernels: KernelChoices[];
  config: Record<string, unknown>;
  notes: string[];
  machine: MachineRecord;
  durationS: number;
}

/** The `conv2d` / `dense` steps of a compiled model, as `CompiledModel.steps` reports them. */
export interface KernelChoices {
  variant: string;
  threads: number;
  steps: { layer: string; op: string; kernel: string; density: number; timings?: Partial<Record<'dense' | 'csr' | 'bcsr', number>> }[];
}

/** An ok measurement with its samples summarized. */
export function okRuntimeMeasurement(base: Omit<RuntimeMeasurement, 'status' | 'stats' | 'imagesPerSecond'>, imagesPerSecond: number[]): RuntimeMeasurement {
  return { ...base, status: 'ok', imagesPerSecond, stats: summarize(imagesPerSecond) };
}

/**
 * Images/s of one repeat: `batch * iters` images in `ms` milliseconds.
 *
 * @example imagesPerSecond(128, 10, 1000) // 1280
 */
export function imagesPerSecond(batch: number, iters: number, ms: number): number {
  return (batch * iters * 1000) / ms;
}

/**
 * The number of calls per repeat so that a repeat lasts about `minRepeatMs`, from the time of one call, in
 * [1, maxIters].
 *
 * @example itersFor(150, 1000, 10) // 7
 */
export function itersFor(callMs: number, minRepeatMs: number, maxIters: number): number {
  if (!(callMs > 0)) return maxIters;
  return Math.max(1, Math.min(maxIters, Math.ceil(minRepeatMs / callMs)));
}

/**
 * Max |actual - expected| / max |expected| (0 when both are all zeros; Infinity on a length mismatch or NaN).
 *
 * @example relativeError(new Float32Array([1, 2]), new Float32Array([1, 2.5])) // 0.2
 */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(d <= diff)) diff = d;
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
  return scale === 0 ? diff : diff / scale;
}

/**
 * The uniform preserve ratio (from `candidates`) whose MACs ratio is closest to `goal`, ties to the larger ratio.
 *
 * @example closestRatio([0.5, 0.6, 0.7], [0.25, 0.37, 0.48], 0.5) // { ratio: 0.7, macsRatio: 0.48 }
 */
export function closestRatio(candidates: readonly number[], macsRatios: readonly number[], goal: number): { ratio: number; macsRatio: number } {
  let best: { ratio: number; macsRatio: number } | undefined;
  candidates.forEach((ratio, i) => {
    const macsRatio = macsRatios[i];
    if (macsRatio === undefined) return;
    const d = Math.abs(macsRatio - goal);
    const bd = best === undefined ? Number.POSITIVE_INFINITY : Math.abs(best.macsRatio - goal);
    if (d < bd || (d === bd && best !== undefined && ratio > best.ratio)) best = { ratio, macsRatio };
  });
  if (best === undefined) throw new RangeError('closestRatio: expected at least one candidate but received none');
  return best;
}

function findOk(measurements: readonly RuntimeMeasurement[], variant: string, impl: RuntimeImpl, threads: number): RuntimeMeasurement | undefined {
  return measurements.find((m) => m.variant === variant && m.impl === impl && m.threads === threads && m.status === 'ok' && m.stats !== undefined);
}

/** Evaluates every target at every thread count. */
export function evaluateRuntimeTargets(
  measurements: readonly RuntimeMeasurement[],
  variants: readonly VariantInfo[],
  threads: readonly number[],
  targets: readonly RuntimeTarget[],
): RuntimeTargetEvaluation[] {
  const out: RuntimeTargetEvaluation[] = [];
  for (const target of targets) {
    for (const t of threads) {
      const kind = target.kind ?? 'ratio';
      const e: RuntimeTargetEvaluation = { id: target.id, title: target.title, threads: t, min: target.min, strict: target.strict === true, kind, secondary: target.secondary === true, holds: undefined };
      const s = findOk(measurements, target.subject.variant, target.subject.impl, t);
      const b = findOk(measurements, target.baseline.variant, target.baseline.impl, t);
      const sMedian = s?.stats?.median;
      const bMedian = b?.stats?.median;
      if (sMedian !== undefined && bMedian !== undefined && bMedian > 0) {
        e.subjectImagesPerSecond = sMedian;
        e.baselineImagesPerSecond = bMedian;
        e.ratio = sMedian / bMedian;
        e.value = e.ratio;
        if (kind === 'efficiency') {
          const sm = variants.find((v) => v.id === target.subject.variant)?.macs;
          const bm = variants.find((v) => v.id === target.baseline.variant)?.macs;
          if (sm !== undefined && bm !== undefined && bm > 0) {
            e.macsRatio = sm / bm;
            e.value = e.ratio * e.macsRatio;
          } else {
            e.value = undefined;
          }
        }
        const sr = s?.imagesPerSecond;
        const br = b?.imagesPerSecond;
        if (sr !== undefined && br !== undefined && sr.length === br.length && sr.length > 1 && s?.impl !== 'pytorch' && b?.impl !== 'pytorch') {
          const scale = kind === 'efficiency' ? (e.macsRatio ?? 1) : 1;
          const paired = sr.map((v, i) => (v / (br[i] as number)) * scale);
          e.pairedRange = [Math.min(...paired), Math.max(...paired)];
        }
        const bMax = b?.stats?.max;
        if (b?.impl === 'pytorch' && bMax !== undefined && bMax > 0) e.vsFastestBaseline = sMedian / bMax;
        if (e.value !== undefined) e.holds = target.strict === true ? e.value > target.min : e.value >= target.min;
      }
      out.push(e);
    }
  }
  return out;
}

/**
 * Notes on measurements whose repeats spread widely (fastest / slowest repeat above `maxSpread`): on busy or shared
 * cores, OpenMP threads (PyTorch) or a descheduled worker stall whole repeats.
 */
export function spreadNotes(measurements: readonly RuntimeMeasurement[], maxSpread = 2): string[] {
  return measurements
    .filter((m) => m.stats !== undefined && m.stats.min > 0 && m.stats.max / m.stats.min > maxSpread)
    .map(
      (m) =>
        `UNSTABLE: ${m.variant} ${m.impl} t${m.threads}: repeats from ${fmtRate(m.stats?.min)} to ${fmtRate(m.stats?.max)} images/s (${(m.imagesPerSecond ?? []).map(fmtRate).join(', ')}); ` +
        'some repeats stalled (threads waiting on a busy or shared core), so ratios against it are unreliable at this thread count.',
    );
}

/**
 * Notes on thread scaling that shows contention: a runtime / tfjs measurement at more threads whose median is not
 * above its 1-thread median (the extra cores were busy with something else during that part of the run).
 */
export function scalingNotes(measurements: readonly RuntimeMeasurement[]): string[] {
  const notes: string[] = [];
  for (const m of measurements) {
    if (m.threads <= 1 || m.impl === 'pytorch' || m.stats === undefined) continue;
    const one = findOk(measurements, m.variant, m.impl, 1)?.stats?.median;
    if (one !== undefined && m.stats.median <= one) {
      notes.push(`NO THREAD SCALING: ${m.variant} ${m.impl} t${m.threads} ${fmtRate(m.stats.median)} images/s vs t1 ${fmtRate(one)} (x${(m.stats.median / one).toFixed(2)}): the other core(s) were busy during the t${m.threads} part of the run; its ratios are those of a contended machine.`);
    }
  }
  return notes;
}

/** `1.85x (1530 / 826 images/s; repeats 1.80-1.90x)`, or the efficiency with its parts. */
export function measuredCell(e: RuntimeTargetEvaluation): string {
  if (e.value === undefined || e.ratio === undefined) return 'not evaluated';
  const range = e.pairedRange === undefined ? '' : `; repeats ${e.pairedRange[0].toFixed(2)}-${e.pairedRange[1].toFixed(2)}`;
  if (e.kind === 'efficiency') {
    return `${e.value.toFixed(2)} (speedup ${fmtRatio(e.ratio)} x MACs ratio ${(e.macsRatio ?? Number.NaN).toFixed(3)}${range})`;
  }
  const fastest = e.vsFastestBaseline === undefined ? '' : `; ${fmtRatio(e.vsFastestBaseline)} vs the baseline's fastest repeat`;
  return `${fmtRatio(e.value)} (${fmtRate(e.subjectImagesPerSecond)} / ${fmtRate(e.baselineImagesPerSecond)} images/s${range}${fastest})`;
}

/** The targets table: target, threads, measured, result. */
export function runtimeTargetsTable(targets: readonly RuntimeTargetEvaluation[]): ReportTable {
  return {
    title: 'Targets (ratios of median images/s measured in this run; "repeats": min-max of the per-repeat ratios of interleaved repeats)',
    header: ['target', 'threads', 'measured', 'result'],
    rows: targets.map((e) => [e.title, String(e.threads), measuredCell(e), e.holds === undefined ? 'not evaluated' : e.holds ? 'holds' : 'does not hold']),
  };
}

/** `median (IQR x)` or the status of a measurement. */
function rateCell(m: RuntimeMeasurement): string {
  if (m.status !== 'ok' || m.stats === undefined) return `${m.status}${m.reason === undefined ? '' : `: ${m.reason.slice(0, 80)}`}`;
  return `${fmtRate(m.stats.median)} (IQR ${fmtRate(m.stats.iqr)}, ${fmtRate(m.stats.min)}-${fmtRate(m.stats.max)})`;
}

const IMPL_LABEL: Record<RuntimeImpl, string> = {
  runtime: '@amc/runtime (sparse auto)',
  'runtime-dense': "@amc/runtime (sparse: 'dense')",
  tfjs: 'tfjs amc-native predict',
  pytorch: 'PyTorch CPU',
};

/** Every measurement: variant, implementation, threads, images/s, how it was timed, compile time, output check. */
export function throughputTable(record: Pick<RuntimeRecord, 'measurements' | 'variants'>): ReportTable {
  const rows = record.measurements.map((m) => {
    const v = record.variants.find((x) => x.id === m.variant);
    const timed = m.status === 'ok' ? `${m.warmup ?? 0} warm-up${m.impl === 'pytorch' ? ' per repeat' : ''} + ${m.repeats ?? 1} x ${m.iters ?? 1}` : '-';
    const gflops = m.stats === undefined || v === undefined ? '-' : ((2 * v.macs * m.stats.median) / 1e9).toFixed(1);
    const check = m.check === undefined ? '-' : `${m.check.ok ? 'ok' : 'MISMATCH'} ${m.check.relativeError.toExponential(1)} vs ${m.check.against}`;
    return [m.variant, IMPL_LABEL[m.impl], String(m.threads), rateCell(m), gflops, timed, m.compileMs === undefined ? '-' : m.compileMs.toFixed(0), check];
  });
  return {
    title: `images/s at batch ${record.measurements[0]?.batch ?? '?'} (median over repeats; IQR, min-max)`,
    header: ['variant', 'implementation', 'threads', 'images/s', 'dense-equivalent GFLOP/s', 'timed (calls)', 'compile ms', 'output check'],
    rows,
  };
}

/** The model variants: MACs, params, nonzeros, MACs relative to the unpruned model of the same family. */
export function variantsTable(variants: readonly VariantInfo[]): ReportTable {
  const base = (id: string): VariantInfo | undefined => variants.find((v) => v.id === id.split('-')[0]);
  return {
    title: 'Model variants (per sample)',
    header: ['variant', 'MACs', 'MACs / unpruned', 'params', 'nonzero params', 'how'],
    rows: variants.map((v) => {
      const b = base(v.id);
      return [v.id, v.macs.toLocaleString('en-US'), b === undefined ? '-' : (v.macs / b.macs).toFixed(3), v.params.toLocaleString('en-US'), v.nonzeroParams?.toLocaleString('en-US') ?? '-', v.description];
    }),
  };
}

function timingsCell(t: KernelChoices['steps'][number]['timings']): string {
  if (t === undefined) return '-';
  return (['dense', 'csr', 'bcsr'] as const).map((k) => `${k} ${t[k] === undefined ? '-' : (t[k] as number).toFixed(3)}`).join(', ');
}

/** One table per sparse variant: per conv / dense step, the density and, per thread count, the kernel and probe timings. */
export function kernelTables(kernels: readonly KernelChoices[]): ReportTable[] {
  const variants = [...new Set(kernels.map((k) => k.variant))];
  return variants.map((variant) => {
    const runs = kernels.filter((k) => k.variant === variant);
    const first = runs[0] as KernelChoices;
    const header = ['step (first layer)', 'op', 'density', ...runs.flatMap((r) => [`kernel t${r.threads}`, `probe ms t${r.threads}`])];
    const rows = first.steps.map((s, i) => [s.layer, s.op, s.density.toFixed(3), ...runs.flatMap((r) => [r.steps[i]?.kernel ?? '-', timingsCell(r.steps[i]?.timings)])]);
    const counts = runs.map((r) => {
      const c: Record<string, number> = {};
      for (const s of r.steps) c[s.kernel] = (c[s.kernel] ?? 0) + 1;
      return `t${r.threads}: ${Object.entries(c).map(([k, n]) => `${n} ${k}`).join(', ')}`;
    });
    return { title: `Kernel choices of ${variant} (CompiledModel.steps; ${counts.join('; ')})`, header, rows };
  });
}

/** The summary printed to stdout: targets, then throughput. */
export function renderRuntimeSummary(record: Pick<RuntimeRecord, 'measurements' | 'variants' | 'targets'>): string {
  return [renderTable(runtimeTargetsTable(record.targets)), '', renderTable(throughputTable(record)), ''].join('\n');
}

/** The Markdown report of a run. */
export function renderRuntimeMarkdown(record: RuntimeRecord): string {
  const m = record.machine;
  const out: string[] = [];
  out.push(`# @amc/runtime inference: batch ${record.batch} (${record.mode} run)`, '');
  out.push(
    `${record.date}, commit ${m.git === undefined ? 'unknown' : `${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (uncommitted changes)' : ''}`}, ${Math.round(record.durationS)} s. ` +
      'Every ratio compares two measurements of this same run; the runtime and tfjs measurements of a model family are interleaved repeat by repeat.',
    '',
  );
  if (record.mode === 'quick') out.push('> Quick run: small batch, few repeats, to check the harness. Do not quote these numbers.', '');
  out.push(renderTable(runtimeTargetsTable(record.targets)), '');
  out.push(renderTable(throughputTable(record)), '');
  out.push(renderTable(variantsTable(record.variants)), '');
  out.push('## Kernel choices', '', "Per conv2d / dense step of the fine-grained variants compiled with the default `sparse: 'auto'`: the folded kernel's density, the kernel `compile` chose, and its probe timings (median ms of the dense kernel, CSR and 4x1 block-CSR SpMM on the probe batch).", '');
  for (const table of kernelTables(record.kernels)) out.push(renderTable(table), '');
  if (record.notes.length > 0) out.push('## Notes', '', ...record.notes.map((n) => `- ${escapeCell(n)}`), '');
  out.push('## Machine', '', renderMachineTable(m, `${record.threads.join(', ')} (amc setNumThreads / compile numThreads; torch.set_num_threads)`), '');
  out.push('## Configuration', '', '```json', JSON.stringify(record.config, null, 1), '```', '');
  return out.join('\n');
}
