/** Command-line helpers shared by the benchmark entry points (`run.ts`, `training.ts`). */

/**
 * Parses a comma-separated list of positive integers, e.g. `--threads=1,2`.
 *
 * @throws Error naming the option (`name`) when an entry is not a positive integer.
 * @example numberList('1, 2', 'threads') // [1, 2]
 */
export function numberList(text: string, name: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`run: expected a comma-separated list of positive integers for --${name} but received ${text}`);
  return values;
}

/**
 * Parses one integer option that must be at least `min` (default 1).
 *
 * @throws Error naming the option when `text` is not an integer >= `min`.
 * @example intOption('0', 'warmup', 0) // 0
 */
export function intOption(text: string, name: string, min = 1): number {
  const value = text.trim() === '' ? Number.NaN : Number(text.trim());
  if (!Number.isInteger(value) || value < min) throw new Error(`run: expected an integer >= ${min} for --${name} but received ${text}`);
  return value;
}
