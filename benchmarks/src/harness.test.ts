import { describe, expect, it } from 'vitest';
import { type PairedEntry, measurePaired } from './harness.js';

const plan = { warmupMs: 10, budgetMs: 40, minSamples: 3, maxSamples: 50, minSampleMs: 1 };

/** A fake clock: each entry's call advances it by that entry's cost (times a slowdown that drifts by round). */
function fakeEntries(costs: number[], log: string[], slow: { factor: number }) {
  let t = 0;
  const now = () => t;
  const entries: PairedEntry[] = costs.map((cost, i) => ({
    name: `e${i}`,
    before: () => log.push(`before e${i}`),
    fn: () => {
      t += cost * slow.factor;
    },
  }));
  return { entries, now };
}

describe('measurePaired', () => {
  it('alternates the order of the entries round by round and runs each entry\'s setup before its samples', async () => {
    const log: string[] = [];
    const { entries, now } = fakeEntries([2, 1, 4], log, { factor: 1 });
    const result = await measurePaired(entries, plan, 4, now);
    const order = log.slice(3).map((l) => l.replace('before ', ''));
    expect(order).toEqual(['e0', 'e1', 'e2', 'e2', 'e1', 'e0', 'e0', 'e1', 'e2', 'e2', 'e1', 'e0']);
    expect(result.rounds).toBe(4);
    expect(result.timings.map((t) => t.samplesMs.length)).toEqual([4, 4, 4]);
    expect(result.timings.map((t) => t.stats.median)).toEqual([2, 1, 4]);
    expect(result.speedups).toEqual([1, 2, 0.5]);
  });

  it('pairs within a round, so a machine that slows down between rounds does not move the ratio', async () => {
    const log: string[] = [];
    const slow = { factor: 1 };
    const { entries, now } = fakeEntries([3, 1], log, slow);
    // The machine gets 1.5x slower at the start of every round (every second setup call): absolute times drift,
    // ratios within a round do not.
    let setups = 0;
    for (const e of entries) {
      const before = e.before as () => void;
      e.before = () => {
        if (setups++ % 2 === 0) slow.factor *= 1.5;
        before();
      };
    }
    const result = await measurePaired(entries, plan, 6, now);
    const t0 = result.timings[0]?.samplesMs ?? [];
    expect(Math.max(...t0) / Math.min(...t0)).toBeGreaterThan(5);
    expect(result.speedups[1]).toBeCloseTo(3, 10);
  });

  it('sizes samples from the warm-up estimate and rejects bad arguments', async () => {
    const { entries, now } = fakeEntries([0.25, 5], [], { factor: 1 });
    const result = await measurePaired(entries, plan, 4, now);
    // 40 ms per entry over 4 rounds: 10 ms samples.
    expect(result.timings.map((t) => t.callsPerSample)).toEqual([40, 2]);
    await expect(measurePaired([], plan, 3, now)).rejects.toThrow(/at least one entry/);
    await expect(measurePaired(entries, plan, 0, now)).rejects.toThrow(/rounds >= 1/);
  });

  it('awaits entries that return promises, timing until they settle', async () => {
    let t = 0;
    const now = () => t;
    const entries: PairedEntry[] = [
      { name: 'sync', fn: () => void (t += 2) },
      {
        name: 'async',
        fn: () =>
          new Promise<void>((resolve) =>
            setImmediate(() => {
              t += 1;
              resolve();
            }),
          ),
      },
    ];
    const result = await measurePaired(entries, plan, 3, now);
    expect(result.timings.map((x) => x.stats.median)).toEqual([2, 1]);
    expect(result.speedups).toEqual([1, 2]);
  });
});
