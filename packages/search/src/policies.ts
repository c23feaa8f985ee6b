/**
 * Rule-based policies the paper compares AMC against (section 9 of AMC-SPEC): uniform (every unit the same
 * ratio), and evaluation of any fixed policy in the environment.
 */
import { ErrorCode, argumentError } from '@amc/core';
import { resourceOf } from '@amc/rewards';
import type { CompressionEnvironment } from './environment.js';
import type { ResourceName } from './resource-model.js';
import { type SearchOptions, defaultWarmupEpisodes } from './search.js';

/** A policy measured in the environment. */
export interface PolicyOutcome {
  ratios: number[];
  accuracy: number;
  macs: number;
  params: number;
  macsRatio: number;
  paramsRatio: number;
}

/**
 * The uniform policy: the largest single preserve ratio r (searched by bisection) such that every unit pruned at
 * `quantize(t, r)` keeps `resource` within `ratio` of the original. Returns the effective ratios.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for a ratio outside (0, 1].
 */
export function uniformPolicy(env: CompressionEnvironment, resource: ResourceName, ratio: number): number[] {
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) throw argumentError(ErrorCode.InvalidArgument, 'uniformPolicy', 'ratio', 'a fraction in (0, 1]', ratio);
  const model = env.models[resource];
  const total = resourceOf(model, env.units.map(() => 1));
  const at = (r: number): number[] => env.units.map((_, t) => env.quantize(t, r));
  let lo = 0;
  let hi = 1;
  if (resourceOf(model, at(1)) <= ratio * total) return at(1);
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (resourceOf(model, at(mid)) <= ratio * total) lo = mid;
    else hi = mid;
  }
  return at(lo);
}

/** Prunes with `ratios` (effective, one per unit) and measures accuracy and resources (no fine-tuning). */
export function evaluatePolicy(env: CompressionEnvironment, ratios: readonly number[]): PolicyOutcome {
  if (!Array.isArray(ratios) || ratios.length !== env.units.length || ratios.some((r) => typeof r !== 'number' || !(r > 0 && r <= 1))) {
    throw argumentError(ErrorCode.InvalidArgument, 'evaluatePolicy', 'ratios', `${env.units.length} ratios in (0, 1]`, ratios);
  }
  const applied = env.apply(ratios);
  const { accuracy } = env.evaluate(applied.graph);
  return { ratios: [...ratios], accuracy, macs: applied.macs, params: applied.params, macsRatio: applied.macs / env.originalMacs, paramsRatio: applied.params / env.originalParams };
}

/**
 * The `initialPolicies` that start a search from the rule-based baseline: the uniform policy at the target budget
 * as the first warm-up episode (resource protocol with at least one warm-up episode; otherwise none).
 */
export function uniformStart(env: CompressionEnvironment, options: Pick<SearchOptions, 'protocol' | 'target' | 'episodes' | 'warmupEpisodes'>): number[][] {
  const warmup = options.warmupEpisodes ?? defaultWarmupEpisodes(options.episodes);
  return options.protocol === 'resource' && warmup >= 1 ? [uniformPolicy(env, options.target.resource, options.target.ratio)] : [];
}
