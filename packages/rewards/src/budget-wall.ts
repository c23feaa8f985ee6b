/**
 * The budget wall of the resource-constrained protocol (AMC-SPEC section 3), as pure functions over any
 * additive {@link ResourceModel}.
 */
import { ErrorCode, argumentError } from '@amc/core';
import { checkNonNegative, checkOptions, checkUnitInterval } from './checks.js';
import { affineInUnit, checkRatios, checkResourceModel, totalAt, type ResourceModel } from './resource-model.js';

/**
 * Relative slack of every budget comparison: a total meets `budget` when `total <= budget * (1 + BUDGET_TOLERANCE)`.
 * It only absorbs float rounding (the wall's own clamp lands on the budget up to a few ulps); 1e-12.
 */
export const BUDGET_TOLERANCE = 1e-12;

/**
 * Maps a unit's preserve ratio to the ratio that pruning will really achieve, e.g. after rounding the kept
 * channel count up to a multiple ({@link channelQuantizer}). Returns a number in [0, 1]; expected to be
 * non-decreasing in `ratio` (strict mode keeps the budget even when it is not).
 */
export type Quantize = (unit: number, ratio: number) => number;

/** Options of {@link constrainAction} and {@link constrainActions}. */
export interface ConstrainOptions {
  /** The budget, in the resource's own absolute units (e.g. `0.5 * resourceOf(model, ones)`); finite, >= 0. */
  budget: number;
  /** The smallest ratio any unit may take (`lbound`), in [0, upperBound]; default 0.2. */
  lowerBound?: number;
  /** The largest ratio any unit may take, in [lowerBound, 1]; default 1. */
  upperBound?: number;
  /** The ratio pruning really achieves for a requested ratio; default: the identity. */
  quantize?: Quantize;
  /**
   * Default true: choose the largest ratio whose **quantized** value keeps the budget reachable, later units
   * counted at their quantized lower bound, so rounding never overshoots a feasible budget. false: the
   * reference wall on raw ratios (later units at the raw lower bound), quantized afterwards; it can overshoot,
   * which `feasible` reports. Without `quantize` both modes are the same.
   */
  strict?: boolean;
}

/** The result of one step of the wall. */
export interface ConstrainedAction {
  /** The preserve ratio to prune unit t with, in [lowerBound, upperBound]. */
  ratio: number;
  /** `quantize(t, ratio)` (= `ratio` without `quantize`): what the resource and later decisions must use. */
  effectiveRatio: number;
  /** The largest effective ratio of unit t that keeps the budget reachable (may be > 1, < lowerBound, ±Infinity). */
  maxRatio: number;
  /** True when `ratio` differs from `action` (raised to lowerBound, cut to upperBound or lowered by the wall). */
  clamped: boolean;
  /**
   * True when the budget is still reachable after this step: decided units at the given ratios, unit t at
   * `effectiveRatio`, later units at their (quantized) lower bound. False means the budget cannot be met, and
   * never goes unreported.
   */
  feasible: boolean;
}

/** The result of {@link constrainActions}: the wall applied to a whole episode in order. */
export interface ConstrainedEpisode {
  /** The preserve ratio of every unit. */
  ratios: number[];
  /** The effective ratio of every unit (after `quantize`). */
  effectiveRatios: number[];
  /** Every step's {@link ConstrainedAction}. */
  steps: ConstrainedAction[];
  /** The resource at the effective ratios. */
  resource: number;
  /** Whether `resource` meets the budget (within {@link BUDGET_TOLERANCE}). */
  withinBudget: boolean;
}

/** The result of {@link checkBudgetFeasible}. */
export interface BudgetFeasibility {
  /** Whether every unit at its (quantized) lower bound meets the budget. */
  feasible: boolean;
  /** The resource with every unit at its (quantized) lower bound: the least any episode can reach. */
  minimum: number;
  /** The budget checked. */
  budget: number;
}

function meets(total: number, budget: number): boolean {
  return total <= budget * (1 + BUDGET_TOLERANCE);
}

function quantized(q: Quantize | undefined, op: string, unit: number, ratio: number): number {
  if (q === undefined) return ratio;
  const value: unknown = q(unit, ratio);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.quantize', `a ratio in [0, 1] for unit ${unit} at ${ratio}`, value);
  }
  return value;
}

/**
 * The largest ratio of unit t such that the total, with units before t at `decided` and units after t at
 * `lowerBound`, is at most `budget`: `maxKeep = (budget - other) / this` of AMC-SPEC section 3, where `this` is
 * the part of the total proportional to unit t's ratio and `other` the rest. The total is affine in unit t's
 * ratio because each term holds a unit at most once. Not clipped: > 1 when even 1 fits, < `lowerBound` (or
 * negative) when the budget is unreachable; +Infinity / -Infinity when unit t costs nothing and the rest does /
 * does not fit.
 *
 * @param lowerBound the ratio of the undecided units, one number or one per unit (only units after t are read).
 * @throws AmcError for an invalid model; AMC_INDEX_OUT_OF_RANGE for t outside [0, unitCount);
 *   AMC_SHAPE_MISMATCH when `decided` does not have t entries (or a per-unit `lowerBound` not unitCount);
 *   AMC_INVALID_ARGUMENT for ratios outside [0, 1] or a budget that is not finite and >= 0.
 * @example
 * maxPreserveRatio(macs, 1, [0.9], 0.2, 3_170_304); // (3,170,304 - 398,131.2) / 5,780,275.2 = 0.4795918... (47 / 98)
 */
export function maxPreserveRatio(
  model: ResourceModel,
  t: number,
  decided: readonly number[],
  lowerBound: number | readonly number[],
  budget: number,
): number {
  const op = 'maxPreserveRatio';
  checkResourceModel(model, op);
  checkUnit(op, model, t);
  checkRatios(op, 'decided', decided, t);
  const floors = Array.isArray(lowerBound)
    ? checkRatios(op, 'lowerBound', lowerBound, model.unitCount)
    : new Array<number>(model.unitCount).fill(checkUnitInterval(op, 'lowerBound', lowerBound));
  checkNonNegative(op, 'budget', budget);
  const { fixed, slope } = affineInUnit(model, t, (u) => (u < t ? (decided[u] as number) : (floors[u] as number)));
  return maxFrom(fixed, slope, budget);
}

function maxFrom(fixed: number, slope: number, budget: number): number {
  if (slope > 0) return (budget - fixed) / slope;
  return meets(fixed, budget) ? Infinity : -Infinity;
}

function checkUnit(op: string, model: ResourceModel, t: unknown): void {
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= model.unitCount) {
    throw argumentError(ErrorCode.IndexOutOfRange, op, 't', `a unit index in [0, ${model.unitCount})`, t);
  }
}

interface Resolved {
  budget: number;
  lowerBound: number;
  upperBound: number;
  quantize: Quantize | undefined;
  strict: boolean;
}

const OPTION_KEYS = ['budget', 'lowerBound', 'upperBound', 'quantize', 'strict'] as const;

function resolveOptions(op: string, options: unknown): Resolved {
  if (options === undefined) throw argumentError(ErrorCode.InvalidArgument, op, 'options', 'an options object with a budget', options);
  const o = checkOptions<ConstrainOptions>(op, options, OPTION_KEYS);
  const budget = checkNonNegative(op, 'options.budget', o.budget);
  const lowerBound = checkUnitInterval(op, 'options.lowerBound', o.lowerBound ?? 0.2);
  const upperBound = checkUnitInterval(op, 'options.upperBound', o.upperBound ?? 1);
  if (lowerBound > upperBound) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.upperBound', `a ratio >= lowerBound (${lowerBound})`, upperBound);
  }
  if (o.quantize !== undefined && typeof o.quantize !== 'function') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.quantize', 'a function (unit, ratio) => ratio', o.quantize);
  }
  if (o.strict !== undefined && typeof o.strict !== 'boolean') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.strict', 'a boolean', o.strict);
  }
  return { budget, lowerBound, upperBound, quantize: o.quantize, strict: o.strict ?? true };
}

/**
 * One step of the wall (AMC-SPEC section 3): caps the agent's action for unit t so that the budget stays
 * reachable even if every later unit is pruned to the lower bound, `a = max(min(action, maxKeep), lowerBound)`
 * (also cut to `upperBound`). An action that already fits is never lowered. With `quantize` in strict mode, the
 * ratio is the largest in [lowerBound, min(action, upperBound)] whose quantized value fits, later units counted
 * at their quantized lower bound; when that value is itself a fixed point of `quantize` (e.g. `8 / 32` for
 * channel rounding) it is returned as the ratio. When even the lower bound does not fit, the ratio is the lower
 * bound and `feasible` is false: an unreachable budget is reported, never silently exceeded.
 *
 * @param decided the **effective** ratios of units 0..t-1 (what earlier steps returned as `effectiveRatio`).
 * @param action the agent's raw action in [0, 1] (the replay buffer stores this one, not the result).
 * @throws AmcError for an invalid model, unit, `decided` (see {@link maxPreserveRatio}), an action outside
 *   [0, 1], missing or invalid options (AMC_INVALID_ARGUMENT), or a `quantize` returning a value outside [0, 1].
 * @example
 * constrainAction(macs, 1, [0.9], 0.8, { budget: 3_170_304 });
 * // { ratio: 0.4795918..., effectiveRatio: 0.4795918..., maxRatio: 0.4795918..., clamped: true, feasible: true }
 */
export function constrainAction(
  model: ResourceModel,
  t: number,
  decided: readonly number[],
  action: number,
  options: ConstrainOptions,
): ConstrainedAction {
  const op = 'constrainAction';
  checkResourceModel(model, op);
  checkUnit(op, model, t);
  checkRatios(op, 'decided', decided, t);
  checkUnitInterval(op, 'action', action);
  return step(op, model, t, decided, action, resolveOptions(op, options));
}

function step(op: string, model: ResourceModel, t: number, decided: readonly number[], action: number, o: Resolved): ConstrainedAction {
  const q = o.quantize;
  const floor = (u: number): number => quantized(q, op, u, o.lowerBound);
  const before = (u: number): number => decided[u] as number;
  // Later units at their true (quantized) lower bound: what feasibility means in both modes.
  const trueSplit = affineInUnit(model, t, (u) => (u < t ? before(u) : floor(u)));
  const fitsTruly = (e: number): boolean => meets(trueSplit.fixed + trueSplit.slope * e, o.budget);
  const requested = Math.min(Math.max(action, o.lowerBound), o.upperBound);

  if (q === undefined || !o.strict) {
    const split = q === undefined ? trueSplit : affineInUnit(model, t, (u) => (u < t ? before(u) : o.lowerBound));
    const maxRatio = maxFrom(split.fixed, split.slope, o.budget);
    const fits = meets(split.fixed + split.slope * requested, o.budget);
    const ratio = fits ? requested : Math.max(Math.min(requested, maxRatio), o.lowerBound);
    const effectiveRatio = quantized(q, op, t, ratio);
    return { ratio, effectiveRatio, maxRatio, clamped: ratio !== action, feasible: fitsTruly(effectiveRatio) };
  }

  const maxRatio = maxFrom(trueSplit.fixed, trueSplit.slope, o.budget);
  const fitsAt = (a: number): boolean => fitsTruly(quantized(q, op, t, a));
  let ratio: number;
  if (fitsAt(requested) || !fitsAt(o.lowerBound)) {
    ratio = fitsAt(requested) ? requested : o.lowerBound;
  } else {
    // Bisection keeps `lo` a ratio whose quantized value fits; valid for any quantize, monotone or not.
    let lo = o.lowerBound;
    let hi = requested;
    for (let i = 0; i < 100; i++) {
      const mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi) break;
      if (fitsAt(mid)) lo = mid;
      else hi = mid;
    }
    ratio = lo;
    const e = quantized(q, op, t, lo);
    if (e !== lo && e >= o.lowerBound && e <= requested && quantized(q, op, t, e) === e && fitsTruly(e)) ratio = e;
  }
  const effectiveRatio = quantized(q, op, t, ratio);
  return { ratio, effectiveRatio, maxRatio, clamped: ratio !== action, feasible: fitsTruly(effectiveRatio) };
}

/**
 * The wall over a whole episode: constrains `actions[t]` for t = 0..T-1 in order, each step seeing the earlier
 * effective ratios. When {@link checkBudgetFeasible} says the budget is feasible and `strict` is on (the
 * default), `resource` meets the budget.
 *
 * @throws AmcError as {@link constrainAction}; AMC_SHAPE_MISMATCH when `actions` does not have unitCount entries.
 * @example
 * constrainActions(macs, [0.9, 0.8], { budget: 3_170_304 }).resource; // 3,170,304 (the wall binds at unit 1)
 */
export function constrainActions(model: ResourceModel, actions: readonly number[], options: ConstrainOptions): ConstrainedEpisode {
  const op = 'constrainActions';
  checkResourceModel(model, op);
  checkRatios(op, 'actions', actions, model.unitCount);
  const o = resolveOptions(op, options);
  const steps: ConstrainedAction[] = [];
  const effectiveRatios: number[] = [];
  for (let t = 0; t < model.unitCount; t++) {
    const s = step(op, model, t, effectiveRatios, actions[t] as number, o);
    steps.push(s);
    effectiveRatios.push(s.effectiveRatio);
  }
  const resource = totalAt(model, (u) => effectiveRatios[u] as number);
  return { ratios: steps.map((s) => s.ratio), effectiveRatios, steps, resource, withinBudget: meets(resource, o.budget) };
}

/**
 * Whether a budget can be met at all: the resource with every unit at its lower bound (quantized, when
 * `quantize` is given) against the budget. Run it before a search; an infeasible budget is an error of the
 * caller's settings, and the wall would only report it at every step.
 *
 * @throws AmcError for an invalid model, a lower bound outside [0, 1], a budget that is not finite and >= 0,
 *   unknown options, or a `quantize` returning a value outside [0, 1].
 * @example
 * checkBudgetFeasible(macs, 0.2, 3_170_304); // { feasible: true, minimum: 1,079,377.92, budget: 3,170,304 }
 */
export function checkBudgetFeasible(
  model: ResourceModel,
  lowerBound: number,
  budget: number,
  options?: { quantize?: Quantize },
): BudgetFeasibility {
  const op = 'checkBudgetFeasible';
  checkResourceModel(model, op);
  checkUnitInterval(op, 'lowerBound', lowerBound);
  checkNonNegative(op, 'budget', budget);
  const q = checkOptions<{ quantize: Quantize }>(op, options, ['quantize']).quantize;
  if (q !== undefined && typeof q !== 'function') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.quantize', 'a function (unit, ratio) => ratio', q);
  }
  const minimum = totalAt(model, (u) => quantized(q, op, u, lowerBound));
  return { feasible: meets(minimum, budget), minimum, budget };
}

/**
 * The {@link Quantize} of channel pruning: unit u has `channels[u]` channels and keeps
 * `d = max(1, round(channels[u] * ratio))`, rounded **up** to a multiple of `channelRound`, capped at
 * `channels[u]` (the rule of `keptChannelCount` in `@amc/prune`); the effective ratio is `d / channels[u]`.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for channel counts or a `channelRound` that are not positive integers;
 *   the returned function throws AMC_INDEX_OUT_OF_RANGE for a unit without a channel count.
 * @example
 * channelQuantizer([16, 32], 8)(1, 0.4625); // round(14.8) = 15, up to 16: 0.5
 */
export function channelQuantizer(channels: readonly number[], channelRound = 1): Quantize {
  const op = 'channelQuantizer';
  if (!Array.isArray(channels)) throw argumentError(ErrorCode.InvalidArgument, op, 'channels', 'an array of positive integers', channels);
  channels.forEach((c: unknown, i: number) => {
    if (!Number.isSafeInteger(c) || (c as number) < 1) throw argumentError(ErrorCode.InvalidArgument, op, `channels[${i}]`, 'a positive integer', c);
  });
  if (!Number.isSafeInteger(channelRound) || channelRound < 1) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'channelRound', 'a positive integer', channelRound);
  }
  const counts = [...channels];
  return (unit, ratio) => {
    const c = counts[unit];
    if (c === undefined) throw argumentError(ErrorCode.IndexOutOfRange, op, 'unit', `a unit index in [0, ${counts.length})`, unit);
    const d = Math.max(1, Math.round(c * ratio));
    return Math.min(c, Math.ceil(d / channelRound) * channelRound) / c;
  };
}
