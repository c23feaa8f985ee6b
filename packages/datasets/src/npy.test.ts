import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmcError, ErrorCode } from '@amc/core';
import { describe, expect, it } from 'vitest';
import { loadNpy, parseNpy } from './npy.js';

/** Builds a .npy file by hand: magic, version, padded header dict, raw little-endian data. */
function npy(descr: string, shape: string, data: Uint8Array, { major = 1, fortran = 'False' } = {}): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(data, total);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return AmcError.isInstance(e) ? e.code : 'other';
  }
  return undefined;
}

describe('parseNpy', () => {
  it('reads <f4 (v1), <f8 (v2), |u1, <i4 and <i8 with their shapes', () => {
    const f4 = parseNpy(npy('<f4', '(2, 3)', bytesOf(Float32Array.from([1, 2, 3, 4, 5, 6.5]))));
    expect(f4.dtype).toBe('<f4');
    expect(f4.shape).toEqual([2, 3]);
    expect(f4.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f4.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6.5]);
    const f8 = parseNpy(npy('<f8', '(3,)', bytesOf(Float64Array.from([0.1, -2, 1e300])), { major: 2 }));
    expect(f8.shape).toEqual([3]);
    expect(Array.from(f8.data as Float64Array)).toEqual([0.1, -2, 1e300]);
    const u1 = parseNpy(npy('|u1', '(2, 1, 2)', Uint8Array.from([0, 255, 7, 9])));
    expect(u1.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(u1.data as Uint8Array)).toEqual([0, 255, 7, 9]);
    const i4 = parseNpy(npy('<i4', '(2,)', bytesOf(Int32Array.from([-5, 2147483647]))));
    expect(Array.from(i4.data as Int32Array)).toEqual([-5, 2147483647]);
    const i8 = parseNpy(npy('<i8', '(2,)', bytesOf(BigInt64Array.from([-3n, 9007199254740993n]))));
    expect(i8.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(i8.data as BigInt64Array)).toEqual([-3n, 9007199254740993n]);
    const scalar = parseNpy(npy('<f4', '()', bytesOf(Float32Array.from([4]))));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data as Float32Array)).toEqual([4]);
    const empty = parseNpy(npy('<f4', '(0, 5)', new Uint8Array(0)));
    expect(empty.data.length).toBe(0);
  });

  it('reads from an unaligned view', () => {
    const file = npy('<f4', '(2,)', bytesOf(Float32Array.from([1.5, -1])));
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expect(Array.from(parseNpy(shifted.subarray(1)).data as Float32Array)).toEqual([1.5, -1]);
  });

  it('gives AMC_IO for corrupt files and AMC_UNSUPPORTED for unsupported ones', () => {
    const good = npy('<f4', '(2,)', bytesOf(Float32Array.from([1, 2])));
    expect(codeOf(() => parseNpy(Uint8Array.from([1, 2, 3])))).toBe(ErrorCode.Io);
    const badMagic = good.slice();
    badMagic[1] = 0;
    expect(codeOf(() => parseNpy(badMagic))).toBe(ErrorCode.Io);
    expect(codeOf(() => parseNpy(good.subarray(0, good.length - 1)))).toBe(ErrorCode.Io);
    expect(codeOf(() => parseNpy(good.subarray(0, 40)))).toBe(ErrorCode.Io);
    expect(codeOf(() => parseNpy(npy('<f4', '(2, x)', new Uint8Array(8))))).toBe(ErrorCode.Io);
    const v3 = good.slice();
    v3[6] = 3;
    expect(codeOf(() => parseNpy(v3))).toBe(ErrorCode.Unsupported);
    expect(codeOf(() => parseNpy(npy('>f4', '(2,)', new Uint8Array(8))))).toBe(ErrorCode.Unsupported);
    expect(codeOf(() => parseNpy(npy('<f2', '(2,)', new Uint8Array(4))))).toBe(ErrorCode.Unsupported);
    expect(codeOf(() => parseNpy(npy('<f4', '(2,)', new Uint8Array(8), { fortran: 'True' })))).toBe(ErrorCode.Unsupported);
  });
});

describe('loadNpy', () => {
  it('round-trips a hand-built file through disk, and codes a missing file as AMC_IO', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'amc-npy-'));
    try {
      const path = join(dir, 'x.npy');
      await writeFile(path, npy('<f4', '(1, 2, 2)', bytesOf(Float32Array.from([1, 2, 3, 4]))));
      const array = await loadNpy(path);
      expect(array.shape).toEqual([1, 2, 2]);
      expect(Array.from(array.data as Float32Array)).toEqual([1, 2, 3, 4]);
      await expect(loadNpy(join(dir, 'missing.npy'))).rejects.toMatchObject({ code: ErrorCode.Io });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
