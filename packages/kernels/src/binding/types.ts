/** Shared types of the native binding contract. */

/** Native activation codes: 0 none, 1 relu, 2 relu6. */
export type NativeActivation = 0 | 1 | 2;

/** A sync op and its promise-returning twin, which runs on a libuv worker thread. */
export type Op<T> = (options: T) => void;
export type AsyncOp<T> = (options: T) => Promise<void>;
