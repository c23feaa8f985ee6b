/**
 * One-pass gradients for relu and relu6 on amc-native. tfjs registers `mul(dy, step(x))` (two full passes and a
 * temporary); on amc-native the wrapped gradient runs the native AmcActivationGrad kernel instead, with the same
 * values. Other backends keep tfjs's own gradient. Gradients are global in tfjs, so this wraps the registered
 * config rather than replacing it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAME } from './backend.js';
import { ACTIVATION_GRAD } from './kernels/elementwise.js';

const WRAPPED = Symbol.for('amc.tfjs.wrappedGradient');

function wrap(kernelName: 'Relu' | 'Relu6', activation: 'relu' | 'relu6'): boolean {
  const original = tf.getGradient(kernelName);
  if (original === undefined || (original as unknown as Record<symbol, unknown>)[WRAPPED] === true) return false;
  const config: tf.GradConfig = {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== BACKEND_NAME || (dy as tf.Tensor).dtype !== 'float32') return original.gradFunc(dy, saved, attrs);
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.engine().runKernel(ACTIVATION_GRAD, { dy: dy as tf.Tensor, x }, { activation }) as tf.Tensor };
    },
  };
  (config as unknown as Record<symbol, unknown>)[WRAPPED] = true;
  tf.registerGradient(config);
  return true;
}

/** Installs the one-pass relu / relu6 gradients (idempotent). */
export function installActivationGradients(): void {
  wrap('Relu', 'relu');
  wrap('Relu6', 'relu6');
}
