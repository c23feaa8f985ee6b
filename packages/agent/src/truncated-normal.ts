import { ErrorCode, argumentError, type Rng } from '@amc/core';

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const SQRT_E = Math.sqrt(Math.E);
/** Attempts before the fallback; every branch below accepts with probability > 0.3, so it is never reached in practice. */
const MAX_ATTEMPTS = 1000;

/**
 * One sample of the normal distribution N(mean, sigma^2) truncated to [low, high], exactly (no clipping of an
 * ordinary normal sample, which would pile mass on the bounds).
 *
 * Method: the bounds are standardised to `a = (low - mean) / sigma`, `b = (high - mean) / sigma` and a standard
 * normal truncated to [a, b] is drawn by rejection, choosing the proposal as in C. P. Robert, "Simulation of
 * truncated normal variables", Statistics and Computing 5 (1995):
 *
 * - `a <= 0 <= b`: plain normal proposals when `b - a >= sqrt(2 pi)`, else uniform proposals on [a, b]
 *   accepted with probability `exp(-z^2 / 2)`;
 * - `0 < a`: uniform proposals accepted with `exp((a^2 - z^2) / 2)` when the interval is narrow, else
 *   translated exponential proposals `a + Exp(alpha)`, `alpha = (a + sqrt(a^2 + 4)) / 2`, accepted with
 *   `exp(-(z - alpha)^2 / 2)` and `z <= b` (Robert's optimal rate and his narrow/wide rule);
 * - `b < 0`: the mirror image.
 *
 * The acceptance rate stays above ~0.3 for every interval, including a mean far outside it (e.g. mean 3 on
 * [0, 1] with sigma 0.1: the samples crowd at 1 with the correct exponential-like tail). Degenerate cases:
 * `sigma = 0` or `low = high` return the mean clamped to the interval; if the standardised bounds overflow
 * (sigma below ~1e-300 times the distance) or, against all odds, 1000 proposals are rejected, the clamped mean
 * is returned as well (the limit distribution). The result is finally clamped to [low, high] against rounding.
 *
 * @param rng the generator to draw from (its state advances)
 * @throws AmcError AMC_NON_FINITE for a NaN / infinite argument; AMC_INVALID_ARGUMENT for `sigma < 0`,
 * `low > high` or an `rng` without `uniform` / `normal`.
 *
 * @example
 * const rng = new Rng(1);
 * truncatedNormal(rng, 0.9, 0.5, 0, 1); // in [0, 1], mean ~0.62 over many draws
 */
export function truncatedNormal(rng: Rng, mean: number, sigma: number, low: number, high: number): number {
  const op = 'truncatedNormal';
  const r = rng as Partial<Rng> | null;
  if (typeof r !== 'object' || r === null || typeof r.uniform !== 'function' || typeof r.normal !== 'function') {
    throw argumentError(ErrorCode.InvalidArgument, op, 'rng', 'an Rng of @amc/core', rng);
  }
  const values = { mean, sigma, low, high } as Record<string, unknown>;
  for (const name of ['mean', 'sigma', 'low', 'high']) {
    const v = values[name];
    if (typeof v !== 'number') throw argumentError(ErrorCode.InvalidArgument, op, name, 'a finite number', v);
    if (!Number.isFinite(v)) throw argumentError(ErrorCode.NonFinite, op, name, 'a finite number', v);
  }
  if (sigma < 0) throw argumentError(ErrorCode.InvalidArgument, op, 'sigma', 'a number >= 0', sigma);
  if (low > high) throw argumentError(ErrorCode.InvalidArgument, op, 'high', `a number >= low (${low})`, high);
  const clampedMean = Math.min(high, Math.max(low, mean));
  if (sigma === 0 || low === high) return clampedMean;
  const a = (low - mean) / sigma;
  const b = (high - mean) / sigma;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return clampedMean;
  const z = b < 0 ? -standardTruncated(rng, -b, -a) : standardTruncated(rng, a, b);
  if (Number.isNaN(z)) return clampedMean;
  return Math.min(high, Math.max(low, mean + sigma * z));
}

/** A standard normal truncated to [a, b] with b >= 0 (a < b, both finite); NaN when every attempt failed. */
function standardTruncated(rng: Rng, a: number, b: number): number {
  if (a <= 0) {
    if (b - a >= SQRT_2PI) {
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const z = rng.normal();
        if (z >= a && z <= b) return z;
      }
      return Number.NaN;
    }
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const z = a + (b - a) * rng.uniform();
      if (rng.uniform() <= Math.exp(-0.5 * z * z)) return z;
    }
    return Number.NaN;
  }
  // 0 < a < b: a one-sided tail. (a^2 - z^2) / 2 is written (a - z)(a + z) / 2 so that large a cannot overflow.
  const root = a > 1e150 ? a : Math.sqrt(a * a + 4);
  const alpha = (a + root) / 2;
  // Robert's rule; his exponent (a^2 - a root) / 4 equals -a / (a + root), which cannot overflow.
  const narrow = b < a + ((2 * SQRT_E) / (a + root)) * Math.exp(-a / (a + root));
  if (narrow) {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const z = a + (b - a) * rng.uniform();
      if (rng.uniform() <= Math.exp(0.5 * (a - z) * (a + z))) return z;
    }
    return Number.NaN;
  }
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    // 1 - uniform() is in (0, 1], so the logarithm is finite.
    const z = a - Math.log(1 - rng.uniform()) / alpha;
    if (z > b) continue;
    const d = z - alpha;
    if (rng.uniform() <= Math.exp(-0.5 * d * d)) return z;
  }
  return Number.NaN;
}
