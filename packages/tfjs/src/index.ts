/**
 * @amc/tfjs: the `amc-native` TensorFlow.js backend. Importing this module registers it (and tfjs's cpu
 * backend, and tfjs's gradients through tfjs-layers, so `tf.grad` and `model.fit` work with plain
 * `@tensorflow/tfjs-core` + `@tensorflow/tfjs-layers`).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { registerAmcNativeBackend } from './backend.js';
import { installActivationGradients } from './gradients.js';
import { installBatchNormFastPath } from './layers.js';

export { batchNormTraining, installBatchNormFastPath, uninstallBatchNormFastPath } from './layers.js';
export { AmcNativeBackend, BACKEND_NAME, BACKEND_PRIORITY, nativeKernelNames, registerAmcNativeBackend } from './backend.js';

registerAmcNativeBackend();
installBatchNormFastPath();
installActivationGradients();
export { MODEL_JSON, WEIGHTS_BIN, loadModel, readModelMetadata, saveModel } from './model-io.js';
