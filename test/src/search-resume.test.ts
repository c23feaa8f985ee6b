import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadGraph } from '@amc/graph';
import { compile } from '@amc/runtime';
import '@amc/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/plain-tfjs-predict.mjs', import.meta.url));

/** A short search: 12 episodes (4 of warm-up) on 200 validation images, one thread. */
function searchArgs(out: string, resume = false): string[] {
  return [CLI, 'search', 'resnet20', '--episodes', '12', '--warmup', '4', '--validation', '200', '--calibration', '64', '--threads', '1', '--seed', '3', '--out', out, ...(resume ? ['--resume'] : [])];
}

async function lineCount(path: string): Promise<number> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0).length;
  } catch {
    return 0;
  }
}

/** Starts the search and SIGKILLs it once `episodes` episodes are logged. */
async function killMidSearch(out: string, episodes: number): Promise<void> {
  const child = spawn(process.execPath, searchArgs(out), { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (;;) {
    if ((await lineCount(join(out, 'episodes.jsonl'))) >= episodes) break;
    if (child.exitCode !== null) throw new Error(`the search ended (code ${child.exitCode}) before it could be killed`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await exited;
}

function withoutTimes(text: string): unknown[] {
  return text
    .trim()
    .split('\n')
    .map((l) => ({ ...(JSON.parse(l) as Record<string, unknown>), time: null }));
}

describe('amc search end to end', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'amc-search-e2e-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a search killed mid-way and resumed ends with the same episodes and best policy as an uninterrupted one; its export reaches the budget and loads in plain tfjs', async () => {
    const whole = join(dir, 'whole');
    const killed = join(dir, 'killed');
    await run(process.execPath, searchArgs(whole), { maxBuffer: 1 << 24 });
    await killMidSearch(killed, 5);
    const { stdout } = await run(process.execPath, searchArgs(killed, true), { maxBuffer: 1 << 24 });
    expect(stdout).toMatch(/episode 12\/12/);
    const a = JSON.parse(await readFile(join(whole, 'result.json'), 'utf8')) as { best: { ratios: number[]; macs: number; reward: number }; original: { macs: number }; resumedFrom: number };
    const b = JSON.parse(await readFile(join(killed, 'result.json'), 'utf8')) as typeof a;
    // Killed with 5 episodes logged: the checkpoint holds 5, or 4 when the kill fell between the log line and the checkpoint.
    expect(b.resumedFrom).toBeGreaterThanOrEqual(4);
    expect(b.best).toEqual(a.best);
    expect(withoutTimes(await readFile(join(killed, 'episodes.jsonl'), 'utf8'))).toEqual(withoutTimes(await readFile(join(whole, 'episodes.jsonl'), 'utf8')));
    expect(a.best.macs).toBeLessThanOrEqual(0.5 * a.original.macs);

    const model = join(killed, 'model');
    const exported = await run(process.execPath, [CLI, 'export', killed, '--out', model, '--calibration', '128', '--threads', '1'], { maxBuffer: 1 << 24 });
    expect(exported.stdout).toMatch(/compressed\s+\d+\.\d+%/);
    const graph = await loadGraph(model);
    expect(graph.totals().macs).toBe(a.best.macs);
    const x = Float32Array.from({ length: 2 * 28 * 28 }, (_, i) => Math.cos(i * 0.11));
    const expected = compile(graph).predict(x, 2);
    const inputPath = join(dir, 'input.json');
    await writeFile(inputPath, JSON.stringify({ x: Array.from(x), shape: [2, 28, 28, 1] }));
    const plain = JSON.parse((await run(process.execPath, [FIXTURE, model, inputPath], { maxBuffer: 1 << 24 })).stdout) as { y: number[] };
    let worst = 0;
    let scale = 0;
    expected.forEach((v, i) => {
      worst = Math.max(worst, Math.abs((plain.y[i] as number) - v));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(worst / scale).toBeLessThan(1e-4);
  }, 300_000);
});
