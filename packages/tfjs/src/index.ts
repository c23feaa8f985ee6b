/**
 * @amc/tfjs: the `amc-native` TensorFlow.js backend. Importing this module registers it (and tfjs's cpu
 * backend, and tfjs's gradients through tfjs-layers, so `tf.grad` and `model.fit` work with plain
 * `@tensorflow/tfjs-core` + `@tensorflow/tfjs-layers`).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { registerAmcNativeBackend } from './backend.js';
import { installActivationGradients } from './gradients.js';
import { installBatchNormFastPath, installRelu6FastPath } from './layers.js';

export { batchNormTraining, installBatchNormFastPath, installRelu6FastPath, uninstallBatchNormFastPath, uninstallRelu6FastPath } from './layers.js';
export { AmcNativeBackend, BACKEND_NAME, BACKEND_PRIORITY, nativeKernelNames, registerAmcNativeBackend } from './backend.js';

registerAmcNativeBackend();
installBatchNormFastPath();
installRelu6FastPath();
installActivationGradients();
export { MODEL_JSON, WEIGHTS_BIN, loadModel, readModelMetadata, saveModel } from './model-io.js';
