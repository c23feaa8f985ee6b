import { unaryOp, binaryOp, activationGrad, batchNorm, batchNormGrad, setNumThreads } from '@amc/kernels';
const n = 128 * 28 * 28 * 16;
const x = new Float32Array(n).map(() => Math.random() - 0.5);
const y = new Float32Array(n).map(() => Math.random() - 0.5);
const out = new Float32Array(n);
function time(name, f) { for (let i = 0; i < 3; i++) f(); const ts = []; for (let i = 0; i < 21; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); } ts.sort((a, b) => a - b); console.log(`  ${name.padEnd(14)} ${ts[10].toFixed(3)} ms`); }
for (const t of [1, 2, 1]) {
  setNumThreads(t); console.log(`${t}T n=${n}`);
  time('relu', () => unaryOp('relu', x, { out }));
  time('add', () => binaryOp('add', x, y, { out }));
  time('actgrad', () => activationGrad(x, y, 'relu', { out }));
  time('bn fwd', () => batchNorm({ data: x, shape: [n / 16, 16] }, { training: true, out }));
  const f = batchNorm({ data: x, shape: [n / 16, 16] }, { training: true });
  time('bn grad', () => batchNormGrad({ data: y, shape: [n / 16, 16] }, { data: x, shape: [n / 16, 16] }, { mean: f.mean, variance: f.variance, dx: out }));
}
