/**
 * Additive resource models over a sequence of decision units (AMC-SPEC section 3): MACs, parameters, or
 * latency from a per-layer table, as a sum of terms that are products of the units' preserve ratios.
 */
import { ErrorCode, argumentError } from '@amc/core';
import { checkNonNegative, checkObject, checkUnitInterval } from './checks.js';

/**
 * One additive part of a resource: `coefficient * product over units of ratio[unit]`. `units: []` is a
 * constant (a layer no decision touches), `[i]` is linear in unit i (a layer whose output channels are unit i
 * and whose input is fixed, a bias, a latency entry), `[i, j]` is a conv between two decided channel groups
 * (its MACs scale with both its input and its output kept ratios). A unit appears at most once per term.
 */
export interface ResourceTerm {
  /** The term's value when every listed unit keeps everything (ratio 1); finite and >= 0. */
  readonly coefficient: number;
  /** Distinct unit indices in [0, unitCount). */
  readonly units: readonly number[];
}

/**
 * An additive resource over `unitCount` decision units, in the order the search decides them: the total at
 * preserve ratios r is `sum of coefficient * product of r[u] for u in units`. The total at r = 1 everywhere is
 * the original model's resource. Coefficients are >= 0, so the total never decreases when a ratio grows.
 *
 * @example
 * // conv1 3->16 (unit 0 = its 16 outputs), conv2 16->32 (unit 1 = its 32 outputs), conv3 32->64 (outputs kept)
 * const macs: ResourceModel = { unitCount: 2, terms: [
 *   { coefficient: 442_368, units: [0] },       // 32x32 x 9 x 3 x 16: only its outputs are pruned
 *   { coefficient: 1_179_648, units: [0, 1] },  // 16x16 x 9 x 16 x 32: both sides are pruned
 *   { coefficient: 4_718_592, units: [1] },     // 16x16 x 9 x 32 x 64: only its inputs are pruned
 * ] };
 * resourceOf(macs, [1, 1]); // 6,340,608
 */
export interface ResourceModel {
  /** The number of decision units T (a safe integer >= 0). */
  readonly unitCount: number;
  /** The additive terms. */
  readonly terms: readonly ResourceTerm[];
}

/**
 * Throws unless `model` is a valid {@link ResourceModel}; returns it.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for a non-object, a `unitCount` that is not a safe integer >= 0, terms
 *   that are not an array of `{ coefficient, units }`, a coefficient that is not finite and >= 0;
 *   AMC_INDEX_OUT_OF_RANGE for a unit index that is not an integer in [0, unitCount) or is repeated in a term.
 */
export function checkResourceModel(model: unknown, operation = 'checkResourceModel'): ResourceModel {
  const m = checkObject(operation, 'model', model);
  if (!Number.isSafeInteger(m.unitCount) || (m.unitCount as number) < 0) {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'model.unitCount', 'a safe integer >= 0', m.unitCount);
  }
  const unitCount = m.unitCount as number;
  if (!Array.isArray(m.terms)) throw argumentError(ErrorCode.InvalidArgument, operation, 'model.terms', 'an array of terms', m.terms);
  m.terms.forEach((term: unknown, k: number) => {
    const arg = `model.terms[${k}]`;
    const t = checkObject(operation, arg, term);
    checkNonNegative(operation, `${arg}.coefficient`, t.coefficient);
    if (!Array.isArray(t.units)) throw argumentError(ErrorCode.InvalidArgument, operation, `${arg}.units`, 'an array of unit indices', t.units);
    const seen = new Set<number>();
    for (const u of t.units as unknown[]) {
      if (typeof u !== 'number' || !Number.isInteger(u) || u < 0 || u >= unitCount) {
        throw argumentError(ErrorCode.IndexOutOfRange, operation, `${arg}.units`, `unit indices in [0, ${unitCount})`, t.units);
      }
      if (seen.has(u)) throw argumentError(ErrorCode.IndexOutOfRange, operation, `${arg}.units`, 'distinct unit indices', t.units);
      seen.add(u);
    }
  });
  return model as ResourceModel;
}

/** Throws AMC_SHAPE_MISMATCH / AMC_INVALID_ARGUMENT unless `ratios` is an array of `length` numbers in [0, 1]. */
export function checkRatios(op: string, argument: string, ratios: unknown, length: number): readonly number[] {
  if (!Array.isArray(ratios)) throw argumentError(ErrorCode.InvalidArgument, op, argument, `an array of ${length} ratios in [0, 1]`, ratios);
  if (ratios.length !== length) throw argumentError(ErrorCode.ShapeMismatch, op, `${argument}.length`, `${length}`, ratios.length);
  ratios.forEach((r: unknown, i: number) => checkUnitInterval(op, `${argument}[${i}]`, r));
  return ratios as readonly number[];
}

/**
 * The total of an additive resource at the given preserve ratios (one per unit).
 *
 * @throws AmcError for an invalid model (see {@link checkResourceModel}); AMC_SHAPE_MISMATCH when `ratios` does
 *   not have `unitCount` entries; AMC_INVALID_ARGUMENT for a ratio outside [0, 1].
 * @example
 * resourceOf(macs, [0.5, 0.5]); // 442,368 * 0.5 + 1,179,648 * 0.25 + 4,718,592 * 0.5 = 2,875,392
 */
export function resourceOf(model: ResourceModel, ratios: readonly number[]): number {
  const op = 'resourceOf';
  checkResourceModel(model, op);
  checkRatios(op, 'ratios', ratios, model.unitCount);
  return totalAt(model, (u) => ratios[u] as number);
}

/**
 * A resource that is linear in each unit plus a constant: `constant + sum of costs[i] * ratio[i]`. Fits a
 * per-layer latency table indexed by the layer's own ratio, or weight counts under fine-grained pruning
 * (AMC-SPEC section 5), where each unit is one layer's density.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT when `costs` is not an array of finite numbers >= 0 or `constant` is not.
 * @example
 * linearResourceModel([2.5, 4, 1.25], 0.75); // latency ms per layer at full width, plus 0.75 ms fixed
 */
export function linearResourceModel(costs: readonly number[], constant = 0): ResourceModel {
  const op = 'linearResourceModel';
  if (!Array.isArray(costs)) throw argumentError(ErrorCode.InvalidArgument, op, 'costs', 'an array of numbers >= 0', costs);
  costs.forEach((c: unknown, i: number) => checkNonNegative(op, `costs[${i}]`, c));
  checkNonNegative(op, 'constant', constant);
  const terms: ResourceTerm[] = costs.map((coefficient, i) => ({ coefficient, units: [i] }));
  if (constant > 0) terms.push({ coefficient: constant, units: [] });
  return { unitCount: costs.length, terms };
}

/** The total with unit u at `ratioOf(u)`; the model is assumed valid. */
export function totalAt(model: ResourceModel, ratioOf: (unit: number) => number): number {
  let total = 0;
  for (const term of model.terms) {
    let value = term.coefficient;
    for (const u of term.units) value *= ratioOf(u);
    total += value;
  }
  return total;
}

/**
 * The total as an affine function of unit t's ratio, every other unit u at `ratioOf(u)`:
 * `total(a) = fixed + slope * a` (each term holds t at most once). The model is assumed valid.
 */
export function affineInUnit(model: ResourceModel, t: number, ratioOf: (unit: number) => number): { fixed: number; slope: number } {
  let fixed = 0;
  let slope = 0;
  for (const term of model.terms) {
    let value = term.coefficient;
    let holdsT = false;
    for (const u of term.units) {
      if (u === t) holdsT = true;
      else value *= ratioOf(u);
    }
    if (holdsT) slope += value;
    else fixed += value;
  }
  return { fixed, slope };
}
