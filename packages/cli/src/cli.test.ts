import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelMetadata } from '@amc/zoo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import type { CliIo } from './io.js';

function capture(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('amc', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'amc-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints help, and exits 2 on usage errors with a message naming the argument', async () => {
    const io = capture();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.lines.join('\n')).toMatch(/amc <command>/);
    expect(await runCli(['train', '--help'], io)).toBe(0);
    expect(io.lines.join('\n')).toMatch(/--epochs/);
    expect(await runCli([], io)).toBe(2);
    expect(await runCli(['compress'], io)).toBe(2);
    expect(io.errors.at(-1)).toMatch(/unknown command "compress"/);
    expect(await runCli(['train', '--epochs', 'ten'], io)).toBe(2);
    expect(io.errors.at(-1)).toMatch(/AMC_INVALID_ARGUMENT.*--epochs/);
    expect(await runCli(['train', '--bogus'], io)).toBe(2);
    expect(await runCli(['train', '--schedule', 'step'], io)).toBe(2);
    expect(await runCli(['train', '--model', 'resnet20', '--alpha', '0.5', '--epochs', '1', '--train-subset', '64', '--out', join(dir, 'x'), '--quiet'], io)).toBe(1);
    expect(io.errors.at(-1)).toMatch(/AMC_INVALID_ARGUMENT.*alpha/);
    expect(await runCli(['train', '--model', join(dir, 'missing.json'), '--quiet'], io)).toBe(1);
    expect(io.errors.at(-1)).toMatch(/AMC_IO/);
  });

  it('search / export / eval / demo: help, and coded usage errors before any work', async () => {
    const io = capture();
    for (const command of ['search', 'export', 'eval', 'demo']) {
      expect(await runCli([command, '--help'], io)).toBe(0);
      expect(io.lines.at(-1)).toMatch(new RegExp(`amc ${command}`));
    }
    expect(await runCli(['search'], io)).toBe(2);
    expect(await runCli(['search', 'resnet20', '--method', 'masks'], io)).toBe(2);
    expect(io.errors.at(-1)).toMatch(/AMC_INVALID_ARGUMENT.*--method/);
    expect(await runCli(['search', 'resnet20', '--target', 'flops=1.5'], io)).toBe(2);
    expect(io.errors.at(-1)).toMatch(/--target/);
    expect(await runCli(['search', 'resnet20', '--target', 'latency=0.5'], io)).toBe(2);
    expect(await runCli(['search', 'resnet20', '--protocol', 'speed'], io)).toBe(2);
    expect(await runCli(['search', 'resnet20', '--episodes', '10', '--warmup', '20'], io)).toBe(2);
    expect(await runCli(['search', 'resnet20', '--lower-bound', '0'], io)).toBe(2);
    expect(await runCli(['search', 'resnet20', '--selection', 'taylor'], io)).toBe(2);
    expect(io.errors.at(-1)).toMatch(/AMC_INVALID_ARGUMENT.*--selection/);
    expect(await runCli(['search', 'vgg', '--out', join(dir, 's')], io)).toBe(1);
    expect(io.errors.at(-1)).toMatch(/no pretrained vgg.*amc train --model vgg/);
    expect(await runCli(['export', join(dir, 'nothing')], io)).toBe(1);
    expect(io.errors.at(-1)).toMatch(/no search checkpoint/);
    expect(await runCli(['eval', 'resnet20', '--split', 'train'], io)).toBe(2);
    expect(await runCli(['demo', 'now'], io)).toBe(2);
  });

  it('inspects a zoo model: layers, MACs and the prunable groups', async () => {
    const io = capture();
    expect(await runCli(['inspect', 'resnet20'], io), io.errors.join('\n')).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/stage1\.block0\.conv1/);
    expect(text).toMatch(/31,021,952|31\.0\d? ?M/);
    const frozen = capture();
    expect(await runCli(['inspect', 'resnet20', '--freeze-residual'], frozen)).toBe(0);
    expect(frozen.lines.join('\n')).not.toEqual(text);
    expect(await runCli(['inspect'], io)).toBe(2);
    expect(await runCli(['inspect', join(dir, 'nothing', 'model.json')], io)).toBe(1);
    expect(io.errors.at(-1)).toMatch(/AMC_/);
  });

  it('trains a zoo model on Fashion-MNIST, saves it with its recipe, and a rerun resumes instead of starting over', async () => {
    const out = join(dir, 'run');
    const args = ['train', '--model', 'resnet20', '--epochs', '1', '--batch', '32', '--train-subset', '1024', '--lr', '0.05', '--threads', '2', '--out', out];
    const io = capture();
    expect(await runCli(args, io), io.errors.join('\n')).toBe(0);
    expect(io.lines.join('\n')).toMatch(/epoch 1\/1 step 32\/32 .*ETA/);
    expect(io.lines.join('\n')).toMatch(/test accuracy \d+\.\d+%/);
    expect((await stat(join(out, 'model', 'weights.bin'))).size).toBeGreaterThan(272_000 * 4);
    const meta = await readModelMetadata(join(out, 'model'));
    expect(meta?.model).toBe('resnet20');
    expect((meta?.test as { accuracy: number }).accuracy).toBeGreaterThan(0.3);
    const again = capture();
    expect(await runCli([...args, '--quiet'], again)).toBe(0);
    expect(again.lines.join('\n')).toMatch(/resumed from epoch 2 step 0/);
  }, 180_000);
});
