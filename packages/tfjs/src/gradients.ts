/**
 * One-pass gradients for relu, relu6 and clipByValue on amc-native. tfjs registers `mul(dy, step(x))` for relu
 * (two full passes and a temporary) and `where(logicalAnd(greaterEqual(x, min), lessEqual(x, max)), dy, 0)` for
 * clipByValue (four passes through the cpu backend's generic broadcasting kernels: ~200x the arithmetic); on
 * amc-native the wrapped gradients run AmcActivationGrad / AmcClipGrad instead, with the same values. Other
 * backends keep tfjs's own gradient. Gradients are global in tfjs, so this wraps the registered config rather than
 * replacing it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAME } from './backend.js';
import { ACTIVATION_GRAD, CLIP_GRAD } from './kernels/elementwise.js';

const WRAPPED = Symbol.for('amc.tfjs.wrappedGradient');

function wrap(kernelName: 'Relu' | 'Relu6' | 'ClipByValue', gradKernel: string, gradAttrs: (attrs: tf.NamedAttrMap) => tf.NamedAttrMap): boolean {
  const original = tf.getGradient(kernelName);
  if (original === undefined || (original as unknown as Record<symbol, unknown>)[WRAPPED] === true) return false;
  const config: tf.GradConfig = {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== BACKEND_NAME || (dy as tf.Tensor).dtype !== 'float32') return original.gradFunc(dy, saved, attrs);
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.engine().runKernel(gradKernel, { dy: dy as tf.Tensor, x }, gradAttrs(attrs)) as tf.Tensor };
    },
  };
  (config as unknown as Record<symbol, unknown>)[WRAPPED] = true;
  tf.registerGradient(config);
  return true;
}

/** Installs the one-pass relu / relu6 / clipByValue gradients (idempotent). */
export function installActivationGradients(): void {
  wrap('Relu', ACTIVATION_GRAD, () => ({ activation: 'relu' }));
  wrap('Relu6', ACTIVATION_GRAD, () => ({ activation: 'relu6' }));
  wrap('ClipByValue', CLIP_GRAD, (attrs) => ({ clipValueMin: attrs.clipValueMin as number, clipValueMax: attrs.clipValueMax as number }));
}
