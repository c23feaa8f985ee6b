// Valid-call factories for every public function of @amc/kernels that the fuzzer exercises. Each `make`
// returns a valid argument list (small sizes); the fuzzer mutates it. `async: true` when a ...Async twin exists.
import { conv2d, denseToBlockCsr, denseToCsr, depthwiseConv2d, setIsa } from '@amc/kernels';

function floats(rng, n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

const small = (rng, max = 5) => 1 + rng.int(max);

function sparseFloats(rng, n, sparsity = 0.7) {
  const a = floats(rng, n);
  for (let i = 0; i < n; i++) if (rng.uniform() < sparsity) a[i] = 0;
  return a;
}

function sparseMatrix(rng, rows, cols) {
  const dense = sparseFloats(rng, rows * cols);
  return rng.int(2) === 0 ? denseToCsr(dense, rows, cols) : denseToBlockCsr(dense, rows, cols);
}

function nativeMatrix(m) {
  return m.format === 'csr'
    ? { format: 0, rows: m.rows, cols: m.cols, rowPtr: m.rowPtr, colIdx: m.colIdx, values: m.values }
    : { format: 1, rows: m.rows, cols: m.cols, rowPtr: m.blockRowPtr, colIdx: m.colIdx, values: m.values };
}

function geometry(rng, { batch, h, w, c, kh, kw }) {
  const stride = 1 + rng.int(2);
  const pad = rng.int(2);
  const out = (size, k) => Math.floor((size + 2 * pad - k) / stride) + 1;
  return {
    batch, inHeight: h, inWidth: w, inChannels: c, kernelHeight: kh, kernelWidth: kw,
    strideHeight: stride, strideWidth: stride, dilationHeight: 1, dilationWidth: 1,
    padTop: pad, padBottom: pad, padLeft: pad, padRight: pad, outHeight: out(h, kh), outWidth: out(w, kw),
  };
}

function convCase(rng) {
  const c = small(rng, 5);
  const cout = small(rng, 9);
  const kh = small(rng, 3);
  const kw = small(rng, 3);
  const input = tensor(rng, [small(rng, 2), 3 + rng.int(6), 3 + rng.int(6), c]);
  const filter = tensor(rng, [kh, kw, c, cout]);
  const options = { strides: small(rng, 2), padding: ['same', 'valid', [1, 0, 0, 1]][rng.int(3)], activation: 'relu6' };
  return { input, filter, options, c, cout };
}

function depthwiseCase(rng) {
  const c = small(rng, 6);
  const mult = small(rng, 2);
  const input = tensor(rng, [small(rng, 2), 3 + rng.int(6), 3 + rng.int(6), c]);
  const filter = tensor(rng, [small(rng, 3), small(rng, 3), c, mult]);
  return { input, filter, options: { strides: small(rng, 2), padding: ['same', 'valid'][rng.int(2)] } };
}

const tensor = (rng, shape) => ({ data: floats(rng, shape.reduce((a, b) => a * b, 1)), shape });

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
  { name: 'conv2d', async: true, make: (rng) => { const t = convCase(rng); return [t.input, t.filter, { ...t.options, bias: floats(rng, t.cout) }]; } },
  { name: 'depthwiseConv2d', async: true, make: (rng) => { const t = depthwiseCase(rng); return [t.input, t.filter, t.options]; } },
  {
    name: 'conv2dBackpropInput',
    async: true,
    make(rng) {
      const t = convCase(rng);
      const y = conv2d(t.input, t.filter, t.options);
      return [tensor(rng, [...y.shape]), t.filter, [...t.input.shape], { strides: t.options.strides, padding: t.options.padding }];
    },
  },
  {
    name: 'conv2dBackpropFilter',
    async: true,
    make(rng) {
      const t = convCase(rng);
      const y = conv2d(t.input, t.filter, t.options);
      return [t.input, tensor(rng, [...y.shape]), [...t.filter.shape], { strides: t.options.strides, padding: t.options.padding }];
    },
  },
  {
    name: 'depthwiseConv2dBackpropInput',
    async: true,
    make(rng) {
      const t = depthwiseCase(rng);
      const y = depthwiseConv2d(t.input, t.filter, t.options);
      return [tensor(rng, [...y.shape]), t.filter, [...t.input.shape], t.options];
    },
  },
  {
    name: 'depthwiseConv2dBackpropFilter',
    async: true,
    make(rng) {
      const t = depthwiseCase(rng);
      const y = depthwiseConv2d(t.input, t.filter, t.options);
      return [t.input, tensor(rng, [...y.shape]), [...t.filter.shape], t.options];
    },
  },
  {
    name: 'slicedConv2d',
    async: true,
    make(rng) {
      const t = convCase(rng);
      const inputChannels = Int32Array.from({ length: t.c }, (_, i) => i).filter(() => rng.uniform() < 0.7);
      const outputChannels = Int32Array.from({ length: t.cout }, (_, i) => i).filter(() => rng.uniform() < 0.7);
      if (inputChannels.length === 0 || outputChannels.length === 0) return [t.input, t.filter, { inputChannels: [0], outputChannels: [0] }];
      return [t.input, t.filter, { ...t.options, inputChannels, outputChannels, inputLayout: 'full' }];
    },
  },
  {
    name: 'sliceConv2dWeights',
    async: true,
    make(rng) {
      const t = convCase(rng);
      return [t.filter, [t.c - 1], [0, t.cout - 1].filter((v, i, a) => a.indexOf(v) === i), floats(rng, t.cout)];
    },
  },
  {
    name: 'conv2d',
    native: true,
    async: true,
    make(rng) {
      const g = geometry(rng, { batch: small(rng, 2), h: 3 + rng.int(5), w: 3 + rng.int(5), c: small(rng, 4), kh: small(rng, 3), kw: small(rng, 3) });
      const cout = small(rng, 9);
      return [{ ...g, input: floats(rng, g.batch * g.inHeight * g.inWidth * g.inChannels), filter: floats(rng, g.kernelHeight * g.kernelWidth * g.inChannels * cout), out: new Float32Array(g.batch * g.outHeight * g.outWidth * cout), outChannels: cout, groups: 1, activation: 1 }];
    },
  },
  {
    name: 'depthwiseConv2d',
    native: true,
    make(rng) {
      const g = geometry(rng, { batch: small(rng, 2), h: 3 + rng.int(5), w: 3 + rng.int(5), c: small(rng, 4), kh: small(rng, 3), kw: small(rng, 3) });
      return [{ ...g, input: floats(rng, g.batch * g.inHeight * g.inWidth * g.inChannels), filter: floats(rng, g.kernelHeight * g.kernelWidth * g.inChannels), out: new Float32Array(g.batch * g.outHeight * g.outWidth * g.inChannels), multiplier: 1 }];
    },
  },
  {
    name: 'conv2dBackpropFilter',
    native: true,
    make(rng) {
      const g = geometry(rng, { batch: small(rng, 2), h: 3 + rng.int(5), w: 3 + rng.int(5), c: small(rng, 4), kh: small(rng, 3), kw: small(rng, 3) });
      const cout = small(rng, 9);
      return [{ ...g, input: floats(rng, g.batch * g.inHeight * g.inWidth * g.inChannels), dy: floats(rng, g.batch * g.outHeight * g.outWidth * cout), out: new Float32Array(g.kernelHeight * g.kernelWidth * g.inChannels * cout), outChannels: cout }];
    },
  },
  {
    name: 'slicedConv2d',
    native: true,
    make(rng) {
      const g = geometry(rng, { batch: small(rng, 2), h: 3 + rng.int(5), w: 3 + rng.int(5), c: 2 + rng.int(4), kh: small(rng, 3), kw: small(rng, 3) });
      const cout = 2 + rng.int(6);
      return [{ ...g, input: floats(rng, g.batch * g.inHeight * g.inWidth * g.inChannels), filter: floats(rng, g.kernelHeight * g.kernelWidth * g.inChannels * cout), filterInChannels: g.inChannels, filterOutChannels: cout, inputChannels: Int32Array.of(0, g.inChannels - 1), outputChannels: Int32Array.of(cout - 1), out: new Float32Array(g.batch * g.outHeight * g.outWidth) }];
    },
  },
  { name: 'denseToCsr', async: true, make: (rng) => { const r = small(rng, 9); const c = small(rng, 9); return [sparseFloats(rng, r * c), r, c]; } },
  { name: 'denseToBlockCsr', async: true, make: (rng) => { const r = small(rng, 9); const c = small(rng, 9); return [sparseFloats(rng, r * c), r, c]; } },
  { name: 'sparseToDense', make: (rng) => [sparseMatrix(rng, small(rng, 9), small(rng, 9))] },
  { name: 'validateSparseMatrix', make: (rng) => [sparseMatrix(rng, small(rng, 9), small(rng, 9))] },
  { name: 'filterToSparse', make: (rng) => [tensor(rng, [small(rng, 3), small(rng, 3), small(rng, 4), small(rng, 6)]), ['csr', 'bcsr'][rng.int(2)]] },
  {
    name: 'spmm',
    async: true,
    make(rng) {
      const m = small(rng, 9);
      const k = small(rng, 9);
      const n = small(rng, 40);
      return [sparseMatrix(rng, m, k), floats(rng, k * n), n, { bias: floats(rng, m), activation: 'relu' }];
    },
  },
  {
    name: 'spmm',
    native: true,
    async: true,
    make(rng) {
      const m = small(rng, 9);
      const k = small(rng, 9);
      const n = small(rng, 40);
      return [{ weights: nativeMatrix(sparseMatrix(rng, m, k)), b: floats(rng, k * n), n, c: new Float32Array(m * n), bias: floats(rng, m), activation: 1 }];
    },
  },
  {
    name: 'sparseDense',
    async: true,
    make(rng) {
      const batch = small(rng, 4);
      const inF = small(rng, 9);
      const outF = small(rng, 9);
      return [floats(rng, batch * inF), batch, sparseMatrix(rng, outF, inF), { bias: floats(rng, outF) }];
    },
  },
  {
    name: 'sparseDense',
    native: true,
    make(rng) {
      const batch = small(rng, 4);
      const inF = small(rng, 9);
      const outF = small(rng, 9);
      return [{ weights: nativeMatrix(sparseMatrix(rng, outF, inF)), x: floats(rng, batch * inF), batch, y: new Float32Array(batch * outF) }];
    },
  },
  {
    name: 'sparseConv2d',
    async: true,
    make(rng) {
      const kh = small(rng, 3);
      const kw = small(rng, 3);
      const cin = small(rng, 4);
      const cout = small(rng, 5);
      const input = tensor(rng, [small(rng, 2), 4 + rng.int(4), 4 + rng.int(4), cin]);
      const weights = sparseMatrix(rng, cout, kh * kw * cin);
      return [input, weights, { kernelSize: [kh, kw], strides: small(rng, 2), padding: ['same', 'valid'][rng.int(2)] }];
    },
  },
  {
    name: 'denseToSparseFill',
    native: true,
    make(rng) {
      const rows = small(rng, 9);
      const cols = small(rng, 9);
      const m = denseToCsr(sparseFloats(rng, rows * cols), rows, cols);
      return [{ format: 0, dense: sparseFloats(rng, rows * cols), rows, cols, rowPtr: m.rowPtr, colIdx: new Int32Array(m.colIdx.length), values: new Float32Array(m.values.length) }];
    },
  },
  { name: 'magnitudeThreshold', async: true, make: (rng) => [floats(rng, small(rng, 50)), rng.uniform()] },
  { name: 'magnitudePrune', async: true, make: (rng) => { const n = small(rng, 50); return [floats(rng, n), rng.uniform(), { mask: new Uint8Array(n) }]; } },
  { name: 'magnitudePrune', native: true, make: (rng) => { const n = small(rng, 50); return [{ weights: floats(rng, n), keep: rng.int(n + 1), out: new Float32Array(n), mask: new Uint8Array(n), threshold: new Float32Array(1) }]; } },
  { name: 'channelImportance', async: true, make: (rng) => [tensor(rng, [small(rng, 3), small(rng, 3), small(rng, 5), small(rng, 5)]), rng.int(4), { norm: ['l1', 'l2'][rng.int(2)] }] },
  { name: 'channelImportance', native: true, make: (rng) => { const o = small(rng, 4); const c = small(rng, 6); const i = small(rng, 4); return [{ weights: floats(rng, o * c * i), outer: o, channels: c, inner: i, norm: 1, out: new Float32Array(c) }]; } },
  { name: 'topKIndices', async: true, make: (rng) => { const n = small(rng, 30); return [floats(rng, n), rng.int(n + 1)]; } },
  {
    name: 'leastSquares',
    async: true,
    make(rng) {
      const rows = small(rng, 30);
      const cols = small(rng, 6);
      const outs = small(rng, 4);
      return [tensor(rng, [rows, cols]), tensor(rng, [rows, outs]), { solver: ['auto', 'cholesky', 'eigen'][rng.int(3)], fitIntercept: rng.int(2) === 1 }];
    },
  },
  {
    name: 'leastSquares',
    native: true,
    make(rng) {
      const rows = small(rng, 30);
      const cols = small(rng, 6);
      const outs = small(rng, 4);
      return [{ x: floats(rng, rows * cols), y: floats(rng, rows * outs), rows, cols, outs, solver: rng.int(3), weights: new Float32Array(cols * outs), info: new Float64Array(4) }];
    },
  },
  {
    name: 'batchNorm',
    async: true,
    make(rng) {
      const c = small(rng, 6);
      const x = tensor(rng, [small(rng, 3), small(rng, 4), c]);
      return rng.int(2) === 0
        ? [x, { training: true, gamma: floats(rng, c), beta: floats(rng, c), epsilon: 1e-5, activation: 'relu' }]
        : [x, { mean: floats(rng, c), variance: floats(rng, c).map(Math.abs), epsilon: 1e-3 }];
    },
  },
  {
    name: 'batchNorm',
    native: true,
    make(rng) {
      const rows = small(rng, 20);
      const c = small(rng, 6);
      return [{ x: floats(rng, rows * c), rows, channels: c, epsilon: 1e-5, training: rng.int(2) === 1, mean: floats(rng, c), variance: floats(rng, c).map(Math.abs), gamma: floats(rng, c), activation: rng.int(3), out: new Float32Array(rows * c) }];
    },
  },
  {
    name: 'batchNormGrad',
    async: true,
    make(rng) {
      const c = small(rng, 6);
      const shape = [small(rng, 5), c];
      return [tensor(rng, shape), tensor(rng, shape), { gamma: floats(rng, c), mean: floats(rng, c), variance: floats(rng, c).map(Math.abs), epsilon: 1e-5 }];
    },
  },
  {
    name: 'batchNormGrad',
    native: true,
    make(rng) {
      const rows = small(rng, 20);
      const c = small(rng, 6);
      const n = rows * c;
      return [{ dy: floats(rng, n), x: floats(rng, n), rows, channels: c, mean: floats(rng, c), variance: floats(rng, c).map(Math.abs), epsilon: 1e-5, dx: new Float32Array(n), dgamma: new Float32Array(c), dbeta: new Float32Array(c) }];
    },
  },
  { name: 'unaryOp', async: true, make: (rng) => [['relu', 'relu6', 'step', 'neg', 'square', 'abs', 'sqrt', 'rsqrt'][rng.int(8)], floats(rng, small(rng, 40)), { alpha: rng.uniform() }] },
  { name: 'unary', native: true, make: (rng) => { const n = small(rng, 40); return [{ op: rng.int(8), x: floats(rng, n), alpha: 0.5, out: new Float32Array(n) }]; } },
  {
    name: 'binaryOp',
    async: true,
    make(rng) {
      const m = small(rng, 8);
      const n = m * small(rng, 5);
      const pair = [floats(rng, n), floats(rng, m)];
      if (rng.int(2) === 0) pair.reverse();
      return [['add', 'sub', 'mul', 'div', 'max', 'min', 'squaredDifference'][rng.int(7)], ...pair];
    },
  },
  { name: 'binary', native: true, make: (rng) => { const m = small(rng, 8); const n = m * small(rng, 5); return [{ op: rng.int(7), a: floats(rng, n), b: floats(rng, m), out: new Float32Array(n) }]; } },
  { name: 'activationGrad', async: true, make: (rng) => { const n = small(rng, 40); return [floats(rng, n), floats(rng, n), ['relu', 'relu6'][rng.int(2)]]; } },
  { name: 'activationGrad', native: true, make: (rng) => { const n = small(rng, 40); return [{ dy: floats(rng, n), x: floats(rng, n), upper: 6, out: new Float32Array(n) }]; } },
  { name: 'clipGrad', async: true, make: (rng) => { const n = small(rng, 40); return [floats(rng, n), floats(rng, n), [0, -1, Number.NEGATIVE_INFINITY][rng.int(3)], [6, 1, Number.POSITIVE_INFINITY][rng.int(3)]]; } },
  { name: 'activationGrad', native: true, make: (rng) => { const n = small(rng, 40); return [{ dy: floats(rng, n), x: floats(rng, n), upper: 6, lower: rng.int(3) - 1, clip: rng.int(2) === 1, out: new Float32Array(n) }]; } },
  { name: 'setNumThreads', make: (rng) => [1 + rng.int(2)] },
  {
    name: 'setIsa',
    make: (rng) => [['scalar', 'avx2'][rng.int(2)]],
  },
  { name: 'withIsa', make: () => ['scalar', () => 1] },
];

// Keep the process on its best ISA at exit of a setIsa call sequence: not needed for safety, only for speed.
void setIsa;
