/**
 * Training checkpoints: one self-checking binary file, written atomically (temp file + fsync + rename), so a
 * kill at any moment leaves either the previous checkpoint or the new one.
 *
 * Layout: "AMCCKPT1" | u32 header length | header JSON (utf-8) | zero padding to 4 bytes | float32 tensor data
 * | SHA-256 of everything before it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AmcError, ErrorCode, writeFileAtomic } from '@amc/core';

const MAGIC = 'AMCCKPT1';

/** One saved tensor. */
export interface CheckpointTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** What a checkpoint holds besides tensors: free-form JSON (position, history, recipe). */
export type CheckpointMeta = Record<string, unknown>;

/** Writes a checkpoint to `path` atomically. */
export async function writeCheckpoint(path: string, meta: CheckpointMeta, tensors: readonly CheckpointTensor[]): Promise<void> {
  let offset = 0;
  const entries = tensors.map((t) => {
    const e = { name: t.name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const header = new TextEncoder().encode(JSON.stringify({ meta, tensors: entries }));
  const headerEnd = 8 + 4 + header.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset * 4 + 32);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, header.length, true);
  bytes.set(header, 12);
  const data = new Float32Array(bytes.buffer, dataStart, offset);
  tensors.forEach((t, i) => data.set(t.data, (entries[i] as { offset: number }).offset));
  const body = bytes.subarray(0, bytes.length - 32);
  bytes.set(createHash('sha256').update(body).digest(), bytes.length - 32);
  await writeFileAtomic(path, bytes);
}

/**
 * Reads a checkpoint; undefined when the file does not exist.
 *
 * @throws AmcError AMC_IO when the file is unreadable, truncated or fails its checksum.
 */
export async function readCheckpoint(path: string): Promise<{ meta: CheckpointMeta; tensors: CheckpointTensor[] } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AmcError(ErrorCode.Io, `readCheckpoint: cannot read ${path}`, { operation: 'readCheckpoint', cause: error });
  }
  const corrupt = (why: string): never => {
    throw new AmcError(ErrorCode.Io, `readCheckpoint: ${path} is not a valid checkpoint (${why}); delete it to start over`, {
      operation: 'readCheckpoint',
    });
  };
  if (bytes.length < 12 + 32 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) corrupt('bad magic or too short');
  const body = bytes.subarray(0, bytes.length - 32);
  const digest = createHash('sha256').update(body).digest();
  if (!Buffer.from(bytes.subarray(bytes.length - 32)).equals(digest)) corrupt('checksum mismatch');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + headerLength > body.length) corrupt('header past the end');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as {
    meta: CheckpointMeta;
    tensors: { name: string; shape: number[]; offset: number; length: number }[];
  };
  const dataStart = Math.ceil((12 + headerLength) / 4) * 4;
  const count = (body.length - dataStart) / 4;
  const aligned = new Float32Array(count);
  new Uint8Array(aligned.buffer).set(bytes.subarray(dataStart, dataStart + count * 4));
  const tensors = header.tensors.map((e) => {
    if (e.offset + e.length > count) corrupt(`tensor ${e.name} past the end`);
    return { name: e.name, shape: e.shape, data: aligned.slice(e.offset, e.offset + e.length) };
  });
  return { meta: header.meta, tensors };
}
