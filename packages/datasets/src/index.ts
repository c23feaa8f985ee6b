export { createDataset } from './dataset.js';
export type { Dataset, ImageShape } from './dataset.js';
export { batches, cropWithPadding, flipHorizontal } from './batches.js';
export type { AugmentOptions, Batch, BatchOptions } from './batches.js';
export {
  DEFAULT_SPLIT_SEED,
  DEFAULT_VALIDATION_SIZE,
  FASHION_MNIST_CLASS_NAMES,
  defaultCacheDir,
  loadFashionMnist,
} from './fashion-mnist.js';
export type { CacheStatus, FashionMnist, LoadFashionMnistOptions, SplitOptions } from './fashion-mnist.js';
export { loadNpy, parseNpy } from './npy.js';
export type { NpyArray, NpyData, NpyDtype } from './npy.js';
export { IMAGE_FOLDER_EXTENSIONS, imageFolderDataset, loadImageFolder } from './image-folder.js';
export type { ImageFolder, LoadImageFolderOptions } from './image-folder.js';
