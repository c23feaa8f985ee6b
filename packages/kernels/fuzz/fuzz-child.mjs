// The fuzz child: throws random and hostile argument combinations at every public function of @amc/kernels
// (sync and async), and prints a JSON summary on its last line. Run by fuzz.test.ts in a separate process so
// that a crash (segfault, abort, sanitizer report) is observed as the child dying, not as the test dying.
//   node fuzz-child.mjs <iterations> <seed>
import * as kernels from '@amc/kernels';
import { AmcError, ErrorCode, Rng } from '@amc/core';
import { mutate } from './hostile.mjs';
import { SPECS } from './specs.mjs';

const iterations = Number(process.argv[2] ?? 10000);
const seed = Number(process.argv[3] ?? 1);
const rng = new Rng(seed);
const codes = new Set(Object.values(ErrorCode));

const summary = { iterations: 0, calls: 0, ok: 0, coded: {}, uncoded: [], functions: {}, missing: [] };

function classify(name, error, native) {
  // Wrappers throw AmcError; the raw addon (native specs) throws Errors carrying a known `code`.
  if ((AmcError.isInstance(error) || (native && error instanceof Error)) && codes.has(error.code)) {
    summary.coded[error.code] = (summary.coded[error.code] ?? 0) + 1;
    return;
  }
  if (summary.uncoded.length < 50) {
    summary.uncoded.push({ name, error: String(error?.stack ?? error).split('\n').slice(0, 4).join(' | ') });
  }
}

const binding = kernels.loadNative();
const target = (spec) => (spec.native ? binding : kernels);
const available = SPECS.filter((spec) => {
  if (typeof target(spec)[spec.name] !== 'function') {
    summary.missing.push(spec.name);
    return false;
  }
  return true;
});

for (let i = 0; i < iterations; i++) {
  const spec = available[rng.int(available.length)];
  const valid = spec.make(rng);
  // 1 in 8 calls is valid as made (checks that the valid path works too); the rest are mutated 1-3 times.
  let args = valid;
  if (rng.int(8) !== 0) {
    const mutations = 1 + rng.int(3);
    for (let m = 0; m < mutations; m++) {
      args = args.slice();
      const index = rng.int(args.length + 1);
      if (index === args.length) args.push(mutate(rng, undefined));
      else args[index] = mutate(rng, args[index]);
    }
  }
  summary.iterations++;
  const label = spec.native ? `native.${spec.name}` : spec.name;
  summary.functions[label] = (summary.functions[label] ?? 0) + 1;
  for (const name of spec.async && rng.int(4) === 0 ? [spec.name, `${spec.name}Async`] : [spec.name]) {
    const fn = target(spec)[name];
    if (typeof fn !== 'function') continue;
    summary.calls++;
    try {
      const result = fn(...args);
      if (result instanceof Promise) await result;
      summary.ok++;
    } catch (e) {
      classify(spec.native ? `native.${name}` : name, e, spec.native === true);
    }
  }
}
process.stdout.write(`${JSON.stringify(summary)}\n`);
