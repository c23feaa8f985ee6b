import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, Rng } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { expectCode } from '@amc/testing';
import { DDPG_DEFAULTS, DdpgAgent, type DdpgAgentOptions } from './index.js';

/**
 * A continuous-control task with a known optimum: the state is uniform in [0, 1]^3, the episode is one step, the
 * action has two components and the reward is -|a - f(s)|^2 with f(s) = (0.2 + 0.6 s0, 0.8 - 0.5 s1 s2), so the
 * best reward is 0 and a uniform random policy scores about -0.19.
 */
const target = (s: ArrayLike<number>): [number, number] => [0.2 + 0.6 * s[0]!, 0.8 - 0.5 * s[1]! * s[2]!];
const reward = (s: ArrayLike<number>, a: ArrayLike<number>): number => {
  const [t0, t1] = target(s);
  return -((a[0]! - t0) ** 2 + (a[1]! - t1) ** 2);
};
const TASK: DdpgAgentOptions = {
  stateDim: 3,
  actionDim: 2,
  seed: 5,
  hidden: [64, 64],
  actorLr: 1e-3,
  criticLr: 3e-3,
  batchSize: 32,
  replayCapacity: 1000,
  warmupEpisodes: 100,
  sigmaDecay: 0.997,
};

/** Runs episodes `from .. to - 1` of the task (states from `env`), one update per episode after warm-up. */
function train(agent: DdpgAgent, env: Rng, from: number, to: number): void {
  for (let episode = from; episode < to; episode++) {
    const state = [env.uniform(), env.uniform(), env.uniform()];
    const action = agent.selectAction(state, episode);
    agent.remember({ state, action, reward: reward(state, action), done: true });
    if (episode >= agent.config.warmupEpisodes) agent.update();
  }
}

/** Mean reward of `act` over 200 fixed held-out states. */
function meanReward(act: (s: number[]) => ArrayLike<number>): number {
  const rng = new Rng(99);
  let total = 0;
  for (let i = 0; i < 200; i++) {
    const s = [rng.uniform(), rng.uniform(), rng.uniform()];
    total += reward(s, act(s));
  }
  return total / 200;
}

describe('DdpgAgent learning', () => {
  it.each(['native', 'js'] as const)('converges to within 0.005 of the optimum reward (0) on a task with a known optimum (%s engine)', (engine) => {
    const agent = new DdpgAgent({ ...TASK, engine });
    const before = meanReward((s) => agent.policy(s));
    train(agent, new Rng(11), 0, 1000);
    const after = meanReward((s) => agent.policy(s));
    const random = new Rng(3);
    const randomReward = meanReward(() => [random.uniform(), random.uniform()]);
    expect(agent.updateCount).toBe(900);
    expect(after, `seed ${TASK.seed}, ${engine}`).toBeGreaterThan(-0.005); // RMS error per component < 0.05
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThan(randomReward / 20);
    // The greedy action tracks f: the critic has learnt where the reward peaks.
    const s = [0.5, 0.5, 0.5];
    const [a0, a1] = agent.policy(s);
    expect(Math.abs(a0! - 0.5)).toBeLessThan(0.1);
    expect(Math.abs(a1! - 0.675)).toBeLessThan(0.1);
    expect(agent.value(s, [a0!, a1!])).toBeGreaterThan(agent.value(s, [0.05, 0.05]));
  });
});

describe('DdpgAgent state', () => {
  const small: DdpgAgentOptions = { ...TASK, hidden: [16, 12], batchSize: 8, replayCapacity: 40, warmupEpisodes: 10 };

  it.each(['native', 'js'] as const)('serialises mid-training and resumes bit-identically to an uninterrupted run (%s engine)', (engine) => {
    const small: DdpgAgentOptions = { ...TASK, hidden: [16, 12], batchSize: 8, replayCapacity: 40, warmupEpisodes: 10, engine };
    const straight = new DdpgAgent(small);
    const envA = new Rng(21);
    train(straight, envA, 0, 120); // the ring buffer wraps (capacity 40)

    const first = new DdpgAgent(small);
    const envB = new Rng(21);
    train(first, envB, 0, 57);
    const text = JSON.stringify(first);
    const resumed = DdpgAgent.fromState(JSON.parse(text));
    expect(JSON.stringify(resumed)).toBe(text);
    train(resumed, envB, 57, 120);

    expect(JSON.stringify(resumed.toJSON())).toBe(JSON.stringify(straight.toJSON()));
    expect(resumed.selectAction([0.1, 0.2, 0.3], 130)).toEqual(straight.selectAction([0.1, 0.2, 0.3], 130));
    expect(resumed.updateCount).toBe(110);
    expect(resumed.baseline).toBe(straight.baseline);
  });

  it('saves to and loads from a file; unreadable files are AMC_IO', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'amc-agent-'));
    try {
      const agent = new DdpgAgent(small);
      train(agent, new Rng(2), 0, 20);
      await agent.save(join(dir, 'agent.json'));
      const loaded = await DdpgAgent.load(join(dir, 'agent.json'));
      expect(JSON.stringify(loaded)).toBe(JSON.stringify(agent));
      await expect(DdpgAgent.load(join(dir, 'missing.json'))).rejects.toMatchObject({ code: ErrorCode.Io });
      await writeFile(join(dir, 'bad.json'), '{"format": "amc-ddpg-agent", ');
      await expect(DdpgAgent.load(join(dir, 'bad.json'))).rejects.toMatchObject({ code: ErrorCode.Io });
      await writeFile(join(dir, 'other.json'), '{"format": "something-else"}');
      await expect(DdpgAgent.load(join(dir, 'other.json'))).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects corrupt or mismatched states with coded errors', () => {
    const agent = new DdpgAgent(small);
    train(agent, new Rng(2), 0, 20);
    const good = agent.toJSON();
    const bad = (patch: (s: Record<string, unknown>) => void, text: RegExp): void => {
      const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
      patch(copy);
      expectCode(() => DdpgAgent.fromState(copy), ErrorCode.InvalidArgument, text);
    };
    const at = (s: Record<string, unknown>, key: string): Record<string, unknown> => s[key] as Record<string, unknown>;
    bad((s) => (s.version = 2), /state\.version/);
    bad((s) => (s.config = { ...at(s, 'config'), hidden: [16, 13] }), /state\.networks\.actor/);
    bad((s) => (at(s, 'config').stateDim = 0), /state\.config\.stateDim/);
    bad((s) => (at(s, 'config').bogus = 1), /state\.config\.bogus/);
    bad((s) => (at(s, 'networks').critic = 'not base64!'), /state\.networks\.critic/);
    bad((s) => (at(s, 'networks').actorTarget = (at(s, 'networks').actorTarget as string).slice(8)), /state\.networks\.actorTarget/);
    bad((s) => (at(at(s, 'optimizers'), 'actor').step = -1), /state\.optimizers\.actor\.step/);
    bad((s) => (at(s, 'replay').size = 500), /state\.replay\.size/);
    bad((s) => (at(s, 'replay').next = 3), /state\.replay\.next/);
    bad((s) => (at(s, 'replay').capacity = 41), /state\.replay\.capacity/);
    bad((s) => (s.baseline = 'x'), /state\.baseline/);
    bad((s) => (at(s, 'rng').words = [1, 2, 3]), /state\.rng\.words/);
    bad((s) => (at(s, 'rng').spareNormal = 'x'), /state\.rng\.spareNormal/);
    // A NaN smuggled into the weights (valid base64 of the right length).
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(Number.NaN);
    bad((s) => {
      const bytes = Buffer.from(at(s, 'networks').critic as string, 'base64');
      nan.copy(bytes, 16);
      at(s, 'networks').critic = bytes.toString('base64');
    }, /state\.networks\.critic\[2\]/);
    expectCode(() => DdpgAgent.fromState(null), ErrorCode.InvalidArgument, /state/);
    expectCode(() => DdpgAgent.fromState('{}'), ErrorCode.InvalidArgument, /state/);
  });
});

describe('DdpgAgent behaviour', () => {
  it('is deterministic: same seed, same actions and updates; another seed differs', () => {
    const run = (seed: number): string => {
      const agent = new DdpgAgent({ ...TASK, seed, hidden: [8, 8], batchSize: 4, warmupEpisodes: 3 });
      const env = new Rng(1);
      const actions: number[] = [];
      for (let episode = 0; episode < 12; episode++) {
        const state = [env.uniform(), env.uniform(), env.uniform()];
        const action = agent.selectAction(state, episode);
        actions.push(...action);
        agent.remember({ state, action, reward: reward(state, action), done: episode % 3 === 2, nextState: [0.5, 0.5, 0.5] });
        agent.update();
      }
      return JSON.stringify({ actions, agent });
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });

  it('uses the AMC reference values by default (300-300 networks, batch 64)', () => {
    const agent = new DdpgAgent({ stateDim: 11 });
    expect(agent.config).toMatchObject({ ...DDPG_DEFAULTS, stateDim: 11 });
    const state = agent.toJSON();
    // actor 11*300+300 + 300*300+300 + 300+1; critic (11+1)*300 + 2*300 + 300*300+300 + 300+1
    expect(Buffer.from(state.networks.actor, 'base64').length / 8).toBe(3600 + 90300 + 301);
    expect(Buffer.from(state.networks.critic, 'base64').length / 8).toBe(3600 + 600 + 90300 + 301);
    const rng = new Rng(4);
    for (let i = 0; i < 64; i++) {
      const s = Array.from({ length: 11 }, () => rng.uniform());
      agent.remember({ state: s, action: [rng.uniform()], reward: -rng.uniform(), nextState: s, done: i % 8 === 7 });
    }
    const result = agent.update();
    expect(result).toBeDefined();
    expect(Number.isFinite(result!.criticLoss) && Number.isFinite(result!.actorQ)).toBe(true);
  });

  it('explores uniformly during warm-up, then truncated-normal around the actor with a decaying sigma', () => {
    const agent = new DdpgAgent({ stateDim: 2, hidden: [8], warmupEpisodes: 5, initSigma: 0.5, sigmaDecay: 0.9 });
    expect(agent.sigma(0)).toBe(0.5);
    expect(agent.sigma(5)).toBe(0.5);
    expect(agent.sigma(7)).toBeCloseTo(0.5 * 0.81, 15);
    const s = [0.3, 0.7];
    const mu = agent.policy(s)[0]!;
    expect(agent.selectAction(s, 0, { explore: false })[0]).toBe(mu);
    let warmSum = 0;
    let lateSum = 0;
    let lateSquares = 0;
    for (let i = 0; i < 2000; i++) {
      warmSum += agent.selectAction(s, 1)[0]!;
      const a = agent.selectAction(s, 60)[0]!; // sigma = 0.5 * 0.9^55 ~ 0.0015
      lateSum += a;
      lateSquares += (a - mu) ** 2;
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
    }
    expect(Math.abs(warmSum / 2000 - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(lateSum / 2000 - mu)).toBeLessThan(2e-4);
    expect(Math.sqrt(lateSquares / 2000)).toBeLessThan(2 * agent.sigma(60));
  });

  it('waits for a full batch, then keeps the moving-average baseline (alpha 0.5) of the batch-mean reward', () => {
    const agent = new DdpgAgent({ stateDim: 1, hidden: [4], batchSize: 4, replayCapacity: 4 });
    for (let i = 0; i < 3; i++) agent.remember({ state: [i], action: 0.5, reward: 2, done: true });
    expect(agent.update()).toBeUndefined();
    expect(agent.updateCount).toBe(0);
    agent.remember({ state: [3], action: 0.5, reward: 2, done: true });
    expect(agent.update()?.baseline).toBe(2); // the first batch mean
    for (let i = 0; i < 4; i++) agent.remember({ state: [i], action: 0.5, reward: 6, done: true });
    expect(agent.update()?.baseline).toBe(4); // 2 + 0.5 (6 - 2)
    expect(agent.baseline).toBe(4);
    const off = new DdpgAgent({ stateDim: 1, hidden: [4], batchSize: 4, replayCapacity: 4, rewardBaseline: false });
    for (let i = 0; i < 4; i++) off.remember({ state: [i], action: 0.5, reward: 6, done: true });
    expect(off.update()?.baseline).toBe(0);
    expect(off.baseline).toBeUndefined();
  });
});

describe('DdpgAgent input validation', () => {
  it('rejects bad options, states, transitions and episodes with coded errors', () => {
    expectCode(() => new DdpgAgent(undefined as unknown as DdpgAgentOptions), ErrorCode.InvalidArgument, /options/);
    expectCode(() => new DdpgAgent({ stateDim: 0 }), ErrorCode.InvalidArgument, /options\.stateDim/);
    expectCode(() => new DdpgAgent({ stateDim: 2.5 }), ErrorCode.InvalidArgument, /options\.stateDim/);
    expectCode(() => new DdpgAgent({ stateDim: 2, hidden: [] }), ErrorCode.InvalidArgument, /options\.hidden/);
    expectCode(() => new DdpgAgent({ stateDim: 2, hidden: [300, -1] }), ErrorCode.InvalidArgument, /options\.hidden\[1\]/);
    expectCode(() => new DdpgAgent({ stateDim: 2, actorLr: Number.NaN }), ErrorCode.NonFinite, /options\.actorLr/);
    expectCode(() => new DdpgAgent({ stateDim: 2, criticLr: 0 }), ErrorCode.InvalidArgument, /options\.criticLr/);
    expectCode(() => new DdpgAgent({ stateDim: 2, tau: 1.5 }), ErrorCode.InvalidArgument, /options\.tau/);
    expectCode(() => new DdpgAgent({ stateDim: 2, baselineAlpha: 0 }), ErrorCode.InvalidArgument, /options\.baselineAlpha/);
    expectCode(() => new DdpgAgent({ stateDim: 2, batchSize: 64, replayCapacity: 10 }), ErrorCode.InvalidArgument, /options\.replayCapacity/);
    expectCode(() => new DdpgAgent({ stateDim: 2, seed: 1.5 }), ErrorCode.InvalidArgument, /options\.seed/);
    expectCode(() => new DdpgAgent({ stateDim: 2, rewardBaseline: 1 as unknown as boolean }), ErrorCode.InvalidArgument, /options\.rewardBaseline/);
    expectCode(() => new DdpgAgent({ stateDim: 2, learningRate: 1 } as unknown as DdpgAgentOptions), ErrorCode.InvalidArgument, /options\.learningRate/);
    expectCode(() => new DdpgAgent({ stateDim: 2, engine: 'gpu' as never }), ErrorCode.InvalidArgument, /options\.engine/);

    const agent = new DdpgAgent({ stateDim: 2, hidden: [4] });
    expectCode(() => agent.selectAction([0.1], 0), ErrorCode.InvalidArgument, /state/);
    expectCode(() => agent.selectAction([0.1, Number.NaN], 0), ErrorCode.NonFinite, /state\[1\]/);
    expectCode(() => agent.selectAction('ab' as unknown as number[], 0), ErrorCode.InvalidArgument, /state/);
    expectCode(() => agent.selectAction([0.1, 0.2], -1), ErrorCode.InvalidArgument, /episode/);
    expectCode(() => agent.selectAction([0.1, 0.2], 0, { explore: 'yes' as unknown as boolean }), ErrorCode.InvalidArgument, /explore/);
    expectCode(() => agent.policy([Infinity, 0]), ErrorCode.NonFinite, /state\[0\]/);
    expectCode(() => agent.sigma(1.5), ErrorCode.InvalidArgument, /episode/);
    const ok = { state: [0.1, 0.2], action: [0.5], reward: -1, nextState: [0.2, 0.3], done: false };
    expectCode(() => agent.remember(null as unknown as typeof ok), ErrorCode.InvalidArgument, /transition/);
    expectCode(() => agent.remember({ ...ok, reward: Number.NaN }), ErrorCode.NonFinite, /transition\.reward/);
    expectCode(() => agent.remember({ ...ok, reward: '1' as unknown as number }), ErrorCode.InvalidArgument, /transition\.reward/);
    expectCode(() => agent.remember({ ...ok, state: [0.1, Number.NaN] }), ErrorCode.NonFinite, /transition\.state\[1\]/);
    expectCode(() => agent.remember({ ...ok, nextState: [Number.NaN, 0] }), ErrorCode.NonFinite, /transition\.nextState\[0\]/);
    expectCode(() => agent.remember({ ...ok, action: [1.5] }), ErrorCode.InvalidArgument, /transition\.action\[0\]/);
    expectCode(() => agent.remember({ ...ok, action: [0.5, 0.5] }), ErrorCode.InvalidArgument, /transition\.action/);
    expectCode(() => agent.remember({ ...ok, nextState: undefined }), ErrorCode.InvalidArgument, /transition\.nextState/);
    expectCode(() => agent.remember({ ...ok, done: 0 as unknown as boolean }), ErrorCode.InvalidArgument, /transition\.done/);
    expect(agent.replaySize).toBe(0); // nothing was stored by a rejected call
    agent.remember({ ...ok, nextState: undefined, done: true, action: 0.5 });
    expect(agent.replaySize).toBe(1);
    expectCode(() => agent.value([0.1, 0.2], 2), ErrorCode.InvalidArgument, /action\[0\]/);
  });
});
