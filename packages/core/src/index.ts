export { AmcError, ErrorCode, argumentError, describeValue } from './errors.js';
export type { AmcErrorDetails, ErrorCodeValue } from './errors.js';
export { Rng } from './rng.js';
export type { RngState } from './rng.js';
export { ACTIVATIONS, sizeOfShape } from './types.js';
export type { Activation, FloatTensor, Shape } from './types.js';
export { writeFileAtomic } from './fs.js';
export { checkOptions } from './options.js';
