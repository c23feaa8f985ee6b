/**
 * Writes a run as JSON (machine record, every raw sample, statistics) and as a readable Markdown report.
 * The Markdown helpers (tables, the machine table) and the file writer are shared with the training suite.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineRecord } from './machine.js';
import type { ReportTable, SuiteResult } from './types.js';

/** The JSON file's content. */
export interface RunRecord {
  /** Format version of this file. */
  format: 1;
  /** full: every shape, full timing; quick: few shapes, brief timing; smoke: every shape, brief timing. */
  mode: 'full' | 'quick' | 'smoke';
  machine: MachineRecord;
  /** Thread counts and batch sizes of the run, and the timing plan. */
  config: Record<string, unknown>;
  /** Optional kernels missing from @amc/kernels when the run started. */
  suites: SuiteResult[];
  durationS: number;
}

/** Escapes `|` for a Markdown table cell. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** A Markdown table with a bold title line. */
export function renderTable(table: ReportTable): string {
  const lines = [`**${table.title}**`, '', `| ${table.header.map(escapeCell).join(' | ')} |`, `| ${table.header.map(() => '---').join(' | ')} |`];
  for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return lines.join('\n');
}

/** `holds`, `MISSED` or `not evaluated`. */
export function holdsMark(holds: boolean | undefined): string {
  if (holds === undefined) return 'not evaluated';
  return holds ? 'holds' : 'MISSED';
}

/**
 * The machine record as a two-column Markdown table (CPU, SIMD, cores, memory, OS, Node, ISA per kernel family,
 * `threads` as given, package versions, environment, load average).
 */
export function renderMachineTable(m: MachineRecord, threads: string): string {
  const native = m.native as { detectedIsa?: string; isaCap?: string; supportedIsas?: string[] };
  const rows: [string, string][] = [
    ['CPU', `${m.cpu.model} (vendor ${m.cpu.vendor ?? '?'}, family ${m.cpu.family ?? '?'}, model ${m.cpu.modelNumber ?? '?'}, stepping ${m.cpu.stepping ?? '?'})`],
    ['SIMD flags', m.cpu.flags.join(' ') || '-'],
    ['cores', `${m.cpu.logicalCores} logical${m.cpu.physicalCores === undefined ? '' : `, ${m.cpu.physicalCores} physical per socket`}`],
    ['memory', `${m.memoryGiB} GiB`],
    ['OS', `${m.os.distribution ?? m.os.platform} (${m.os.platform} ${m.os.release}, ${m.os.arch})`],
    ['Node', `${m.node.version} (V8 ${m.node.v8}, N-API ${m.node.napi ?? '?'})`],
    ['amc ISA', `detected ${native.detectedIsa ?? '?'}, cap ${native.isaCap ?? '?'}, supported ${(native.supportedIsas ?? []).join(', ')}`],
    ...Object.entries(m.isaPerFamily).map(([family, f]): [string, string] => [`  ${family} kernels`, `${f.isa}: ${f.variants.join(', ') || '-'}`]),
    ['threads', threads],
    ['packages', Object.entries(m.packages).map(([name, version]) => `${name} ${version}`).join(', ')],
    ['environment', Object.entries(m.env).map(([k, v]) => `${k}=${v}`).join(', ') || '-'],
    ['load average', `start ${m.loadAverage.start.map((v) => v.toFixed(2)).join(' ')}; end ${m.loadAverage.end?.map((v) => v.toFixed(2)).join(' ') ?? '?'}`],
  ];
  return ['| what | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${escapeCell(k)} | ${escapeCell(v)} |`)].join('\n');
}

/** Renders the Markdown report of a run. */
export function renderMarkdown(run: RunRecord): string {
  const m = run.machine;
  const out: string[] = [];
  out.push(`# Kernel benchmarks: ${m.cpu.model} (${run.mode} run)`, '');
  out.push(
    `${m.date}, commit ${m.git === undefined ? 'unknown' : `${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (uncommitted changes)' : ''}`}, ` +
      `${Math.round(run.durationS)} s. Medians of repeated timings; ratios compare implementations measured in this same run.`,
    '',
  );
  if (run.mode === 'quick') out.push('> Quick run: few shapes and tiny repetition counts, to check the harness. Do not quote these numbers.', '');
  if (run.mode === 'smoke') out.push('> Smoke run: every shape, tiny repetition counts, to check every case runs. Do not quote these numbers.', '');
  out.push('## Machine', '', renderMachineTable(m, `${(run.config.threads as number[] | undefined)?.join(', ') ?? '?'} (amc setNumThreads; onnxruntime intraOpNumThreads)`), '');

  out.push('## Targets', '');
  out.push('| suite | target | measured | result |', '| --- | --- | --- | --- |');
  for (const suite of run.suites) {
    for (const t of suite.targets) out.push(`| ${suite.name} | ${escapeCell(t.target)} | ${escapeCell(t.measured)} | ${holdsMark(t.holds)} |`);
  }
  out.push('');

  for (const suite of run.suites) {
    out.push(`## ${suite.title}`, '', suite.description, '');
    for (const table of suite.tables) out.push(renderTable(table), '');
    const failures = suite.measurements.filter((x) => x.status !== 'ok');
    const reasons = new Map<string, number>();
    for (const f of failures) {
      const key = `${f.impl}: ${f.status} (${f.reason ?? '?'})`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    const mismatches = suite.measurements.filter((x) => x.check !== undefined && !x.check.ok);
    const notes = [
      ...suite.notes,
      ...[...reasons].map(([k, count]) => `${count} measurement(s) ${k}`),
      ...mismatches.map((x) => `output mismatch: ${x.case} ${x.impl} t${x.threads} vs ${x.check?.against} (relative error ${x.check?.relativeError.toExponential(2)})`),
    ];
    if (notes.length > 0) out.push(...notes.map((n) => `- ${n}`), '');
    out.push(`_${suite.measurements.length} measurements, ${suite.durationS.toFixed(0)} s._`, '');
  }
  return out.join('\n');
}

/**
 * JSON with one key per line but arrays of numbers on one line (raw samples would otherwise take a line each),
 * non-integers rounded to 6 significant digits.
 */
export function serialize(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v), 1);
  return text.replace(/\[\s*(-?[0-9][-0-9.eE+,\s]*?)\s*\]/g, (_match, body: string) => `[${body.split(/\s*,\s*/).join(', ')}]`);
}

/**
 * Writes `<base>.json` (with {@link serialize}) and `<base>.md`, creating the folder; returns both paths.
 */
export function writeResults(base: string, record: unknown, markdown: string): { json: string; md: string } {
  mkdirSync(path.dirname(base), { recursive: true });
  const json = `${base}.json`;
  const md = `${base}.md`;
  writeFileSync(json, `${serialize(record)}\n`);
  writeFileSync(md, markdown);
  return { json, md };
}
