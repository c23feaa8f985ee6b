import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * Raw Fashion-MNIST as decoded from the `fashion-mnist` package: 8-bit pixels, training images first, then
 * test images, each `height x width` (one channel).
 */
export interface RawImageSet {
  /** `(trainCount + testCount) * height * width` pixels in [0, 255]. */
  readonly images: Uint8Array;
  /** `trainCount + testCount` labels. */
  readonly labels: Uint8Array;
  readonly trainCount: number;
  readonly testCount: number;
  readonly height: number;
  readonly width: number;
}

// Cache file layout (little-endian):
//   0  8 bytes  magic "AMCFMNST"
//   8  u32      format version
//  12  u32      trainCount     16 u32 testCount
//  20  u32      height         24 u32 width       28 u32 reserved (0)
//  32  32 bytes SHA-256 of the payload
//  64  payload: labels (count bytes), then images (count * height * width bytes)
const MAGIC = Buffer.from('AMCFMNST', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 64;

/** Serialises a raw image set into the cache format. */
export function encodeCache(raw: RawImageSet): Buffer {
  const count = raw.trainCount + raw.testCount;
  const payloadBytes = count + count * raw.height * raw.width;
  const out = Buffer.alloc(HEADER_BYTES + payloadBytes);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(VERSION, 8);
  out.writeUInt32LE(raw.trainCount, 12);
  out.writeUInt32LE(raw.testCount, 16);
  out.writeUInt32LE(raw.height, 20);
  out.writeUInt32LE(raw.width, 24);
  out.set(raw.labels, HEADER_BYTES);
  out.set(raw.images, HEADER_BYTES + count);
  createHash('sha256').update(out.subarray(HEADER_BYTES)).digest().copy(out, 32);
  return out;
}

/**
 * Parses a cache file, or returns `undefined` when it is not a valid cache of the expected sizes (wrong size,
 * magic, version, counts or checksum): the caller then decodes again.
 */
export function decodeCache(
  buffer: Buffer,
  expected: { trainCount: number; testCount: number; height: number; width: number },
): RawImageSet | undefined {
  const count = expected.trainCount + expected.testCount;
  const pixels = count * expected.height * expected.width;
  if (buffer.length !== HEADER_BYTES + count + pixels) return undefined;
  if (!buffer.subarray(0, 8).equals(MAGIC) || buffer.readUInt32LE(8) !== VERSION) return undefined;
  if (
    buffer.readUInt32LE(12) !== expected.trainCount ||
    buffer.readUInt32LE(16) !== expected.testCount ||
    buffer.readUInt32LE(20) !== expected.height ||
    buffer.readUInt32LE(24) !== expected.width
  ) {
    return undefined;
  }
  const digest = createHash('sha256').update(buffer.subarray(HEADER_BYTES)).digest();
  if (!digest.equals(buffer.subarray(32, 64))) return undefined;
  const labels = new Uint8Array(buffer.buffer, buffer.byteOffset + HEADER_BYTES, count);
  const images = new Uint8Array(buffer.buffer, buffer.byteOffset + HEADER_BYTES + count, pixels);
  return { images, labels, ...expected };
}

/** Reads a file, or `undefined` when it does not exist or cannot be read. */
export async function readCacheFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

