import { ErrorCode, argumentError } from '@amc/core';
import { checkBoolean, checkInteger, checkNumber, checkOptions } from './checks.js';
import type { DenseEngineName } from './dense-engine.js';

/**
 * Options of a {@link DdpgAgent}. Only `stateDim` is required; the defaults are AMC's reference values
 * (AMC-SPEC section 7).
 *
 * @example
 * new DdpgAgent({ stateDim: 11, seed: 2018 });                              // the AMC setup
 * new DdpgAgent({ stateDim: 3, actionDim: 2, hidden: [64, 64], warmupEpisodes: 20 });
 */
export interface DdpgAgentOptions {
  /** Length of a state vector. Required, a positive integer. */
  stateDim: number;
  /** Length of an action vector; every action component is in [0, 1]. Default 1. */
  actionDim?: number;
  /** Seed of the agent's one generator (initialisation, exploration, replay sampling). Default 2018 (the reference). */
  seed?: number;
  /** Hidden widths of both networks (actor and critic), each followed by a ReLU. Default `[300, 300]`. */
  hidden?: readonly number[];
  /** Adam learning rate of the actor. Default 1e-4. */
  actorLr?: number;
  /** Adam learning rate of the critic. Default 1e-3. */
  criticLr?: number;
  /** Soft target update rate: `target = (1 - tau) target + tau online`, after every update. Default 0.01. */
  tau?: number;
  /** Discount of the bootstrapped value, in [0, 1]. Default 1 (AMC: the reward comes once per episode). */
  discount?: number;
  /** Transitions per update. Default 64. */
  batchSize?: number;
  /** Replay ring-buffer slots, >= batchSize. Default 2000 (the paper; the reference code uses 100 x units). */
  replayCapacity?: number;
  /** Episodes of uniform U(0, 1) actions before the actor is used. Default 100. */
  warmupEpisodes?: number;
  /** Exploration sigma at the first episode after warm-up. Default 0.5. */
  initSigma?: number;
  /** Sigma is multiplied by this per episode after warm-up. Default 0.95. */
  sigmaDecay?: number;
  /** Subtract a moving average of the batch-mean reward from the rewards of every update. Default true. */
  rewardBaseline?: boolean;
  /** Rate of that moving average: `baseline += alpha (batchMean - baseline)`, in (0, 1]. Default 0.5. */
  baselineAlpha?: number;
  /** The last layer of both networks is initialised U(-lastLayerInit, lastLayerInit). Default 3e-3. */
  lastLayerInit?: number;
  /**
   * What runs the networks' matrix products: `native` (`@amc/kernels`' SGEMM on float32 copies; an update ~3.5x faster)
   * or `js` (Float64 loops, no native code). Parameters and state are Float64 either way. Default `native`.
   */
  engine?: DenseEngineName;
}

/** Every option of a {@link DdpgAgent} resolved (defaults filled in); part of the serialised state. */
export type DdpgAgentConfig = { readonly [K in keyof DdpgAgentOptions]-?: NonNullable<DdpgAgentOptions[K]> };

/** AMC's reference values (AMC-SPEC section 7), the defaults of every optional {@link DdpgAgentOptions} field. */
export const DDPG_DEFAULTS: Readonly<Omit<DdpgAgentConfig, 'stateDim'>> = Object.freeze({
  actionDim: 1,
  seed: 2018,
  hidden: Object.freeze([300, 300]),
  actorLr: 1e-4,
  criticLr: 1e-3,
  tau: 0.01,
  discount: 1,
  batchSize: 64,
  replayCapacity: 2000,
  warmupEpisodes: 100,
  initSigma: 0.5,
  sigmaDecay: 0.95,
  rewardBaseline: true,
  baselineAlpha: 0.5,
  lastLayerInit: 3e-3,
  engine: 'native',
});

const KNOWN = ['stateDim', ...Object.keys(DDPG_DEFAULTS)];

function checkEngine(op: string, argument: string, value: unknown): DenseEngineName {
  if (value !== 'native' && value !== 'js') throw argumentError(ErrorCode.InvalidArgument, op, argument, "'native' or 'js'", value);
  return value;
}
/** Keeps the buffers of one agent well below the memory of a process. */
const MAX_WIDTH = 1 << 16;

/**
 * Validates `options` and fills in the defaults. `argument` names the object in error messages.
 * @throws AmcError AMC_INVALID_ARGUMENT for a missing / malformed / out-of-range / unknown option,
 * AMC_NON_FINITE for a NaN or infinite number.
 */
export function resolveOptions(op: string, options: unknown, argument = 'options'): DdpgAgentConfig {
  if (options === undefined) throw argumentError(ErrorCode.InvalidArgument, op, argument, 'an options object with stateDim', options);
  const o = checkOptions<DdpgAgentOptions>(op, options, KNOWN, argument);
  const name = (key: string): string => `${argument}.${key}`;
  const pick = <K extends keyof typeof DDPG_DEFAULTS>(key: K): unknown => (o[key] === undefined ? DDPG_DEFAULTS[key] : o[key]);
  const stateDim = checkInteger(op, name('stateDim'), o.stateDim, 1, MAX_WIDTH);
  const actionDim = checkInteger(op, name('actionDim'), pick('actionDim'), 1, MAX_WIDTH);
  const seed = pick('seed');
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw argumentError(ErrorCode.InvalidArgument, op, name('seed'), 'a safe integer', seed);
  const hidden = pick('hidden');
  if (!Array.isArray(hidden) || hidden.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, name('hidden'), 'a non-empty array of positive integers', hidden);
  }
  hidden.forEach((h: unknown, i) => checkInteger(op, `${name('hidden')}[${i}]`, h, 1, MAX_WIDTH));
  const batchSize = checkInteger(op, name('batchSize'), pick('batchSize'), 1, MAX_WIDTH);
  const replayCapacity = checkInteger(op, name('replayCapacity'), pick('replayCapacity'), 1, 1 << 24);
  if (replayCapacity < batchSize) {
    throw argumentError(ErrorCode.InvalidArgument, op, name('replayCapacity'), `an integer >= batchSize (${batchSize})`, replayCapacity);
  }
  return Object.freeze({
    stateDim,
    actionDim,
    seed,
    hidden: Object.freeze([...(hidden as number[])]),
    actorLr: checkNumber(op, name('actorLr'), pick('actorLr'), 0, Infinity, { lowOpen: true }),
    criticLr: checkNumber(op, name('criticLr'), pick('criticLr'), 0, Infinity, { lowOpen: true }),
    tau: checkNumber(op, name('tau'), pick('tau'), 0, 1),
    discount: checkNumber(op, name('discount'), pick('discount'), 0, 1),
    batchSize,
    replayCapacity,
    warmupEpisodes: checkInteger(op, name('warmupEpisodes'), pick('warmupEpisodes'), 0),
    initSigma: checkNumber(op, name('initSigma'), pick('initSigma'), 0, Infinity),
    sigmaDecay: checkNumber(op, name('sigmaDecay'), pick('sigmaDecay'), 0, 1),
    rewardBaseline: checkBoolean(op, name('rewardBaseline'), pick('rewardBaseline')),
    baselineAlpha: checkNumber(op, name('baselineAlpha'), pick('baselineAlpha'), 0, 1, { lowOpen: true }),
    lastLayerInit: checkNumber(op, name('lastLayerInit'), pick('lastLayerInit'), 0, Infinity),
    engine: checkEngine(op, name('engine'), pick('engine')),
  });
}
