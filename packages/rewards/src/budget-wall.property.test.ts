import { Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import {
  channelQuantizer,
  checkBudgetFeasible,
  constrainAction,
  constrainActions,
  maxPreserveRatio,
  resourceOf,
  type Quantize,
  type ResourceModel,
  type ResourceTerm,
} from './index.js';
import { forEachSeed } from '@amc/testing';

const SLACK = 1e-9; // relative slack of the assertions (the wall itself uses 1e-12)

/** A random model: 1-8 units, constants, linear terms, products of 2 (and some of 3) distinct units. */
function randomModel(rng: Rng): ResourceModel {
  const unitCount = 1 + rng.int(8);
  const terms: ResourceTerm[] = [];
  const termCount = 1 + rng.int(12);
  for (let k = 0; k < termCount; k++) {
    const shape = rng.int(10);
    const arity = shape < 2 ? 0 : shape < 6 ? 1 : shape < 9 ? 2 : 3;
    const units = rng.shuffle(Array.from({ length: unitCount }, (_, u) => u)).slice(0, Math.min(arity, unitCount));
    const coefficient = rng.uniform() < 0.1 ? 0 : rng.uniform() * 10 ** rng.int(7);
    terms.push({ coefficient, units });
  }
  return { unitCount, terms };
}

interface Case {
  model: ResourceModel;
  budget: number;
  lowerBound: number;
  upperBound: number;
  actions: number[];
}

function randomCase(rng: Rng, floorOf: (model: ResourceModel, lowerBound: number) => number): Case {
  const model = randomModel(rng);
  const lowerBound = [0, 0.1, 0.2, 0.5, rng.uniform() * 0.6][rng.int(5)] as number;
  const upperBound = rng.uniform() < 0.8 ? 1 : rng.uniformRange(lowerBound, 1);
  const original = resourceOf(model, new Array<number>(model.unitCount).fill(1));
  const pick = rng.int(10);
  const budget = pick === 0 ? floorOf(model, lowerBound) : pick === 1 ? 0 : rng.uniformRange(0, 1.1) * original;
  const actions = Array.from({ length: model.unitCount }, () => {
    const p = rng.uniform();
    return p < 0.1 ? 0 : p < 0.2 ? 1 : rng.uniform();
  });
  return { model, budget, lowerBound, upperBound, actions };
}

const optionsOf = (c: Case): { budget: number; lowerBound: number; upperBound: number } => ({
  budget: c.budget,
  lowerBound: c.lowerBound,
  upperBound: c.upperBound,
});
const clamp = (a: number, c: Case): number => Math.min(Math.max(a, c.lowerBound), c.upperBound);
const fill = (n: number, v: number): number[] => new Array<number>(n).fill(v);

describe('the budget wall, property tests (seeded; a failure prints its seed)', () => {
  it('keeps every feasible budget, reports every infeasible one, never lowers an action that fits, and is tight', () => {
    let feasibleCount = 0;
    let infeasibleCount = 0;
    let tightCount = 0;
    forEachSeed(1_000, 1500, (seed) => {
      const rng = new Rng(seed);
      const c = randomCase(rng, (m, lb) => resourceOf(m, fill(m.unitCount, lb)));
      const { model, budget, lowerBound } = c;
      const T = model.unitCount;
      const feasibility = checkBudgetFeasible(model, lowerBound, budget);
      expect(feasibility.minimum).toBeCloseTo(resourceOf(model, fill(T, lowerBound)), 6);
      const episode = constrainActions(model, c.actions, optionsOf(c));
      expect(episode.resource).toBe(resourceOf(model, episode.effectiveRatios));
      episode.steps.forEach((s, t) => {
        const decided = episode.effectiveRatios.slice(0, t);
        expect(constrainAction(model, t, decided, c.actions[t] as number, optionsOf(c))).toEqual(s);
        expect(s.ratio).toBeGreaterThanOrEqual(lowerBound);
        expect(s.ratio).toBeLessThanOrEqual(c.upperBound);
        expect(s.effectiveRatio).toBe(s.ratio);
        const at = (a: number): number => resourceOf(model, [...decided, a, ...fill(T - t - 1, lowerBound)]);
        const requested = clamp(c.actions[t] as number, c);
        if (at(requested) <= budget) expect(s.ratio).toBe(requested);
        expect(s.clamped).toBe(s.ratio !== c.actions[t]);
        expect(maxPreserveRatio(model, t, decided, lowerBound, budget)).toBe(s.maxRatio);
        if (Number.isFinite(s.maxRatio) && s.maxRatio >= 0 && s.maxRatio <= 1) {
          expect(Math.abs(at(s.maxRatio) - budget)).toBeLessThanOrEqual(SLACK * Math.max(budget, 1));
        }
        if (feasibility.feasible) {
          expect(s.feasible).toBe(true);
          expect(at(s.ratio)).toBeLessThanOrEqual(budget * (1 + SLACK));
          if (s.ratio < requested && s.ratio > lowerBound) {
            tightCount++;
            expect(at(s.ratio)).toBeGreaterThanOrEqual(budget * (1 - SLACK)); // the largest ratio that fits
          }
        } else {
          expect(s.feasible).toBe(false);
          expect(s.ratio).toBe(lowerBound);
        }
      });
      if (feasibility.feasible) {
        feasibleCount++;
        expect(episode.resource).toBeLessThanOrEqual(budget * (1 + SLACK));
        expect(episode.withinBudget).toBe(true);
      } else {
        infeasibleCount++;
        expect(episode.withinBudget).toBe(false);
        expect(episode.resource).toBeGreaterThan(budget);
        expect(episode.resource).toBeCloseTo(feasibility.minimum, 6);
      }
    });
    expect(feasibleCount).toBeGreaterThan(300);
    expect(infeasibleCount).toBeGreaterThan(100);
    expect(tightCount).toBeGreaterThan(100);
  });

  it('with channel rounding in strict mode, keeps every feasible budget at the largest channel count that fits', () => {
    let feasibleCount = 0;
    let infeasibleCount = 0;
    let loweredCount = 0;
    let referenceOvershoots = 0;
    forEachSeed(50_000, 1500, (seed) => {
      const rng = new Rng(seed);
      const channels: number[] = Array.from({ length: 8 }, () => 1 + rng.int(64));
      const channelRound = [1, 2, 4, 8][rng.int(4)] as number;
      const quantize: Quantize = channelQuantizer(channels, channelRound);
      const floors = (m: ResourceModel, lb: number): number[] => Array.from({ length: m.unitCount }, (_, u) => quantize(u, lb));
      const c = randomCase(rng, (m, lb) => resourceOf(m, floors(m, lb)));
      const { model, budget, lowerBound } = c;
      const T = model.unitCount;
      const floor = floors(model, lowerBound);
      const feasibility = checkBudgetFeasible(model, lowerBound, budget, { quantize });
      expect(feasibility.minimum).toBe(resourceOf(model, floor));
      const episode = constrainActions(model, c.actions, { ...optionsOf(c), quantize });
      episode.steps.forEach((s, t) => {
        const decided = episode.effectiveRatios.slice(0, t);
        const at = (e: number): number => resourceOf(model, [...decided, e, ...floor.slice(t + 1)]);
        const requested = clamp(c.actions[t] as number, c);
        expect(s.ratio).toBeGreaterThanOrEqual(lowerBound);
        expect(s.ratio).toBeLessThanOrEqual(c.upperBound);
        expect(s.effectiveRatio).toBe(quantize(t, s.ratio));
        if (at(quantize(t, requested)) <= budget) expect(s.ratio).toBe(requested);
        expect(s.feasible).toBe(feasibility.feasible);
        if (feasibility.feasible && s.ratio !== requested) {
          loweredCount++;
          // The next channel count up, if the action allowed it, would not fit.
          const c0 = channels[t] as number;
          const next = quantize(t, Math.min(1, (Math.round(s.effectiveRatio * c0) + 1) / c0));
          if (next > s.effectiveRatio && next <= quantize(t, requested)) expect(at(next)).toBeGreaterThan(budget);
        }
      });
      if (feasibility.feasible) {
        feasibleCount++;
        expect(episode.resource).toBeLessThanOrEqual(budget * (1 + SLACK));
        expect(episode.withinBudget).toBe(true);
      } else {
        infeasibleCount++;
        expect(episode.withinBudget).toBe(false);
        expect(episode.resource).toBeGreaterThan(budget);
      }
      // The reference wall (non-strict) can overshoot; it must then say so, and stay infeasible once it is.
      const reference = constrainActions(model, c.actions, { ...optionsOf(c), quantize, strict: false });
      expect(reference.steps[T - 1]?.feasible).toBe(reference.withinBudget);
      const firstBad = reference.steps.findIndex((s) => !s.feasible);
      if (firstBad >= 0) expect(reference.steps.slice(firstBad).every((s) => !s.feasible)).toBe(true);
      if (feasibility.feasible && !reference.withinBudget) referenceOvershoots++;
    });
    expect(feasibleCount).toBeGreaterThan(300);
    expect(infeasibleCount).toBeGreaterThan(100);
    expect(loweredCount).toBeGreaterThan(100);
    expect(referenceOvershoots).toBeGreaterThan(10);
  });
});
