import { AmcError, ErrorCode } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { errorReward, evaluateReward, flopsReward, outcomeError, paramsReward, type EpisodeOutcome, type RewardProtocol } from './index.js';

const original = { macs: 569e6, params: 4.2e6 };
const outcome: EpisodeOutcome = { accuracy: 0.7, resources: { macs: 1e6, params: 1e4 }, original };

describe('built-in rewards', () => {
  it('R_err = -error', () => {
    expect(errorReward.reward(outcome)).toBeCloseTo(-0.3, 15);
    expect(errorReward.reward({ ...outcome, accuracy: 1 })).toBe(-0);
    expect(errorReward.kind).toBe('resource-constrained');
    expect(errorReward.protocolVersion).toBe(1);
  });

  it('R_FLOPs = -error * ln(macs) and R_Param = -error * ln(params), natural log of absolute counts', () => {
    expect(flopsReward.reward(outcome)).toBeCloseTo(-0.3 * Math.log(1e6), 12);
    expect(flopsReward.reward(outcome)).toBeCloseTo(-4.1447, 4);
    expect(paramsReward.reward(outcome)).toBeCloseTo(-0.3 * Math.log(1e4), 12);
    expect(paramsReward.reward(outcome)).toBeCloseTo(-2.7631, 4);
    expect(flopsReward.kind).toBe('accuracy-guaranteed');
    expect(paramsReward.kind).toBe('accuracy-guaranteed');
  });

  it('prefers, at equal error, the smaller model, and at equal size the more accurate one', () => {
    const small = { ...outcome, resources: { macs: 1e5, params: 1e3 } };
    expect(flopsReward.reward(small)).toBeGreaterThan(flopsReward.reward(outcome));
    expect(paramsReward.reward(small)).toBeGreaterThan(paramsReward.reward(outcome));
    const better = { ...outcome, accuracy: 0.8 };
    for (const r of [errorReward, flopsReward, paramsReward]) expect(r.reward(better)).toBeGreaterThan(r.reward(outcome));
  });

  it('uses outcome.error when given (e.g. a top-5 error next to a top-1 accuracy)', () => {
    const withError = { ...outcome, error: 0.1 };
    expect(outcomeError(withError)).toBe(0.1);
    expect(errorReward.reward(withError)).toBe(-0.1);
    expect(flopsReward.reward(withError)).toBeCloseTo(-0.1 * Math.log(1e6), 12);
  });

  it('rejects invalid outcomes with coded errors naming the field', () => {
    const bad: unknown[] = [
      null,
      { ...outcome, accuracy: 1.2 },
      { ...outcome, accuracy: -0.1 },
      { ...outcome, accuracy: Number.NaN },
      { ...outcome, accuracy: '0.7' },
      { ...outcome, error: 2 },
      { ...outcome, resources: { macs: 0, params: 1 } },
      { ...outcome, resources: { macs: 1, params: -1 } },
      { ...outcome, resources: { macs: Infinity, params: 1 } },
      { ...outcome, resources: { params: 1 } },
      { ...outcome, resources: { macs: 1, params: 1, latencyMs: 0 } },
      { ...outcome, original: undefined },
      { ...outcome, original: { macs: 1, params: Number.NaN } },
    ];
    for (const o of bad) {
      for (const r of [errorReward, flopsReward, paramsReward]) expectCode(() => r.reward(o as EpisodeOutcome), ErrorCode.InvalidArgument);
    }
    expectCode(() => flopsReward.reward({ ...outcome, accuracy: 1.2 }), ErrorCode.InvalidArgument, /flopsReward: expected a number in \[0, 1\] for outcome.accuracy but received 1.2/);
    expectCode(() => outcomeError({ ...outcome, resources: { macs: 1, params: 0 } }), ErrorCode.InvalidArgument, /outcome.resources.params/);
  });
});

describe('evaluateReward', () => {
  it('validates the outcome, then returns the reward', () => {
    expect(evaluateReward(flopsReward, outcome)).toBe(flopsReward.reward(outcome));
    const constant: RewardProtocol = { protocolVersion: 1, name: 'constant', kind: 'resource-constrained', reward: () => 1 };
    expectCode(() => evaluateReward(constant, { ...outcome, accuracy: 3 }), ErrorCode.InvalidArgument, /evaluateReward/);
  });

  it('reports a non-finite reward of a user protocol as AMC_NON_FINITE', () => {
    const broken: RewardProtocol = { protocolVersion: 1, name: 'broken', kind: 'accuracy-guaranteed', reward: () => Number.NaN };
    expectCode(() => evaluateReward(broken, outcome), ErrorCode.NonFinite, /reward "broken" returned NaN/);
    const text = { ...broken, reward: () => 'x' as unknown as number };
    expectCode(() => evaluateReward(text, outcome), ErrorCode.NonFinite);
    expectCode(() => evaluateReward({ ...broken, reward: undefined } as unknown as RewardProtocol, outcome), ErrorCode.InvalidArgument);
    try {
      evaluateReward(broken, outcome);
    } catch (e) {
      expect((e as AmcError).operation).toBe('evaluateReward');
    }
  });
});
