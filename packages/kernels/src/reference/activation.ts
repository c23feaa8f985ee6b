import type { Activation } from '@amc/core';

/** Applies a fused activation to one value. */
export function applyActivation(value: number, activation: Activation | undefined): number {
  if (activation === 'relu') return value < 0 ? 0 : value;
  if (activation === 'relu6') return value < 0 ? 0 : value > 6 ? 6 : value;
  return value;
}
