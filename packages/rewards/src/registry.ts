/**
 * Reward registries: the built-ins are registered by name; users add their own.
 */
import { AmcError, ErrorCode, argumentError, describeValue } from '@amc/core';
import { checkObject } from './checks.js';
import { REWARD_PROTOCOL_VERSION, errorReward, flopsReward, paramsReward, type RewardProtocol } from './protocol.js';

const KINDS = ['resource-constrained', 'accuracy-guaranteed'] as const;

/** A set of reward protocols keyed by name. Created by {@link createRewardRegistry}. */
export interface RewardRegistry {
  /**
   * Adds a protocol. @throws AmcError AMC_INVALID_ARGUMENT for an invalid protocol (see
   * {@link checkRewardProtocol}) or a name already registered.
   */
  register(protocol: RewardProtocol): void;
  /** The protocol of that name. @throws AmcError AMC_INVALID_ARGUMENT for an unknown name; the message lists the known names. */
  get(name: string): RewardProtocol;
  /** Whether a protocol of that name is registered. */
  has(name: string): boolean;
  /** Every registered protocol, in registration order. */
  list(): RewardProtocol[];
}

/**
 * Throws unless `protocol` satisfies {@link RewardProtocol} version 1: an object with `protocolVersion` 1, a
 * non-empty `name` without surrounding spaces, a known `kind` and a `reward` function. Returns it.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT naming the faulty field.
 */
export function checkRewardProtocol(protocol: unknown, operation = 'checkRewardProtocol'): RewardProtocol {
  const p = checkObject(operation, 'protocol', protocol);
  if (p.protocolVersion !== REWARD_PROTOCOL_VERSION) {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'protocol.protocolVersion', `${REWARD_PROTOCOL_VERSION}`, p.protocolVersion);
  }
  if (typeof p.name !== 'string' || p.name.length === 0 || p.name.trim() !== p.name) {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'protocol.name', 'a non-empty name without surrounding spaces', p.name);
  }
  if (!(KINDS as readonly unknown[]).includes(p.kind)) {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'protocol.kind', `one of ${KINDS.join(', ')}`, p.kind);
  }
  if (typeof p.reward !== 'function') {
    throw argumentError(ErrorCode.InvalidArgument, operation, 'protocol.reward', 'a function (outcome) => number', p.reward);
  }
  return protocol as RewardProtocol;
}

/**
 * A new, independent registry holding `initial` (default: the three built-ins `error`, `flops`, `params`).
 * Use one per search when rewards must not leak between runs; the module-level functions use a shared one.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT when `initial` is not an array or holds an invalid or duplicate protocol.
 * @example
 * const registry = createRewardRegistry([]); registry.register(myReward); registry.get('mine');
 */
export function createRewardRegistry(initial: readonly RewardProtocol[] = BUILT_INS): RewardRegistry {
  if (!Array.isArray(initial)) {
    throw argumentError(ErrorCode.InvalidArgument, 'createRewardRegistry', 'initial', 'an array of reward protocols', initial);
  }
  const byName = new Map<string, RewardProtocol>();
  const registry: RewardRegistry = {
    register(protocol) {
      const op = 'registerReward';
      const p = checkRewardProtocol(protocol, op);
      if (byName.has(p.name)) {
        throw argumentError(ErrorCode.InvalidArgument, op, 'protocol.name', 'a name not yet registered', p.name);
      }
      byName.set(p.name, p);
    },
    get(name) {
      const found = typeof name === 'string' ? byName.get(name) : undefined;
      if (found === undefined) {
        const known = [...byName.keys()].map((n) => JSON.stringify(n)).join(', ');
        const received = describeValue(name);
        const expected = known.length > 0 ? `one of ${known}` : 'a registered reward name (none registered)';
        throw new AmcError(ErrorCode.InvalidArgument, `getReward: expected ${expected} for name but received ${received}`, {
          operation: 'getReward',
          argument: 'name',
          expected,
          received,
        });
      }
      return found;
    },
    has(name) {
      return typeof name === 'string' && byName.has(name);
    },
    list() {
      return [...byName.values()];
    },
  };
  for (const p of initial) registry.register(p);
  return registry;
}

const BUILT_INS: readonly RewardProtocol[] = [errorReward, flopsReward, paramsReward];
const shared = createRewardRegistry();

/**
 * Registers a user reward in the shared registry (which starts with `error`, `flops`, `params`).
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for an invalid protocol or a name already registered.
 * @example
 * registerReward({ protocolVersion: 1, name: 'latency', kind: 'accuracy-guaranteed',
 *   reward: (o) => -outcomeError(o) * Math.log(o.resources.latencyMs ?? NaN) });
 */
export function registerReward(protocol: RewardProtocol): void {
  shared.register(protocol);
}

/**
 * The reward of that name from the shared registry.
 *
 * @throws AmcError AMC_INVALID_ARGUMENT for an unknown name; the message lists the known names.
 * @example
 * getReward('flops').reward(outcome);
 */
export function getReward(name: string): RewardProtocol {
  return shared.get(name);
}

/** Every reward of the shared registry, in registration order (built-ins first). */
export function listRewards(): RewardProtocol[] {
  return shared.list();
}
