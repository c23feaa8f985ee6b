/**
 * `amc demo` (`npm run demo`): the main job on the embedded defaults. Compresses the zoo's pretrained ResNet-20 to
 * 50% of its MACs on Fashion-MNIST with the AMC search, exports the best policy with one epoch of fine-tuning, and
 * prints original vs compressed test accuracy, MACs, params and measured latency. Resumable (rerun continues).
 */
import { join } from 'node:path';
import type { CliIo } from './io.js';
import { runExportCommand } from './export-command.js';
import { runSearchCommand } from './search-command.js';

export const DEMO_HELP = `amc demo: compress the pretrained ResNet-20 to 50% of its MACs on Fashion-MNIST (search, export, fine-tune, report)

Usage: amc demo [options]

  --episodes <n>            search episodes (the first quarter, at most 100, are random warm-up) [400]
  --finetune-epochs <n>     [1]
  --out <dir>               [runs/demo]
  --threads <n>             native threads [all cores]
`;

/** Parsed options of `amc demo`. */
export interface DemoCommandOptions {
  episodes: number;
  finetuneEpochs: number;
  out: string;
  threads?: number;
}

/** Runs `amc demo`. Returns the exit code. */
export async function runDemoCommand(o: DemoCommandOptions, io: CliIo): Promise<number> {
  const threads = o.threads === undefined ? {} : { threads: o.threads };
  const started = performance.now();
  const code = await runSearchCommand(
    {
      model: 'resnet20',
      data: 'fashion-mnist',
      method: 'channel',
      protocol: 'resource',
      target: { resource: 'macs', ratio: 0.5 },
      episodes: o.episodes,
      seed: 1,
      out: o.out,
      resume: true,
      calibration: 256,
      validation: 1000,
      channelRound: 1,
      freezeResidual: false,
      selection: 'energy',
      finalists: 10,
      quiet: false,
      ...threads,
    },
    io,
  );
  if (code !== 0) return code;
  const result = await runExportCommand({ searchDir: o.out, out: join(o.out, 'model'), calibration: 1024, finetuneEpochs: o.finetuneEpochs, lr: 0.02, quiet: false, ...threads }, io);
  io.out(`demo finished in ${((performance.now() - started) / 60000).toFixed(1)} min`);
  return result;
}
