/**
 * The machine record of a run: CPU, ISA chosen per kernel family, threads, memory, OS, versions of Node and
 * of every peer, git commit and date.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNativeInfo } from './amc.js';

/** Peers and runners whose versions are recorded. */
export const RECORDED_PACKAGES = [
  '@amc/core',
  '@amc/kernels',
  'onnxruntime-node',
  'onnxruntime-common',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  'tsx',
] as const;

/** Everything recorded about the machine and the software. */
export interface MachineRecord {
  date: string;
  hostname: string;
  cpu: {
    model: string;
    vendor?: string;
    family?: string;
    modelNumber?: string;
    stepping?: string;
    /** SIMD flags of interest present in /proc/cpuinfo. */
    flags: string[];
    logicalCores: number;
    /** Physical cores per socket from /proc/cpuinfo, when present. */
    physicalCores?: number;
    cacheSize?: string;
  };
  memoryGiB: number;
  os: { platform: string; release: string; distribution?: string; arch: string };
  node: { version: string; v8: string; napi?: string };
  /** getNativeInfo() of @amc/kernels: detected ISA, ISA cap, threads, compiled variants per family. */
  native: unknown;
  /** For each kernel family: the ISA it runs (the best available variant under the cap) and the variants it may use. */
  isaPerFamily: Record<string, { isa: string; variants: string[] }>;
  packages: Record<string, string>;
  git?: { commit: string; dirty: boolean; branch?: string };
  /** Environment variables that change what the kernels or the peers do. */
  env: Record<string, string>;
  loadAverage: { start: number[]; end?: number[] };
}

const FLAGS_OF_INTEREST = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_tile', 'amx_bf16'];

const ENV_OF_INTEREST = ['AMC_NATIVE_PATH', 'AMC_ISA', 'AMC_NUM_THREADS', 'OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'UV_THREADPOOL_SIZE', 'NODE_OPTIONS'];

function cpuinfo(): Record<string, string> {
  const fields: Record<string, string> = {};
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const first = text.split('\n\n')[0] ?? '';
    for (const line of first.split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  } catch {
    // Not Linux: os.cpus() below still gives the model.
  }
  return fields;
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const manifest = path.join(dir, 'package.json');
      if (existsSync(manifest)) {
        const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (json.name === name) return json.version ?? 'unknown';
      }
      const parent = path.dirname(dir);
      if (parent === dir) return 'unknown';
      dir = parent;
    }
  } catch {
    try {
      // Packages whose exports map hides their entry point from require (ESM-only): find them by path.
      const manifest = path.join(repoRoot(), 'node_modules', name, 'package.json');
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      return 'not installed';
    }
  }
}

/** The repository root (two levels above this file's directory). */
export function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function distribution(): string | undefined {
  try {
    const match = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return match?.[1];
  } catch {
    return undefined;
  }
}

const ISA_ORDER = ['scalar', 'avx2', 'avx512'];

/**
 * Collects the machine record (call once at the start of a run). `extraPackages` are recorded with
 * {@link RECORDED_PACKAGES} (for example the tfjs-layers and model zoo versions of the training suite).
 */
export function collectMachine(extraPackages: readonly string[] = []): MachineRecord {
  const info = cpuinfo();
  const flags = new Set((info.flags ?? '').split(/\s+/));
  const native = getNativeInfo();
  const isaPerFamily: MachineRecord['isaPerFamily'] = {};
  const cap = ISA_ORDER.indexOf(native.isaCap);
  for (const [family, variants] of Object.entries(native.kernels)) {
    const usable = variants.filter((v) => v.available && ISA_ORDER.indexOf(v.isa) <= cap);
    const best = usable.reduce((b, v) => Math.max(b, ISA_ORDER.indexOf(v.isa)), -1);
    isaPerFamily[family] = { isa: ISA_ORDER[best] ?? 'none', variants: usable.filter((v) => ISA_ORDER.indexOf(v.isa) === best).map((v) => v.name) };
  }
  const commit = git(['rev-parse', 'HEAD']);
  const status = git(['status', '--porcelain']);
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD']);
  const env: Record<string, string> = {};
  for (const name of ENV_OF_INTEREST) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const record: MachineRecord = {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    cpu: {
      model: info['model name'] ?? os.cpus()[0]?.model ?? 'unknown',
      flags: FLAGS_OF_INTEREST.filter((f) => flags.has(f)),
      logicalCores: os.cpus().length,
    },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    node: { version: process.version, v8: process.versions.v8 },
    native,
    isaPerFamily,
    packages: Object.fromEntries([...RECORDED_PACKAGES, ...extraPackages].map((name) => [name, packageVersion(name)])),
    env,
    loadAverage: { start: os.loadavg() },
  };
  if (info.vendor_id !== undefined) record.cpu.vendor = info.vendor_id;
  if (info['cpu family'] !== undefined) record.cpu.family = info['cpu family'];
  if (info.model !== undefined) record.cpu.modelNumber = info.model;
  if (info.stepping !== undefined) record.cpu.stepping = info.stepping;
  if (info['cpu cores'] !== undefined) record.cpu.physicalCores = Number(info['cpu cores']);
  if (info['cache size'] !== undefined) record.cpu.cacheSize = info['cache size'];
  const dist = distribution();
  if (dist !== undefined) record.os.distribution = dist;
  if (process.versions.napi !== undefined) record.node.napi = process.versions.napi;
  if (commit !== undefined) record.git = { commit, dirty: (status ?? '') !== '', ...(branch === undefined ? {} : { branch }) };
  return record;
}

/**
 * A file-name slug for the machine: CPU model, best ISA and logical cores, e.g. `amd-epyc-avx2-2c`.
 * `AMC_BENCH_MACHINE` overrides it.
 */
export function machineSlug(record: MachineRecord): string {
  const override = process.env.AMC_BENCH_MACHINE;
  const raw = override ?? `${record.cpu.model.replace(/\((r|tm)\)/gi, '').replace(/\b(processor|cpu|with .*|\d+-core)\b/gi, '')}-${(record.native as { detectedIsa?: string }).detectedIsa ?? 'cpu'}-${record.cpu.logicalCores}c`;
  return raw
    .toLowerCase()
    .replace(/@.*?(?=-|$)/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** Cumulative CPU time of the whole machine from /proc/stat (Linux), in clock ticks; undefined elsewhere. */
export interface CpuTicks {
  total: number;
  /** Time the hypervisor ran something else while this guest wanted the CPU. */
  steal: number;
}

/** Reads the aggregate `cpu` line of /proc/stat. */
export function readCpuTicks(read: () => string = () => readFileSync('/proc/stat', 'utf8')): CpuTicks | undefined {
  try {
    const line = read().split('\n').find((l) => l.startsWith('cpu '));
    if (line === undefined) return undefined;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
    const counted = fields.slice(0, 8);
    if (counted.length < 8 || counted.some((v) => !Number.isFinite(v))) return undefined;
    return { total: counted.reduce((a, b) => a + b, 0), steal: counted[7] as number };
  } catch {
    return undefined;
  }
}

/** Percentage of CPU time stolen by the hypervisor between two readings, or undefined. */
export function stealPercent(before: CpuTicks | undefined, after: CpuTicks | undefined): number | undefined {
  if (before === undefined || after === undefined || after.total <= before.total) return undefined;
  return (100 * (after.steal - before.steal)) / (after.total - before.total);
}
