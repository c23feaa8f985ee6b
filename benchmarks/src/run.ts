/**
 * The kernel benchmark suite: `tsx src/run.ts [--quick] [--suites=gemm,conv,sliced,sparse,threads]
 * [--threads=1,2] [--batches=1,64] [--plan=quick|full] [--out=DIR]`.
 *
 * One run measures every suite (each comparison's baseline in the same run) and writes
 * `results/kernels-<machine>.json` and `.md` (quick and smoke runs: `kernels-<machine>.quick.*` / `.smoke.*`). Progress goes to stderr.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setNumThreads } from './amc.js';
import { numberList } from './args.js';
import { FULL_PLAN, QUICK_PLAN } from './harness.js';
import { collectMachine, machineSlug, repoRoot } from './machine.js';
import { type RunRecord, renderMarkdown, writeResults } from './report.js';
import { runConvSuite } from './suites/conv.js';
import { runGemmSuite } from './suites/gemm.js';
import { runSlicedSuite } from './suites/sliced.js';
import { runSparseSuite } from './suites/sparse.js';
import { runThreadsSuite } from './suites/threads.js';
import type { SuiteContext, SuiteResult } from './types.js';

/** Suites in run order (threads last: it reads the others). */
export const SUITES = ['gemm', 'conv', 'sliced', 'sparse', 'threads'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      suites: { type: 'string', default: SUITES.join(',') },
      threads: { type: 'string', default: '1,2' },
      batches: { type: 'string', default: '1,64' },
      out: { type: 'string' },
      plan: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  // --plan=quick keeps every shape but times each one briefly: a check that every case runs (mode "smoke").
  if (values.plan !== undefined && values.plan !== 'quick' && values.plan !== 'full') {
    throw new Error(`run: expected --plan=quick or --plan=full but received ${values.plan}`);
  }
  const plan = (values.plan ?? (quick ? 'quick' : 'full')) === 'quick' ? QUICK_PLAN : FULL_PLAN;
  const mode: RunRecord['mode'] = quick ? 'quick' : plan === QUICK_PLAN ? 'smoke' : 'full';
  const suites = (values.suites ?? '').split(',').map((s) => s.trim());
  for (const s of suites) {
    if (!(SUITES as readonly string[]).includes(s)) throw new Error(`run: expected suites among ${SUITES.join(', ')} but received ${s}`);
  }
  const threads = numberList(values.threads ?? '1,2', 'threads');
  const batches = numberList(values.batches ?? '1,64', 'batches');
  const outDir = values.out ?? path.join(repoRoot(), 'benchmarks', 'results');
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const started = performance.now();
  const machine = collectMachine();
  const slug = machineSlug(machine);
  log(`amc kernel benchmarks (${mode}): ${machine.cpu.model}, ${machine.cpu.logicalCores} cores, ISA ${(machine.native as { detectedIsa?: string }).detectedIsa}, load ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  if (machine.cpu.logicalCores < Math.max(...threads)) log(`warning: ${Math.max(...threads)} threads requested on ${machine.cpu.logicalCores} logical cores`);

  const results: SuiteResult[] = [];
  const context = (): SuiteContext => ({ quick, plan, threads, batches, log, previous: results });
  const runners: Record<(typeof SUITES)[number], (ctx: SuiteContext) => Promise<SuiteResult> | SuiteResult> = {
    gemm: runGemmSuite,
    conv: runConvSuite,
    sliced: runSlicedSuite,
    sparse: runSparseSuite,
    threads: runThreadsSuite,
  };
  for (const name of SUITES) {
    if (!suites.includes(name)) continue;
    log(`== suite ${name}`);
    results.push(await runners[name](context()));
    setNumThreads(Math.max(...threads));
  }
  machine.loadAverage.end = os.loadavg();

  const record: RunRecord = {
    format: 1,
    mode,
    machine,
    config: { threads, batches, suites, plan },
    suites: results,
    durationS: (performance.now() - started) / 1000,
  };
  const base = path.join(outDir, `kernels-${slug}${mode === 'full' ? '' : `.${mode}`}`);
  writeResults(base, record, renderMarkdown(record));
  log(`wrote ${base}.json and ${base}.md in ${record.durationS.toFixed(0)} s`);
  for (const suite of results) {
    for (const t of suite.targets) log(`target ${t.holds === undefined ? 'n/a   ' : t.holds ? 'holds ' : 'MISSED'} ${t.target}: ${t.measured}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
