import * as tf from '@tensorflow/tfjs-core';
import '@amc/tfjs';
import { createModel } from '@amc/zoo';
import { setNumThreads } from '@amc/kernels';
await tf.setBackend('amc-native');
const model = createModel('resnet20', { seed: 1 });
const x = tf.randomNormal([128, 28, 28, 1]);
for (const t of [1, 2]) {
  setNumThreads(t);
  const run = () => tf.tidy(() => (model.apply(x, { training: false })).dataSync());
  for (let i = 0; i < 3; i++) run();
  const ts = [];
  for (let i = 0; i < 9; i++) { const t0 = performance.now(); run(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  console.log(`${t}T inference: median ${ts[4].toFixed(1)} ms/batch, ${(128000 / ts[4]).toFixed(0)} img/s`);
}
