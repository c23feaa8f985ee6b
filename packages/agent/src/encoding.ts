import { ErrorCode, argumentError } from '@amc/core';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 of the little-endian IEEE-754 bytes of `values`: an exact, platform-independent text form. */
export function encodeFloat64(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i] as number, true);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes {@link encodeFloat64} text of exactly `length` finite values.
 * @throws AmcError AMC_INVALID_ARGUMENT for text that is not base64 of `8 * length` bytes or holds NaN / infinities.
 */
export function decodeFloat64(op: string, argument: string, text: unknown, length: number): Float64Array {
  const bytes = decodeBytes(op, argument, text, length * 8, `base64 of ${length} float64 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = view.getFloat64(i * 8, true);
    if (!Number.isFinite(v)) throw argumentError(ErrorCode.InvalidArgument, op, `${argument}[${i}]`, 'a finite number', v);
    out[i] = v;
  }
  return out;
}

/** Base64 of raw bytes. */
export function encodeBytes(values: Uint8Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** Decodes base64 text of exactly `length` bytes. @throws AmcError AMC_INVALID_ARGUMENT otherwise. */
export function decodeBytes(op: string, argument: string, text: unknown, length: number, expected = `base64 of ${length} bytes`): Uint8Array {
  // Buffer.from(.., 'base64') skips characters it does not know; check the alphabet and the length first.
  if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) {
    throw argumentError(ErrorCode.InvalidArgument, op, argument, expected, text);
  }
  const buffer = Buffer.from(text, 'base64');
  if (buffer.byteLength !== length) throw argumentError(ErrorCode.InvalidArgument, op, argument, expected, `${buffer.byteLength} bytes`);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
