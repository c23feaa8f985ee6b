import type { Dirent } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AmcError, ErrorCode, argumentError } from '@amc/core';
import { type Dataset, type ImageShape, createDataset } from './dataset.js';
import { decodeImage, resizeBilinear, writeChannels } from './image-decode.js';

/** File extensions {@link loadImageFolder} loads, compared case-insensitively. */
export const IMAGE_FOLDER_EXTENSIONS: readonly string[] = Object.freeze(['.jpeg', '.jpg', '.png']);

/** Options of {@link loadImageFolder}. */
export interface LoadImageFolderOptions {
  /** 3 (default): RGB; 1: gray, ITU-R BT.601 luma `0.299 R + 0.587 G + 0.114 B` (unrounded). */
  channels?: 1 | 3;
  /**
   * `[height, width]`, positive integers: every image is resized to it (bilinear, half-pixel centres, see the
   * README). Omitted: every image must have the size of the first one.
   */
  size?: readonly [number, number];
  /** Factor applied to the 8-bit samples, a finite positive number. Default `1 / 255`: values in `[0, 1]`. */
  scale?: number;
  /**
   * The classes and their order (label `k` is `classNames[k]`): distinct folder names. Every one must be a
   * folder under the root and every folder under the root must be listed. Default: the folders, sorted.
   */
  classNames?: readonly string[];
  /** At most this many images per class, the first ones in sorted order; a positive integer. Default: all. */
  limitPerClass?: number;
}

/** Images of a folder of class folders, as {@link loadImageFolder} returns them. */
export interface ImageFolder {
  /** Pixel values, `count * h * w * c` floats, NHWC, class by class, files sorted within a class. */
  readonly images: Float32Array;
  /** Class index of each image, `count` integers in `[0, classNames.length)`. */
  readonly labels: Int32Array;
  /** Number of images. */
  readonly count: number;
  /** Shape of one image: `[h, w, c]`. */
  readonly shape: ImageShape;
  /** Class names by label: the folder names. */
  readonly classNames: readonly string[];
  /** Path of each image (`join(root, className, fileName)`), in the order of `images` and `labels`. */
  readonly files: readonly string[];
  /**
   * Paths of the entries that were not loaded: files at the root, files without an image extension and
   * folders inside class folders. Hidden entries (names starting with `.`) are skipped without being listed;
   * images beyond `limitPerClass` are not listed either.
   */
  readonly skipped: readonly string[];
}

const op = 'loadImageFolder';
const OPTION_KEYS = ['channels', 'size', 'scale', 'classNames', 'limitPerClass'];

/** Plain UTF-16 code-unit order: the same on every machine and locale (not `localeCompare`). */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isImageName = (name: string): boolean => {
  const lower = name.toLowerCase();
  return IMAGE_FOLDER_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
};

/**
 * Loads a folder of images laid out as `root/<className>/<file>.png|.jpg|.jpeg` (the "ImageFolder"
 * convention of torchvision): bring your own images. Classes are the sub-folders of `root`, sorted by code
 * units (so `B` < `a`), or `options.classNames`; label `k` is the `k`-th class. Files are sorted the same way
 * within a class. Extensions are matched case-insensitively; the format is read from the file's bytes. Hidden
 * entries are skipped; other entries that are not class folders or images are skipped and listed in `skipped`.
 * Sub-folders of class folders are not searched. Alpha is dropped. Images are read one at a time.
 *
 * @param root the folder holding one folder per class.
 * @param options see {@link LoadImageFolderOptions}.
 * @throws AmcError `AMC_IO` naming the path when `root` is missing or not a directory, a folder cannot be
 *   listed, or an image cannot be read or decoded; `AMC_INVALID_ARGUMENT` for a bad option, no class folders, a
 *   class folder without images, or `classNames` that do not match the folders; `AMC_SHAPE_MISMATCH` naming
 *   the file and both sizes when images differ in size and no `size` is given; `AMC_OUT_OF_MEMORY` when the
 *   images do not fit in one `Float32Array`.
 * @example
 * const folder = await loadImageFolder('data/train', { size: [32, 32] });
 * const dataset = imageFolderDataset(folder);
 */
export async function loadImageFolder(root: string, options: LoadImageFolderOptions = {}): Promise<ImageFolder> {
  if (typeof root !== 'string' || root.length === 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'root', 'a non-empty path string', root);
  }
  const { channels, size, scale, classNames: wanted, limitPerClass } = checkOptions(options);

  const rootEntries = await listDirectory(root, 'root');
  const skipped: string[] = [];
  const folders: string[] = [];
  for (const entry of rootEntries) {
    if (entry.name.startsWith('.')) continue;
    if (await isDirectory(root, entry)) folders.push(entry.name);
    else skipped.push(join(root, entry.name));
  }
  folders.sort(byCodeUnits);
  if (folders.length === 0) {
    throw new AmcError(ErrorCode.InvalidArgument, `${op}: found no class folders in ${JSON.stringify(root)}`, {
      operation: op,
      argument: 'root',
      expected: 'a folder holding one folder of images per class',
      received: JSON.stringify(root),
    });
  }
  const classNames = wanted === undefined ? folders : matchClassNames(wanted, folders, root);

  const files: string[] = [];
  const labelOfFile: number[] = [];
  for (let label = 0; label < classNames.length; label++) {
    const className = classNames[label] as string;
    const dir = join(root, className);
    const images: string[] = [];
    for (const entry of await listDirectory(dir, 'a class folder')) {
      if (entry.name.startsWith('.')) continue;
      if (isImageName(entry.name) && !(await isDirectory(dir, entry))) images.push(entry.name);
      else skipped.push(join(dir, entry.name));
    }
    if (images.length === 0) {
      throw new AmcError(
        ErrorCode.InvalidArgument,
        `${op}: found no ${IMAGE_FOLDER_EXTENSIONS.join(' / ')} images in class folder ${JSON.stringify(dir)}`,
        { operation: op, argument: 'root', expected: 'at least one image per class folder', received: JSON.stringify(dir) },
      );
    }
    images.sort(byCodeUnits);
    for (const name of images.slice(0, limitPerClass)) {
      files.push(join(dir, name));
      labelOfFile.push(label);
    }
  }
  skipped.sort(byCodeUnits);

  const count = files.length;
  let shape: [number, number, number] | undefined;
  let out: Float32Array | undefined;
  let first = { path: '', height: 0, width: 0 };
  let scratch = new Float32Array(0);
  for (let i = 0; i < count; i++) {
    const path = files[i] as string;
    const image = decodeImage(await readImageFile(path), path, op);
    if (i === 0) {
      first = { path, height: image.height, width: image.width };
      shape = [size?.[0] ?? image.height, size?.[1] ?? image.width, channels];
      out = allocate(count, shape);
    } else if (size === undefined && (image.height !== first.height || image.width !== first.width)) {
      throw new AmcError(
        ErrorCode.ShapeMismatch,
        `${op}: ${JSON.stringify(path)} is ${image.height} x ${image.width} (height x width) but ` +
          `${JSON.stringify(first.path)} is ${first.height} x ${first.width}; pass options.size to resize every image`,
        {
          operation: op,
          argument: 'root',
          expected: `${first.height} x ${first.width} like ${first.path}`,
          received: `${image.height} x ${image.width} in ${path}`,
        },
      );
    }
    const [height, width] = shape as [number, number, number];
    const target = out as Float32Array;
    const offset = i * height * width * channels;
    if (image.height === height && image.width === width) {
      writeChannels(image, channels, scale, target, offset);
    } else {
      const needed = image.height * image.width * channels;
      if (scratch.length < needed) scratch = new Float32Array(needed);
      writeChannels(image, channels, scale, scratch, 0);
      resizeBilinear(scratch, image.height, image.width, channels, target, offset, height, width);
    }
  }

  return Object.freeze({
    images: out as Float32Array,
    labels: Int32Array.from(labelOfFile),
    count,
    shape: Object.freeze([...(shape as [number, number, number])] as const),
    classNames: Object.freeze([...classNames]),
    files: Object.freeze(files),
    skipped: Object.freeze(skipped),
  });
}

/**
 * Hands a loaded folder to {@link createDataset}: `createDataset(images, labels, shape, classNames.length,
 * classNames)`. The dataset shares `folder.images` (no copy).
 *
 * @throws AmcError as {@link createDataset}; never for a folder returned by {@link loadImageFolder}.
 * @example
 * const train = imageFolderDataset(await loadImageFolder('data/train', { channels: 1, size: [28, 28] }));
 */
export function imageFolderDataset(folder: ImageFolder): Dataset {
  return createDataset(folder.images, folder.labels, folder.shape, folder.classNames.length, folder.classNames);
}

interface CheckedOptions {
  channels: 1 | 3;
  size: readonly [number, number] | undefined;
  scale: number;
  classNames: readonly string[] | undefined;
  limitPerClass: number | undefined;
}

function checkOptions(options: LoadImageFolderOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw argumentError(ErrorCode.InvalidArgument, op, `options.${key}`, `one of the options ${OPTION_KEYS.join(', ')}`, key);
    }
  }
  const { channels = 3, size, scale = 1 / 255, classNames, limitPerClass } = options;
  if (channels !== 1 && channels !== 3) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.channels', '1 or 3', channels);
  }
  if (
    size !== undefined &&
    (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isSafeInteger(d) && d > 0))
  ) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.size', 'two positive integers [height, width]', size);
  }
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.scale', 'a finite positive number', scale);
  }
  if (
    classNames !== undefined &&
    (!Array.isArray(classNames) ||
      classNames.length === 0 ||
      !classNames.every((name) => typeof name === 'string' && isPlainFolderName(name)) ||
      new Set(classNames).size !== classNames.length)
  ) {
    throw argumentError(
      ErrorCode.InvalidArgument,
      op,
      'options.classNames',
      'a non-empty array of distinct folder names (no path separators, not hidden)',
      classNames,
    );
  }
  if (limitPerClass !== undefined && (!Number.isSafeInteger(limitPerClass) || limitPerClass <= 0)) {
    throw argumentError(ErrorCode.InvalidArgument, op, 'options.limitPerClass', 'a positive integer', limitPerClass);
  }
  return { channels, size: size === undefined ? undefined : [size[0], size[1]], scale, classNames, limitPerClass };
}

function isPlainFolderName(name: string): boolean {
  return name.length > 0 && !name.startsWith('.') && !name.includes('/') && !name.includes('\\');
}

/** Checks `wanted` against the folders found: the same set, in the caller's order. */
function matchClassNames(wanted: readonly string[], folders: readonly string[], root: string): readonly string[] {
  const found = new Set(folders);
  const missing = wanted.findIndex((name) => !found.has(name));
  if (missing >= 0) {
    throw argumentError(
      ErrorCode.InvalidArgument,
      op,
      `options.classNames[${missing}]`,
      `the name of a folder in ${JSON.stringify(root)} (found ${folders.map((f) => JSON.stringify(f)).join(', ')})`,
      wanted[missing],
    );
  }
  const listed = new Set(wanted);
  const extra = folders.find((name) => !listed.has(name));
  if (extra !== undefined) {
    throw new AmcError(
      ErrorCode.InvalidArgument,
      `${op}: folder ${JSON.stringify(join(root, extra))} is not in options.classNames; list it or move it away`,
      {
        operation: op,
        argument: 'options.classNames',
        expected: 'every class folder listed',
        received: `no entry for ${JSON.stringify(extra)}`,
      },
    );
  }
  return wanted;
}

/** Lists a directory; a missing path, a file or an unreadable folder is `AMC_IO` naming the path. */
async function listDirectory(path: string, what: string): Promise<Dirent[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (cause) {
    throw ioError(`${what} ${JSON.stringify(path)} does not exist or cannot be read: ${(cause as Error).message}`, path, cause);
  }
  if (!isDir) throw ioError(`${what} ${JSON.stringify(path)} is not a directory`, path);
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (cause) {
    throw ioError(`cannot list ${what} ${JSON.stringify(path)}: ${(cause as Error).message}`, path, cause);
  }
}

/** Whether an entry is a directory, following symbolic links (a broken link is not a directory). */
async function isDirectory(parent: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await stat(join(parent, entry.name))).isDirectory();
  } catch {
    return false;
  }
}

async function readImageFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw ioError(`cannot read ${JSON.stringify(path)}: ${(cause as Error).message}`, path, cause);
  }
}

function allocate(count: number, shape: readonly [number, number, number]): Float32Array {
  const length = count * shape[0] * shape[1] * shape[2];
  try {
    return new Float32Array(length);
  } catch (cause) {
    throw new AmcError(
      ErrorCode.OutOfMemory,
      `${op}: cannot allocate ${count} images of ${shape.join(' x ')} (${length} floats); pass a smaller ` +
        'options.size or options.limitPerClass',
      { operation: op, argument: 'root', expected: 'images that fit in one Float32Array', received: `${length} floats`, cause },
    );
  }
}

function ioError(message: string, path: string, cause?: unknown): AmcError {
  return new AmcError(ErrorCode.Io, `${op}: ${message}`, {
    operation: op,
    argument: 'root',
    received: path,
    ...(cause === undefined ? {} : { cause }),
  });
}
