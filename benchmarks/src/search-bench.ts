/**
 * The AMC search suite: `tsx src/search-bench.ts [--episodes=400] [--warmup=100] [--seeds=1] [--threads=2]
 * [--validation=1000] [--calibration=256] [--ratio=0.5] [--selection=energy|l1] [--freeze-residual] [--finalists=10] [--model=resnet20] [--out=runs/bench-search-<model>-<selection>[-frozen]]
 * [--no-write]`.
 *
 * For each seed, in one run: the AMC search on the pretrained ResNet-20 (channel pruning, resource protocol, keep
 * `ratio` of the MACs; resumable: a search folder with a checkpoint is continued), then the best policy and the
 * uniform policy at the same budget measured on the **test** split (no fine-tuning), the achieved MACs against the
 * target, and the search cost split per phase. The search starts from the uniform policy (its first warm-up episode)
 * and ends by re-scoring its `finalists` best policies on the whole validation split; the selected one is AMC's
 * answer (the best episode, picked on the reward's 1,000 images, is reported too). Writes `results/search-<machine>.json` and `.md`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '@amc/datasets';
import { importModel } from '@amc/graph';
import { setNumThreads } from '@amc/kernels';
import { compile } from '@amc/runtime';
import { CompressionEnvironment, type SelectedPolicy, defaultWarmupEpisodes, finalAccuracyOf, runSearch, uniformPolicy, uniformStart } from '@amc/search';
import '@amc/tfjs';
import { loadPretrained } from '@amc/zoo';
import { intOption, numberList } from './args.js';
import { collectMachine, machineSlug, repoRoot } from './machine.js';
import { writeResults } from './report.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface SeedResult {
  seed: number;
  episodes: number;
  resumedFrom: number;
  wallSeconds: number;
  /** Mean milliseconds per episode of this process's episodes. */
  perEpisodeMs: { act: number; prune: number; evaluate: number; update: number };
  original: { validation: number; test: number; macs: number };
  best: { episode: number; validation: number; test: number; macsRatio: number; ratios: number[] };
  /** The finalist selected on the whole validation split (`fullValidation`: its accuracy there). */
  selected: { episode: number; fullValidation: number; test: number; macsRatio: number; ratios: number[] };
  uniform: { validation: number; fullValidation: number; test: number; macsRatio: number; ratios: number[] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      episodes: { type: 'string' },
      warmup: { type: 'string' },
      seeds: { type: 'string' },
      threads: { type: 'string' },
      validation: { type: 'string' },
      calibration: { type: 'string' },
      ratio: { type: 'string' },
      selection: { type: 'string' },
      finalists: { type: 'string' },
      'freeze-residual': { type: 'boolean' },
      model: { type: 'string' },
      out: { type: 'string' },
      'no-write': { type: 'boolean' },
    },
  });
  const episodes = values.episodes === undefined ? 400 : intOption(values.episodes, 'episodes');
  const warmup = values.warmup === undefined ? defaultWarmupEpisodes(episodes) : intOption(values.warmup, 'warmup', 0);
  const seeds = values.seeds === undefined ? [1] : numberList(values.seeds, 'seeds');
  const threads = values.threads === undefined ? 2 : intOption(values.threads, 'threads');
  const validationCount = values.validation === undefined ? 1000 : intOption(values.validation, 'validation');
  const calibrationCount = values.calibration === undefined ? 256 : intOption(values.calibration, 'calibration');
  const ratio = Number(values.ratio ?? 0.5);
  // Any zoo model with a shipped checkpoint; results of models other than resnet20 go to search-<model>-<machine>.
  const modelName = values.model ?? 'resnet20';
  const selection = values.selection ?? 'energy';
  if (selection !== 'energy' && selection !== 'l1') throw new Error(`search-bench: expected energy or l1 for --selection but received ${selection}`);
  const finalists = values.finalists === undefined ? 10 : intOption(values.finalists, 'finalists');
  // Residual streams kept whole, as the reference implementation does (AMC-SPEC 4.4); default: searched like any group.
  const freezeResidual = values['freeze-residual'] === true;
  const configName = `${modelName}-${selection}${freezeResidual ? '-frozen' : ''}`;
  const outRoot = values.out ?? path.join(repoRoot(), 'runs', `bench-search-${configName}`);
  setNumThreads(threads);
  const data = await loadFashionMnist();
  const model = await loadPretrained(modelName);
  const graph = importModel(model);
  model.dispose();
  const testAccuracy = (g: typeof graph): number => compile(g, { sparse: 'dense' }).evaluate(data.test.images, data.test.labels, 256).accuracy;
  const originalTest = testAccuracy(graph);
  const fullValidation = { images: data.validation.images, labels: data.validation.labels, count: data.validation.count };
  const results: SeedResult[] = [];
  for (const seed of seeds) {
    const started = performance.now();
    const env = new CompressionEnvironment(graph, {
      method: 'channel',
      seed,
      calibration: { images: data.train.images, count: calibrationCount },
      selection,
      freezeResidual,
      validation: { images: data.validation.images, labels: data.validation.labels, count: validationCount },
    });
    const result = await runSearch(env, {
      protocol: 'resource',
      target: { resource: 'macs', ratio },
      episodes,
      warmupEpisodes: warmup,
      seed,
      out: path.join(outRoot, `seed-${seed}`),
      resume: true,
      initialPolicies: uniformStart(env, { protocol: 'resource', target: { resource: 'macs', ratio }, episodes, warmupEpisodes: warmup }),
      finalists: { count: finalists, validation: fullValidation },
      onEpisode: (r, p) => {
        if ((r.episode + 1) % 20 === 0) log(`seed ${seed} episode ${r.episode + 1}/${episodes} acc ${(100 * r.accuracy).toFixed(1)}% best ${(100 * p.best.accuracy).toFixed(2)}% (episode ${p.best.episode + 1})`);
      },
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const run = episodes - result.resumedFrom;
    const mean = (ms: number): number => (run > 0 ? ms / run : 0);
    const uniformRatios = uniformPolicy(env, 'macs', ratio);
    const uniformApplied = env.apply(uniformRatios);
    const bestApplied = env.apply(result.best.ratios);
    const selected = result.selected as SelectedPolicy;
    results.push({
      seed,
      episodes,
      resumedFrom: result.resumedFrom,
      wallSeconds,
      perEpisodeMs: { act: mean(result.time.act), prune: mean(result.time.prune), evaluate: mean(result.time.evaluate), update: mean(result.time.update) },
      original: { validation: result.originalAccuracy, test: originalTest, macs: result.originalMacs },
      best: { episode: result.best.episode, validation: result.best.accuracy, test: testAccuracy(bestApplied.graph), macsRatio: result.best.macs / result.originalMacs, ratios: result.best.ratios },
      selected: { episode: selected.episode, fullValidation: selected.finalAccuracy, test: testAccuracy(env.apply(selected.ratios).graph), macsRatio: selected.macs / result.originalMacs, ratios: selected.ratios },
      uniform: { validation: env.evaluate(uniformApplied.graph).accuracy, fullValidation: finalAccuracyOf(result, uniformRatios) ?? env.evaluate(uniformApplied.graph, fullValidation).accuracy, test: testAccuracy(uniformApplied.graph), macsRatio: uniformApplied.macs / result.originalMacs, ratios: uniformRatios },
    });
    log(`seed ${seed}: selected test ${(100 * results.at(-1)!.selected.test).toFixed(2)}%, best test ${(100 * results.at(-1)!.best.test).toFixed(2)}%, uniform test ${(100 * results.at(-1)!.uniform.test).toFixed(2)}%, ${wallSeconds.toFixed(0)} s`);
  }
  const machine = collectMachine(['@amc/search', '@amc/agent', '@amc/runtime']);
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `# AMC search: ${modelName} (pretrained) at ${pct(ratio)} of its MACs, channel pruning, Fashion-MNIST`,
    '',
    `${machine.date}, ${machine.cpu.model}, ${threads} thread(s), ${episodes} episodes (${warmup} warm-up), validation ${validationCount} images (the reward), calibration ${calibrationCount} images, channel selection ${selection}, residual streams ${freezeResidual ? 'frozen (never pruned, as in the reference)' : 'searched like any group'}; accuracies without fine-tuning.`,
    '',
    `"AMC selected": the best of the ${finalists} best distinct policies re-scored on the whole validation split (5,000 images); "AMC best": the best episode on the reward's ${validationCount} images.`,
    '',
    '| seed | original test | uniform test | AMC selected test | AMC selected - uniform | AMC best test (episode) | selected / uniform on the whole validation split | AMC best / uniform validation (reward set) | achieved MACs (target) | wall time | per episode: act / prune+reconstruct / evaluate / agent update |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.seed} | ${pct(r.original.test)} | ${pct(r.uniform.test)} | ${pct(r.selected.test)} (episode ${r.selected.episode + 1}) | ${(100 * (r.selected.test - r.uniform.test)).toFixed(2)} points | ${pct(r.best.test)} (${r.best.episode + 1}) | ${pct(r.selected.fullValidation)} / ${pct(r.uniform.fullValidation)} | ${pct(r.best.validation)} / ${pct(r.uniform.validation)} | ${pct(r.selected.macsRatio)} (${pct(ratio)}) | ${r.resumedFrom > 0 ? `${r.wallSeconds.toFixed(0)} s (resumed at ${r.resumedFrom})` : `${(r.wallSeconds / 60).toFixed(1)} min`} | ${r.perEpisodeMs.act.toFixed(0)} / ${r.perEpisodeMs.prune.toFixed(0)} / ${r.perEpisodeMs.evaluate.toFixed(0)} / ${r.perEpisodeMs.update.toFixed(0)} ms |`,
    ),
    '',
    'Policies (effective preserve ratio per unit, in decision order):',
    '',
    ...results.flatMap((r) => [`- seed ${r.seed} AMC selected: ${r.selected.ratios.map((x) => x.toFixed(3)).join(' ')}`, `- seed ${r.seed} AMC best: ${r.best.ratios.map((x) => x.toFixed(3)).join(' ')}`, `- seed ${r.seed} uniform: ${r.uniform.ratios.map((x) => x.toFixed(3)).join(' ')}`]),
    '',
  ];
  const markdown = lines.join('\n');
  process.stdout.write(markdown);
  if (values['no-write'] !== true) {
    const files = writeResults(path.join(repoRoot(), 'benchmarks', 'results', `search-${modelName === 'resnet20' ? '' : `${modelName}-`}${machineSlug(machine)}${selection === 'energy' ? '' : `.${selection}`}${freezeResidual ? '.frozen' : ''}`), { machine, options: { model: modelName, episodes, warmup, seeds, threads, validationCount, calibrationCount, ratio, selection, freezeResidual, finalists }, results }, markdown);
    log(`wrote ${files.json} and ${files.md}`);
  }
}

await main();
