import { readFile } from 'node:fs/promises';
import { AmcError, ErrorCode, Rng, argumentError, writeFileAtomic } from '@amc/core';
import { Adam, softUpdate } from './adam.js';
import { checkBoolean, checkInteger, copyVector } from './checks.js';
import { createDenseEngine } from './dense-engine.js';
import { decodeFloat64, encodeFloat64 } from './encoding.js';
import { Mlp } from './mlp.js';
import { type DdpgAgentConfig, type DdpgAgentOptions, resolveOptions } from './options.js';
import { ReplayBuffer, type ReplayBufferState } from './replay-buffer.js';
import { truncatedNormal } from './truncated-normal.js';

/**
 * One step of experience. In AMC (AMC-SPEC section 1) an episode prunes every unit in turn; the transition of
 * unit t is `(s_t, a_t, R, s_{t+1}, done = t is the last unit)` with the episode's reward R copied to all of them.
 *
 * @example
 * agent.remember({ state: [0.1, 0.5, 0.3], action: [0.42], reward: -0.31, nextState: [0.2, 0.5, 0.1], done: false });
 * agent.remember({ state: lastState, action: 0.7, reward: -0.31, done: true });   // nextState optional when done
 */
export interface Transition {
  /** `stateDim` finite numbers. */
  readonly state: ArrayLike<number>;
  /** `actionDim` numbers in [0, 1]; a plain number when `actionDim` is 1. */
  readonly action: ArrayLike<number> | number;
  /** A finite reward. */
  readonly reward: number;
  /** `stateDim` finite numbers; may be omitted when `done` (stored as zeros, never used). */
  readonly nextState?: ArrayLike<number>;
  /** True when the episode ends with this transition (no bootstrapped value). */
  readonly done: boolean;
}

/** What one {@link DdpgAgent.update} did. */
export interface UpdateResult {
  /** Mean squared error of the critic against its targets, before the critic's step. */
  readonly criticLoss: number;
  /** Mean critic value Q(s, actor(s)) over the batch, before the actor's step (the negative actor loss). */
  readonly actorQ: number;
  /** The reward baseline subtracted in this update (0 when `rewardBaseline` is off). */
  readonly baseline: number;
}

/** Optimiser state of one network. */
export interface AdamState {
  /** Steps taken. */
  readonly step: number;
  /** Base64 little-endian float64 first moments. */
  readonly m: string;
  /** Base64 little-endian float64 second moments. */
  readonly v: string;
}

/**
 * The whole state of a {@link DdpgAgent} as plain JSON: options, the four networks, both optimisers, the replay
 * buffer, the reward baseline, the update count and the generator. Float arrays are base64 of little-endian
 * float64 bytes, so `fromState(JSON.parse(JSON.stringify(agent.toJSON())))` continues bit-identically.
 */
export interface DdpgAgentState {
  /** Always `'amc-ddpg-agent'`. */
  readonly format: 'amc-ddpg-agent';
  /** Format version, 1. */
  readonly version: 1;
  /** The resolved options; the exploration schedule is a function of them and of the episode. */
  readonly config: DdpgAgentConfig;
  /** Parameters of the actor, critic and their targets (layout of the internal `Mlp`). */
  readonly networks: { readonly actor: string; readonly critic: string; readonly actorTarget: string; readonly criticTarget: string };
  /** Adam state of the actor and the critic. */
  readonly optimizers: { readonly actor: AdamState; readonly critic: AdamState };
  /** The replay buffer. */
  readonly replay: ReplayBufferState;
  /** The moving-average reward baseline; null before the first update. */
  readonly baseline: number | null;
  /** Updates done. */
  readonly updates: number;
  /** The generator (`Rng.getState()` of `@amc/core`). */
  readonly rng: { readonly words: readonly [number, number, number, number]; readonly spareNormal: number | null };
}

const FORMAT = 'amc-ddpg-agent';

/**
 * A DDPG agent (Lillicrap et al. 2016) for continuous actions in [0, 1]^actionDim, set up as AMC's reference
 * (AMC-SPEC section 7): actor `S -> 300 -> ReLU -> 300 -> ReLU -> A -> sigmoid`, critic
 * `relu(L(s) + L(a)) -> 300 -> ReLU -> 1`, Adam, MSE critic loss, soft target updates, a replay ring buffer,
 * uniform warm-up then truncated-normal exploration with a decaying sigma, and a moving-average reward baseline.
 * Everything is Float64 and driven by one seeded generator: the same seed and calls give bit-identical results,
 * and {@link DdpgAgent.toJSON} / {@link DdpgAgent.fromState} resume exactly.
 *
 * The caller owns the loop: {@link DdpgAgent.selectAction} per step, {@link DdpgAgent.remember} per
 * transition, {@link DdpgAgent.update} when it wants to learn (AMC: one update per stored transition after
 * warm-up).
 *
 * @example
 * const agent = new DdpgAgent({ stateDim: 3, seed: 7 });
 * for (let episode = 0; episode < 400; episode++) {
 *   const state = observe();
 *   const action = agent.selectAction(state, episode);          // Float64Array in [0, 1]
 *   const reward = act(action);
 *   agent.remember({ state, action, reward, done: true });
 *   if (episode >= agent.config.warmupEpisodes) agent.update();
 * }
 * agent.policy(state);                                          // the greedy action
 */
export class DdpgAgent {
  /** The resolved options. */
  readonly config: DdpgAgentConfig;
  private rng: Rng;
  private readonly actor: Mlp;
  private readonly critic: Mlp;
  private readonly actorTarget: Mlp;
  private readonly criticTarget: Mlp;
  private readonly actorOptimizer: Adam;
  private readonly criticOptimizer: Adam;
  private replay: ReplayBuffer;
  private movingBaseline: number | null = null;
  private updates = 0;
  // Work buffers of one update, sized for batchSize.
  private readonly indices: Int32Array;
  private readonly batchStates: Float64Array;
  private readonly batchNextStates: Float64Array;
  private readonly criticInput: Float64Array;
  private readonly nextCriticInput: Float64Array;
  private readonly targets: Float64Array;
  private readonly gradient: Float64Array;
  private readonly single: Float64Array;

  /**
   * A fresh agent: networks initialised from `options.seed`, targets equal to them, empty replay.
   * @throws AmcError AMC_INVALID_ARGUMENT / AMC_NON_FINITE for bad options (see {@link DdpgAgentOptions}).
   */
  constructor(options: DdpgAgentOptions) {
    const config = resolveOptions('DdpgAgent', options);
    this.config = config;
    const { stateDim: s, actionDim: a, hidden, batchSize: batch, lastLayerInit } = config;
    this.rng = new Rng(config.seed);
    // One engine for the four networks: they run one after the other, so they can share its scratch buffers.
    const engine = createDenseEngine(config.engine);
    this.actor = new Mlp({ inputBlocks: [s], hidden, outputSize: a, outputActivation: 'sigmoid', lastLayerInit }, batch, engine);
    this.critic = new Mlp({ inputBlocks: [s, a], hidden, outputSize: 1, outputActivation: 'none', lastLayerInit }, batch, engine);
    this.actorTarget = new Mlp(this.actor.spec, batch, engine);
    this.criticTarget = new Mlp(this.critic.spec, batch, engine);
    this.actor.initialize(this.rng);
    this.critic.initialize(this.rng);
    this.actorTarget.params.set(this.actor.params);
    this.criticTarget.params.set(this.critic.params);
    this.actorOptimizer = new Adam(this.actor.parameterCount, config.actorLr);
    this.criticOptimizer = new Adam(this.critic.parameterCount, config.criticLr);
    this.replay = new ReplayBuffer(config.replayCapacity, s, a);
    this.indices = new Int32Array(batch);
    this.batchStates = new Float64Array(batch * s);
    this.batchNextStates = new Float64Array(batch * s);
    this.criticInput = new Float64Array(batch * (s + a));
    this.nextCriticInput = new Float64Array(batch * (s + a));
    this.targets = new Float64Array(batch);
    this.gradient = new Float64Array(batch);
    this.single = new Float64Array(s);
  }

  /** Number of transitions in the replay buffer. */
  get replaySize(): number {
    return this.replay.size;
  }

  /** Number of updates done. */
  get updateCount(): number {
    return this.updates;
  }

  /** The moving-average reward baseline; undefined before the first update (or when `rewardBaseline` is off). */
  get baseline(): number | undefined {
    return this.movingBaseline ?? undefined;
  }

  /**
   * Exploration sigma of `episode` (0-based): `initSigma * sigmaDecay^(episode - warmupEpisodes)` after warm-up,
   * `initSigma` during it (when actions are uniform anyway).
   * @throws AmcError AMC_INVALID_ARGUMENT unless `episode` is a non-negative integer.
   */
  sigma(episode: number): number {
    checkInteger('DdpgAgent.sigma', 'episode', episode, 0);
    const { initSigma, sigmaDecay, warmupEpisodes } = this.config;
    return episode < warmupEpisodes ? initSigma : initSigma * sigmaDecay ** (episode - warmupEpisodes);
  }

  /**
   * The exploring action for `state` in `episode` (0-based): uniform U(0, 1) per component during warm-up
   * (`episode < warmupEpisodes`), then a truncated normal on [0, 1] around the actor's output with
   * `sigma(episode)` ({@link truncatedNormal}). With `{ explore: false }`, the actor's output ({@link DdpgAgent.policy}).
   * Returns a new `Float64Array` of `actionDim` values in [0, 1]; advances the generator when exploring.
   * @throws AmcError AMC_INVALID_ARGUMENT for a state of the wrong length or type or a bad episode,
   * AMC_NON_FINITE for NaN / infinite state values.
   */
  selectAction(state: ArrayLike<number>, episode: number, options?: { explore?: boolean }): Float64Array {
    const op = 'DdpgAgent.selectAction';
    checkInteger(op, 'episode', episode, 0);
    let explore = true;
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null || Object.keys(options).some((k) => k !== 'explore')) {
        throw argumentError(ErrorCode.InvalidArgument, op, 'options', '{ explore?: boolean } or undefined', options);
      }
      if (options.explore !== undefined) explore = checkBoolean(op, 'options.explore', options.explore);
    }
    copyVector(op, 'state', state, this.config.stateDim, this.single);
    const { actionDim, warmupEpisodes } = this.config;
    const action = new Float64Array(actionDim);
    if (explore && episode < warmupEpisodes) {
      for (let i = 0; i < actionDim; i++) action[i] = this.rng.uniform();
      return action;
    }
    action.set(this.actor.forward(this.single, 1));
    if (!explore) return action;
    const sigma = this.sigma(episode);
    for (let i = 0; i < actionDim; i++) action[i] = truncatedNormal(this.rng, action[i] as number, sigma, 0, 1);
    return action;
  }

  /**
   * The actor's (greedy) action for `state`: a new `Float64Array` of `actionDim` values in (0, 1). Does not use
   * the generator.
   * @throws AmcError as {@link DdpgAgent.selectAction}.
   */
  policy(state: ArrayLike<number>): Float64Array {
    copyVector('DdpgAgent.policy', 'state', state, this.config.stateDim, this.single);
    return Float64Array.from(this.actor.forward(this.single, 1));
  }

  /**
   * The critic's value Q(state, action).
   * @throws AmcError as {@link DdpgAgent.remember} for a bad state or action.
   */
  value(state: ArrayLike<number>, action: ArrayLike<number> | number): number {
    const op = 'DdpgAgent.value';
    const { stateDim, actionDim } = this.config;
    const input = new Float64Array(stateDim + actionDim);
    copyVector(op, 'state', state, stateDim, input);
    copyVector(op, 'action', typeof action === 'number' ? [action] : action, actionDim, input, stateDim, { low: 0, high: 1 });
    return this.critic.forward(input, 1)[0] as number;
  }

  /**
   * Stores a transition in the replay buffer (the oldest is overwritten when full). Everything is validated
   * before anything is written.
   * @throws AmcError AMC_INVALID_ARGUMENT for a malformed transition (wrong lengths, an action outside [0, 1],
   * a missing `nextState` when not `done`), AMC_NON_FINITE for NaN / infinite states, actions or reward.
   */
  remember(transition: Transition): void {
    const op = 'DdpgAgent.remember';
    if (typeof transition !== 'object' || transition === null) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'transition', '{ state, action, reward, nextState?, done }', transition);
    }
    const { stateDim, actionDim } = this.config;
    const t = transition as unknown as Record<string, unknown>;
    const scratch = new Float64Array(2 * stateDim + actionDim);
    copyVector(op, 'transition.state', t.state, stateDim, scratch, 0);
    const action = typeof t.action === 'number' && actionDim === 1 ? [t.action] : t.action;
    copyVector(op, 'transition.action', action, actionDim, scratch, stateDim, { low: 0, high: 1 });
    const reward = t.reward;
    if (typeof reward !== 'number') throw argumentError(ErrorCode.InvalidArgument, op, 'transition.reward', 'a finite number', reward);
    if (!Number.isFinite(reward)) throw argumentError(ErrorCode.NonFinite, op, 'transition.reward', 'a finite number', reward);
    const done = checkBoolean(op, 'transition.done', t.done);
    if (t.nextState !== undefined || !done) copyVector(op, 'transition.nextState', t.nextState, stateDim, scratch, stateDim + actionDim);
    const slot = this.replay.push();
    const r = this.replay;
    r.states.set(scratch.subarray(0, stateDim), slot * stateDim);
    r.actions.set(scratch.subarray(stateDim, stateDim + actionDim), slot * actionDim);
    r.nextStates.set(scratch.subarray(stateDim + actionDim), slot * stateDim);
    r.rewards[slot] = reward;
    r.dones[slot] = done ? 1 : 0;
  }

  /**
   * One DDPG update on a batch drawn from the replay buffer (without replacement); undefined (and nothing
   * changes) while the buffer holds fewer than `batchSize` transitions. In order:
   *
   * 1. baseline: `b = mean(r)` at the first update, then `b += baselineAlpha (mean(r) - b)`; rewards become `r - b`
   *    (skipped when `rewardBaseline` is false);
   * 2. critic: targets `y = r - b + discount (1 - done) Q'(s', mu'(s'))` from the target networks, one Adam step
   *    on `mean((Q(s, a) - y)^2)`;
   * 3. actor: one Adam step on `-mean(Q(s, mu(s)))` with the just-updated critic;
   * 4. targets: soft update of both with `tau`.
   *
   * @throws AmcError AMC_NON_FINITE when the critic loss is not finite (diverged training; raise the baseline
   * or lower the learning rates). The baseline and generator have then advanced; the networks are unchanged.
   */
  update(): UpdateResult | undefined {
    const { stateDim: s, actionDim: a, batchSize: batch, discount, rewardBaseline, baselineAlpha, tau } = this.config;
    const replay = this.replay;
    if (replay.size < batch) return undefined;
    replay.sample(this.rng, batch, this.indices);
    const width = s + a;
    const rewards = this.targets;
    let rewardSum = 0;
    for (let i = 0; i < batch; i++) {
      const slot = this.indices[i] as number;
      this.batchStates.set(replay.states.subarray(slot * s, slot * s + s), i * s);
      this.batchNextStates.set(replay.nextStates.subarray(slot * s, slot * s + s), i * s);
      this.criticInput.set(replay.states.subarray(slot * s, slot * s + s), i * width);
      this.criticInput.set(replay.actions.subarray(slot * a, slot * a + a), i * width + s);
      rewards[i] = replay.rewards[slot] as number;
      rewardSum += rewards[i] as number;
    }
    let baseline = 0;
    if (rewardBaseline) {
      const mean = rewardSum / batch;
      this.movingBaseline = this.movingBaseline === null ? mean : this.movingBaseline + baselineAlpha * (mean - this.movingBaseline);
      baseline = this.movingBaseline;
    }

    // Critic targets from the target networks (written over the rewards in place).
    const nextActions = this.actorTarget.forward(this.batchNextStates, batch);
    const nextInput = this.nextCriticInput;
    for (let i = 0; i < batch; i++) {
      nextInput.set(this.batchNextStates.subarray(i * s, i * s + s), i * width);
      nextInput.set(nextActions.subarray(i * a, i * a + a), i * width + s);
    }
    const nextValues = this.criticTarget.forward(nextInput, batch);
    for (let i = 0; i < batch; i++) {
      const slot = this.indices[i] as number;
      const notDone = replay.dones[slot] === 1 ? 0 : 1;
      rewards[i] = (rewards[i] as number) - baseline + discount * notDone * (nextValues[i] as number);
    }

    // Critic step on the MSE: d loss / d Q_i = 2 (Q_i - y_i) / batch.
    const values = this.critic.forward(this.criticInput, batch);
    const gradient = this.gradient;
    let criticLoss = 0;
    for (let i = 0; i < batch; i++) {
      const diff = (values[i] as number) - (rewards[i] as number);
      criticLoss += diff * diff;
      gradient[i] = (2 * diff) / batch;
    }
    criticLoss /= batch;
    if (!Number.isFinite(criticLoss)) {
      throw new AmcError(ErrorCode.NonFinite, `DdpgAgent.update: the critic loss is ${criticLoss} at update ${this.updates}`, {
        operation: 'DdpgAgent.update',
        received: String(criticLoss),
      });
    }
    this.critic.zeroGrads();
    this.critic.backward(gradient, batch, true);
    this.criticOptimizer.apply(this.critic.params, this.critic.grads);

    // Actor step on -mean Q(s, mu(s)): d loss / d Q_i = -1 / batch, through the critic's action input.
    const actions = this.actor.forward(this.batchStates, batch);
    for (let i = 0; i < batch; i++) this.criticInput.set(actions.subarray(i * a, i * a + a), i * width + s);
    const policyValues = this.critic.forward(this.criticInput, batch);
    let actorQ = 0;
    for (let i = 0; i < batch; i++) {
      actorQ += policyValues[i] as number;
      gradient[i] = -1 / batch;
    }
    actorQ /= batch;
    const actionGradient = this.critic.backward(gradient, batch, false, s) as Float64Array;
    this.actor.zeroGrads();
    this.actor.backward(actionGradient, batch, true);
    this.actorOptimizer.apply(this.actor.params, this.actor.grads);

    softUpdate(this.actorTarget.params, this.actor.params, tau);
    softUpdate(this.criticTarget.params, this.critic.params, tau);
    this.updates += 1;
    return { criticLoss, actorQ, baseline };
  }

  /** The whole state as plain JSON (see {@link DdpgAgentState}); `JSON.stringify(agent)` works. */
  toJSON(): DdpgAgentState {
    const adam = (o: Adam): AdamState => ({ step: o.step, m: encodeFloat64(o.m), v: encodeFloat64(o.v) });
    return {
      format: FORMAT,
      version: 1,
      config: { ...this.config, hidden: [...this.config.hidden] },
      networks: {
        actor: encodeFloat64(this.actor.params),
        critic: encodeFloat64(this.critic.params),
        actorTarget: encodeFloat64(this.actorTarget.params),
        criticTarget: encodeFloat64(this.criticTarget.params),
      },
      optimizers: { actor: adam(this.actorOptimizer), critic: adam(this.criticOptimizer) },
      replay: this.replay.toJSON(),
      baseline: this.movingBaseline,
      updates: this.updates,
      rng: this.rng.getState(),
    };
  }

  /** Same as {@link DdpgAgent.toJSON}. */
  serialize(): DdpgAgentState {
    return this.toJSON();
  }

  /**
   * Rebuilds an agent from {@link DdpgAgent.toJSON} (or its `JSON.parse`d text); it continues bit-identically.
   * @throws AmcError AMC_INVALID_ARGUMENT for anything that is not a complete, consistent state of this format
   * (wrong format / version, bad config, arrays of the wrong length or with non-finite values, bad counters).
   */
  static fromState(state: unknown): DdpgAgent {
    const op = 'DdpgAgent.fromState';
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'state', 'an object from DdpgAgent.toJSON', state);
    }
    const s = state as Record<string, unknown>;
    if (s.format !== FORMAT) throw argumentError(ErrorCode.InvalidArgument, op, 'state.format', `"${FORMAT}"`, s.format);
    if (s.version !== 1) throw argumentError(ErrorCode.InvalidArgument, op, 'state.version', '1', s.version);
    const config = resolveOptions(op, s.config, 'state.config');
    const agent = new DdpgAgent(config);
    const object = (argument: string, value: unknown): Record<string, unknown> => {
      if (typeof value !== 'object' || value === null) throw argumentError(ErrorCode.InvalidArgument, op, argument, 'an object', value);
      return value as Record<string, unknown>;
    };
    const networks = object('state.networks', s.networks);
    const load = (name: 'actor' | 'critic' | 'actorTarget' | 'criticTarget', mlp: Mlp): void => {
      mlp.params.set(decodeFloat64(op, `state.networks.${name}`, networks[name], mlp.parameterCount));
    };
    load('actor', agent.actor);
    load('critic', agent.critic);
    load('actorTarget', agent.actorTarget);
    load('criticTarget', agent.criticTarget);
    const optimizers = object('state.optimizers', s.optimizers);
    const loadAdam = (name: 'actor' | 'critic', adam: Adam): void => {
      const o = object(`state.optimizers.${name}`, optimizers[name]);
      adam.step = checkInteger(op, `state.optimizers.${name}.step`, o.step, 0);
      adam.m.set(decodeFloat64(op, `state.optimizers.${name}.m`, o.m, adam.m.length));
      const v = decodeFloat64(op, `state.optimizers.${name}.v`, o.v, adam.v.length);
      if (v.some((x) => x < 0)) throw argumentError(ErrorCode.InvalidArgument, op, `state.optimizers.${name}.v`, 'non-negative second moments', 'a negative value');
      adam.v.set(v);
    };
    loadAdam('actor', agent.actorOptimizer);
    loadAdam('critic', agent.criticOptimizer);
    agent.replay = ReplayBuffer.fromState(op, 'state.replay', s.replay, config.replayCapacity, config.stateDim, config.actionDim);
    if (s.baseline !== null && (typeof s.baseline !== 'number' || !Number.isFinite(s.baseline))) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'state.baseline', 'a finite number or null', s.baseline);
    }
    agent.movingBaseline = s.baseline as number | null;
    agent.updates = checkInteger(op, 'state.updates', s.updates, 0);
    const rng = object('state.rng', s.rng);
    if (rng.spareNormal !== null && (typeof rng.spareNormal !== 'number' || !Number.isFinite(rng.spareNormal))) {
      throw argumentError(ErrorCode.InvalidArgument, op, 'state.rng.spareNormal', 'a finite number or null', rng.spareNormal);
    }
    try {
      agent.rng = Rng.fromState(rng as unknown as Parameters<typeof Rng.fromState>[0]);
    } catch {
      throw argumentError(ErrorCode.InvalidArgument, op, 'state.rng.words', 'four uint32 words', rng.words);
    }
    return agent;
  }

  /**
   * Writes {@link DdpgAgent.toJSON} to `path` atomically (a reader sees the old file or the new one).
   * @throws AmcError AMC_IO when the file cannot be written.
   */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw argumentError(ErrorCode.InvalidArgument, 'DdpgAgent.save', 'path', 'a file path', path);
    try {
      await writeFileAtomic(path, JSON.stringify(this.toJSON()));
    } catch (error) {
      throw new AmcError(ErrorCode.Io, `DdpgAgent.save: cannot write ${path}: ${(error as Error).message}`, { operation: 'DdpgAgent.save', argument: 'path', cause: error });
    }
  }

  /**
   * Reads an agent written by {@link DdpgAgent.save}.
   * @throws AmcError AMC_IO when the file cannot be read or is not JSON; AMC_INVALID_ARGUMENT as
   * {@link DdpgAgent.fromState} when its content is not a valid state.
   */
  static async load(path: string): Promise<DdpgAgent> {
    const op = 'DdpgAgent.load';
    if (typeof path !== 'string' || path.length === 0) throw argumentError(ErrorCode.InvalidArgument, op, 'path', 'a file path', path);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new AmcError(ErrorCode.Io, `${op}: cannot read an agent from ${path}: ${(error as Error).message}`, { operation: op, argument: 'path', cause: error });
    }
    return DdpgAgent.fromState(parsed);
  }
}
