/**
 * @amc/rewards: the AMC reward protocol (versioned), the built-in rewards R_err, R_FLOPs and R_Param, a registry
 * for user rewards, and the budget wall of the resource-constrained protocol over any additive resource.
 */
export { REWARD_PROTOCOL_VERSION, errorReward, evaluateReward, flopsReward, outcomeError, paramsReward } from './protocol.js';
export type { EpisodeOutcome, ResourceCounts, RewardKind, RewardProtocol } from './protocol.js';
export { checkRewardProtocol, createRewardRegistry, getReward, listRewards, registerReward } from './registry.js';
export type { RewardRegistry } from './registry.js';
export { checkResourceModel, linearResourceModel, resourceOf } from './resource-model.js';
export type { ResourceModel, ResourceTerm } from './resource-model.js';
export {
  BUDGET_TOLERANCE,
  channelQuantizer,
  checkBudgetFeasible,
  constrainAction,
  constrainActions,
  maxPreserveRatio,
} from './budget-wall.js';
export type { BudgetFeasibility, ConstrainOptions, ConstrainedAction, ConstrainedEpisode, Quantize } from './budget-wall.js';
