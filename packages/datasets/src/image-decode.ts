import { AmcError, ErrorCode } from '@amc/core';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded image: `height * width * 4` bytes, RGBA, row-major, 8 bits per sample. Internal. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, signature: readonly number[]): boolean =>
  bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);

/**
 * Decodes a PNG or JPEG to 8-bit RGBA. The format is sniffed from the leading bytes, not taken from the file
 * name. PNG: every colour type, bit depth, palette and interlacing that `pngjs` reads; 16-bit samples are
 * rounded to 8 bits; gray is replicated to R = G = B. JPEG: baseline and progressive, gray or YCbCr, via
 * `jpeg-js` with `tolerantDecoding: false` (a truncated or damaged file is an error, as in Pillow, rather than
 * an image with gray blocks) and its default limits (100 megapixels, 512 MB).
 *
 * @param bytes the file's contents.
 * @param path the file's path, for the error message only.
 * @param operation the public operation, for the error message only.
 * @throws AmcError `AMC_IO` naming `path` when the bytes are neither a PNG nor a JPEG or do not decode.
 */
export function decodeImage(bytes: Buffer, path: string, operation: string): RgbaImage {
  let image: RgbaImage;
  try {
    if (startsWith(bytes, PNG_SIGNATURE)) {
      const png = PNG.sync.read(bytes);
      image = { width: png.width, height: png.height, data: png.data };
    } else if (startsWith(bytes, JPEG_SIGNATURE)) {
      const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
      image = { width: jpeg.width, height: jpeg.height, data: jpeg.data };
    } else {
      const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new Error(`not a PNG or JPEG file (starts with ${head.length > 0 ? head : 'nothing: the file is empty'})`);
    }
  } catch (cause) {
    throw new AmcError(ErrorCode.Io, `${operation}: cannot decode ${JSON.stringify(path)}: ${reason(cause)}`, {
      operation,
      expected: 'a decodable PNG or JPEG image',
      received: path,
      cause,
    });
  }
  // A decoder bug or a header lying about its size must not let us read past the pixel data.
  if (
    !Number.isSafeInteger(image.width) ||
    !Number.isSafeInteger(image.height) ||
    image.width <= 0 ||
    image.height <= 0 ||
    image.data.length < image.width * image.height * 4
  ) {
    throw new AmcError(
      ErrorCode.Io,
      `${operation}: cannot decode ${JSON.stringify(path)}: decoded ${image.width} x ${image.height} with ` +
        `${image.data.length} bytes of RGBA data`,
      { operation, expected: 'a decodable PNG or JPEG image', received: path },
    );
  }
  return image;
}

function reason(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/**
 * Writes `image` as `height * width * channels` floats (HWC) into `out` at `offset`, each sample times `scale`.
 * `channels` 3: R, G, B; 1: ITU-R BT.601 luma `0.299 R + 0.587 G + 0.114 B`, unrounded (exactly the gray value
 * for a gray pixel). Alpha is dropped, not composited. `out` must hold `offset + height * width * channels`.
 */
export function writeChannels(image: RgbaImage, channels: 1 | 3, scale: number, out: Float32Array, offset: number): void {
  const { data } = image;
  const pixels = image.width * image.height;
  if (channels === 3) {
    for (let p = 0, o = offset; p < pixels; p++, o += 3) {
      out[o] = (data[4 * p] as number) * scale;
      out[o + 1] = (data[4 * p + 1] as number) * scale;
      out[o + 2] = (data[4 * p + 2] as number) * scale;
    }
    return;
  }
  for (let p = 0; p < pixels; p++) {
    const r = data[4 * p] as number;
    const g = data[4 * p + 1] as number;
    const b = data[4 * p + 2] as number;
    // 0.299 + 0.587 + 0.114 is not exactly 1 in floating point: take gray pixels as they are.
    const luma = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    out[offset + p] = luma * scale;
  }
}

/**
 * Bilinear resize of one HWC image, `src` (`srcHeight * srcWidth * channels`) into `dst` at `dstOffset`
 * (`dstHeight * dstWidth * channels`), with half-pixel centres and no antialiasing: output pixel `y` samples the
 * source at `(y + 0.5) * srcHeight / dstHeight - 0.5`, clamped to `[0, srcHeight - 1]` (the same for `x`).
 * This is PyTorch's `interpolate(mode='bilinear', align_corners=False)`, TF2's `tf.image.resize(method=
 * 'bilinear', antialias=False)`, tfjs's `resizeBilinear(x, size, false, true)` and OpenCV's `INTER_LINEAR`
 * (which rounds to 8 bits). Same size in and out copies the pixels exactly.
 */
export function resizeBilinear(
  src: Float32Array,
  srcHeight: number,
  srcWidth: number,
  channels: number,
  dst: Float32Array,
  dstOffset: number,
  dstHeight: number,
  dstWidth: number,
): void {
  const ys = sampleGrid(srcHeight, dstHeight);
  const xs = sampleGrid(srcWidth, dstWidth);
  const rowStride = srcWidth * channels;
  let o = dstOffset;
  for (let y = 0; y < dstHeight; y++) {
    const row0 = (ys.lower[y] as number) * rowStride;
    const row1 = (ys.upper[y] as number) * rowStride;
    const fy = ys.fraction[y] as number;
    for (let x = 0; x < dstWidth; x++) {
      const col0 = (xs.lower[x] as number) * channels;
      const col1 = (xs.upper[x] as number) * channels;
      const fx = xs.fraction[x] as number;
      for (let k = 0; k < channels; k++) {
        const topLeft = src[row0 + col0 + k] as number;
        const topRight = src[row0 + col1 + k] as number;
        const bottomLeft = src[row1 + col0 + k] as number;
        const bottomRight = src[row1 + col1 + k] as number;
        const top = topLeft + (topRight - topLeft) * fx;
        const bottom = bottomLeft + (bottomRight - bottomLeft) * fx;
        dst[o++] = top + (bottom - top) * fy;
      }
    }
  }
}

/** For each output index along one axis: the two source indices and the weight of the upper one. */
function sampleGrid(
  srcSize: number,
  dstSize: number,
): { lower: Int32Array; upper: Int32Array; fraction: Float64Array } {
  const lower = new Int32Array(dstSize);
  const upper = new Int32Array(dstSize);
  const fraction = new Float64Array(dstSize);
  for (let i = 0; i < dstSize; i++) {
    // Multiply before dividing so that equal sizes give exactly `i`.
    const position = Math.min(Math.max(((i + 0.5) * srcSize) / dstSize - 0.5, 0), srcSize - 1);
    const low = Math.floor(position);
    lower[i] = low;
    upper[i] = Math.min(low + 1, srcSize - 1);
    fraction[i] = position - low;
  }
  return { lower, upper, fraction };
}
