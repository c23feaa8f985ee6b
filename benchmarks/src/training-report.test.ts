import { describe, expect, it } from 'vitest';
import { intOption, numberList } from './args.js';
import type { MachineRecord } from './machine.js';
import {
  type ThroughputMeasurement,
  type TrainingRecord,
  evaluateTargets,
  fmtRate,
  fmtRatio,
  imagesPerSecondOf,
  okMeasurement,
  renderResultTables,
  renderTrainingMarkdown,
  targetsTable,
  tensorCountGrows,
  throughputTable,
  timedCell,
} from './training-report.js';

function ok(impl: ThroughputMeasurement['impl'], mode: ThroughputMeasurement['mode'], threads: number, rates: number[], extra: Partial<ThroughputMeasurement> = {}): ThroughputMeasurement {
  return okMeasurement({ impl, mode, threads, batch: impl === 'tfjs-cpu' ? 8 : 128, warmupSteps: 3, iters: 10, repeats: rates.length, ...extra }, rates);
}

const measurements: ThroughputMeasurement[] = [
  ok('amc-native', 'train', 1, [400, 420, 410]),
  ok('amc-native', 'infer', 1, [1500, 1490, 1510]),
  ok('amc-native', 'train', 2, [700, 720, 710]),
  ok('amc-native', 'infer', 2, [2500, 2600, 2550]),
  ok('tfjs-cpu', 'train', 1, [0.5, 0.4], { iters: 1, warmupSteps: 1, warmupBatch: 1 }),
  ok('tfjs-cpu', 'infer', 1, [20], { iters: 1, warmupSteps: 1, batch: 128 }),
  ok('pytorch', 'train', 1, [500, 510, 505]),
  ok('pytorch', 'infer', 1, [1600, 1650, 1625]),
  { impl: 'pytorch', mode: 'train', threads: 2, batch: 128, status: 'failed', reason: 'exited with 139' },
  { impl: 'pytorch', mode: 'infer', threads: 2, batch: 128, status: 'failed', reason: 'exited with 139' },
];

describe('training throughput helpers', () => {
  it('turns step times into images/s per repeat', () => {
    expect(imagesPerSecondOf(100, [[500, 500], [250, 250]])).toEqual([200, 400]);
    expect(imagesPerSecondOf(8, [[1000]])).toEqual([8]);
  });

  it('flags a tensor count that grows after warm-up', () => {
    expect(tensorCountGrows(172, [172, 172, 172])).toBe(false);
    expect(tensorCountGrows(172, [172, 173, 174])).toBe(true);
    expect(tensorCountGrows(172, [171])).toBe(false);
  });

  it('summarizes the repeats of a measurement', () => {
    const m = ok('amc-native', 'train', 1, [400, 420, 410]);
    expect(m.status).toBe('ok');
    expect(m.stats?.median).toBe(410);
    expect(m.stats?.iqr).toBe(10);
  });

  it('evaluates every target at every thread count', () => {
    const targets = evaluateTargets(measurements, [1, 2]);
    expect(targets).toHaveLength(6);
    const find = (baseline: string, mode: string, threads: number) => targets.find((t) => t.baseline === baseline && t.mode === mode && t.threads === threads);
    // tfjs cpu: its single-threaded measurement (median 0.45) is the baseline at both thread counts.
    expect(find('tfjs-cpu', 'train', 1)?.ratio).toBeCloseTo(410 / 0.45, 9);
    expect(find('tfjs-cpu', 'train', 1)?.holds).toBe(true);
    expect(find('tfjs-cpu', 'train', 2)?.baselineThreads).toBe(1);
    expect(find('tfjs-cpu', 'train', 2)?.ratio).toBeCloseTo(710 / 0.45, 9);
    // PyTorch at 1 thread: 410 / 505 = 0.81 holds, 1500 / 1625 = 0.92 holds.
    expect(find('pytorch', 'train', 1)?.ratio).toBeCloseTo(410 / 505, 9);
    expect(find('pytorch', 'train', 1)?.holds).toBe(true);
    expect(find('pytorch', 'infer', 1)?.holds).toBe(true);
    // PyTorch failed at 2 threads: not evaluated.
    expect(find('pytorch', 'train', 2)?.holds).toBeUndefined();
    expect(find('pytorch', 'train', 2)?.ratio).toBeUndefined();
  });

  it('says when a target does not hold', () => {
    const slow = [ok('amc-native', 'train', 1, [300]), ok('pytorch', 'train', 1, [400])];
    const [e] = evaluateTargets(slow, [1], [{ mode: 'train', baseline: 'pytorch', min: 0.8 }]);
    expect(e?.ratio).toBeCloseTo(0.75, 12);
    expect(e?.holds).toBe(false);
    expect(targetsTable(e === undefined ? [] : [e]).rows).toEqual([['amc-native / PyTorch training >= 0.8x', '1', '0.75x (300 / 400 images/s)', 'does not hold']]);
  });

  it('formats rates and ratios', () => {
    expect(fmtRate(1234.5)).toBe('1235');
    expect(fmtRate(56.64)).toBe('56.6');
    expect(fmtRate(0.0934)).toBe('0.093');
    expect(fmtRate(undefined)).toBe('-');
    expect(fmtRatio(0.812)).toBe('0.81x');
    expect(fmtRatio(25.43)).toBe('25.4x');
    expect(fmtRatio(1002.5)).toBe('1003x');
  });

  it('describes how each measurement was timed', () => {
    expect(timedCell(ok('amc-native', 'train', 1, [1, 2, 3]))).toBe('3 warm-up + 3 x 10 steps');
    expect(timedCell(ok('tfjs-cpu', 'train', 1, [1, 2], { iters: 1, warmupSteps: 1, warmupBatch: 1 }))).toBe('1 warm-up (batch 1) + 2 steps, each a sample');
    expect(timedCell(ok('pytorch', 'infer', 1, [1], { warmupSteps: 2, iters: 5 }))).toBe('2 warm-up per repeat + 5 steps');
    expect(timedCell({ impl: 'pytorch', mode: 'train', threads: 1, batch: 1, status: 'missing' })).toBe('-');
  });

  it('renders the throughput table, one row per backend and thread count', () => {
    const table = throughputTable({ measurements, model: 'resnet20', versions: { tfjsCore: '4.22.0', tfjsLayers: '4.22.0', tfjsBackendCpu: '4.22.0', torch: '2.1.0' } });
    expect(table.header).toEqual(['backend', 'threads', 'batch (train / infer)', 'train images/s', 'train timed', 'infer images/s', 'infer timed']);
    expect(table.rows.map((r) => `${r[0]} t${r[1]}`)).toEqual(['amc-native t1', 'amc-native t2', 'tfjs-cpu t1', 'pytorch 2.1.0 t1', 'pytorch 2.1.0 t2']);
    expect(table.rows[0]).toEqual(['amc-native', '1', '128', '410 (IQR 10.0)', '3 warm-up + 3 x 10 steps', '1500 (IQR 10.0)', '3 warm-up + 3 x 10 steps']);
    expect(table.rows[2]?.slice(2, 4)).toEqual(['8 / 128', '0.45 (IQR 0.050)']);
    expect(table.rows[4]?.slice(3)).toEqual(['failed', '-', 'failed', '-']);
  });

  it('renders the stdout tables and the Markdown report', () => {
    const targets = evaluateTargets(measurements, [1, 2]);
    const missingPeer: ThroughputMeasurement[] = [
      ...measurements.filter((m) => m.impl !== 'pytorch'),
      { impl: 'pytorch', mode: 'train', threads: 1, batch: 128, status: 'missing', reason: 'no torch, install with: apt-get install python3-torch' },
    ];
    const text = renderResultTables({ measurements: missingPeer, model: 'resnet20', versions: { tfjsCore: '4.22.0', tfjsLayers: '4.22.0', tfjsBackendCpu: '4.22.0' }, targets: evaluateTargets(missingPeer, [1]) });
    expect(text).toContain('| pytorch | 1 | 128 | missing | - | - | - |');
    expect(text).toContain('| amc-native / PyTorch training >= 0.8x | 1 | not measured | not evaluated |');
    expect(text).toContain('| amc-native / tfjs cpu training >= 20x | 1 | 911x (410 / 0.45 images/s) | holds |');

    const machine: MachineRecord = {
      date: '2025-01-01T00:00:00.000Z',
      hostname: 'test',
      cpu: { model: 'Test CPU', flags: ['avx2', 'fma'], logicalCores: 2 },
      memoryGiB: 8,
      os: { platform: 'linux', release: '6.0', arch: 'x64' },
      node: { version: 'v20.0.0', v8: '11' },
      native: { detectedIsa: 'avx2', isaCap: 'avx2', supportedIsas: ['scalar', 'avx2'] },
      isaPerFamily: {},
      packages: { '@tensorflow/tfjs-core': '4.22.0' },
      env: {},
      loadAverage: { start: [0.1, 0.1, 0.1], end: [0.2, 0.1, 0.1] },
    };
    const record: TrainingRecord = {
      format: 1,
      suite: 'training',
      mode: 'quick',
      model: 'resnet20',
      batch: 128,
      cpuBatch: { train: 8, infer: 128 },
      threads: [1, 2],
      date: machine.date,
      versions: { tfjsCore: '4.22.0', tfjsLayers: '4.22.0', tfjsBackendCpu: '4.22.0', torch: '2.1.0', python: '3.11.2' },
      config: {},
      measurements,
      targets,
      peer: { status: 'failed', reason: 't2: exited with 139' },
      notes: ['PyTorch peer failed: t2: exited with 139.'],
      machine,
      durationS: 12.3,
    };
    const md = renderTrainingMarkdown(record);
    expect(md.startsWith('# Training throughput: resnet20, batch 128 (quick run)\n')).toBe(true);
    expect(md).toContain('> Quick run');
    expect(md).toContain('| amc-native / PyTorch inference >= 0.8x | 2 | not measured | not evaluated |');
    expect(md).toContain('| amc-native / tfjs cpu training >= 20x | 2 (baseline 1) |');
    expect(md).toContain('- PyTorch peer failed: t2: exited with 139.');
    expect(md).toContain('## Machine');
    expect(md).toContain('| CPU | Test CPU');
    expect(md).toContain('torch 2.1.0 (python 3.11.2)');
  });
});

describe('command-line helpers', () => {
  it('parses lists and integers', () => {
    expect(numberList('1, 2', 'threads')).toEqual([1, 2]);
    expect(() => numberList('1,x', 'threads')).toThrow(/--threads/);
    expect(intOption('128', 'batch')).toBe(128);
    expect(intOption('0', 'warmup', 0)).toBe(0);
    expect(() => intOption('0', 'batch')).toThrow(/--batch/);
    expect(() => intOption('', 'batch')).toThrow(/--batch/);
    expect(() => intOption('1.5', 'batch')).toThrow(/--batch/);
  });
});
