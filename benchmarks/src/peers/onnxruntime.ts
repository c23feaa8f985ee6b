/**
 * The onnxruntime-node peer (MLAS kernels): one single-node Conv model per layer shape, run on its native NCHW
 * layout with a fixed thread count.
 */
import type { ConvLayer } from '../shapes.js';
import { outputSize, samePadding } from '../shapes.js';
import { encodeOnnxModel } from './onnx-proto.js';

type Ort = typeof import('onnxruntime-node');

let ortModule: Ort | undefined;
let loadError: string | undefined;

/** Loads onnxruntime-node once; undefined (with {@link onnxruntimeError}) when it cannot be loaded. */
export async function loadOnnxruntime(): Promise<Ort | undefined> {
  if (ortModule !== undefined || loadError !== undefined) return ortModule;
  try {
    const imported = (await import('onnxruntime-node')) as Ort & { default?: Ort };
    ortModule = imported.InferenceSession === undefined && imported.default !== undefined ? imported.default : imported;
  } catch (error) {
    loadError = error instanceof Error ? error.message : String(error);
  }
  return ortModule;
}

/** Why onnxruntime-node could not be loaded, if it could not. */
export function onnxruntimeError(): string | undefined {
  return loadError;
}

/** Session options used for every peer session: `threads` intra-op threads, sequential execution. */
export function sessionOptions(threads: number): import('onnxruntime-node').InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  };
}

/**
 * The ONNX model of one convolution layer: input `x` NCHW, weights OIHW (for depthwise: group = C, weights
 * [C, 1, k, k]), no bias, explicit pads equal to tfjs `same`.
 */
export function convModelBytes(layer: ConvLayer, batch: number, weightsOihw: Float32Array): Uint8Array {
  const [top, bottom, left, right] = samePadding(layer);
  const group = layer.kind === 'depthwise' ? layer.inChannels : 1;
  const oh = outputSize(layer.inHeight, layer.stride);
  const ow = outputSize(layer.inWidth, layer.stride);
  return encodeOnnxModel({
    nodes: [
      {
        opType: 'Conv',
        inputs: ['x', 'w'],
        outputs: ['y'],
        name: 'conv',
        attributes: [
          { name: 'kernel_shape', ints: [layer.kernel, layer.kernel] },
          { name: 'strides', ints: [layer.stride, layer.stride] },
          { name: 'pads', ints: [top, left, bottom, right] },
          { name: 'dilations', ints: [1, 1] },
          { name: 'group', int: group },
        ],
      },
    ],
    initializers: [{ name: 'w', dims: [layer.outChannels, layer.inChannels / group, layer.kernel, layer.kernel], data: weightsOihw }],
    inputs: [{ name: 'x', dims: [batch, layer.inChannels, layer.inHeight, layer.inWidth] }],
    outputs: [{ name: 'y', dims: [batch, layer.outChannels, oh, ow] }],
  });
}

/** A ready-to-time conv session: `run()` resolves to the NCHW output. */
export interface OrtConv {
  run(): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Creates a session for one conv layer and binds its input. */
export async function createOrtConv(
  ort: Ort,
  layer: ConvLayer,
  batch: number,
  weightsOihw: Float32Array,
  inputNchw: Float32Array,
  threads: number,
): Promise<OrtConv> {
  const session = await ort.InferenceSession.create(convModelBytes(layer, batch, weightsOihw), sessionOptions(threads));
  const feeds = { x: new ort.Tensor('float32', inputNchw, [batch, layer.inChannels, layer.inHeight, layer.inWidth]) };
  return {
    async run() {
      const result = await session.run(feeds);
      return result.y?.data as Float32Array;
    },
    release: () => session.release(),
  };
}
