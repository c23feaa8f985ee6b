/**
 * `amc search`: the AMC search on a model and a data set, with progress, a resumable checkpoint and a JSON-lines
 * log in the output folder, and at the end the best policy against the uniform one at the same budget.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '@amc/core';
import { setNumThreads } from '@amc/kernels';
import { CompressionEnvironment, type PruneMethod, type SearchResult, evaluatePolicy, finalAccuracyOf, runSearch, uniformPolicy, uniformStart } from '@amc/search';
import type { CliIo } from './io.js';
import { formatCount, formatDuration, loadData, loadSourceGraph } from './sources.js';

export const SEARCH_HELP = `amc search: find a per-layer compression policy with AMC's DDPG agent (resumable: rerun with --resume)

Usage: amc search <model> [options]

  <model>                   zoo name with a shipped checkpoint (plain20, resnet20, resnet56, mobilenetV2), or a tfjs model folder / model.json
  --data <name>             fashion-mnist [fashion-mnist]
  --method <m>              channel (speed) | fine-grained (size) [channel]
  --protocol <p>            resource (-error under a budget) | accuracy (-error * log(resource)) [resource]
  --target <r=x>            flops=<fraction> | params=<fraction> of the original to keep [flops=0.5]
  --episodes <n>            [400]
  --warmup <n>              episodes of random actions before the agent learns [min(100, episodes / 4)]
  --seed <n>                [1]
  --out <dir>               checkpoint, episodes.jsonl, result.json [runs/search-<model>]
  --resume                  continue the search checkpointed in <out>
  --calibration <n>         training images for the reconstruction features (channel) [256]
  --validation <n>          held-out validation images the reward is measured on [1000]
  --lower-bound <x>         smallest ratio per layer [0.2 channel, 0.05 fine-grained]
  --channel-round <n>       round kept channels up to a multiple of n [1]
  --freeze-residual         never prune residual streams
  --finalists <n>           re-score the n best policies on the whole validation split, keep the best [10; 0: off]
  --selection <s>           kept channels: energy (output energy on the calibration data) | l1 (weights) [energy]
  --threads <n>             native threads [all cores]
  --quiet                   no progress lines
`;

/** Parsed options of `amc search`. */
export interface SearchCommandOptions {
  model: string;
  data: string;
  method: PruneMethod;
  protocol: 'resource' | 'accuracy';
  target: { resource: 'macs' | 'params'; ratio: number };
  episodes: number;
  warmup?: number;
  seed: number;
  out: string;
  resume: boolean;
  calibration: number;
  validation: number;
  lowerBound?: number;
  channelRound: number;
  freezeResidual: boolean;
  /** Channel selection criterion (channel method). */
  selection: 'l1' | 'energy';
  /** Best policies re-scored on the whole validation split at the end (0: none). */
  finalists: number;
  threads?: number;
  quiet: boolean;
}

/** What `amc search` stores in its checkpoint for `amc export`. */
export interface SearchMetadata {
  command: 'search';
  model: string;
  data: string;
  method: PruneMethod;
  protocol: 'resource' | 'accuracy';
  target: { resource: 'macs' | 'params'; ratio: number };
  channelRound: number;
  freezeResidual: boolean;
  /** Absent in checkpoints of searches before the option existed, which used `l1`. */
  selection?: 'l1' | 'energy';
  seed: number;
}

/** Runs `amc search`. Returns the exit code. */
export async function runSearchCommand(o: SearchCommandOptions, io: CliIo): Promise<number> {
  if (o.threads !== undefined) setNumThreads(o.threads);
  const graph = await loadSourceGraph(o.model, 'search');
  const data = await loadData(o.data, 'search');
  const started = performance.now();
  const env = new CompressionEnvironment(graph, {
    method: o.method,
    seed: o.seed,
    calibration: { images: data.train.images, count: Math.min(o.calibration, data.train.count) },
    validation: { images: data.validation.images, labels: data.validation.labels, count: Math.min(o.validation, data.validation.count) },
    channelRound: o.channelRound,
    freezeResidual: o.freezeResidual,
    selection: o.selection,
  });
  const resource = o.target.resource === 'macs' ? 'MACs' : 'params';
  io.out(
    `amc search: ${o.model} (${formatCount(env.originalMacs)} MACs, ${formatCount(env.originalParams)} params), ${o.method} pruning of ${env.units.length} units, ${o.protocol} protocol, keep ${(100 * o.target.ratio).toFixed(1)}% of ${resource}, ${o.episodes} episodes, seed ${o.seed}, output ${o.out}`,
  );
  io.out(`environment ready in ${formatDuration((performance.now() - started) / 1000)}; original validation accuracy ${(100 * env.originalAccuracy()).toFixed(2)}% on ${Math.min(o.validation, data.validation.count)} images`);
  const metadata: SearchMetadata = { command: 'search', model: o.model, data: o.data, method: o.method, protocol: o.protocol, target: o.target, channelRound: o.channelRound, freezeResidual: o.freezeResidual, selection: o.selection, seed: o.seed };
  let lastPrint = 0;
  const fullValidation = { images: data.validation.images, labels: data.validation.labels, count: data.validation.count };
  // The search starts from the rule-based baseline: the uniform policy is the first warm-up episode.
  const start = uniformStart(env, { protocol: o.protocol, target: o.target, episodes: o.episodes, ...(o.warmup === undefined ? {} : { warmupEpisodes: o.warmup }) });
  const result: SearchResult = await runSearch(env, {
    protocol: o.protocol,
    target: o.target,
    episodes: o.episodes,
    ...(o.warmup === undefined ? {} : { warmupEpisodes: o.warmup }),
    seed: o.seed,
    ...(o.lowerBound === undefined ? {} : { lowerBound: o.lowerBound }),
    out: o.out,
    resume: o.resume,
    metadata: metadata as unknown as Record<string, unknown>,
    ...(start.length > 0 ? { initialPolicies: start } : {}),
    ...(o.finalists > 0 ? { finalists: { count: o.finalists, validation: fullValidation } } : {}),
    onEpisode: (r, p) => {
      const now = performance.now();
      if (o.quiet || (now - lastPrint < 2000 && r.episode + 1 !== o.episodes)) return;
      lastPrint = now;
      io.out(
        `episode ${r.episode + 1}/${o.episodes} acc ${(100 * r.accuracy).toFixed(2)}% MACs ${(100 * r.macsRatio).toFixed(1)}% params ${(100 * r.paramsRatio).toFixed(1)}% reward ${r.reward.toFixed(4)} | best ${p.best.reward.toFixed(4)} (episode ${p.best.episode + 1}, acc ${(100 * p.best.accuracy).toFixed(2)}%) ETA ${formatDuration(p.etaMs / 1000)}`,
      );
    },
  });
  const best = result.best;
  io.out(`best policy (episode ${best.episode + 1}): validation acc ${(100 * best.accuracy).toFixed(2)}% (original ${(100 * result.originalAccuracy).toFixed(2)}%), MACs ${formatCount(best.macs)} (${((100 * best.macs) / result.originalMacs).toFixed(1)}%), params ${formatCount(best.params)} (${((100 * best.params) / result.originalParams).toFixed(1)}%)`);
  io.out(`ratios ${best.ratios.map((r) => r.toFixed(3)).join(' ')}`);
  const uniform = o.protocol === 'resource' ? evaluatePolicy(env, uniformPolicy(env, o.target.resource, o.target.ratio)) : undefined;
  if (uniform !== undefined) {
    io.out(`uniform policy at the same budget: validation acc ${(100 * uniform.accuracy).toFixed(2)}%, MACs ${(100 * uniform.macsRatio).toFixed(1)}%, params ${(100 * uniform.paramsRatio).toFixed(1)}%`);
  }
  const selected = result.selected;
  let uniformFinal: number | null = null;
  if ('finalAccuracy' in selected) {
    // The uniform start is always a finalist: its score on the whole split is usually already there.
    if (uniform !== undefined) uniformFinal = finalAccuracyOf(result, uniform.ratios) ?? env.evaluate(env.apply(uniform.ratios).graph, fullValidation).accuracy;
    io.out(
      `selected policy (episode ${selected.episode + 1}, the best of ${result.finalists.length} finalists re-scored on ${selected.finalCount} validation images): acc ${(100 * selected.finalAccuracy).toFixed(2)}%${uniformFinal === null ? '' : ` (uniform ${(100 * uniformFinal).toFixed(2)}%)`}, MACs ${((100 * selected.macs) / result.originalMacs).toFixed(1)}%, params ${((100 * selected.params) / result.originalParams).toFixed(1)}%`,
    );
    io.out(`ratios ${selected.ratios.map((r) => r.toFixed(3)).join(' ')}`);
  }
  const t = result.time;
  const episodesRun = o.episodes - result.resumedFrom;
  const per = (ms: number): string => (episodesRun > 0 ? `${(ms / episodesRun).toFixed(0)} ms` : '-');
  io.out(`time per episode: act ${per(t.act)}, prune + reconstruct ${per(t.prune)}, evaluate ${per(t.evaluate)}, agent update ${per(t.update)}; total ${formatDuration((performance.now() - started) / 1000)}`);
  await writeFileAtomic(
    join(o.out, 'result.json'),
    `${JSON.stringify({ metadata, best, selected, finalists: result.finalists, uniform: uniform ?? null, uniformFinalAccuracy: uniformFinal, original: { accuracy: result.originalAccuracy, macs: result.originalMacs, params: result.originalParams }, timeMs: t, episodes: o.episodes, resumedFrom: result.resumedFrom }, null, 1)}\n`,
  );
  io.out(`export it with: amc export ${o.out} --out ${o.out}/model`);
  return 0;
}
