import { ErrorCode, argumentError, type Rng } from '@amc/core';
import { checkInteger } from './checks.js';
import { decodeBytes, decodeFloat64, encodeBytes, encodeFloat64 } from './encoding.js';

/** The serialised form of a {@link ReplayBuffer}: the stored entries `0 .. size - 1` in slot order. */
export interface ReplayBufferState {
  /** Number of slots. */
  readonly capacity: number;
  /** Number of stored transitions (<= capacity). */
  readonly size: number;
  /** The slot the next transition goes to. */
  readonly next: number;
  /** Base64 of `size * stateDim` little-endian float64. */
  readonly states: string;
  /** Base64 of `size * actionDim` little-endian float64. */
  readonly actions: string;
  /** Base64 of `size` little-endian float64. */
  readonly rewards: string;
  /** Base64 of `size * stateDim` little-endian float64. */
  readonly nextStates: string;
  /** Base64 of `size` bytes, 1 for a terminal transition. */
  readonly dones: string;
}

/**
 * A ring buffer of transitions `(state, action, reward, nextState, done)` in flat Float64 arrays. When full, a
 * new transition overwrites the oldest. Batches are drawn uniformly **without** replacement (the reference's
 * `random.sample`). Values are validated by the agent before they get here.
 */
export class ReplayBuffer {
  /** Number of slots. */
  readonly capacity: number;
  /** Length of a state vector. */
  readonly stateDim: number;
  /** Length of an action vector. */
  readonly actionDim: number;
  /** Slot-major states, `capacity * stateDim`. */
  readonly states: Float64Array;
  /** Slot-major actions, `capacity * actionDim`. */
  readonly actions: Float64Array;
  /** One reward per slot. */
  readonly rewards: Float64Array;
  /** Slot-major next states, `capacity * stateDim`. */
  readonly nextStates: Float64Array;
  /** 1 for a terminal transition. */
  readonly dones: Uint8Array;
  private count = 0;
  private cursor = 0;
  private readonly picked: Uint8Array;

  /** An empty buffer. */
  constructor(capacity: number, stateDim: number, actionDim: number) {
    this.capacity = capacity;
    this.stateDim = stateDim;
    this.actionDim = actionDim;
    this.states = new Float64Array(capacity * stateDim);
    this.actions = new Float64Array(capacity * actionDim);
    this.rewards = new Float64Array(capacity);
    this.nextStates = new Float64Array(capacity * stateDim);
    this.dones = new Uint8Array(capacity);
    this.picked = new Uint8Array(capacity);
  }

  /** Number of stored transitions. */
  get size(): number {
    return this.count;
  }

  /** The slot the next transition will be written to (returned so the caller can fill it in place). */
  push(): number {
    const slot = this.cursor;
    this.cursor = (this.cursor + 1) % this.capacity;
    if (this.count < this.capacity) this.count += 1;
    return slot;
  }

  /**
   * Fills `out` with `count` distinct slot indices drawn uniformly from the stored ones (`count <= size`), by
   * rejection of repeats: each draw is `floor(uniform() * size)`.
   */
  sample(rng: Rng, count: number, out: Int32Array): void {
    const size = this.count;
    const picked = this.picked;
    for (let i = 0; i < count; i++) {
      let slot: number;
      do slot = Math.floor(rng.uniform() * size);
      while (picked[slot] === 1);
      picked[slot] = 1;
      out[i] = slot;
    }
    for (let i = 0; i < count; i++) picked[out[i] as number] = 0;
  }

  /** The serialisable state. */
  toJSON(): ReplayBufferState {
    const n = this.count;
    return {
      capacity: this.capacity,
      size: n,
      next: this.cursor,
      states: encodeFloat64(this.states.subarray(0, n * this.stateDim)),
      actions: encodeFloat64(this.actions.subarray(0, n * this.actionDim)),
      rewards: encodeFloat64(this.rewards.subarray(0, n)),
      nextStates: encodeFloat64(this.nextStates.subarray(0, n * this.stateDim)),
      dones: encodeBytes(this.dones.subarray(0, n)),
    };
  }

  /**
   * Rebuilds a buffer from {@link ReplayBuffer.toJSON} for the given dimensions.
   * @throws AmcError AMC_INVALID_ARGUMENT when the state does not fit (capacity, counters, lengths, values).
   */
  static fromState(op: string, argument: string, state: unknown, capacity: number, stateDim: number, actionDim: number): ReplayBuffer {
    if (typeof state !== 'object' || state === null) throw argumentError(ErrorCode.InvalidArgument, op, argument, 'a replay state object', state);
    const s = state as Record<string, unknown>;
    if (s.capacity !== capacity) throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.capacity`, `${capacity} (options.replayCapacity)`, s.capacity);
    const size = checkInteger(op, `${argument}.size`, s.size, 0, capacity);
    const next = checkInteger(op, `${argument}.next`, s.next, 0, capacity - 1);
    if (size < capacity && next !== size) throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.next`, `${size} (the size of a buffer that is not full)`, next);
    const buffer = new ReplayBuffer(capacity, stateDim, actionDim);
    buffer.states.set(decodeFloat64(op, `${argument}.states`, s.states, size * stateDim));
    buffer.actions.set(decodeFloat64(op, `${argument}.actions`, s.actions, size * actionDim));
    buffer.rewards.set(decodeFloat64(op, `${argument}.rewards`, s.rewards, size));
    buffer.nextStates.set(decodeFloat64(op, `${argument}.nextStates`, s.nextStates, size * stateDim));
    const dones = decodeBytes(op, `${argument}.dones`, s.dones, size);
    for (let i = 0; i < size; i++) {
      if (dones[i] !== 0 && dones[i] !== 1) throw argumentError(ErrorCode.InvalidArgument, op, `${argument}.dones[${i}]`, '0 or 1', dones[i]);
    }
    buffer.dones.set(dones);
    buffer.count = size;
    buffer.cursor = next;
    return buffer;
  }
}
