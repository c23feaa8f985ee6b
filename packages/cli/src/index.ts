/** @amc/cli: the `amc` command line (also usable programmatically through runCli). */
export { HELP, runCli } from './cli.js';
export type { CliIo } from './io.js';
export { processIo } from './io.js';
export { TRAIN_HELP, runTrain } from './train-command.js';
export type { TrainCommandOptions } from './train-command.js';
export { INSPECT_HELP, runInspect } from './inspect-command.js';
export type { InspectCommandOptions } from './inspect-command.js';
