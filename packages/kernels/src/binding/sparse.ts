/** The sparse family's native functions (filled in as the family lands). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SparseBinding {}

export const SPARSE_FUNCTION_NAMES = [] as const satisfies readonly (keyof SparseBinding)[];
