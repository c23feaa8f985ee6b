/**
 * Adam over one flat parameter vector, the update of PyTorch's `torch.optim.Adam` (no weight decay, no amsgrad):
 *
 * ```
 * t += 1; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2
 * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * ```
 *
 * The moments `m`, `v` and the step count `t` are the optimiser state; they are serialised with the agent.
 */
export class Adam {
  /** Learning rate. */
  readonly learningRate: number;
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Added to the denominator. */
  readonly epsilon: number;
  /** First moments, one per parameter. */
  readonly m: Float64Array;
  /** Second moments, one per parameter. */
  readonly v: Float64Array;
  /** Number of steps taken. */
  step = 0;

  /** An optimiser for `size` parameters, moments at 0. */
  constructor(size: number, learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One update of `params` (in place) from `grads` (same length as the moments). */
  apply(params: Float64Array, grads: Float64Array): void {
    this.step += 1;
    const { beta1, beta2, epsilon, m, v } = this;
    const stepSize = this.learningRate / (1 - beta1 ** this.step);
    const correction2 = Math.sqrt(1 - beta2 ** this.step);
    const n = params.length;
    for (let i = 0; i < n; i++) {
      const g = grads[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = (params[i] as number) - (stepSize * mi) / (Math.sqrt(vi) / correction2 + epsilon);
    }
  }
}

/** Soft target update `target = (1 - tau) * target + tau * source`, element-wise, in place. */
export function softUpdate(target: Float64Array, source: Float64Array, tau: number): void {
  const keep = 1 - tau;
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) * keep + (source[i] as number) * tau;
}
