/**
 * The reward protocol (AMC-SPEC section 6) and the three built-in rewards of the paper.
 */
import { ErrorCode, AmcError, argumentError } from '@amc/core';
import { checkObject, checkPositive, checkUnitInterval } from './checks.js';

/** The version of {@link RewardProtocol} this package implements. A protocol declares it; others are refused. */
export const REWARD_PROTOCOL_VERSION = 1;

/**
 * The two protocols of the paper. `resource-constrained`: the search applies the budget wall (section 3) and
 * the reward only sees the error. `accuracy-guaranteed`: no wall; the reward itself trades error against size.
 */
export type RewardKind = 'resource-constrained' | 'accuracy-guaranteed';

/**
 * Absolute resource counts of one model (not fractions): `macs` multiply-accumulates per sample, `params` weight
 * count, optionally `latencyMs` and any other named additive resource. Every present value is finite and > 0.
 */
export interface ResourceCounts {
  /** Multiply-accumulate operations per sample (what the AMC reference calls FLOPs). */
  readonly macs: number;
  /** Number of weights (parameters). */
  readonly params: number;
  /** Measured or table latency in milliseconds, if known. */
  readonly latencyMs?: number;
  /** Any other named resource (e.g. `energyMj`). */
  readonly [resource: string]: number | undefined;
}

/**
 * What one episode produced, the input of every reward: the compressed model's accuracy on the held-out
 * reward set (no fine-tuning), its resources, and the original model's resources.
 *
 * @example
 * { accuracy: 0.71, resources: { macs: 285e6, params: 2.1e6 }, original: { macs: 569e6, params: 4.2e6 } }
 */
export interface EpisodeOutcome {
  /** Accuracy in [0, 1] (a fraction, not a percentage). */
  readonly accuracy: number;
  /** The error the reward uses, in [0, 1]; defaults to `1 - accuracy` (pass a top-5 error here if you want it). */
  readonly error?: number;
  /** Resources of the compressed model. */
  readonly resources: ResourceCounts;
  /** Resources of the original model. */
  readonly original: ResourceCounts;
}

/**
 * A reward: a small, versioned, pure `(outcome) -> number`, larger is better. The search calls it once per
 * episode and copies the value to every transition of that episode (AMC-SPEC section 6).
 *
 * @example
 * const top5: RewardProtocol = {
 *   protocolVersion: 1, name: 'top5-error', kind: 'resource-constrained',
 *   reward: (o) => -outcomeError(o),
 * };
 */
export interface RewardProtocol {
  /** Always 1 for this version of the interface. */
  readonly protocolVersion: 1;
  /** A unique, non-empty name (the registry key), e.g. `flops`. */
  readonly name: string;
  /** Which protocol the reward belongs to; tells the search whether to apply the budget wall. */
  readonly kind: RewardKind;
  /** The reward of an episode; must be finite for every valid outcome. */
  reward(outcome: EpisodeOutcome): number;
}

/**
 * Validates an episode outcome and returns the error the rewards use: `outcome.error` when given, else
 * `1 - outcome.accuracy`.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for an accuracy or error outside [0, 1], a missing, non-finite or
 *   non-positive `macs` / `params` / `latencyMs` / other resource in `resources` or `original`.
 * @example
 * outcomeError({ accuracy: 0.9, resources, original }); // 0.1 (up to float rounding)
 */
export function outcomeError(outcome: EpisodeOutcome, operation = 'outcomeError'): number {
  const o = checkObject(operation, 'outcome', outcome);
  const accuracy = checkUnitInterval(operation, 'outcome.accuracy', o.accuracy);
  checkResources(operation, 'outcome.resources', o.resources);
  checkResources(operation, 'outcome.original', o.original);
  if (o.error === undefined) return 1 - accuracy;
  return checkUnitInterval(operation, 'outcome.error', o.error);
}

function checkResources(op: string, argument: string, value: unknown): void {
  const r = checkObject(op, argument, value);
  checkPositive(op, `${argument}.macs`, r.macs);
  checkPositive(op, `${argument}.params`, r.params);
  for (const [key, v] of Object.entries(r)) {
    if (v !== undefined) checkPositive(op, `${argument}.${key}`, v);
  }
}

/**
 * Validates `outcome`, calls `protocol.reward` and checks the result is finite.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for an invalid outcome (see {@link outcomeError}) or a protocol without a
 *   `reward` function; AMC_NON_FINITE when the reward returns NaN, an infinity or a non-number.
 * @example
 * evaluateReward(getReward('flops'), outcome);
 */
export function evaluateReward(protocol: RewardProtocol, outcome: EpisodeOutcome): number {
  const op = 'evaluateReward';
  const p = checkObject(op, 'protocol', protocol);
  if (typeof p.reward !== 'function') throw argumentError(ErrorCode.InvalidArgument, op, 'protocol.reward', 'a function', p.reward);
  outcomeError(outcome, op);
  const value: unknown = protocol.reward(outcome);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const name = typeof p.name === 'string' ? p.name : '?';
    throw new AmcError(ErrorCode.NonFinite, `${op}: reward "${name}" returned ${String(value)}, expected a finite number`, {
      operation: op,
      argument: 'protocol.reward',
      expected: 'a finite number',
      received: String(value),
    });
  }
  return value;
}

/**
 * R_err = -error (resource-constrained protocol; the budget wall does the constraining). The AMC reference uses
 * `accuracy * 0.01`, equal up to a constant that the agent's moving-average baseline removes.
 *
 * @example
 * errorReward.reward({ accuracy: 0.7, resources, original }); // -0.3
 */
export const errorReward: RewardProtocol = Object.freeze({
  protocolVersion: 1 as const,
  name: 'error',
  kind: 'resource-constrained' as const,
  reward(outcome: EpisodeOutcome): number {
    return -outcomeError(outcome, 'errorReward');
  },
});

/**
 * R_FLOPs = -error * ln(macs) (accuracy-guaranteed protocol): natural log of the compressed model's absolute
 * MAC count, as the AMC reference (whose "FLOPs" are multiply-accumulates).
 *
 * @example
 * flopsReward.reward({ accuracy: 0.7, resources: { macs: 1e6, params: 1e4 }, original }); // -0.3 * ln(1e6) ≈ -4.1447
 */
export const flopsReward: RewardProtocol = Object.freeze({
  protocolVersion: 1 as const,
  name: 'flops',
  kind: 'accuracy-guaranteed' as const,
  reward(outcome: EpisodeOutcome): number {
    return -outcomeError(outcome, 'flopsReward') * Math.log(outcome.resources.macs);
  },
});

/**
 * R_Param = -error * ln(params) (accuracy-guaranteed protocol): natural log of the compressed model's absolute
 * weight count.
 *
 * @example
 * paramsReward.reward({ accuracy: 0.7, resources: { macs: 1e6, params: 1e4 }, original }); // -0.3 * ln(1e4) ≈ -2.7631
 */
export const paramsReward: RewardProtocol = Object.freeze({
  protocolVersion: 1 as const,
  name: 'params',
  kind: 'accuracy-guaranteed' as const,
  reward(outcome: EpisodeOutcome): number {
    return -outcomeError(outcome, 'paramsReward') * Math.log(outcome.resources.params);
  },
});
