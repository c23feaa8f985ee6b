import { AmcError, ErrorCode, type ErrorCodeValue } from '@amc/core';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Turns an error thrown by the addon into an AmcError with the same code and the caller's operation. */
export function fromNativeError(op: string, error: unknown, stack?: string): AmcError {
  if (AmcError.isInstance(error)) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && KNOWN_CODES.has(e.code) ? (e.code as ErrorCodeValue) : ErrorCode.NativeFailure;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const wrapped = new AmcError(code, message.startsWith(op) ? message : `${op}: ${message}`, {
    operation: op,
    cause: error,
  });
  if (stack !== undefined) wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${stack}`;
  return wrapped;
}

/** Calls a sync native function, converting its errors. */
export function callNative(op: string, run: () => void): void {
  try {
    run();
  } catch (e) {
    throw fromNativeError(op, e);
  }
}

/**
 * Calls an async native function, converting its errors. The caller's stack is captured before the work
 * leaves the JS thread so a rejection points at the user's call site.
 */
export async function callNativeAsync(op: string, run: () => Promise<void>): Promise<void> {
  const stack = new Error().stack?.split('\n').slice(2).join('\n');
  try {
    await run();
  } catch (e) {
    throw fromNativeError(op, e, stack);
  }
}
