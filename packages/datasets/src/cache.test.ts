import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '@amc/core';
import { type RawImageSet, decodeCache, encodeCache } from './cache.js';

const raw: RawImageSet = {
  images: Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256),
  labels: Uint8Array.from([0, 1, 2, 1, 0]),
  trainCount: 3,
  testCount: 2,
  height: 4,
  width: 3,
};
const expected = { trainCount: 3, testCount: 2, height: 4, width: 3 };

describe('binary cache', () => {
  it('round-trips', () => {
    const decoded = decodeCache(encodeCache(raw), expected);
    expect(decoded && Array.from(decoded.images)).toEqual(Array.from(raw.images));
    expect(decoded && Array.from(decoded.labels)).toEqual([0, 1, 2, 1, 0]);
  });

  it('rejects a wrong size, magic, version, counts or checksum', () => {
    const good = encodeCache(raw);
    expect(decodeCache(good.subarray(0, good.length - 1), expected)).toBeUndefined();
    expect(decodeCache(Buffer.concat([good, Buffer.alloc(1)]), expected)).toBeUndefined();
    for (const index of [0, 8, 12, 40, 64, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[index] = (bad[index] as number) ^ 0x01;
      expect(decodeCache(bad, expected), `byte ${index}`).toBeUndefined();
    }
    expect(decodeCache(good, { ...expected, trainCount: 2, testCount: 3 })).toBeUndefined();
  });

  it('writes atomically and leaves no temp file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'amc-datasets-atomic-'));
    try {
      const path = join(dir, 'nested', 'x.bin');
      await writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
      await writeFileAtomic(path, Uint8Array.from([4, 5]));
      expect(Array.from(await readFile(path))).toEqual([4, 5]);
      expect(await readdir(join(dir, 'nested'))).toEqual(['x.bin']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
