/**
 * The `amc` command line. `runCli(argv)` parses and runs one command and returns the exit code: 0 success,
 * 1 a failure while running (coded AmcError printed), 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { DEFAULT_RECIPE } from '@amc/zoo';
import { type CliIo, processIo } from './io.js';
import { INSPECT_HELP, type InspectCommandOptions, runInspect } from './inspect-command.js';
import { TRAIN_HELP, type TrainCommandOptions, runTrain } from './train-command.js';

export const HELP = `amc: AutoML for Model Compression (He et al. 2018) in TypeScript

Usage: amc <command> [options]

Commands:
  train     train a zoo model (or a tfjs model.json) on Fashion-MNIST, with checkpoints and resume
  inspect   pre-flight report of a model: layers, MACs, params, prunable channel groups

Run "amc <command> --help" for a command's options.
`;

class UsageError extends Error {}

function num(name: string, value: string | undefined, integer: boolean, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n)) || n < min) {
    throw argumentError(ErrorCode.InvalidArgument, 'amc', `--${name}`, integer ? `an integer >= ${min}` : `a number >= ${min}`, value);
  }
  return n;
}

function parseTrain(args: string[]): TrainCommandOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      model: { type: 'string' },
      alpha: { type: 'string' },
      data: { type: 'string' },
      epochs: { type: 'string' },
      lr: { type: 'string' },
      batch: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      warmup: { type: 'string' },
      schedule: { type: 'string' },
      'no-augment': { type: 'boolean' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'no-resume': { type: 'boolean' },
      threads: { type: 'string' },
      backend: { type: 'string' },
      'train-subset': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`amc train: unexpected argument ${positionals[0]}`);
  const data = values.data ?? 'fashion-mnist';
  if (data !== 'fashion-mnist') throw argumentError(ErrorCode.InvalidArgument, 'amc', '--data', 'fashion-mnist', data);
  const schedule = values.schedule ?? DEFAULT_RECIPE.schedule;
  if (schedule !== 'cosine' && schedule !== 'constant') throw argumentError(ErrorCode.InvalidArgument, 'amc', '--schedule', 'cosine or constant', schedule);
  const model = values.model ?? 'resnet20';
  const alpha = num('alpha', values.alpha, false, 0);
  const threads = num('threads', values.threads, true, 1);
  const trainSubset = num('train-subset', values['train-subset'], true, 1);
  const defaultOut = `runs/${model.replace(/[^A-Za-z0-9._-]+/g, '_')}${alpha === undefined ? '' : `-${alpha}`}`;
  return {
    model,
    ...(alpha === undefined ? {} : { alpha }),
    data,
    epochs: num('epochs', values.epochs, true, 1) ?? DEFAULT_RECIPE.epochs,
    lr: num('lr', values.lr, false, 0) ?? DEFAULT_RECIPE.learningRate,
    batch: num('batch', values.batch, true, 1) ?? DEFAULT_RECIPE.batchSize,
    momentum: num('momentum', values.momentum, false, 0) ?? DEFAULT_RECIPE.momentum,
    weightDecay: num('weight-decay', values['weight-decay'], false, 0) ?? DEFAULT_RECIPE.weightDecay,
    warmup: num('warmup', values.warmup, false, 0) ?? DEFAULT_RECIPE.warmupEpochs,
    schedule,
    augment: values['no-augment'] !== true,
    seed: num('seed', values.seed, true, 0) ?? DEFAULT_RECIPE.seed,
    out: values.out ?? defaultOut,
    resume: values['no-resume'] !== true,
    ...(threads === undefined ? {} : { threads }),
    backend: values.backend ?? 'amc-native',
    ...(trainSubset === undefined ? {} : { trainSubset }),
    quiet: values.quiet === true,
  };
}

function parseInspect(args: string[]): InspectCommandOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { alpha: { type: 'string' }, 'freeze-residual': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`amc inspect: expected one model (a zoo name or a model.json), got ${positionals.length}`);
  const alpha = num('alpha', values.alpha, false, 0);
  return { model: positionals[0] as string, ...(alpha === undefined ? {} : { alpha }), freezeResidual: values['freeze-residual'] === true };
}

/** Runs the command line `argv` (without node and the script). Returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'train') {
      const options = parseTrain(rest);
      if (options === 'help') {
        io.out(TRAIN_HELP);
        return 0;
      }
      return await runTrain(options, io);
    }
    if (command === 'inspect') {
      const options = parseInspect(rest);
      if (options === 'help') {
        io.out(INSPECT_HELP);
        return 0;
      }
      return await runInspect(options, io);
    }
    throw new UsageError(`amc: unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${command === 'train' ? TRAIN_HELP : command === 'inspect' ? INSPECT_HELP : HELP}`);
      return 2;
    }
    if (AmcError.isInstance(error)) {
      io.err(`error ${error.code}: ${error.message}`);
      return error.code === ErrorCode.InvalidArgument && error.operation === 'amc' ? 2 : 1;
    }
    io.err(`error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
