/** A tensor shape: non-negative integer dimensions. */
export type Shape = readonly number[];

/** Fused activation applied to a kernel's output. `relu6` clamps to [0, 6]. */
export type Activation = 'none' | 'relu' | 'relu6';

/** The activations every fused kernel supports, in native enum order. */
export const ACTIVATIONS: readonly Activation[] = ['none', 'relu', 'relu6'];

/** Product of the dimensions of a shape (1 for a scalar). */
export function sizeOfShape(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** A dense float tensor: row-major data and its shape (NHWC for images, HWIO for conv filters). */
export interface FloatTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}
