// Median time of one DdpgAgent.update() with AMC's reference setup (300-300 networks, batch 64, 11 state
// features, 1 action). Run after the build: `npm run bench` in packages/agent. Not part of the tests.
import os from 'node:os';
import { DdpgAgent } from '../dist/index.js';

const stateDim = Number(process.env.STATE_DIM ?? 11);
const updates = Number(process.env.UPDATES ?? 200);
const engine = process.env.ENGINE ?? 'native';
const agent = new DdpgAgent({ stateDim, seed: 1, engine });
let x = 1;
const random = () => ((x = (x * 48271) % 2147483647) / 2147483647);
for (let i = 0; i < 2000; i++) {
  const state = Array.from({ length: stateDim }, random);
  agent.remember({ state, action: [random()], reward: -random(), nextState: state.map((v) => v * 0.9), done: i % 20 === 19 });
}
for (let i = 0; i < 20; i++) agent.update(); // warm the JIT
const times = [];
for (let i = 0; i < updates; i++) {
  const start = process.hrtime.bigint();
  agent.update();
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
console.log(`DdpgAgent.update (${engine} engine), stateDim ${stateDim}, hidden 300-300, batch 64: median ${q(0.5)} ms (p10 ${q(0.1)}, p90 ${q(0.9)}) over ${updates} updates`);
console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
