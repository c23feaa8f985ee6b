import { readFile } from 'node:fs/promises';
import { AmcError, ErrorCode } from '@amc/core';

/** The `.npy` dtypes {@link parseNpy} reads (little-endian, or byte-order-free for `|u1`). */
export type NpyDtype = '<f4' | '<f8' | '|u1' | '<i4' | '<i8';

/** The typed array each {@link NpyDtype} is read into. */
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;

/** A decoded `.npy` array: row-major (C order) data, its shape (`[]` for a scalar) and dtype. */
export interface NpyArray {
  readonly data: NpyData;
  readonly shape: readonly number[];
  readonly dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ITEM_SIZE: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '|u1': 1, '<i4': 4, '<i8': 8 };
const op = 'parseNpy';

/**
 * Parses a NumPy `.npy` file (format versions 1.0 and 2.0): little-endian `<f4`, `<f8`, `|u1`, `<i4`, `<i8`
 * in C order. `<i8` is returned as a `BigInt64Array`. The data is copied into a fresh, aligned typed array.
 *
 * @throws AmcError `AMC_IO` when the bytes are not a well-formed `.npy` file (bad magic, truncated header or
 *   data, unparsable header); `AMC_UNSUPPORTED` for another version, dtype, byte order or Fortran order.
 * @example
 * const { data, shape } = parseNpy(await readFile('x.npy'));
 */
export function parseNpy(buffer: Uint8Array): NpyArray {
  if (!(buffer instanceof Uint8Array)) {
    throw new AmcError(ErrorCode.InvalidArgument, `${op}: expected a Uint8Array or Buffer for buffer`, {
      operation: op,
      argument: 'buffer',
    });
  }
  if (buffer.length < 10 || MAGIC.some((byte, i) => buffer[i] !== byte)) {
    throw corrupt('the magic string \\x93NUMPY at the start');
  }
  const major = buffer[6] as number;
  const minor = buffer[7] as number;
  if ((major !== 1 && major !== 2) || minor !== 0) {
    throw unsupported('format version', 'version 1.0 or 2.0', `${major}.${minor}`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (buffer.length < prefix) throw corrupt('a complete header length field');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefix + headerLength;
  if (buffer.length < dataOffset) {
    throw corrupt(`a header of ${headerLength} bytes, but the file has ${buffer.length - prefix}`);
  }
  const header = new TextDecoder('latin1').decode(buffer.subarray(prefix, dataOffset));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw corrupt(`a header dict with descr, fortran_order and shape, got ${JSON.stringify(header.trim().slice(0, 80))}`);
  }
  const dtype = normaliseDtype(descr);
  if (fortran === 'True') throw unsupported('fortran_order', 'C order (fortran_order False)', 'True');
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (!parts.every((s) => /^\d+$/.test(s))) throw corrupt(`a shape of non-negative integers, got (${shapeText})`);
  const shape = parts.map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize = ITEM_SIZE[dtype];
  const byteLength = count * itemSize;
  if (buffer.length - dataOffset !== byteLength) {
    throw corrupt(`${byteLength} data bytes for shape (${shape.join(', ')}) of ${dtype}, got ${buffer.length - dataOffset}`);
  }
  // A copy into a fresh ArrayBuffer: the source offset need not be aligned for the element size. (Not
  // `buffer.slice`: on a Node Buffer it is a view that shares the whole, possibly pooled, ArrayBuffer.)
  const copy = new Uint8Array(byteLength);
  copy.set(buffer.subarray(dataOffset, dataOffset + byteLength));
  const bytes = copy.buffer;
  const data: NpyData =
    dtype === '<f4'
      ? new Float32Array(bytes)
      : dtype === '<f8'
        ? new Float64Array(bytes)
        : dtype === '|u1'
          ? new Uint8Array(bytes)
          : dtype === '<i4'
            ? new Int32Array(bytes)
            : new BigInt64Array(bytes);
  if (!littleEndianHost && itemSize > 1) {
    throw unsupported('host byte order', 'a little-endian host', 'big-endian');
  }
  return { data, shape, dtype };
}

/**
 * Reads and parses a `.npy` file. See {@link parseNpy}.
 *
 * @throws AmcError `AMC_IO` when the file cannot be read or is corrupt; `AMC_UNSUPPORTED` as in {@link parseNpy}.
 */
export async function loadNpy(path: string): Promise<NpyArray> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `loadNpy: cannot read ${JSON.stringify(path)}: ${(cause as Error).message}`, {
      operation: 'loadNpy',
      argument: 'path',
      cause,
    });
  }
  return parseNpy(buffer);
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function normaliseDtype(descr: string): NpyDtype {
  const aliases: Record<string, NpyDtype> = {
    '<f4': '<f4',
    '<f8': '<f8',
    '|u1': '|u1',
    '<u1': '|u1',
    u1: '|u1',
    '<i4': '<i4',
    '<i8': '<i8',
  };
  const dtype = aliases[descr];
  if (dtype === undefined) throw unsupported('descr', "one of '<f4', '<f8', '|u1', '<i4', '<i8'", `'${descr}'`);
  return dtype;
}

function corrupt(expected: string): AmcError {
  return new AmcError(ErrorCode.Io, `${op}: corrupt .npy data: expected ${expected}`, { operation: op, expected });
}

function unsupported(argument: string, expected: string, received: string): AmcError {
  return new AmcError(ErrorCode.Unsupported, `${op}: expected ${expected} for ${argument} but received ${received}`, {
    operation: op,
    argument,
    expected,
    received,
  });
}
