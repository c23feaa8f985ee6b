// Valid-call factories for every public function of @amc/kernels that the fuzzer exercises. Each `make`
// returns a valid argument list (small sizes); the fuzzer mutates it. `async: true` when a ...Async twin exists.
import { setIsa } from '@amc/kernels';

function floats(rng, n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

const small = (rng, max = 5) => 1 + rng.int(max);

export const SPECS = [
  {
    name: 'gemm',
    async: true,
    make(rng) {
      const m = small(rng, 9);
      const n = small(rng, 20);
      const k = small(rng, 9);
      const options = { transA: rng.int(2) === 1, alpha: 1.5, beta: 0, activation: ['none', 'relu', 'relu6'][rng.int(3)] };
      if (rng.int(2)) options.bias = floats(rng, n);
      return [floats(rng, m * k), floats(rng, k * n), [m, n, k], options];
    },
  },
  {
    // The raw addon, bypassing the wrappers: proves the native layer validates on its own.
    name: 'gemm',
    native: true,
    async: true,
    make(rng) {
      const m = small(rng, 9);
      const n = small(rng, 20);
      const k = small(rng, 9);
      return [{ a: floats(rng, m * k), b: floats(rng, k * n), c: new Float32Array(m * n), bias: floats(rng, n), m, n, k, transB: true, alpha: 1, beta: 1, activation: 2 }];
    },
  },
  { name: 'getNativeInfo', make: () => [] },
  { name: 'setNumThreads', make: (rng) => [1 + rng.int(2)] },
  {
    name: 'setIsa',
    make: (rng) => [['scalar', 'avx2'][rng.int(2)]],
  },
  { name: 'withIsa', make: () => ['scalar', () => 1] },
];

// Keep the process on its best ISA at exit of a setIsa call sequence: not needed for safety, only for speed.
void setIsa;
