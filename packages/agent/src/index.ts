/**
 * @amc/agent: a DDPG agent for continuous actions in [0, 1] (AMC-SPEC section 7): actor and critic MLPs, Adam,
 * soft target updates, replay, truncated-normal exploration with decay, uniform warm-up and a moving-average
 * reward baseline. Its whole state serialises to JSON and restores exactly.
 */
export { DdpgAgent } from './ddpg-agent.js';
export type { AdamState, DdpgAgentState, Transition, UpdateResult } from './ddpg-agent.js';
export { DDPG_DEFAULTS } from './options.js';
export type { DdpgAgentConfig, DdpgAgentOptions } from './options.js';
export type { DenseEngineName } from './dense-engine.js';
export type { ReplayBufferState } from './replay-buffer.js';
export { truncatedNormal } from './truncated-normal.js';
