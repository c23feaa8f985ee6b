/**
 * Stable error codes of the amc SDK. A code never changes meaning once released; callers may switch on it.
 */
export const ErrorCode = {
  /** An argument has the wrong type, range or value. */
  InvalidArgument: 'AMC_INVALID_ARGUMENT',
  /** Two shapes or lengths that must agree do not. */
  ShapeMismatch: 'AMC_SHAPE_MISMATCH',
  /** An index (channel, row, column) is out of range or duplicated. */
  IndexOutOfRange: 'AMC_INDEX_OUT_OF_RANGE',
  /** A value that must be finite is NaN or infinite. */
  NonFinite: 'AMC_NON_FINITE',
  /** The native addon could not be found or loaded. */
  NativeNotFound: 'AMC_NATIVE_NOT_FOUND',
  /** The native layer reported a failure (allocation, internal invariant). */
  NativeFailure: 'AMC_NATIVE_FAILURE',
  /** The requested instruction set is not available on this CPU. */
  UnsupportedIsa: 'AMC_UNSUPPORTED_ISA',
  /** A model layer type is not supported. */
  UnsupportedLayer: 'AMC_UNSUPPORTED_LAYER',
  /** An operation is not supported for the given combination of options. */
  Unsupported: 'AMC_UNSUPPORTED',
  /** A buffer could not be allocated (the requested size is too large for this process). */
  OutOfMemory: 'AMC_OUT_OF_MEMORY',
  /** Input/output failure (file missing, unreadable, corrupt). */
  Io: 'AMC_IO',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const marker = Symbol.for('amc.error');

/** Typed, optional context carried by every {@link AmcError}. */
export interface AmcErrorDetails {
  /** The operation that failed, e.g. `conv2d`. */
  operation?: string;
  /** The argument at fault, e.g. `options.strides`. */
  argument?: string;
  /** What was expected, in words. */
  expected?: string;
  /** What was received, rendered short. */
  received?: string;
  /** The underlying cause, if any. */
  cause?: unknown;
}

/**
 * The base class of every error thrown by amc packages. `code` is stable; the message names the operation,
 * the argument, what was expected and what was received.
 *
 * @example
 * try { conv2d(...) } catch (e) { if (AmcError.isInstance(e) && e.code === ErrorCode.ShapeMismatch) ... }
 */
export class AmcError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCodeValue;
  readonly operation: string | undefined;
  readonly argument: string | undefined;
  readonly expected: string | undefined;
  readonly received: string | undefined;

  constructor(code: ErrorCodeValue, message: string, details: AmcErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AmcError';
    this.code = code;
    this.operation = details.operation;
    this.argument = details.argument;
    this.expected = details.expected;
    this.received = details.received;
  }

  /** True for any amc error, including ones from another copy of this package. */
  static isInstance(value: unknown): value is AmcError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/** Renders a value short enough for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    const length = 'length' in value ? (value as unknown as { length: number }).length : value.byteLength;
    return `${name}(${length})`;
  }
  if (Array.isArray(value)) {
    if (value.length <= 8) return `[${value.map(describeValue).join(', ')}]`;
    return `an array of length ${value.length}`;
  }
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/**
 * Builds the standard message: `<operation>: expected <expected> for <argument> but received <received>`.
 */
export function argumentError(
  code: ErrorCodeValue,
  operation: string,
  argument: string,
  expected: string,
  received: unknown,
): AmcError {
  const receivedText = describeValue(received);
  return new AmcError(code, `${operation}: expected ${expected} for ${argument} but received ${receivedText}`, {
    operation,
    argument,
    expected,
    received: receivedText,
  });
}
