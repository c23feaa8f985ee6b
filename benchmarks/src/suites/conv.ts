/**
 * Suite b: dense and depthwise convolution on the model zoo's layer shapes, our `conv2d` / `depthwiseConv2d`
 * against onnxruntime-node (Conv, NCHW), TF.js wasm (XNNPACK) and TF.js cpu, batch 1 and 64.
 */
import type { FloatTensor } from '@amc/core';
import { conv2d, depthwiseConv2d, setNumThreads } from '../amc.js';
import { QUICK_PLAN } from '../harness.js';
import { agreement, hwioToOihw, nchwToNhwc, nhwcToNchw, randomArray, rngFor } from '../data.js';
import { createOrtConv, loadOnnxruntime, onnxruntimeError } from '../peers/onnxruntime.js';
import { createTfConv, loadTfjs, type TfBackend } from '../peers/tfjs.js';
import { cell, findOk, fmt, notAvailable, ratio, speedup, timeCase, timePaired } from '../record.js';
import { type ConvLayer, describeLayer, layerById, layerMacs, outputSize } from '../shapes.js';
import { geometricMean } from '../stats.js';
import { CONV_QUICK_LAYERS, CONV_SUITE_LAYERS, RESNET_TARGET_LAYERS } from '../suite-layers.js';
import type { Measurement, ReportTable, SuiteContext, SuiteResult, TargetResult } from '../types.js';




/** Ours / onnxruntime speed required on the ResNet-20 3x3 layers at batch 64, one thread. */
export const ORT_TARGET_SPEEDUP = 1.2;

/** Case id of a layer at a batch size. */
export function convCaseId(layerId: string, batch: number): string {
  return `${layerId}/b${batch}`;
}

function filterShape(layer: ConvLayer): number[] {
  return layer.kind === 'depthwise' ? [layer.kernel, layer.kernel, layer.inChannels, 1] : [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels];
}

/** The per-layer operands of a conv case, NHWC/HWIO (seeded by layer and batch). */
export interface ConvOperands {
  input: FloatTensor;
  filter: FloatTensor;
}

export function makeOperands(layer: ConvLayer, batch: number): ConvOperands {
  const rng = rngFor(`conv/${layer.id}/${batch}`);
  const inputShape = [batch, layer.inHeight, layer.inWidth, layer.inChannels];
  const fShape = filterShape(layer);
  return {
    input: { data: randomArray(rng, inputShape.reduce((a, b) => a * b, 1)), shape: inputShape },
    filter: { data: randomArray(rng, fShape.reduce((a, b) => a * b, 1)), shape: fShape },
  };
}

/** Runs the conv suite. */
export async function runConvSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const started = performance.now();
  const layerIds = ctx.quick ? CONV_QUICK_LAYERS : CONV_SUITE_LAYERS;
  const layers = layerIds.map((id) => layerById(id) as ConvLayer);
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  const ort = await loadOnnxruntime();
  const tfjs = await loadTfjs();
  const slowPlan = { ...ctx.plan, minSamples: Math.min(ctx.plan.minSamples, 3) };
  const pairedSpeedups = new Map<string, number | undefined>();

  for (const layer of layers) {
    for (const batch of ctx.batches) {
      const id = convCaseId(layer.id, batch);
      const ops = makeOperands(layer, batch);
      const macs = layerMacs(layer, batch);
      const params = { layer: layer.id, shape: describeLayer(layer), batch, kind: layer.kind, macs };
      const info = (impl: string, threads: number) => ({ suite: 'conv', case: id, impl, threads, flops: 2 * macs, params });
      const oh = outputSize(layer.inHeight, layer.stride);
      const ow = outputSize(layer.inWidth, layer.stride);
      const geometry = { strides: layer.stride, padding: 'same' as const };
      const ours = layer.kind === 'depthwise' ? depthwiseConv2d : conv2d;
      // The reference output (NHWC) every later implementation is compared with: the first one that ran
      // (ours).
      let reference: { data: Float32Array; impl: string } | undefined;
      const check = (impl: string) => (nhwc: Float32Array) => {
        if (reference === undefined) reference = { data: nhwc, impl };
        return { against: reference.impl, ...agreement(nhwc, reference.data) };
      };

      for (const threads of ctx.threads) {
        setNumThreads(threads);
        measurements.push(
          await timeCase(ctx, info('amc', threads), () => ours(ops.input, ops.filter, geometry), {
            check: (first) => check('amc')((first as FloatTensor).data),
          }),
        );
      }

      const inputNchw = nhwcToNchw(ops.input.data, ops.input.shape);
      const weightsOihw = layer.kind === 'depthwise' ? hwioToOihw(ops.filter.data, [layer.kernel, layer.kernel, 1, layer.inChannels]) : hwioToOihw(ops.filter.data, ops.filter.shape);
      for (const threads of ctx.threads) {
        if (ort === undefined) {
          measurements.push(notAvailable(info('onnxruntime', threads), `onnxruntime-node cannot be loaded: ${onnxruntimeError()}`, ctx));
          continue;
        }
        let session: Awaited<ReturnType<typeof createOrtConv>> | undefined;
        try {
          session = await createOrtConv(ort, layer, batch, weightsOihw, inputNchw, threads);
          const s = session;
          measurements.push(
            await timeCase(ctx, info('onnxruntime', threads), () => s.run(), {
              check: (first) => check('onnxruntime')(nchwToNhwc(first as Float32Array, [batch, layer.outChannels, oh, ow])),
            }),
          );
        } catch (error) {
          measurements.push({ ...info('onnxruntime', threads), status: 'failed', reason: error instanceof Error ? error.message : String(error) });
        } finally {
          await session?.release();
        }
      }

      // The target's ratio, ours vs onnxruntime at one thread, timed again in interleaved rounds: the two
      // sequential medians above are seconds apart, and this host's speed changes on that scale.
      if (batch === 64 && RESNET_TARGET_LAYERS.includes(layer.id) && ctx.threads.includes(1) && ort !== undefined) {
        let session: Awaited<ReturnType<typeof createOrtConv>> | undefined;
        try {
          session = await createOrtConv(ort, layer, batch, weightsOihw, inputNchw, 1);
          const s = session;
          setNumThreads(1);
          const paired = await timePaired(ctx, { suite: 'conv', case: id, threads: 1, flops: 2 * macs, params }, [
            { impl: 'onnxruntime', fn: () => s.run() },
            { impl: 'amc', fn: () => ours(ops.input, ops.filter, geometry) },
          ]);
          measurements.push(...paired.measurements);
          pairedSpeedups.set(layer.id, paired.speedups[1]);
        } catch (error) {
          measurements.push({ ...info('paired:amc', 1), status: 'failed', reason: error instanceof Error ? error.message : String(error) });
        } finally {
          await session?.release();
        }
      }

      for (const backend of ['wasm', 'cpu'] as TfBackend[]) {
        const impl = `tfjs-${backend}`;
        if (tfjs.tf === undefined || !tfjs.backends.includes(backend)) {
          measurements.push(notAvailable(info(impl, 1), tfjs.errors[backend] ?? tfjs.errors.core ?? 'not loaded', ctx));
          continue;
        }
        if (backend === 'cpu' && (ctx.quick || ctx.plan === QUICK_PLAN) && batch > 1) {
          // About a second per call at batch 64: too slow for a smoke run.
          measurements.push(notAvailable(info(impl, 1), 'skipped in quick and smoke runs at batch > 1', ctx));
          continue;
        }
        const conv = await createTfConv(tfjs.tf, backend, layer, batch, ops.input.data, ops.filter.data);
        try {
          measurements.push(
            await timeCase(ctx, info(impl, 1), () => conv.run(), {
              firstCall: () => conv.output(),
              check: (first) => check(impl)(first as Float32Array),
              ...(backend === 'cpu' ? { plan: slowPlan } : {}),
            }),
          );
        } finally {
          conv.dispose();
        }
      }
    }
  }

  if (tfjs.backends.includes('wasm')) {
    notes.push(
      `tfjs-wasm runs ${tfjs.wasmThreads ?? 1} thread(s): multithreading support detected = ${tfjs.wasmMultithreadSupport}, ` +
        `SIMD = ${tfjs.wasmSimdSupport} (the threaded wasm build needs browser workers, so Node gets the single-threaded one). ` +
        'tfjs-cpu is single-threaded JS. Both run only in the 1-thread columns.',
    );
  }
  notes.push(
    'onnxruntime runs its native NCHW layout (input converted outside the timed region) with intraOpNumThreads = threads, ' +
      'interOpNumThreads = 1, sequential execution, all graph optimizations; the timed call is `await session.run(feeds)`, which ' +
      'includes its output allocation (ours allocates its output too).',
  );
  notes.push("Every peer's first output is compared with ours (max |diff| <= 1e-3 x max |ours|); a mismatch is marked in the tables.");

  const tables: ReportTable[] = [];
  const header = ['layer', 'shape', 'batch', 'MMAC', 'amc t1', 'onnxruntime t1', 'amc/ort t1', 'tfjs-wasm', 'amc/wasm', 'tfjs-cpu'];
  const has2 = ctx.threads.includes(2);
  if (has2) header.push('amc t2', 'onnxruntime t2', 'amc/ort t2');
  const rows: string[][] = [];
  for (const layer of layers) {
    for (const batch of ctx.batches) {
      const id = convCaseId(layer.id, batch);
      const get = (impl: string, threads: number) => findOk(measurements, id, impl, threads, 'conv');
      const row = [
        layer.id,
        describeLayer(layer),
        String(batch),
        fmt(layerMacs(layer, batch) / 1e6, 1),
        cell(get('amc', 1)),
        cell(get('onnxruntime', 1)),
        ratio(speedup(get('amc', 1), get('onnxruntime', 1))),
        cell(get('tfjs-wasm', 1)),
        ratio(speedup(get('amc', 1), get('tfjs-wasm', 1))),
        cell(get('tfjs-cpu', 1)),
      ];
      if (has2) row.push(cell(get('amc', 2)), cell(get('onnxruntime', 2)), ratio(speedup(get('amc', 2), get('onnxruntime', 2))));
      rows.push(row);
    }
  }
  tables.push({ title: 'Convolution: median ms (GFLOP/s); ratios are speedups of ours (>1: ours faster)', header, rows });

  const targetLayers = layers.filter((l) => RESNET_TARGET_LAYERS.includes(l.id));
  const targets: TargetResult[] = [];
  if (targetLayers.length > 0 && ctx.batches.includes(64)) {
    const sequential = (layerId: string) => {
      const id = convCaseId(layerId, 64);
      return speedup(findOk(measurements, id, 'amc', 1, 'conv'), findOk(measurements, id, 'onnxruntime', 1, 'conv'));
    };
    const ratios = targetLayers.map((l) => [l.id, pairedSpeedups.get(l.id)] as const);
    const known = ratios.filter((r): r is readonly [string, number] => r[1] !== undefined);
    targets.push({
      suite: 'conv',
      target: `amc conv2d >= ${ORT_TARGET_SPEEDUP}x onnxruntime on every ResNet-20 3x3 layer (16-64 channels), batch 64, 1 thread (paired rounds)`,
      measured:
        ratios.map(([id, r]) => `${id.replace('resnet20.', '')} ${ratio(r)} (sequential ${ratio(sequential(id))})`).join(', ') +
        (known.length > 0 ? `; geomean ${ratio(geometricMean(known.map((r) => r[1])))}` : ''),
      holds: known.length < ratios.length ? undefined : known.every((r) => r[1] >= ORT_TARGET_SPEEDUP),
    });
  }
  return {
    name: 'conv',
    title: 'b. Convolution (dense and depthwise) vs onnxruntime and TF.js',
    description:
      'NHWC convolutions with tfjs `same` padding at the real layer shapes of the model zoo (28x28x1 input), batch 1 and 64. ' +
      'Ours: `conv2d` (HWIO filter) and `depthwiseConv2d`; onnxruntime-node: a one-node Conv model (group = C for depthwise) on NCHW; ' +
      'TF.js 4.22 wasm and cpu backends: `tf.conv2d` / `tf.depthwiseConv2d`. FLOPs = 2 x MACs, padding taps included.',
    measurements,
    targets,
    tables,
    notes,
    details: {
      onnxruntime: ort === undefined ? { error: onnxruntimeError() } : { versions: ort.env.versions },
      tfjs: { backends: tfjs.backends, errors: tfjs.errors, wasmThreads: tfjs.wasmThreads, wasmMultithreadSupport: tfjs.wasmMultithreadSupport, wasmSimdSupport: tfjs.wasmSimdSupport },
    },
    durationS: (performance.now() - started) / 1000,
  };
}
