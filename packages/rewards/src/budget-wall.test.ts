import { ErrorCode } from '@amc/core';
import { describe, expect, it } from 'vitest';
import {
  channelQuantizer,
  checkBudgetFeasible,
  checkResourceModel,
  constrainAction,
  constrainActions,
  linearResourceModel,
  maxPreserveRatio,
  resourceOf,
  type ResourceModel,
} from './index.js';
import { expectCode } from '@amc/testing';

// conv1 3->16 on 32x32 (3x3, stride 1), conv2 16->32 (3x3, stride 2, 16x16 out), conv3 32->64 (3x3, 16x16).
// Unit 0 = the 16 channels between conv1 and conv2, unit 1 = the 32 channels between conv2 and conv3.
const conv1 = 32 * 32 * 9 * 3 * 16; // 442,368: its input is the image, only its outputs are pruned
const conv2 = 16 * 16 * 9 * 16 * 32; // 1,179,648: both sides pruned
const conv3 = 16 * 16 * 9 * 32 * 64; // 4,718,592: only its inputs are pruned
const macs: ResourceModel = {
  unitCount: 2,
  terms: [
    { coefficient: conv1, units: [0] },
    { coefficient: conv2, units: [0, 1] },
    { coefficient: conv3, units: [1] },
  ],
};
const budget = 0.5 * (conv1 + conv2 + conv3); // 3,170,304

describe('resourceOf', () => {
  it('sums coefficient x product of the kept ratios', () => {
    expect(conv1 + conv2 + conv3).toBe(6_340_608);
    expect(resourceOf(macs, [1, 1])).toBe(6_340_608);
    expect(resourceOf(macs, [0.5, 0.5])).toBe(conv1 * 0.5 + conv2 * 0.25 + conv3 * 0.5);
    expect(resourceOf(macs, [0.5, 0.5])).toBe(2_875_392);
    expect(resourceOf({ unitCount: 1, terms: [{ coefficient: 7, units: [] }, { coefficient: 2, units: [0] }] }, [0.25])).toBe(7.5);
    expect(resourceOf({ unitCount: 0, terms: [] }, [])).toBe(0);
  });

  it('builds a linear model from a per-layer table', () => {
    const latency = linearResourceModel([2.5, 4, 1.25], 0.75);
    expect(latency.unitCount).toBe(3);
    expect(resourceOf(latency, [1, 1, 1])).toBe(8.5);
    expect(resourceOf(latency, [0.5, 0.25, 1])).toBe(0.75 + 1.25 + 1 + 1.25);
    expect(linearResourceModel([1, 2]).terms).toEqual([{ coefficient: 1, units: [0] }, { coefficient: 2, units: [1] }]);
    expectCode(() => linearResourceModel([1, -2]), ErrorCode.InvalidArgument, /costs\[1\]/);
    expectCode(() => linearResourceModel([1], Number.NaN), ErrorCode.InvalidArgument, /constant/);
  });

  it('rejects invalid models and ratios with coded errors', () => {
    const cases: [unknown, string, RegExp][] = [
      [null, ErrorCode.InvalidArgument, /model/],
      [{ unitCount: -1, terms: [] }, ErrorCode.InvalidArgument, /model.unitCount/],
      [{ unitCount: 1.5, terms: [] }, ErrorCode.InvalidArgument, /model.unitCount/],
      [{ unitCount: 2 }, ErrorCode.InvalidArgument, /model.terms/],
      [{ unitCount: 2, terms: [{ coefficient: -1, units: [0] }] }, ErrorCode.InvalidArgument, /model.terms\[0\].coefficient/],
      [{ unitCount: 2, terms: [{ coefficient: Infinity, units: [0] }] }, ErrorCode.InvalidArgument, /coefficient/],
      [{ unitCount: 2, terms: [{ coefficient: 1, units: 0 }] }, ErrorCode.InvalidArgument, /units/],
      [{ unitCount: 2, terms: [{ coefficient: 1, units: [2] }] }, ErrorCode.IndexOutOfRange, /unit indices in \[0, 2\)/],
      [{ unitCount: 2, terms: [{ coefficient: 1, units: [0.5] }] }, ErrorCode.IndexOutOfRange, /units/],
      [{ unitCount: 2, terms: [{ coefficient: 1, units: [1, 1] }] }, ErrorCode.IndexOutOfRange, /distinct unit indices/],
    ];
    for (const [model, code, text] of cases) {
      expectCode(() => checkResourceModel(model), code, text);
      expectCode(() => resourceOf(model as ResourceModel, [1, 1]), code, text);
    }
    expectCode(() => resourceOf(macs, [1]), ErrorCode.ShapeMismatch, /resourceOf: expected 2 for ratios.length but received 1/);
    expectCode(() => resourceOf(macs, [1, 1.5]), ErrorCode.InvalidArgument, /ratios\[1\]/);
    expectCode(() => resourceOf(macs, [Number.NaN, 1]), ErrorCode.InvalidArgument, /ratios\[0\]/);
  });
});

describe('the budget wall: worked example (3-conv chain, 50% MACs, lbound 0.2)', () => {
  it('is feasible: the minimum is every unit at 0.2', () => {
    const min = conv1 * 0.2 + conv2 * 0.04 + conv3 * 0.2; // 1,079,377.92
    expect(checkBudgetFeasible(macs, 0.2, budget)).toEqual({ feasible: true, minimum: min, budget });
    expect(min).toBeCloseTo(1_079_377.92, 6);
  });

  it('leaves an action that fits alone, and lowers one that does not to maxKeep = (budget - other) / this', () => {
    // t = 0: this = conv1 + conv2 * 0.2 (unit 1 at lbound) = 678,297.6; other = conv3 * 0.2 = 943,718.4.
    expect(maxPreserveRatio(macs, 0, [], 0.2, budget)).toBeCloseTo((budget - 943_718.4) / 678_297.6, 12);
    const first = constrainAction(macs, 0, [], 0.9, { budget });
    expect(first).toMatchObject({ ratio: 0.9, effectiveRatio: 0.9, clamped: false, feasible: true });
    expect(first.maxRatio).toBeCloseTo(3.2826087, 6);
    // t = 1 after 0.9: this = conv2 * 0.9 + conv3 = 5,780,275.2; other = conv1 * 0.9 = 398,131.2.
    const maxKeep = (3_170_304 - 398_131.2) / 5_780_275.2;
    expect(maxKeep).toBeCloseTo(47 / 98, 12);
    expect(maxPreserveRatio(macs, 1, [0.9], 0.2, budget)).toBeCloseTo(maxKeep, 12);
    const second = constrainAction(macs, 1, [0.9], 0.8, { budget });
    expect(second.ratio).toBeCloseTo(maxKeep, 12);
    expect(second).toMatchObject({ clamped: true, feasible: true });
    const episode = constrainActions(macs, [0.9, 0.8], { budget });
    expect(episode.ratios).toEqual([0.9, second.ratio]);
    expect(episode.resource).toBeCloseTo(budget, 6);
    expect(episode.withinBudget).toBe(true);
  });

  it('raises actions below lbound and cuts them at upperBound', () => {
    expect(constrainAction(macs, 0, [], 0.05, { budget })).toMatchObject({ ratio: 0.2, clamped: true, feasible: true });
    expect(constrainAction(macs, 0, [], 0.05, { budget, lowerBound: 0 })).toMatchObject({ ratio: 0.05, clamped: false });
    expect(constrainAction(macs, 0, [], 1, { budget, upperBound: 0.75 })).toMatchObject({ ratio: 0.75, clamped: true });
    expect(constrainAction(macs, 0, [], 0.3, { budget, lowerBound: 0.3, upperBound: 0.3 })).toMatchObject({ ratio: 0.3, clamped: false });
  });

  it('reports an infeasible budget at every step and prunes to lbound, never exceeding silently', () => {
    const tight = 1_000_000;
    expect(checkBudgetFeasible(macs, 0.2, tight).feasible).toBe(false);
    const episode = constrainActions(macs, [0.9, 0.8], { budget: tight });
    expect(episode.ratios).toEqual([0.2, 0.2]);
    expect(episode.steps.map((s) => s.feasible)).toEqual([false, false]);
    expect(episode.withinBudget).toBe(false);
    expect(episode.resource).toBeCloseTo(1_079_377.92, 6);
    expect(episode.steps[0]?.maxRatio).toBeLessThan(0.2);
  });

  it('with 8-channel rounding, strict mode picks the largest channel count that keeps the budget', () => {
    const quantize = channelQuantizer([16, 32], 8);
    // Rounded lbounds: unit 0 keeps round(3.2) = 3 -> 8 of 16 = 0.5, unit 1 round(6.4) = 6 -> 8 of 32 = 0.25.
    const minimum = conv1 * 0.5 + conv2 * 0.125 + conv3 * 0.25; // 1,548,288
    expect(checkBudgetFeasible(macs, 0.2, budget, { quantize })).toEqual({ feasible: true, minimum, budget });
    const episode = constrainActions(macs, [0.9, 0.8], { budget, quantize });
    // Unit 0: 0.9 -> round(14.4) = 14 -> 16 of 16 = 1; the budget holds with unit 1 at 0.25.
    expect(episode.steps[0]).toMatchObject({ ratio: 0.9, effectiveRatio: 1, clamped: false, feasible: true });
    // Unit 1: maxKeep = (budget - conv1) / (conv2 + conv3) = 0.4625 (14.8 channels). 16 channels overshoot, so 8.
    expect(episode.steps[1]).toMatchObject({ ratio: 0.25, effectiveRatio: 0.25, maxRatio: 0.4625, clamped: true, feasible: true });
    expect(episode.resource).toBe(conv1 + (conv2 + conv3) * 0.25); // 1,916,928 = 30.2 %
    expect(episode.withinBudget).toBe(true);
  });

  it('non-strict mode reproduces the reference (wall on raw ratios, rounded up after) and reports the overshoot', () => {
    const quantize = channelQuantizer([16, 32], 8);
    const episode = constrainActions(macs, [0.9, 0.8], { budget, quantize, strict: false });
    expect(episode.steps[1]).toMatchObject({ ratio: 0.4625, effectiveRatio: 0.5, clamped: true, feasible: false });
    expect(episode.resource).toBe(conv1 + (conv2 + conv3) * 0.5); // 3,391,488 = 53.5 % of the original
    expect(episode.withinBudget).toBe(false);
  });
});

describe('maxPreserveRatio', () => {
  it('returns +Infinity / -Infinity when the unit costs nothing', () => {
    const model: ResourceModel = { unitCount: 2, terms: [{ coefficient: 10, units: [1] }, { coefficient: 5, units: [] }] };
    expect(maxPreserveRatio(model, 0, [], 0.5, 10)).toBe(Infinity);
    expect(maxPreserveRatio(model, 0, [], 0.5, 9)).toBe(-Infinity);
    expect(constrainAction(model, 0, [], 0.7, { budget: 9, lowerBound: 0.5 })).toMatchObject({ ratio: 0.5, feasible: false });
    expect(constrainAction(model, 0, [], 0.7, { budget: 10, lowerBound: 0.5 })).toMatchObject({ ratio: 0.7, feasible: true });
  });

  it('accepts one lower bound per unit (only later units are read)', () => {
    const model = linearResourceModel([1, 1, 1]);
    expect(maxPreserveRatio(model, 1, [0.5], [0.9, 0.9, 0.25], 1.5)).toBeCloseTo(0.75, 15);
    expectCode(() => maxPreserveRatio(model, 1, [0.5], [0.9, 0.25], 1.5), ErrorCode.ShapeMismatch);
  });

  it('rejects bad arguments with coded errors', () => {
    expectCode(() => maxPreserveRatio(macs, 2, [1, 1], 0.2, budget), ErrorCode.IndexOutOfRange, /t/);
    expectCode(() => maxPreserveRatio(macs, -1, [], 0.2, budget), ErrorCode.IndexOutOfRange);
    expectCode(() => maxPreserveRatio(macs, 1, [], 0.2, budget), ErrorCode.ShapeMismatch, /decided.length/);
    expectCode(() => maxPreserveRatio(macs, 0, [], 1.2, budget), ErrorCode.InvalidArgument, /lowerBound/);
    expectCode(() => maxPreserveRatio(macs, 0, [], 0.2, -1), ErrorCode.InvalidArgument, /budget/);
    expectCode(() => maxPreserveRatio(macs, 0, [], 0.2, Number.NaN), ErrorCode.InvalidArgument, /budget/);
  });
});

describe('constrainAction options', () => {
  it('rejects bad actions and options with coded errors', () => {
    expectCode(() => constrainAction(macs, 0, [], 1.5, { budget }), ErrorCode.InvalidArgument, /action/);
    expectCode(() => constrainAction(macs, 0, [], Number.NaN, { budget }), ErrorCode.InvalidArgument, /action/);
    expectCode(() => constrainAction(macs, 0, [], 0.5, undefined as never), ErrorCode.InvalidArgument, /options/);
    expectCode(() => constrainAction(macs, 0, [], 0.5, {} as never), ErrorCode.InvalidArgument, /options.budget/);
    expectCode(() => constrainAction(macs, 0, [], 0.5, { budget, lowerBound: 0.6, upperBound: 0.5 }), ErrorCode.InvalidArgument, /options.upperBound/);
    expectCode(() => constrainAction(macs, 0, [], 0.5, { budget, lbound: 0.2 } as never), ErrorCode.InvalidArgument, /options.lbound/);
    expectCode(() => constrainAction(macs, 0, [], 0.5, { budget, quantize: 8 } as never), ErrorCode.InvalidArgument, /options.quantize/);
    expectCode(() => constrainAction(macs, 0, [], 0.5, { budget, strict: 'yes' } as never), ErrorCode.InvalidArgument, /options.strict/);
    expectCode(() => constrainAction(macs, 0, [], 0.5, { budget, quantize: () => 2 }), ErrorCode.InvalidArgument, /options.quantize/);
    expectCode(() => constrainActions(macs, [0.5], { budget }), ErrorCode.ShapeMismatch, /actions.length/);
    expectCode(() => checkBudgetFeasible(macs, 0.2, budget, { quantize: () => Number.NaN }), ErrorCode.InvalidArgument, /quantize/);
    expectCode(() => checkBudgetFeasible(macs, 0.2, budget, { strict: true } as never), ErrorCode.InvalidArgument, /options.strict/);
  });
});

describe('channelQuantizer', () => {
  it('follows keptChannelCount: round, up to the multiple, capped, as a ratio', () => {
    const q = channelQuantizer([64, 10, 6, 16, 7], 8);
    expect(q(0, 0.3)).toBe(24 / 64);
    expect(q(0, 0.25)).toBe(16 / 64);
    expect(q(1, 0.5)).toBe(8 / 10);
    expect(q(2, 0.5)).toBe(1);
    expect(q(4, 1)).toBe(1);
    expect(channelQuantizer([16])(0, 0.5)).toBe(0.5);
    expect(channelQuantizer([10])(0, 0.01)).toBe(0.1);
    expect(channelQuantizer([10])(0, 0)).toBe(0.1);
    for (let d = 8; d <= 64; d += 8) expect(q(0, q(0, d / 64))).toBe(d / 64);
    expectCode(() => q(5, 0.5), ErrorCode.IndexOutOfRange);
    expectCode(() => channelQuantizer([0]), ErrorCode.InvalidArgument, /channels\[0\]/);
    expectCode(() => channelQuantizer([8], 0), ErrorCode.InvalidArgument, /channelRound/);
  });
});
