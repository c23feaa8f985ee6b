/**
 * amc's compact weights format (`weights.amcsparse`): the weights of a tfjs layers model, in the order of its
 * model.json manifest, each tensor stored either dense or in CSR, whichever is smaller. Fine-grained-pruned kernels
 * (AMC-SPEC section 5) shrink to about `density * 6/4` of their dense size (4-byte value + 2-byte column per
 * nonzero). Layout, all little-endian:
 *
 * ```
 * bytes 0..7   magic "AMCSPW01"
 * bytes 8..11  uint32 header length H
 * 12..12+H     header, UTF-8 JSON: { version: 1, payloadBytes, checksum (FNV-1a 32 of the payload, hex),
 *              tensors: [{ name, shape, encoding: 'dense' | 'csr', rows, cols, nnz, indexBytes: 2 | 4, offset }] }
 * then         the payload (starts 4-byte aligned): per tensor at `offset`,
 *              dense: rows * cols float32;
 *              csr:   (rows + 1) uint32 row offsets, nnz column indices (uint16 or uint32), padding to 4 bytes,
 *                     nnz float32 values
 * ```
 * A tensor of shape `[..., c]` is the matrix `rows = product of the leading dims` x `cols = c` (an HWIO kernel:
 * rows `kh * kw * cin`, columns `cout`). Decoding checks everything (magic, JSON, names and shapes against the
 * manifest, bounds, monotone offsets, column ranges, checksum) and reports a corrupt file with a coded error.
 */
import { AmcError, ErrorCode, argumentError } from '@amc/core';

/** File name of the compact weights beside model.json. */
export const SPARSE_WEIGHTS_FILE = 'weights.amcsparse';

const MAGIC = 'AMCSPW01';
const VERSION = 1;

/** A float32 weight of a model.json manifest (`{ name, shape, dtype }`). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
}

/** How one tensor is stored. */
export interface SparseTensorEntry {
  name: string;
  shape: number[];
  encoding: 'dense' | 'csr';
  rows: number;
  cols: number;
  /** Nonzero values stored (for `dense`: all `rows * cols`). */
  nnz: number;
  indexBytes: 2 | 4;
  /** Byte offset in the payload. */
  offset: number;
}

/** Options of {@link encodeSparseWeights}. */
export interface EncodeSparseOptions {
  /** Store CSR only when the tensor's density is at most this. Default 0.6 (CSR is smaller below ~0.66). */
  maxDensity?: number;
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function matrixOf(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1] as number;
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i] as number;
  return [rows, cols];
}

function csrBytes(rows: number, nnz: number, indexBytes: number): number {
  return 4 * (rows + 1) + align4(nnz * indexBytes) + 4 * nnz;
}

/**
 * Encodes the float32 weights `data` (the concatenation of the manifest's tensors, as in weights.bin) into the
 * compact format.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT (bad specs or options), AMC_UNSUPPORTED (a dtype other than float32),
 *   AMC_SHAPE_MISMATCH (data length other than the specs' total).
 */
export function encodeSparseWeights(specs: readonly WeightSpec[], data: Float32Array, options?: EncodeSparseOptions): { bytes: Uint8Array; tensors: SparseTensorEntry[] } {
  const op = 'encodeSparseWeights';
  if (!Array.isArray(specs)) throw argumentError(ErrorCode.InvalidArgument, op, 'specs', 'an array of weight specs', specs);
  if (!(data instanceof Float32Array)) throw argumentError(ErrorCode.InvalidArgument, op, 'data', 'a Float32Array', data);
  const maxDensity = options?.maxDensity ?? 0.6;
  if (typeof maxDensity !== 'number' || !(maxDensity >= 0 && maxDensity <= 1)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.maxDensity', 'a number in [0, 1]', maxDensity);
  }
  const tensors: SparseTensorEntry[] = [];
  let read = 0;
  let offset = 0;
  for (const [i, spec] of specs.entries()) {
    if (spec.dtype !== undefined && spec.dtype !== 'float32') {
      throw argumentError(ErrorCode.Unsupported, op, `specs[${i}].dtype`, 'float32', spec.dtype);
    }
    if (!Array.isArray(spec.shape) || !spec.shape.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw argumentError(ErrorCode.InvalidArgument, op, `specs[${i}].shape`, 'non-negative integers', spec.shape);
    }
    const [rows, cols] = matrixOf(spec.shape);
    const size = rows * cols;
    if (read + size > data.length) throw argumentError(ErrorCode.ShapeMismatch, op, 'data', `at least ${read + size} floats`, data);
    let nnz = 0;
    for (let k = read; k < read + size; k++) if (data[k] !== 0) nnz++;
    const indexBytes: 2 | 4 = cols <= 65536 ? 2 : 4;
    const sparse = size > 0 && nnz / size <= maxDensity && csrBytes(rows, nnz, indexBytes) < 4 * size;
    tensors.push({ name: spec.name, shape: [...spec.shape], encoding: sparse ? 'csr' : 'dense', rows, cols, nnz: sparse ? nnz : size, indexBytes, offset });
    offset += sparse ? csrBytes(rows, nnz, indexBytes) : 4 * size;
    read += size;
  }
  if (read !== data.length) throw argumentError(ErrorCode.ShapeMismatch, op, 'data', `${read} floats (the specs' total)`, data);

  const payload = new Uint8Array(offset);
  const view = new DataView(payload.buffer);
  read = 0;
  for (const t of tensors) {
    const size = t.rows * t.cols;
    if (t.encoding === 'dense') {
      for (let k = 0; k < size; k++) view.setFloat32(t.offset + 4 * k, data[read + k] as number, true);
    } else {
      const indices = t.offset + 4 * (t.rows + 1);
      const values = indices + align4(t.nnz * t.indexBytes);
      let e = 0;
      for (let r = 0; r < t.rows; r++) {
        view.setUint32(t.offset + 4 * r, e, true);
        for (let c = 0; c < t.cols; c++) {
          const v = data[read + r * t.cols + c] as number;
          if (v === 0) continue;
          if (t.indexBytes === 2) view.setUint16(indices + 2 * e, c, true);
          else view.setUint32(indices + 4 * e, c, true);
          view.setFloat32(values + 4 * e, v, true);
          e++;
        }
      }
      view.setUint32(t.offset + 4 * t.rows, e, true);
    }
    read += size;
  }
  const header = new TextEncoder().encode(JSON.stringify({ version: VERSION, payloadBytes: payload.length, checksum: fnv1a(payload), tensors }));
  const headerEnd = align4(12 + header.length);
  const bytes = new Uint8Array(headerEnd + payload.length);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(8, header.length, true);
  bytes.set(header, 12);
  bytes.fill(0x20, 12 + header.length, headerEnd);
  bytes.set(payload, headerEnd);
  return { bytes, tensors };
}

function corrupt(source: string, what: string): AmcError {
  return new AmcError(ErrorCode.Io, `decodeSparseWeights: ${source} is not a valid ${SPARSE_WEIGHTS_FILE} file: ${what}`, {
    operation: 'decodeSparseWeights',
    argument: 'bytes',
    expected: `a ${SPARSE_WEIGHTS_FILE} file written by encodeSparseWeights`,
    received: what,
  });
}

function isEntry(t: unknown): t is SparseTensorEntry {
  if (typeof t !== 'object' || t === null) return false;
  const e = t as Record<string, unknown>;
  const int = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  return (
    typeof e['name'] === 'string' &&
    Array.isArray(e['shape']) &&
    (e['shape'] as unknown[]).every(int) &&
    (e['encoding'] === 'dense' || e['encoding'] === 'csr') &&
    int(e['rows']) &&
    int(e['cols']) &&
    int(e['nnz']) &&
    (e['indexBytes'] === 2 || e['indexBytes'] === 4) &&
    int(e['offset'])
  );
}

/**
 * Decodes a compact weights file back into the dense float32 weights of `specs` (the model.json manifest), in
 * manifest order, ready for `tf.io.fromMemory`.
 *
 * @param source a name for the messages (the file path).
 * @throws AmcError AMC_IO for anything wrong with the bytes (magic, header, a tensor that does not match the
 *   manifest, out-of-range offsets or columns, checksum), AMC_INVALID_ARGUMENT for arguments of the wrong type.
 */
export function decodeSparseWeights(bytes: Uint8Array, specs: readonly WeightSpec[], source = SPARSE_WEIGHTS_FILE): Float32Array {
  const op = 'decodeSparseWeights';
  if (!(bytes instanceof Uint8Array)) throw argumentError(ErrorCode.InvalidArgument, op, 'bytes', 'a Uint8Array', bytes);
  if (!Array.isArray(specs)) throw argumentError(ErrorCode.InvalidArgument, op, 'specs', 'an array of weight specs', specs);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw corrupt(source, 'no AMCSPW01 magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw corrupt(source, `a header of ${headerLength} bytes past the end of the file`);
  let header: { version?: unknown; payloadBytes?: unknown; checksum?: unknown; tensors?: unknown };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    throw corrupt(source, 'a header that is not JSON');
  }
  if (header.version !== VERSION) throw corrupt(source, `version ${String(header.version)} (this reader knows ${VERSION})`);
  const payloadStart = align4(12 + headerLength);
  const payload = bytes.subarray(Math.min(payloadStart, bytes.length));
  if (header.payloadBytes !== payload.length) throw corrupt(source, `a payload of ${payload.length} bytes where the header says ${String(header.payloadBytes)}`);
  if (header.checksum !== fnv1a(payload)) throw corrupt(source, 'a checksum mismatch (the file is damaged)');
  const tensors = header.tensors;
  if (!Array.isArray(tensors) || tensors.length !== specs.length) {
    throw corrupt(source, `${Array.isArray(tensors) ? tensors.length : 'no'} tensors where model.json lists ${specs.length}`);
  }
  let total = 0;
  for (const spec of specs) total += spec.shape.reduce((a: number, d: number) => a * d, 1);
  const out = new Float32Array(total);
  const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let write = 0;
  tensors.forEach((t: unknown, i) => {
    const spec = specs[i] as WeightSpec;
    if (!isEntry(t)) throw corrupt(source, `tensor ${i}: a malformed entry`);
    const [rows, cols] = matrixOf(spec.shape);
    if (t.name !== spec.name || t.rows !== rows || t.cols !== cols || t.shape.join(',') !== spec.shape.join(',')) {
      throw corrupt(source, `tensor ${i} is ${t.name} [${t.shape.join(', ')}] where model.json has ${spec.name} [${spec.shape.join(', ')}]`);
    }
    const size = rows * cols;
    const end = t.encoding === 'dense' ? t.offset + 4 * size : t.offset + csrBytes(rows, t.nnz, t.indexBytes);
    if ((t.encoding === 'dense' && t.nnz !== size) || t.nnz > size || end > payload.length || t.offset % 4 !== 0) {
      throw corrupt(source, `tensor ${t.name}: entries out of the payload's bounds`);
    }
    if (t.encoding === 'dense') {
      for (let k = 0; k < size; k++) out[write + k] = pv.getFloat32(t.offset + 4 * k, true);
    } else {
      const indices = t.offset + 4 * (rows + 1);
      const values = indices + align4(t.nnz * t.indexBytes);
      if (pv.getUint32(t.offset, true) !== 0 || pv.getUint32(t.offset + 4 * rows, true) !== t.nnz) throw corrupt(source, `tensor ${t.name}: bad row offsets`);
      for (let r = 0; r < rows; r++) {
        const from = pv.getUint32(t.offset + 4 * r, true);
        const to = pv.getUint32(t.offset + 4 * (r + 1), true);
        if (to < from || to > t.nnz) throw corrupt(source, `tensor ${t.name}: row offsets that are not monotone`);
        for (let e = from; e < to; e++) {
          const c = t.indexBytes === 2 ? pv.getUint16(indices + 2 * e, true) : pv.getUint32(indices + 4 * e, true);
          if (c >= cols) throw corrupt(source, `tensor ${t.name}: column ${c} out of range [0, ${cols})`);
          out[write + r * cols + c] = pv.getFloat32(values + 4 * e, true);
        }
      }
    }
    write += size;
  });
  return out;
}
