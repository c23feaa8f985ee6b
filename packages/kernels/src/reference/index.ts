export { applyActivation } from './activation.js';
export { referenceGemm } from './gemm.js';
