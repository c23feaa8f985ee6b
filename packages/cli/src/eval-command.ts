/**
 * `amc eval`: accuracy, loss, MACs, params and throughput of a model on a data split, on @amc/runtime.
 */
import { setNumThreads } from '@amc/kernels';
import { nonzeroParams } from '@amc/prune';
import { compile } from '@amc/runtime';
import type { CliIo } from './io.js';
import { measureLatency } from './export-command.js';
import { formatCount, loadData, loadSourceGraph } from './sources.js';

export const EVAL_HELP = `amc eval: evaluate a model on @amc/runtime

Usage: amc eval <model> [options]

  <model>               zoo name with a pretrained checkpoint, or a tfjs model folder / model.json (a folder with
                        only weights.amcsparse is read from it)
  --data <name>         fashion-mnist [fashion-mnist]
  --split <s>           test | validation [test]
  --batch <n>           batch size [128]
  --threads <n>         native threads [all cores]
`;

/** Parsed options of `amc eval`. */
export interface EvalCommandOptions {
  model: string;
  data: string;
  split: 'test' | 'validation';
  batch: number;
  threads?: number;
}

/** Runs `amc eval`. Returns the exit code. */
export async function runEvalCommand(o: EvalCommandOptions, io: CliIo): Promise<number> {
  if (o.threads !== undefined) setNumThreads(o.threads);
  const graph = await loadSourceGraph(o.model, 'eval');
  const data = await loadData(o.data, 'eval');
  const split = o.split === 'test' ? data.test : data.validation;
  const compiled = compile(graph);
  const start = performance.now();
  const { accuracy, loss } = compiled.evaluate(split.images, split.labels, o.batch);
  const seconds = (performance.now() - start) / 1000;
  const totals = graph.totals();
  const sparse = compiled.steps.filter((s) => s.kernel === 'csr' || s.kernel === 'bcsr').length;
  io.out(`${o.model} on ${o.data} ${o.split} (${split.count} images): accuracy ${(100 * accuracy).toFixed(2)}%, loss ${loss.toFixed(4)}`);
  io.out(`MACs ${formatCount(totals.macs)}, params ${formatCount(totals.params)} (nonzero ${formatCount(nonzeroParams(graph))}), ${sparse} layer(s) on sparse kernels`);
  const ms = measureLatency(compiled, split.images, o.batch);
  io.out(`${(split.count / seconds).toFixed(0)} images/s over the split; ${ms.toFixed(1)} ms per batch of ${o.batch} (median of 7)`);
  return 0;
}
