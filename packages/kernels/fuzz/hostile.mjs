// Hostile value generators for the fuzz test: values of every wrong type, boundary numbers, typed arrays of
// the wrong kind or length, and objects that look almost right.

export const HOSTILE_NUMBERS = [-1, 0, 1, 2, 3, 7, 16, 17, 1.5, -0.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, -(2 ** 31), 1e-300];

export function hostileValue(rng) {
  const choice = rng.int(22);
  switch (choice) {
    case 0: return undefined;
    case 1: return null;
    case 2: return HOSTILE_NUMBERS[rng.int(HOSTILE_NUMBERS.length)];
    case 3: return 'same';
    case 4: return String(rng.int(10));
    case 5: return true;
    case 6: return {};
    case 7: return [];
    case 8: return [rng.int(4), -1];
    case 9: return new Float32Array(rng.int(20));
    case 10: return new Float64Array(rng.int(20));
    case 11: return new Int32Array(rng.int(20)).map(() => rng.int(40) - 5);
    case 12: return new Uint8Array(rng.int(20));
    case 13: return Float32Array.from({ length: rng.int(20) }, () => (rng.uniform() < 0.2 ? NaN : rng.uniform()));
    case 14: return { data: new Float32Array(rng.int(30)), shape: [rng.int(3), rng.int(3), rng.int(3), rng.int(3)] };
    case 15: return { data: new Float32Array(8), shape: [2, 2, 2] };
    case 16: return () => 1;
    case 17: return Symbol('x');
    case 18: return 10n;
    case 19: return new Float32Array(new SharedArrayBuffer(16));
    case 20: return Array.from({ length: rng.int(6) }, () => HOSTILE_NUMBERS[rng.int(HOSTILE_NUMBERS.length)]);
    default: return new Float32Array(new ArrayBuffer(64), 4, 3);
  }
}

function mutateNumber(rng, value) {
  const r = rng.int(5);
  if (r === 0) return value + 1;
  if (r === 1) return value - 1;
  if (r === 2) return value * 2;
  if (r === 3) return 0;
  return HOSTILE_NUMBERS[rng.int(HOSTILE_NUMBERS.length)];
}

function mutateTyped(rng, value) {
  const r = rng.int(6);
  const Ctor = value.constructor;
  if (r === 0) return new Ctor(Math.max(0, value.length - 1 - rng.int(3)));
  if (r === 1) return new Ctor(value.length + 1 + rng.int(3));
  if (r === 2) return new Ctor(0);
  if (r === 3 && value instanceof Int32Array) {
    const copy = value.slice();
    if (copy.length > 0) copy[rng.int(copy.length)] = HOSTILE_NUMBERS[rng.int(HOSTILE_NUMBERS.length)] | 0;
    return copy;
  }
  if (r === 4 && value instanceof Float32Array) {
    const copy = value.slice();
    if (copy.length > 0) copy[rng.int(copy.length)] = [NaN, Infinity, -Infinity][rng.int(3)];
    return copy;
  }
  return hostileValue(rng);
}

/** Returns a mutated copy of a valid argument: one nested field changed, removed or replaced. */
export function mutate(rng, value, depth = 0) {
  if (rng.uniform() < 0.25 || depth > 3) return hostileValue(rng);
  if (typeof value === 'number') return mutateNumber(rng, value);
  if (ArrayBuffer.isView(value)) return mutateTyped(rng, value);
  if (Array.isArray(value)) {
    const copy = value.slice();
    if (copy.length === 0 || rng.uniform() < 0.2) {
      copy.push(hostileValue(rng));
      return copy;
    }
    const i = rng.int(copy.length);
    copy[i] = mutate(rng, copy[i], depth + 1);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy = { ...value };
    const keys = Object.keys(copy);
    if (keys.length === 0 || rng.uniform() < 0.15) {
      copy[['out', 'bias', 'padding', 'strides', 'extra'][rng.int(5)]] = hostileValue(rng);
      return copy;
    }
    const key = keys[rng.int(keys.length)];
    if (rng.uniform() < 0.2) delete copy[key];
    else copy[key] = mutate(rng, copy[key], depth + 1);
    return copy;
  }
  return hostileValue(rng);
}
