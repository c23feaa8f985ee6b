import { ErrorCode } from '@amc/core';
import { describe, expect, it } from 'vitest';
import {
  createRewardRegistry,
  errorReward,
  flopsReward,
  getReward,
  listRewards,
  outcomeError,
  paramsReward,
  registerReward,
  type RewardProtocol,
} from './index.js';
import { expectCode } from '@amc/testing';

const latencyReward: RewardProtocol = {
  protocolVersion: 1,
  name: 'latency',
  kind: 'accuracy-guaranteed',
  reward: (o) => -outcomeError(o) * Math.log(o.resources.latencyMs ?? Number.NaN),
};

describe('the shared registry', () => {
  it('starts with the three built-ins, in order', () => {
    expect(listRewards().slice(0, 3)).toEqual([errorReward, flopsReward, paramsReward]);
    expect(getReward('error')).toBe(errorReward);
    expect(getReward('flops')).toBe(flopsReward);
    expect(getReward('params')).toBe(paramsReward);
  });

  it('registers a user reward, which getReward and listRewards then return', () => {
    registerReward(latencyReward);
    expect(getReward('latency')).toBe(latencyReward);
    expect(listRewards().map((r) => r.name)).toEqual(['error', 'flops', 'params', 'latency']);
    const outcome = { accuracy: 0.9, resources: { macs: 1, params: 1, latencyMs: 20 }, original: { macs: 2, params: 2, latencyMs: 40 } };
    expect(getReward('latency').reward(outcome)).toBeCloseTo(-0.1 * Math.log(20), 12);
  });

  it('refuses a duplicate name', () => {
    expectCode(() => registerReward({ ...latencyReward, kind: 'resource-constrained' }), ErrorCode.InvalidArgument, /a name not yet registered for protocol.name but received "latency"/);
    expectCode(() => registerReward({ ...errorReward, reward: errorReward.reward }), ErrorCode.InvalidArgument, /registerReward: expected a name not yet registered for protocol.name but received "error"/);
  });

  it('names the known rewards when a name is unknown', () => {
    expectCode(() => getReward('flop'), ErrorCode.InvalidArgument, /getReward: expected one of "error", "flops", "params".* for name but received "flop"/);
    expectCode(() => getReward(3 as unknown as string), ErrorCode.InvalidArgument, /received 3/);
  });
});

describe('protocol validation', () => {
  it('refuses invalid protocols with coded errors naming the field', () => {
    const base = { protocolVersion: 1, name: 'x', kind: 'resource-constrained', reward: () => 0 };
    const cases: [unknown, RegExp][] = [
      [null, /protocol/],
      [[], /protocol/],
      [{ ...base, protocolVersion: 2 }, /protocol.protocolVersion but received 2/],
      [{ ...base, protocolVersion: undefined }, /protocol.protocolVersion/],
      [{ ...base, name: '' }, /protocol.name/],
      [{ ...base, name: ' x' }, /protocol.name/],
      [{ ...base, name: 7 }, /protocol.name/],
      [{ ...base, kind: 'budget' }, /one of resource-constrained, accuracy-guaranteed for protocol.kind/],
      [{ ...base, reward: 0 }, /protocol.reward/],
    ];
    const registry = createRewardRegistry([]);
    for (const [protocol, text] of cases) expectCode(() => registry.register(protocol as RewardProtocol), ErrorCode.InvalidArgument, text);
    expect(registry.list()).toEqual([]);
  });
});

describe('createRewardRegistry', () => {
  it('is independent of the shared registry and of other registries', () => {
    const a = createRewardRegistry();
    const b = createRewardRegistry([]);
    a.register({ ...latencyReward, name: 'only-in-a' });
    expect(a.has('only-in-a')).toBe(true);
    expect(b.has('only-in-a')).toBe(false);
    expect(b.has('error')).toBe(false);
    expect(() => getReward('only-in-a')).toThrow();
    expectCode(() => b.get('error'), ErrorCode.InvalidArgument, /none registered/);
    expectCode(() => createRewardRegistry([errorReward, errorReward]), ErrorCode.InvalidArgument);
    expectCode(() => createRewardRegistry('error' as unknown as RewardProtocol[]), ErrorCode.InvalidArgument);
  });
});
