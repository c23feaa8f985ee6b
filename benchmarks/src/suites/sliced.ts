/**
 * Suite c: channel-sliced convolution. Keeping half of the input and half of the output channels leaves a
 * quarter of the MACs; the suite measures how much of that turns into time, for the three ways to run a
 * sliced layer.
 */
import type { FloatTensor } from '@amc/core';
import { conv2d, setNumThreads, sliceConv2dWeights, slicedConv2d } from '../amc.js';
import { agreement, chooseChannels, gatherChannels, randomArray, rngFor } from '../data.js';
import { cell, findOk, fmt, notAvailable, speedup, timeCase, timePaired } from '../record.js';
import { type ConvLayer, describeLayer, layerById, layerMacs } from '../shapes.js';
import { SLICED_QUICK_LAYERS, SLICED_SUITE_LAYERS } from '../suite-layers.js';
import type { Measurement, SuiteContext, SuiteResult, TargetResult } from '../types.js';



/** Fraction of input and of output channels kept. */
export const KEEP_FRACTION = 0.5;

/** Sliced time / full time required at 50% of the channels kept on both sides. */
export const SLICED_TARGET_RATIO = 0.3;

/** Filter [kh, kw, cin, cout] restricted to the kept input and output channels (a local gather). */
function gatherFilter(filter: FloatTensor, inputChannels: Int32Array, outputChannels: Int32Array): FloatTensor {
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const out = new Float32Array(kh * kw * inputChannels.length * outputChannels.length);
  let o = 0;
  for (let tap = 0; tap < kh * kw; tap++) {
    for (const i of inputChannels) {
      for (const c of outputChannels) out[o++] = filter.data[(tap * cin + i) * cout + c] as number;
    }
  }
  return { data: out, shape: [kh, kw, inputChannels.length, outputChannels.length] };
}

/** Runs the sliced suite (one thread). */
export async function runSlicedSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const started = performance.now();
  const layers = (ctx.quick ? SLICED_QUICK_LAYERS : SLICED_SUITE_LAYERS).map((id) => layerById(id) as ConvLayer);
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  const threads = 1;
  setNumThreads(threads);
  const pairedRatios = new Map<string, number | undefined>();
  for (const layer of layers) {
    for (const batch of ctx.batches) {
      const id = `${layer.id}/b${batch}`;
      const rng = rngFor(`sliced/${layer.id}/${batch}`);
      const inputShape = [batch, layer.inHeight, layer.inWidth, layer.inChannels];
      const filterShape = [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels];
      const input: FloatTensor = { data: randomArray(rng, inputShape.reduce((a, b) => a * b, 1)), shape: inputShape };
      const filter: FloatTensor = { data: randomArray(rng, filterShape.reduce((a, b) => a * b, 1)), shape: filterShape };
      const keepIn = Math.max(1, Math.round(layer.inChannels * KEEP_FRACTION));
      const keepOut = Math.max(1, Math.round(layer.outChannels * KEEP_FRACTION));
      const inputChannels = chooseChannels(rng, layer.inChannels, keepIn);
      const outputChannels = chooseChannels(rng, layer.outChannels, keepOut);
      const compactInput: FloatTensor = {
        data: gatherChannels(input.data, layer.inChannels, inputChannels),
        shape: [batch, layer.inHeight, layer.inWidth, keepIn],
      };
      const macs = layerMacs(layer, batch);
      const slicedMacs = (macs / (layer.inChannels * layer.outChannels)) * keepIn * keepOut;
      const params = { layer: layer.id, shape: describeLayer(layer), batch, keptInputChannels: keepIn, keptOutputChannels: keepOut };
      const info = (impl: string, flops: number) => ({ suite: 'sliced', case: id, impl, threads, flops, params });
      const geometry = { strides: layer.stride, padding: 'same' as const };

      // The compact filter from sliceConv2dWeights, checked against a local gather of the kept channels.
      const compactFilter = sliceConv2dWeights(filter, inputChannels, outputChannels).filter;
      if (!agreement(compactFilter.data, gatherFilter(filter, inputChannels, outputChannels).data).ok) {
        notes.push(`${id}: sliceConv2dWeights differs from the local gather of the kept channels.`);
      }

      let reference: Float32Array | undefined;
      measurements.push(await timeCase(ctx, info('full', 2 * macs), () => conv2d(input, filter, geometry)));
      measurements.push(
        await timeCase(ctx, info('compact', 2 * slicedMacs), () => conv2d(compactInput, compactFilter, geometry), {
          check: (first) => {
            reference = (first as FloatTensor).data;
            return { against: 'compact', maxAbsError: 0, relativeError: 0, ok: true };
          },
        }),
      );
      for (const layout of ['full', 'compact'] as const) {
        const impl = layout === 'full' ? 'sliced' : 'sliced-compact-input';
        const x = layout === 'full' ? input : compactInput;
        const options = { ...geometry, inputChannels, outputChannels, inputLayout: layout };
        measurements.push(
          await timeCase(ctx, info(impl, 2 * slicedMacs), () => slicedConv2d(x, filter, options), {
            check: (first) => {
              const data = (first as FloatTensor).data;
              if (reference === undefined) reference = data;
              return { against: 'compact', ...agreement(data, reference) };
            },
          }),
        );
      }
      if (batch === 64) {
        // The target's ratio, timed again in interleaved rounds (full, sliced, sliced, full, ...).
        const options = { ...geometry, inputChannels, outputChannels, inputLayout: 'full' as const };
        const paired = await timePaired(ctx, { suite: 'sliced', case: id, threads, flops: 2 * macs, params }, [
          { impl: 'full', fn: () => conv2d(input, filter, geometry) },
          { impl: 'sliced', fn: () => slicedConv2d(input, filter, options) },
        ]);
        measurements.push(...paired.measurements);
        const s = paired.speedups[1];
        pairedRatios.set(id, s === undefined ? undefined : 1 / s);
      }
    }
  }
  notes.push(
    `Channels kept: ${KEEP_FRACTION * 100}% of the inputs and of the outputs, chosen at random (sorted), so the sliced layer needs ` +
      `${KEEP_FRACTION ** 2 * 100}% of the MACs. full: conv2d on all channels (the baseline); sliced: slicedConv2d on the full input ` +
      'with channel index lists; sliced-compact-input: slicedConv2d on an input that holds only the kept channels; compact: ' +
      'sliceConv2dWeights once (untimed), then conv2d on the compact input. GFLOP/s count the MACs each variant needs. One thread.',
  );

  const header = ['layer', 'shape', 'batch', 'full', 'sliced', 'sliced/full', 'sliced/full paired', 'sliced-compact-input', 'sliced-compact-input/full', 'compact', 'compact/full'];
  const rows: string[][] = [];
  const slicedRatios: [string, number | undefined][] = [];
  for (const layer of layers) {
    for (const batch of ctx.batches) {
      const id = `${layer.id}/b${batch}`;
      const get = (impl: string) => findOk(measurements, id, impl, threads, 'sliced');
      const timeRatio = (impl: string) => {
        const s = speedup(get(impl), get('full'));
        return s === undefined ? undefined : 1 / s;
      };
      if (batch === 64) slicedRatios.push([id, pairedRatios.get(id)]);
      rows.push([
        layer.id,
        describeLayer(layer),
        String(batch),
        cell(get('full')),
        cell(get('sliced')),
        fmt(timeRatio('sliced')),
        fmt(pairedRatios.get(id)),
        cell(get('sliced-compact-input')),
        fmt(timeRatio('sliced-compact-input')),
        cell(get('compact')),
        fmt(timeRatio('compact')),
      ]);
    }
  }
  const known = slicedRatios.filter((r): r is [string, number] => r[1] !== undefined);
  const worst = known.reduce<[string, number] | undefined>((w, r) => (w === undefined || r[1] > w[1] ? r : w), undefined);
  const targets: TargetResult[] = [
    {
      suite: 'sliced',
      target: `slicedConv2d (50% in, 50% out) time <= ${SLICED_TARGET_RATIO}x full conv2d on every layer, batch 64, 1 thread (paired rounds)`,
      measured:
        slicedRatios.length === 0
          ? 'not measured (needs batch 64)'
          : known.length === 0
          ? 'not measured'
          : `worst ${worst?.[0]} ${fmt(worst?.[1])}; ` + `${known.filter((r) => r[1] <= SLICED_TARGET_RATIO).length}/${known.length} layers hold`,
      holds: known.length < slicedRatios.length || known.length === 0 ? undefined : known.every((r) => r[1] <= SLICED_TARGET_RATIO),
    },
  ];
  return {
    name: 'sliced',
    title: 'c. Channel-sliced convolution',
    description:
      'A layer pruned to 50% of its input and 50% of its output channels, run three ways, against the full layer: ' +
      '`slicedConv2d` with index lists on the full activation, the same on a compact activation, and the compact path ' +
      '(`sliceConv2dWeights` once, then `conv2d`). Times are compared with `conv2d` on the full layer; the ideal ratio is 0.25.',
    measurements,
    targets,
    tables: [{ title: 'Sliced convolution: median ms (GFLOP/s of the needed MACs); ratios are time / full time', header, rows }],
    notes,
    durationS: (performance.now() - started) / 1000,
  };
}
