/**
 * The TF.js peers: the wasm backend (XNNPACK) and the cpu backend (plain JS), both NHWC like our kernels.
 *
 * In Node the wasm backend reads its `.wasm` files from disk: `setWasmPaths` gets the package's `dist/`
 * directory as a file path. tfjs-backend-wasm detects no multithreading support in Node (its threaded build
 * needs browser workers), so it runs single-threaded; the cpu backend is single-threaded JS anyway.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ConvLayer } from '../shapes.js';

type Tf = typeof import('@tensorflow/tfjs-core');

/** The two TF.js backends we compare with. */
export type TfBackend = 'wasm' | 'cpu';

/** What loading TF.js found. */
export interface TfjsStatus {
  tf?: Tf;
  /** Backends that initialised. */
  backends: TfBackend[];
  /** Why a backend is missing. */
  errors: Partial<Record<TfBackend | 'core', string>>;
  /** Thread count of the wasm backend (1 in Node), and whether multithreading was detected. */
  wasmThreads?: number;
  wasmMultithreadSupport?: boolean;
  wasmSimdSupport?: boolean;
}

let status: TfjsStatus | undefined;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads tfjs-core and both backends once (production mode, so no per-op debug checks). */
export async function loadTfjs(): Promise<TfjsStatus> {
  if (status !== undefined) return status;
  const result: TfjsStatus = { backends: [], errors: {} };
  status = result;
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs-core');
    tf.enableProdMode();
    result.tf = tf;
  } catch (error) {
    result.errors.core = message(error);
    return result;
  }
  try {
    await import('@tensorflow/tfjs-backend-cpu');
    if (await tf.setBackend('cpu')) result.backends.push('cpu');
    else result.errors.cpu = 'setBackend(cpu) returned false';
  } catch (error) {
    result.errors.cpu = message(error);
  }
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    wasm.setWasmPaths(dist);
    result.wasmMultithreadSupport = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    result.wasmSimdSupport = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    if (await tf.setBackend('wasm')) {
      result.backends.push('wasm');
      result.wasmThreads = wasm.getThreadsCount();
    } else {
      result.errors.wasm = 'setBackend(wasm) returned false';
    }
  } catch (error) {
    result.errors.wasm = message(error);
  }
  return result;
}

/** A conv ready to time on one backend: `run()` computes and frees the output, `output()` reads it back. */
export interface TfConv {
  run(): void;
  output(): Float32Array;
  dispose(): void;
}

/**
 * Binds an NHWC input and a filter (HWIO, or [k, k, C, 1] for depthwise) on `backend` and returns the timed
 * call: tf.conv2d or tf.depthwiseConv2d with `same` padding.
 */
export async function createTfConv(
  tf: Tf,
  backend: TfBackend,
  layer: ConvLayer,
  batch: number,
  inputNhwc: Float32Array,
  filter: Float32Array,
): Promise<TfConv> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(inputNhwc, [batch, layer.inHeight, layer.inWidth, layer.inChannels]);
  const depthwise = layer.kind === 'depthwise';
  const w = tf.tensor4d(filter, depthwise ? [layer.kernel, layer.kernel, layer.inChannels, 1] : [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels]);
  const strides: [number, number] = [layer.stride, layer.stride];
  const op = (): import('@tensorflow/tfjs-core').Tensor4D =>
    depthwise ? tf.depthwiseConv2d(x, w, strides, 'same') : tf.conv2d(x, w, strides, 'same');
  return {
    run() {
      op().dispose();
    },
    output() {
      const y = op();
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    },
    dispose() {
      x.dispose();
      w.dispose();
    },
  };
}
