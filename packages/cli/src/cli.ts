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
import { SEARCH_HELP, type SearchCommandOptions, runSearchCommand } from './search-command.js';
import { EXPORT_HELP, type ExportCommandOptions, runExportCommand } from './export-command.js';
import { EVAL_HELP, type EvalCommandOptions, runEvalCommand } from './eval-command.js';
import { DEMO_HELP, type DemoCommandOptions, runDemoCommand } from './demo-command.js';
import { parseTarget } from './sources.js';

export const HELP = `amc: AutoML for Model Compression (He et al. 2018) in TypeScript

Usage: amc <command> [options]

Commands:
  train     train a zoo model (or a tfjs model.json) on Fashion-MNIST, with checkpoints and resume
  inspect   pre-flight report of a model: layers, MACs, params, prunable channel groups
  search    AMC search: a per-layer compression policy found by a DDPG agent (resumable)
  export    compress a model with a search's best policy, fine-tune, save as a tfjs model
  eval      accuracy, MACs, params and latency of a model on @amc/runtime
  demo      the main job: ResNet-20 compressed to 50% of its MACs on Fashion-MNIST, end to end

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

function parseSearch(args: string[]): SearchCommandOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string' },
      method: { type: 'string' },
      protocol: { type: 'string' },
      target: { type: 'string' },
      episodes: { type: 'string' },
      warmup: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      calibration: { type: 'string' },
      validation: { type: 'string' },
      'lower-bound': { type: 'string' },
      'channel-round': { type: 'string' },
      'freeze-residual': { type: 'boolean' },
      selection: { type: 'string' },
      finalists: { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`amc search: expected one model (a zoo name or a model folder), got ${positionals.length}`);
  const model = positionals[0] as string;
  const method = values.method ?? 'channel';
  if (method !== 'channel' && method !== 'fine-grained') throw argumentError(ErrorCode.InvalidArgument, 'amc', '--method', 'channel or fine-grained', method);
  const protocol = values.protocol ?? 'resource';
  if (protocol !== 'resource' && protocol !== 'accuracy') throw argumentError(ErrorCode.InvalidArgument, 'amc', '--protocol', 'resource or accuracy', protocol);
  const warmup = num('warmup', values.warmup, true, 0);
  const lowerBound = num('lower-bound', values['lower-bound'], false, 0);
  const selection = values.selection ?? 'energy';
  if (selection !== 'l1' && selection !== 'energy') throw argumentError(ErrorCode.InvalidArgument, 'amc', '--selection', 'energy or l1', selection);
  const threads = num('threads', values.threads, true, 1);
  const episodes = num('episodes', values.episodes, true, 1) ?? 400;
  if (warmup !== undefined && warmup > episodes) throw argumentError(ErrorCode.InvalidArgument, 'amc', '--warmup', `at most --episodes (${episodes})`, values.warmup);
  if (lowerBound !== undefined && !(lowerBound > 0 && lowerBound <= 1)) throw argumentError(ErrorCode.InvalidArgument, 'amc', '--lower-bound', 'a number in (0, 1]', values['lower-bound']);
  return {
    model,
    data: values.data ?? 'fashion-mnist',
    method,
    protocol,
    target: parseTarget(values.target ?? (method === 'channel' ? 'flops=0.5' : 'params=0.2'), 'amc'),
    episodes,
    ...(warmup === undefined ? {} : { warmup }),
    seed: num('seed', values.seed, true, 0) ?? 1,
    out: values.out ?? `runs/search-${model.replace(/[^A-Za-z0-9._-]+/g, '_')}`,
    resume: values.resume === true,
    calibration: num('calibration', values.calibration, true, 1) ?? 256,
    validation: num('validation', values.validation, true, 1) ?? 1000,
    ...(lowerBound === undefined ? {} : { lowerBound }),
    channelRound: num('channel-round', values['channel-round'], true, 1) ?? 1,
    freezeResidual: values['freeze-residual'] === true,
    selection,
    finalists: num('finalists', values.finalists, true, 0) ?? 10,
    ...(threads === undefined ? {} : { threads }),
    quiet: values.quiet === true,
  };
}

function parseExport(args: string[]): ExportCommandOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      calibration: { type: 'string' },
      'finetune-epochs': { type: 'string' },
      lr: { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`amc export: expected one search folder, got ${positionals.length}`);
  const searchDir = positionals[0] as string;
  const threads = num('threads', values.threads, true, 1);
  return {
    searchDir,
    out: values.out ?? `${searchDir}/model`,
    calibration: num('calibration', values.calibration, true, 1) ?? 2048,
    finetuneEpochs: num('finetune-epochs', values['finetune-epochs'], true, 0) ?? 0,
    lr: num('lr', values.lr, false, 0) ?? 0.02,
    ...(threads === undefined ? {} : { threads }),
    quiet: values.quiet === true,
  };
}

function parseEval(args: string[]): EvalCommandOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { data: { type: 'string' }, split: { type: 'string' }, batch: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(`amc eval: expected one model, got ${positionals.length}`);
  const split = values.split ?? 'test';
  if (split !== 'test' && split !== 'validation') throw argumentError(ErrorCode.InvalidArgument, 'amc', '--split', 'test or validation', split);
  const threads = num('threads', values.threads, true, 1);
  return { model: positionals[0] as string, data: values.data ?? 'fashion-mnist', split, batch: num('batch', values.batch, true, 1) ?? 128, ...(threads === undefined ? {} : { threads }) };
}

function parseDemo(args: string[]): DemoCommandOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { episodes: { type: 'string' }, 'finetune-epochs': { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`amc demo: unexpected argument ${positionals[0]}`);
  const threads = num('threads', values.threads, true, 1);
  return {
    episodes: num('episodes', values.episodes, true, 1) ?? 400,
    finetuneEpochs: num('finetune-epochs', values['finetune-epochs'], true, 0) ?? 1,
    out: values.out ?? 'runs/demo',
    ...(threads === undefined ? {} : { threads }),
  };
}

const COMMANDS: Record<string, { help: string; run: (args: string[], io: CliIo) => Promise<number> }> = {
  train: { help: TRAIN_HELP, run: (args, io) => dispatch(parseTrain(args), TRAIN_HELP, io, runTrain) },
  inspect: { help: INSPECT_HELP, run: (args, io) => dispatch(parseInspect(args), INSPECT_HELP, io, runInspect) },
  search: { help: SEARCH_HELP, run: (args, io) => dispatch(parseSearch(args), SEARCH_HELP, io, runSearchCommand) },
  export: { help: EXPORT_HELP, run: (args, io) => dispatch(parseExport(args), EXPORT_HELP, io, (o, i) => runExportCommand(o, i)) },
  eval: { help: EVAL_HELP, run: (args, io) => dispatch(parseEval(args), EVAL_HELP, io, runEvalCommand) },
  demo: { help: DEMO_HELP, run: (args, io) => dispatch(parseDemo(args), DEMO_HELP, io, runDemoCommand) },
};

async function dispatch<T>(options: T | 'help', help: string, io: CliIo, run: (o: T, io: CliIo) => Promise<number>): Promise<number> {
  if (options === 'help') {
    io.out(help);
    return 0;
  }
  return run(options, io);
}

/** Runs the command line `argv` (without node and the script). Returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(HELP);
      return command === undefined ? 2 : 0;
    }
    const entry = COMMANDS[command];
    if (entry !== undefined) return await entry.run(rest, io);
    throw new UsageError(`amc: unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${(command === undefined ? undefined : COMMANDS[command]?.help) ?? HELP}`);
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
