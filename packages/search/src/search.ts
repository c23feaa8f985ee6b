/**
 * The AMC search driver (AMC-SPEC section 1): episodes of layer-by-layer decisions by the DDPG agent, the budget
 * wall, pruning + evaluation without fine-tuning, the reward copied to every transition of the episode, one agent
 * update per stored transition after the warm-up, best-policy tracking, a JSON-lines log of every episode and an
 * atomic checkpoint after every episode (resume loses at most the episode in flight and ends with the same best
 * policy as an uninterrupted run).
 */
import { appendFile, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DdpgAgent, type DdpgAgentOptions } from '@amc/agent';
import { AmcError, ErrorCode, argumentError, writeFileAtomic } from '@amc/core';
import { type RewardProtocol, constrainAction, evaluateReward, getReward, resourceOf } from '@amc/rewards';
import type { CompressionEnvironment, LabelledImages } from './environment.js';
import type { ResourceName } from './resource-model.js';

/** `resource`: -error under a budget wall; `accuracy`: -error * log(resource), no wall. */
export type SearchProtocol = 'resource' | 'accuracy';

/** Options of {@link runSearch}. */
export interface SearchOptions {
  protocol: SearchProtocol;
  /** The constrained resource and the fraction of the original to keep (resource protocol), e.g. `{ resource: 'macs', ratio: 0.5 }`. */
  target: { resource: ResourceName; ratio: number };
  episodes: number;
  /** Episodes of uniform random actions before the agent acts and learns. Default min(100, episodes / 4). */
  warmupEpisodes?: number;
  seed: number;
  /** The smallest ratio of a unit (`lbound`). Default 0.2 (channel) or 0.05 (fine-grained). */
  lowerBound?: number;
  /** A reward name of the @amc/rewards registry, to replace the protocol's built-in one. */
  reward?: string;
  /** Folder of the checkpoint (`search-state.json`) and the log (`episodes.jsonl`). Without it nothing is written. */
  out?: string;
  /** Continue from the checkpoint in `out` (required when one exists, to avoid overwriting a search by accident). */
  resume?: boolean;
  /** Agent options (sizes, rates, ...) over the AMC reference values; stateDim and seed are set by the search. */
  agent?: Partial<Omit<DdpgAgentOptions, 'stateDim' | 'seed' | 'warmupEpisodes'>>;
  /** Called after every episode. */
  onEpisode?: (record: EpisodeRecord, progress: SearchProgress) => void;
  /** Stored in the checkpoint (e.g. how to rebuild the model and data for `amc export`). */
  metadata?: Record<string, unknown>;
  /**
   * Raw actions (one per unit, in (0, 1]) played instead of random ones in the first warm-up episodes, through
   * the wall like any action: e.g. the uniform policy, so the search starts from the rule-based baseline and
   * never ends below it on the reward. At most `warmupEpisodes` policies.
   */
  initialPolicies?: readonly (readonly number[])[];
  /**
   * Re-scores the `count` best distinct policies of the search (by reward), and the initial policies, on
   * `validation`, a larger held-out set than the reward's, after the last episode, and selects the best of them ({@link SearchResult.selected}): the
   * search's best is picked on a noisy estimate and overrates itself. The selection is checkpointed.
   */
  finalists?: { count: number; validation: LabelledImages };
}

/** One line of `episodes.jsonl`. */
export interface EpisodeRecord {
  episode: number;
  /** The agent's raw actions, before the wall. */
  actions: number[];
  /** The effective ratios pruned with (after the wall and rounding). */
  ratios: number[];
  macs: number;
  params: number;
  /** Of the original. */
  macsRatio: number;
  paramsRatio: number;
  accuracy: number;
  reward: number;
  /** Whether the budget was reachable at every step (resource protocol; always true for accuracy). */
  feasible: boolean;
  /** Milliseconds: acting (embedding, agent, wall), pruning + reconstruction, evaluation, agent updates. */
  time: { act: number; prune: number; evaluate: number; update: number };
}

/** The best policy so far. */
export interface BestPolicy {
  episode: number;
  reward: number;
  ratios: number[];
  accuracy: number;
  macs: number;
  params: number;
}

/** The policy the search selects: a finalist re-scored on the finalists' validation set. */
export interface SelectedPolicy extends BestPolicy {
  /** Accuracy on the finalists' validation set. */
  finalAccuracy: number;
  /** Images of that set. */
  finalCount: number;
}

/** Progress after an episode. */
export interface SearchProgress {
  episode: number;
  episodes: number;
  best: BestPolicy;
  /** Estimated milliseconds left, from the mean time of the last 20 episodes. */
  etaMs: number;
}

/** Result of {@link runSearch}. */
export interface SearchResult {
  best: BestPolicy;
  episodes: number;
  originalAccuracy: number;
  originalMacs: number;
  originalParams: number;
  /** Total milliseconds per phase over the episodes run in this process. */
  time: { act: number; prune: number; evaluate: number; update: number };
  /** Episodes resumed from a checkpoint (0 for a fresh search). */
  resumedFrom: number;
  /** With `finalists`: the finalist with the best reward on their validation set; else the best policy. */
  selected: SelectedPolicy | BestPolicy;
  /** With `finalists`: every finalist as re-scored, best first. */
  finalists: SelectedPolicy[];
}

interface SearchState {
  format: 'amc-search-state';
  version: 1;
  key: string;
  nextEpisode: number;
  logLines: number;
  best: BestPolicy | null;
  /** The best distinct policies so far, best first (kept only with `finalists`). */
  top?: BestPolicy[];
  /** The policies the initial episodes played (kept only with `finalists`: they are always finalists). */
  starts?: BestPolicy[];
  /** Set once the finalists are re-scored. */
  selected?: SelectedPolicy;
  finalists?: SelectedPolicy[];
  agent: unknown;
  metadata: Record<string, unknown>;
}

const STATE_FILE = 'search-state.json';
const LOG_FILE = 'episodes.jsonl';
const OPERATION = 'runSearch';

function check(condition: boolean, argument: string, expected: string, value: unknown): void {
  if (!condition) throw argumentError(ErrorCode.InvalidArgument, OPERATION, argument, expected, value);
}

function protocolReward(options: SearchOptions): RewardProtocol {
  if (options.reward !== undefined) return getReward(options.reward);
  if (options.protocol === 'resource') return getReward('error');
  return getReward(options.target.resource === 'macs' ? 'flops' : 'params');
}

/** What identifies a search, so a checkpoint of another search is never resumed. */
function searchKey(env: CompressionEnvironment, options: SearchOptions, lowerBound: number, warmup: number): string {
  return JSON.stringify({
    model: env.original.name,
    method: env.method,
    units: env.units.map((u) => [u.id, u.size]),
    protocol: options.protocol,
    target: options.target,
    episodes: options.episodes,
    warmup,
    seed: options.seed,
    lowerBound,
    reward: options.reward ?? null,
    agent: options.agent ?? null,
    // Only when not the default, so that checkpoints written before the option existed still resume.
    ...(env.selection === 'l1' ? {} : { selection: env.selection }),
    ...(options.initialPolicies === undefined || options.initialPolicies.length === 0 ? {} : { initialPolicies: options.initialPolicies }),
    ...(options.finalists === undefined ? {} : { finalists: [options.finalists.count, options.finalists.validation.count] }),
  });
}

async function readState(path: string): Promise<SearchState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as SearchState;
    if (state.format !== 'amc-search-state' || state.version !== 1) throw new Error('not a search state');
    return state;
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `${OPERATION}: ${path} is not a valid search checkpoint`, { operation: OPERATION, argument: 'options.out', received: path, cause });
  }
}

/** Keeps the first `lines` lines of the log (drops an episode logged after the last checkpoint). */
async function trimLog(path: string, lines: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (lines === 0) return;
    throw new AmcError(ErrorCode.Io, `${OPERATION}: the episode log ${path} is missing`, { operation: OPERATION, argument: 'options.out', received: path });
  }
  let end = 0;
  for (let i = 0; i < lines; i++) {
    const next = text.indexOf('\n', end);
    if (next < 0) throw new AmcError(ErrorCode.Io, `${OPERATION}: the episode log ${path} has fewer than ${lines} lines`, { operation: OPERATION, argument: 'options.out', received: path });
    end = next + 1;
  }
  await truncate(path, Buffer.byteLength(text.slice(0, end)));
}

/**
 * Runs (or resumes) an AMC search on `env`. Same environment, options and seed: same episodes, same best policy,
 * whether run in one go or killed and resumed any number of times.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (bad options; an existing checkpoint without `resume`, or one of another
 *   search), AMC_IO (unreadable checkpoint or log), and the errors of the environment.
 * @example
 * const env = new CompressionEnvironment(graph, { method: 'channel', calibration, validation, seed: 1 });
 * const { best } = await runSearch(env, { protocol: 'resource', target: { resource: 'macs', ratio: 0.5 }, episodes: 400, seed: 1, out: 'runs/search' });
 */
export async function runSearch(env: CompressionEnvironment, options: SearchOptions): Promise<SearchResult> {
  check(typeof options === 'object' && options !== null, 'options', 'an options object', options);
  check(options.protocol === 'resource' || options.protocol === 'accuracy', 'options.protocol', "'resource' or 'accuracy'", options.protocol);
  const target = options.target;
  check(typeof target === 'object' && target !== null && (target.resource === 'macs' || target.resource === 'params'), 'options.target.resource', "'macs' or 'params'", target?.resource);
  check(typeof target.ratio === 'number' && target.ratio > 0 && target.ratio <= 1, 'options.target.ratio', 'a fraction in (0, 1]', target.ratio);
  check(Number.isSafeInteger(options.episodes) && options.episodes >= 1, 'options.episodes', 'a positive integer', options.episodes);
  check(Number.isSafeInteger(options.seed) && options.seed >= 0, 'options.seed', 'a non-negative integer', options.seed);
  const warmup = options.warmupEpisodes ?? defaultWarmupEpisodes(options.episodes);
  check(Number.isSafeInteger(warmup) && warmup >= 0 && warmup <= options.episodes, 'options.warmupEpisodes', `an integer in [0, episodes]`, options.warmupEpisodes);
  const lowerBound = options.lowerBound ?? (env.method === 'channel' ? 0.2 : 0.05);
  check(typeof lowerBound === 'number' && lowerBound > 0 && lowerBound <= 1, 'options.lowerBound', 'a number in (0, 1]', options.lowerBound);
  check(options.out === undefined || (typeof options.out === 'string' && options.out.length > 0), 'options.out', 'a folder path', options.out);
  const initial = options.initialPolicies ?? [];
  check(Array.isArray(initial) && initial.length <= warmup, 'options.initialPolicies', `at most warmupEpisodes (${warmup}) policies`, initial.length);
  for (const [i, p] of initial.entries()) {
    check(Array.isArray(p) && p.length === env.units.length && p.every((a) => typeof a === 'number' && a > 0 && a <= 1), `options.initialPolicies[${i}]`, `${env.units.length} actions in (0, 1]`, p);
  }
  const finalists = options.finalists;
  if (finalists !== undefined) {
    check(typeof finalists === 'object' && finalists !== null && Number.isSafeInteger(finalists.count) && finalists.count >= 1, 'options.finalists.count', 'a positive integer', finalists?.count);
    const v = finalists.validation;
    check(typeof v === 'object' && v !== null && v.images instanceof Float32Array && Number.isSafeInteger(v.count) && v.count >= 1 && v.count * env.inputSize <= v.images.length && typeof v.labels === 'object' && v.labels !== null && v.labels.length >= v.count, 'options.finalists.validation', `{ images, labels, count } with count images of ${env.inputSize} floats`, v);
  }
  const reward = protocolReward(options);

  const key = searchKey(env, options, lowerBound, warmup);
  const units = env.units.length;
  const model = env.models[target.resource];
  const budget = target.ratio * resourceOf(model, env.units.map(() => 1));
  const quantize = (t: number, r: number): number => env.quantize(t, r);

  let agent: DdpgAgent | undefined;
  let best: BestPolicy | null = null;
  let top: BestPolicy[] = [];
  let starts: BestPolicy[] = [];
  let selected: SelectedPolicy | undefined;
  let scored: SelectedPolicy[] = [];
  let start = 0;
  let logLines = 0;
  const statePath = options.out === undefined ? undefined : join(options.out, STATE_FILE);
  const logPath = options.out === undefined ? undefined : join(options.out, LOG_FILE);
  if (statePath !== undefined && logPath !== undefined) {
    await mkdir(options.out as string, { recursive: true });
    const state = await readState(statePath);
    if (state !== undefined) {
      if (options.resume !== true) {
        throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.resume', `true to continue the search checkpointed in ${options.out} (or another folder)`, options.resume);
      }
      if (state.key !== key) {
        throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options', `the options of the search checkpointed in ${options.out}`, 'different options');
      }
      agent = DdpgAgent.fromState(state.agent);
      best = state.best;
      top = state.top ?? [];
      starts = state.starts ?? [];
      selected = state.selected;
      scored = state.finalists ?? [];
      start = state.nextEpisode;
      logLines = state.logLines;
      await trimLog(logPath, logLines);
    } else {
      await writeFile(logPath, '');
    }
  }
  // Exploration decays to a tenth of its initial width over the episodes after the warm-up (the reference's fixed
  // 0.95 per episode leaves almost no exploration after 50 of them: 0.95^50 = 0.08); options.agent.sigmaDecay wins.
  const sigmaDecay = options.agent?.sigmaDecay ?? 0.1 ** (1 / Math.max(1, options.episodes - warmup));
  agent ??= new DdpgAgent({ ...options.agent, sigmaDecay, stateDim: env.stateDim, seed: options.seed, warmupEpisodes: warmup });

  const originalAccuracy = env.originalAccuracy();
  const original = { macs: env.originalMacs, params: env.originalParams };
  const total = { act: 0, prune: 0, evaluate: 0, update: 0 };
  // The ETA uses the last episodes only: after the warm-up an episode also pays for agent updates.
  const recent: number[] = [];
  for (let episode = start; episode < options.episodes; episode++) {
    const episodeStart = performance.now();
    let t0 = episodeStart;
    const decided: number[] = [];
    const states: Float64Array[] = [];
    const actions: number[] = [];
    let previous = 1;
    let feasible = true;
    for (let t = 0; t < units; t++) {
      const state = env.embedding(t, decided, previous);
      const raw = episode < initial.length ? ((initial[episode] as readonly number[])[t] as number) : (agent.selectAction(state, episode)[0] as number);
      let ratio: number;
      if (options.protocol === 'resource') {
        const c = constrainAction(model, t, decided, raw, { budget, lowerBound, quantize });
        ratio = c.effectiveRatio;
        feasible &&= c.feasible;
      } else {
        ratio = quantize(t, Math.min(1, Math.max(lowerBound, raw)));
      }
      states.push(state);
      actions.push(raw);
      decided.push(ratio);
      previous = ratio;
    }
    const act = performance.now() - t0;
    const applied = env.apply(decided);
    t0 = performance.now();
    const { accuracy } = env.evaluate(applied.graph);
    const evaluate = performance.now() - t0;
    const r = evaluateReward(reward, { accuracy, resources: { macs: applied.macs, params: applied.params }, original });

    t0 = performance.now();
    for (let t = 0; t < units; t++) {
      const done = t === units - 1;
      agent.remember({ state: states[t] as Float64Array, action: actions[t] as number, reward: r, ...(done ? {} : { nextState: states[t + 1] as Float64Array }), done });
    }
    if (episode >= warmup) for (let t = 0; t < units; t++) agent.update();
    const update = performance.now() - t0;

    const record: EpisodeRecord = {
      episode,
      actions,
      ratios: decided,
      macs: applied.macs,
      params: applied.params,
      macsRatio: applied.macs / original.macs,
      paramsRatio: applied.params / original.params,
      accuracy,
      reward: r,
      feasible,
      time: { act, prune: applied.pruneMs, evaluate, update },
    };
    const policy: BestPolicy = { episode, reward: r, ratios: decided, accuracy, macs: applied.macs, params: applied.params };
    if (best === null || r > best.reward) best = policy;
    if (finalists !== undefined) {
      top = keepTop(top, policy, finalists.count);
      if (episode < initial.length) starts.push(policy);
    }
    total.act += act;
    total.prune += applied.pruneMs;
    total.evaluate += evaluate;
    total.update += update;
    if (statePath !== undefined && logPath !== undefined) {
      // Log first, then the checkpoint that counts the line: a kill in between leaves a line that resume drops.
      await appendFile(logPath, `${JSON.stringify(record)}\n`);
      logLines++;
      const state: SearchState = { format: 'amc-search-state', version: 1, key, nextEpisode: episode + 1, logLines, best, ...(finalists === undefined ? {} : { top, starts }), agent: agent.toJSON(), metadata: options.metadata ?? {} };
      await writeFileAtomic(statePath, JSON.stringify(state));
    }
    recent.push(performance.now() - episodeStart);
    if (recent.length > 20) recent.shift();
    const etaMs = (recent.reduce((a, b) => a + b, 0) / recent.length) * (options.episodes - episode - 1);
    options.onEpisode?.(record, { episode, episodes: options.episodes, best, etaMs });
  }
  if (best === null) {
    throw argumentError(ErrorCode.InvalidArgument, OPERATION, 'options.episodes', `more episodes than the ${start} already checkpointed`, options.episodes);
  }
  if (finalists !== undefined && selected === undefined) {
    // The initial policies (the baselines the search started from) are always finalists.
    const candidates = [...top];
    for (const p of starts) if (!candidates.some((q) => sameRatios(q.ratios, p.ratios))) candidates.push(p);
    scored = candidates.map((p) => {
      const { accuracy } = env.evaluate(env.apply(p.ratios).graph, finalists.validation);
      const finalReward = evaluateReward(reward, { accuracy, resources: { macs: p.macs, params: p.params }, original });
      return { ...p, finalAccuracy: accuracy, finalCount: finalists.validation.count, finalReward };
    })
      .sort((a, b) => b.finalReward - a.finalReward || b.reward - a.reward)
      .map(({ finalReward: _, ...p }) => p);
    selected = scored[0] as SelectedPolicy;
    if (statePath !== undefined) {
      const state: SearchState = { format: 'amc-search-state', version: 1, key, nextEpisode: options.episodes, logLines, best, top, starts, selected, finalists: scored, agent: agent.toJSON(), metadata: options.metadata ?? {} };
      await writeFileAtomic(statePath, JSON.stringify(state));
    }
  }
  return { best, episodes: options.episodes, originalAccuracy, originalMacs: original.macs, originalParams: original.params, time: total, resumedFrom: start, selected: selected ?? best, finalists: scored };
}

/** The warm-up episodes of a search of `episodes` when `warmupEpisodes` is not given: min(100, episodes / 4). */
export function defaultWarmupEpisodes(episodes: number): number {
  return Math.min(100, Math.floor(episodes / 4));
}

/**
 * The accuracy of the policy with these effective `ratios` on the finalists' validation set, when it was one of the
 * finalists (the initial policies always are); undefined otherwise. Matched by ratios, not by episode, so a start
 * the budget wall changed is not mistaken for the policy asked about.
 */
export function finalAccuracyOf(result: Pick<SearchResult, 'finalists'>, ratios: readonly number[]): number | undefined {
  return result.finalists.find((f) => sameRatios(f.ratios, ratios))?.finalAccuracy;
}

function sameRatios(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

/** `top` with `policy` inserted: the `count` best distinct policies (by effective ratios), best reward first. */
function keepTop(top: readonly BestPolicy[], policy: BestPolicy, count: number): BestPolicy[] {
  const same = top.find((p) => sameRatios(p.ratios, policy.ratios));
  if (same !== undefined && same.reward >= policy.reward) return [...top];
  const next = top.filter((p) => p !== same);
  next.push(policy);
  next.sort((a, b) => b.reward - a.reward || a.episode - b.episode);
  return next.slice(0, count);
}

/** The checkpoint of the search in `dir` (its best policy and metadata), or undefined when there is none. */
export async function readSearchState(dir: string): Promise<{ nextEpisode: number; best: BestPolicy | null; selected: SelectedPolicy | null; metadata: Record<string, unknown> } | undefined> {
  const state = await readState(join(dir, STATE_FILE));
  return state === undefined ? undefined : { nextEpisode: state.nextEpisode, best: state.best, selected: state.selected ?? null, metadata: state.metadata };
}
