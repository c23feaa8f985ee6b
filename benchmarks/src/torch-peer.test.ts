import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importModel } from '@amc/graph';
import { createModel } from '@amc/zoo';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_PYTHON, TORCH_PEER_SCRIPT, type TorchPeerModel, interpretTorchPeer, lastJsonLine, runTorchPeer, torchPeerArgs, torchPeerPython, torchPeerPythons } from './torch-peer.js';

// Stand-ins for python3 (shell scripts), so that no test needs python or torch.
const dir = mkdtempSync(join(tmpdir(), 'torch-peer-test-'));
function fakePython(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = {
  peer: 'pytorch',
  torch: '1.13.0',
  model: 'resnet20',
  batch: 8,
  threads: 1,
  params: 272186,
  train: { imagesPerSecond: [10, 12, 11], median: 11 },
  mkldnn: true,
  cpu: 'test cpu',
};

describe('torch peer', () => {
  it('finds its script next to the benchmarks sources', () => {
    expect(TORCH_PEER_SCRIPT.endsWith(join('benchmarks', 'python', 'torch_peer.py'))).toBe(true);
    expect(existsSync(TORCH_PEER_SCRIPT)).toBe(true);
  });

  it('builds the command line', () => {
    expect(torchPeerArgs({ model: 'resnet20', batch: 128, threads: 2, mode: 'both' })).toEqual([
      '--model', 'resnet20', '--batch', '128', '--threads', '2', '--mode', 'both', '--json',
    ]);
    expect(torchPeerArgs({ model: 'plain20', batch: 1, threads: 1, mode: 'train', warmup: 0, iters: 5, repeats: 3, channelsLast: true })).toEqual([
      '--model', 'plain20', '--batch', '1', '--threads', '1', '--mode', 'train', '--warmup', '0', '--iters', '5', '--repeats', '3', '--channels-last', '--json',
    ]);
  });

  it('picks the python executable from options, then the environment', () => {
    expect(torchPeerPython({ python: '/x/python' }, { AMC_PYTHON: '/y' })).toBe('/x/python');
    expect(torchPeerPython({}, { AMC_PYTHON: '/y', AMC_BENCH_PYTHON: '/z' })).toBe('/y');
    expect(torchPeerPython({}, { AMC_BENCH_PYTHON: '/z' })).toBe('/z');
    expect(torchPeerPython({}, {})).toBe('python3');
  });

  it("falls back to Debian's python3 only when nothing was chosen", () => {
    expect(torchPeerPythons({}, {}, true)).toEqual(['python3', SYSTEM_PYTHON]);
    expect(torchPeerPythons({}, {}, false)).toEqual(['python3']);
    expect(torchPeerPythons({ python: '/x/python' }, {}, true)).toEqual(['/x/python']);
    expect(torchPeerPythons({}, { AMC_PYTHON: '/y' }, true)).toEqual(['/y']);
  });

  it('takes the last JSON object line', () => {
    expect(lastJsonLine('noise\n{"a":1}\n{"b":2}\ntrailing\n')).toEqual({ b: 2 });
    expect(lastJsonLine('{broken\n')).toBeUndefined();
    expect(lastJsonLine('')).toBeUndefined();
  });

  it('reports a missing python instead of throwing', async () => {
    const result = await runTorchPeer({ model: 'resnet20', batch: 1, threads: 1, mode: 'infer', python: join(dir, 'no-such-python') });
    expect(result).toHaveProperty('missing');
    expect((result as { missing: string }).missing).toMatch(/ENOENT.*apt-get install python3-torch/);
  });

  it('reports a missing torch instead of throwing', async () => {
    const noTorch = fakePython('no-torch', `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1`);
    const result = await runTorchPeer({ model: 'resnet20', batch: 1, threads: 1, mode: 'infer', python: noTorch });
    expect((result as { missing: string }).missing).toMatch(/No module named 'torch'.*apt-get install python3-torch/);
    const scripted = fakePython('scripted-missing', `echo '{"peer": "pytorch", "missing": "torch cannot be imported: ImportError: libx.so"}'; exit 3`);
    const second = await runTorchPeer({ model: 'resnet20', batch: 1, threads: 1, mode: 'infer', python: scripted });
    expect((second as { missing: string }).missing).toMatch(/libx\.so.*apt-get install/);
  });

  it('passes the arguments and thread environment, and parses the report', async () => {
    const echo = fakePython('echo', `echo "args: $*" >&2; echo "omp=$OMP_NUM_THREADS mkl=$MKL_NUM_THREADS"; echo '${JSON.stringify(report)}'`);
    const result = await runTorchPeer({ model: 'resnet20', batch: 8, threads: 3, mode: 'train', python: echo });
    expect(result).toEqual(report);
    const env = fakePython('env', `echo "{\\"peer\\":\\"pytorch\\",\\"params\\":1,\\"omp\\":\\"$OMP_NUM_THREADS\\",\\"mkl\\":\\"$MKL_NUM_THREADS\\",\\"script\\":\\"$1\\"}"`);
    const seen = (await runTorchPeer({ model: 'resnet20', batch: 8, threads: 3, mode: 'train', python: env })) as unknown as Record<string, string>;
    expect(seen.omp).toBe('3');
    expect(seen.mkl).toBe('3');
    expect(seen.script).toBe(TORCH_PEER_SCRIPT);
  });

  it('throws on other failures', async () => {
    const crash = fakePython('crash', `echo "Segmentation fault" >&2; exit 139`);
    await expect(runTorchPeer({ model: 'resnet20', batch: 1, threads: 1, mode: 'infer', python: crash })).rejects.toThrow(/exited with 139/);
    const slow = fakePython('slow', 'exec sleep 5');
    await expect(runTorchPeer({ model: 'resnet20', batch: 1, threads: 1, mode: 'infer', python: slow, timeoutMs: 200 })).rejects.toThrow(/timed out/);
    expect(() => interpretTorchPeer('python3', { error: null, stdout: '{"peer":"other"}\n', stderr: '' })).toThrow(/unexpected JSON/);
    expect(() => interpretTorchPeer('python3', { error: null, stdout: 'nothing\n', stderr: '' })).toThrow(/no JSON line/);
  });
});

// The stand-ins above never run the script itself; these do (a review once deleted its argument parser unnoticed).
describe('torch peer script', () => {
  it('parses its arguments and prints its usage without torch', () => {
    const python = torchPeerPythons({})[0] as string;
    const run = spawnSync(python, [TORCH_PEER_SCRIPT, '--help'], { encoding: 'utf8' });
    expect(run.error, `${python}: ${String(run.error)}`).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/--model \{mobilenetV2,plain20,resnet20,resnet56\}/);
    const bad = spawnSync(python, [TORCH_PEER_SCRIPT, '--batch', '0'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--batch must be at least 1/);
  });

  it('builds every model with the trainable parameters of the zoo model it stands for (or reports torch missing)', async () => {
    await tf.setBackend('cpu');
    for (const model of ['plain20', 'resnet20', 'resnet56', 'mobilenetV2'] as TorchPeerModel[]) {
      const result = await runTorchPeer({ model, batch: 2, threads: 1, mode: 'both', warmup: 0, iters: 1, repeats: 1 });
      if ('missing' in result) {
        expect(result.missing).toMatch(/apt-get install python3-torch/);
        continue;
      }
      const zoo = createModel(model);
      const { trainableParams } = importModel(zoo).totals();
      zoo.dispose();
      expect(result.params, model).toBe(trainableParams);
      expect(result.train?.median, model).toBeGreaterThan(0);
      expect(result.infer?.median, model).toBeGreaterThan(0);
    }
  }, 120_000);
});
