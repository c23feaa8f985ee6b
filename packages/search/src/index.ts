/**
 * @amc/search: the AMC search. The compression environment (search units, layer embeddings, resource models of
 * the budget wall, channel or fine-grained pruning with cached calibration factors, evaluation on held-out data
 * through @amc/runtime), the resumable DDPG episode loop, and rule-based baseline policies.
 */
export { CompressionEnvironment, EMBEDDING_FEATURES } from './environment.js';
export type { ApplyResult, EnvironmentOptions, LabelledImages, PruneMethod, SearchUnit } from './environment.js';
export { buildCalibrationCache, channelEnergy, reconstructFromCache } from './calibration.js';
export type { CachedReconstruction, CalibrationCacheOptions, ConsumerFactor } from './calibration.js';
export { channelResourceModel, fineGrainedResourceModel, resourcePerElement } from './resource-model.js';
export type { ResourceName } from './resource-model.js';
export { defaultWarmupEpisodes, finalAccuracyOf, readSearchState, runSearch } from './search.js';
export type { BestPolicy, EpisodeRecord, SearchOptions, SearchProgress, SearchProtocol, SearchResult, SelectedPolicy } from './search.js';
export { evaluatePolicy, uniformPolicy, uniformStart } from './policies.js';
export type { PolicyOutcome } from './policies.js';
