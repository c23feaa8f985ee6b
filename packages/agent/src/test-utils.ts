/**
 * Helpers of the agent tests (not exported from the package).
 */

/** erfc(x), Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** P(a <= Z <= b) for a standard normal Z, without cancellation in the tails. */
export function normalMass(a: number, b: number): number {
  if (a >= 0) return 0.5 * (erfc(a / Math.SQRT2) - erfc(b / Math.SQRT2));
  if (b <= 0) return 0.5 * (erfc(-b / Math.SQRT2) - erfc(-a / Math.SQRT2));
  return 1 - 0.5 * erfc(-a / Math.SQRT2) - 0.5 * erfc(b / Math.SQRT2);
}

/** Mean and variance of N(mean, sigma^2) truncated to [low, high] (the textbook formulas). */
export function truncatedMoments(mean: number, sigma: number, low: number, high: number): { mean: number; variance: number } {
  const a = (low - mean) / sigma;
  const b = (high - mean) / sigma;
  const z = normalMass(a, b);
  const pa = normalPdf(a);
  const pb = normalPdf(b);
  const shift = (pa - pb) / z;
  return { mean: mean + sigma * shift, variance: sigma * sigma * (1 + (a * pa - b * pb) / z - shift * shift) };
}

/** CDF of N(mean, sigma^2) truncated to [low, high] at x. */
export function truncatedCdf(x: number, mean: number, sigma: number, low: number, high: number): number {
  const a = (low - mean) / sigma;
  const b = (high - mean) / sigma;
  return normalMass(a, (x - mean) / sigma) / normalMass(a, b);
}
