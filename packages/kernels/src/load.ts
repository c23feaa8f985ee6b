import { createRequire } from 'node:module';
import { AmcError, ErrorCode } from '@amc/core';
import { NATIVE_FUNCTION_NAMES, type NativeBinding } from './native-binding.js';

const require = createRequire(import.meta.url);

let cached: NativeBinding | undefined;

/** Where the loader looked, in order, and why each place failed. */
export interface LoadAttempt {
  path: string;
  error: string;
}

function candidatePaths(): { paths: string[]; notes: LoadAttempt[] } {
  const paths: string[] = [];
  const notes: LoadAttempt[] = [];
  const fromEnv = process.env.AMC_NATIVE_PATH;
  // An explicit path is the only candidate: silently falling back to another build would hide a broken one.
  if (fromEnv !== undefined && fromEnv !== '') return { paths: [fromEnv], notes };
  try {
    const native = require('@amc/native') as { candidates: string[] };
    paths.push(...native.candidates);
  } catch (e) {
    notes.push({ path: '@amc/native', error: (e as Error).message.split('\n')[0] ?? String(e) });
  }
  return { paths, notes };
}

/**
 * Loads the native addon once: the file named by `AMC_NATIVE_PATH` when set (and only that one), otherwise the
 * builds of `@amc/native` (`build/Release`, then `build/Debug`).
 *
 * @throws AmcError `AMC_NATIVE_NOT_FOUND` listing every path tried, why each failed and how to build the addon.
 */
export function loadNative(): NativeBinding {
  if (cached !== undefined) return cached;
  const { paths, notes } = candidatePaths();
  const attempts: LoadAttempt[] = [...notes];
  for (const path of paths) {
    try {
      const binding = require(path) as Partial<NativeBinding>;
      const missing = NATIVE_FUNCTION_NAMES.filter((name) => typeof binding[name] !== 'function');
      if (missing.length > 0) {
        attempts.push({ path, error: `loaded, but it lacks ${missing.join(', ')} (a stale build?)` });
        continue;
      }
      cached = binding as NativeBinding;
      return cached;
    } catch (e) {
      attempts.push({ path, error: (e as Error).message.split('\n')[0] ?? String(e) });
    }
  }
  const tried = attempts.map((a) => `  - ${a.path}: ${a.error}`).join('\n');
  throw new AmcError(
    ErrorCode.NativeNotFound,
    `loadNative: the amc native addon could not be loaded. Tried:\n${tried || '  (no candidate paths)'}\n` +
      'Fix: build it with `npm run build` at the repository root (needs cmake >= 3.20 and a C++17 compiler), ' +
      'or `npm run build:native --workspace @amc/native`, or point AMC_NATIVE_PATH at an amc_native.node file.',
    { operation: 'loadNative', expected: 'a loadable amc_native.node', received: `${attempts.length} failed attempts` },
  );
}
