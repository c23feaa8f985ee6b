import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmcError, ErrorCode } from '@amc/core';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizeBilinear } from './image-decode.js';
import { imageFolderDataset, loadImageFolder } from './image-folder.js';

/** `rgba`: `height * width * 4` bytes. `colorType` 0 = gray, 2 = RGB, 6 = RGBA (what the file stores). */
function png(width: number, height: number, rgba: readonly number[], colorType: 0 | 2 | 6): Buffer {
  const image = new PNG({ width, height });
  image.data = Buffer.from(rgba);
  const bytes = PNG.sync.write(image, { colorType });
  expect(PNG.sync.read(bytes).colorType).toBe(colorType); // the fixture really is of that type
  return bytes;
}

/** A gray PNG from `height * width` gray levels. */
const grayPng = (width: number, height: number, gray: readonly number[]): Buffer =>
  png(width, height, gray.flatMap((v) => [v, v, v, 255]), 0);

/** A `size x size` JPEG of one colour, quality 100. */
function flatJpeg(size: number, [r, g, b]: readonly [number, number, number]): Buffer {
  const data = Buffer.from(Array.from({ length: size * size }, () => [r, g, b, 255]).flat());
  return encodeJpeg({ width: size, height: size, data }, 100).data;
}

let base: string;
let counter = 0;

/** Writes `files` (relative path -> contents; a trailing `/` makes an empty folder) under a fresh root. */
async function tree(files: Record<string, Buffer | string>): Promise<string> {
  const root = join(base, `root-${counter++}`);
  await mkdir(root);
  for (const [path, contents] of Object.entries(files)) {
    const full = join(root, path);
    if (path.endsWith('/')) {
      await mkdir(full, { recursive: true });
    } else {
      await mkdir(join(full, '..'), { recursive: true });
      await writeFile(full, contents);
    }
  }
  return root;
}

async function failure(run: Promise<unknown>): Promise<AmcError> {
  try {
    await run;
  } catch (e) {
    if (AmcError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected an AmcError');
}

const red = png(1, 1, [255, 0, 0, 255], 2);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'amc-image-folder-'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('loadImageFolder: layout', () => {
  it('sorts classes and files by code units, matches extensions case-insensitively, skips and reports the rest', async () => {
    const pixel = (v: number) => grayPng(1, 1, [v]);
    const root = await tree({
      'apple/b.png': pixel(2),
      'apple/a10.PNG': pixel(1),
      'apple/a9.png': pixel(3),
      'apple/notes.txt': 'not an image',
      'apple/nested/deep.png': pixel(99),
      'apple/.hidden.png': pixel(98),
      'Zebra/z.JPEG': flatJpeg(1, [0, 0, 0]),
      'Zebra/y.jpg': flatJpeg(1, [255, 255, 255]),
      'banana/only.png': pixel(7),
      'README.md': '# data',
      '.git/': '',
      '.DS_Store': 'x',
    });
    const folder = await loadImageFolder(root, { channels: 1, scale: 1 });
    // Code units: 'Z' (0x5a) < 'a' (0x61); localeCompare would put apple first.
    expect(folder.classNames).toEqual(['Zebra', 'apple', 'banana']);
    expect(folder.files).toEqual([
      join(root, 'Zebra', 'y.jpg'),
      join(root, 'Zebra', 'z.JPEG'),
      join(root, 'apple', 'a10.PNG'),
      join(root, 'apple', 'a9.png'),
      join(root, 'apple', 'b.png'),
      join(root, 'banana', 'only.png'),
    ]);
    expect(Array.from(folder.labels)).toEqual([0, 0, 1, 1, 1, 2]);
    expect(folder.labels).toBeInstanceOf(Int32Array);
    expect(folder.count).toBe(6);
    expect(folder.shape).toEqual([1, 1, 1]);
    expect(Array.from(folder.images.subarray(2))).toEqual([1, 3, 2, 7]);
    expect(folder.images[0]).toBeGreaterThan(250); // JPEG, white
    expect(folder.images[1]).toBeLessThan(5); // JPEG, black
    expect(folder.skipped).toEqual([join(root, 'README.md'), join(root, 'apple', 'nested'), join(root, 'apple', 'notes.txt')]);
  });

  it('follows options.classNames order and limitPerClass', async () => {
    const root = await tree({
      'cat/1.png': grayPng(1, 1, [10]),
      'cat/2.png': grayPng(1, 1, [20]),
      'cat/3.png': grayPng(1, 1, [30]),
      'dog/1.png': grayPng(1, 1, [40]),
    });
    const folder = await loadImageFolder(root, { channels: 1, scale: 1, classNames: ['dog', 'cat'], limitPerClass: 2 });
    expect(folder.classNames).toEqual(['dog', 'cat']);
    expect(Array.from(folder.labels)).toEqual([0, 1, 1]);
    expect(Array.from(folder.images)).toEqual([40, 10, 20]);
    expect(folder.skipped).toEqual([]);
  });

  it('hands the result to createDataset', async () => {
    const root = await tree({ 'a/1.png': red, 'b/1.png': grayPng(1, 1, [0]) });
    const folder = await loadImageFolder(root);
    const dataset = imageFolderDataset(folder);
    expect(dataset.count).toBe(2);
    expect(dataset.numClasses).toBe(2);
    expect(dataset.classNames).toEqual(['a', 'b']);
    expect(dataset.shape).toEqual([1, 1, 3]);
    expect(dataset.images).toBe(folder.images);
    expect(Array.from(dataset.labels)).toEqual([0, 1]);
  });
});

describe('loadImageFolder: pixels', () => {
  // 2 x 2: (255, 0, 0) (0, 128, 255) / (10, 20, 30) (200, 100, 50), alpha 0, 64, 128, 255 in the RGBA file.
  const rgb = [255, 0, 0, 0, 128, 255, 10, 20, 30, 200, 100, 50];
  const alphas = [0, 64, 128, 255];
  const withAlpha = (i: number) => [...rgb.slice(3 * i, 3 * i + 3), alphas[i] as number];
  const rgba = [0, 1, 2, 3].flatMap(withAlpha);
  const gray = [0, 1, 128, 255];

  it('reads RGB, RGBA (alpha dropped) and gray PNGs exactly', async () => {
    const root = await tree({
      'a/rgb.png': png(2, 2, rgba.map((v, i) => (i % 4 === 3 ? 255 : v)), 2),
      'a/rgba.png': png(2, 2, rgba, 6),
      'a/gray.png': grayPng(2, 2, gray),
    });
    const folder = await loadImageFolder(root, { scale: 1 });
    expect(folder.shape).toEqual([2, 2, 3]);
    expect(folder.files.map((f) => f.slice(root.length + 3))).toEqual(['gray.png', 'rgb.png', 'rgba.png']);
    expect(Array.from(folder.images.subarray(0, 12))).toEqual(gray.flatMap((v) => [v, v, v]));
    expect(Array.from(folder.images.subarray(12, 24))).toEqual(rgb);
    expect(Array.from(folder.images.subarray(24, 36))).toEqual(rgb);
  });

  it('scales by 1/255 by default, or by options.scale', async () => {
    const root = await tree({ 'a/rgb.png': png(2, 2, rgba, 6) });
    const folder = await loadImageFolder(root);
    rgb.forEach((v, i) => expect(folder.images[i]).toBe(Math.fround(v / 255)));
    expect(Math.max(...folder.images)).toBe(1);
    const halves = await loadImageFolder(root, { scale: 0.5 });
    expect(Array.from(halves.images)).toEqual(rgb.map((v) => v / 2));
  });

  it('converts to one channel with BT.601 luma; gray stays exact', async () => {
    const root = await tree({ 'a/1.png': png(2, 2, rgba, 6), 'a/2.png': grayPng(2, 2, gray) });
    const folder = await loadImageFolder(root, { channels: 1, scale: 1 });
    expect(folder.shape).toEqual([2, 2, 1]);
    const sample = (i: number) => rgb[i] as number;
    const luma = [0, 1, 2, 3].map((p) => 0.299 * sample(3 * p) + 0.587 * sample(3 * p + 1) + 0.114 * sample(3 * p + 2));
    expect(luma.map((v) => Math.round(v * 1000) / 1000)).toEqual([76.245, 104.206, 18.15, 124.2]);
    expect(Array.from(folder.images.subarray(0, 4))).toEqual(luma.map(Math.fround));
    expect(Array.from(folder.images.subarray(4))).toEqual(gray);
  });

  it('reads JPEGs (RGB and gray) within a tolerance', async () => {
    const colour: [number, number, number] = [200, 100, 50];
    const root = await tree({ 'a/c.jpg': flatJpeg(8, colour), 'a/g.jpeg': flatJpeg(8, [90, 90, 90]) });
    const folder = await loadImageFolder(root);
    expect(folder.shape).toEqual([8, 8, 3]);
    for (let p = 0; p < 64; p++) {
      for (let k = 0; k < 3; k++) {
        expect(Math.abs((folder.images[3 * p + k] as number) - (colour[k] as number) / 255)).toBeLessThanOrEqual(3 / 255);
        expect(Math.abs((folder.images[192 + 3 * p + k] as number) - 90 / 255)).toBeLessThanOrEqual(3 / 255);
      }
    }
    const one = await loadImageFolder(root, { channels: 1, scale: 1 });
    const luma = 0.299 * 200 + 0.587 * 100 + 0.114 * 50;
    for (let p = 0; p < 64; p++) {
      expect(Math.abs((one.images[p] as number) - luma)).toBeLessThanOrEqual(3);
      expect(Math.abs((one.images[64 + p] as number) - 90)).toBeLessThanOrEqual(3);
    }
  });
});

describe('loadImageFolder: resizing', () => {
  it('upsamples 2x2 to 4x4 bilinearly with half-pixel centres (hand-computed)', async () => {
    // Source [[0, 40], [80, 200]]. Output row/column i samples (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25,
    // clamped to [0, 1]: weights of the second pixel w = 0, 0.25, 0.75, 1, so
    // v = 40 wx + 80 wy + 80 wx wy (what torch interpolate(bilinear, align_corners=False) gives).
    const expected = [
      [0, 10, 30, 40],
      [20, 35, 65, 80],
      [60, 85, 135, 160],
      [80, 110, 170, 200],
    ].flat();
    const root = await tree({ 'a/1.png': grayPng(2, 2, [0, 40, 80, 200]) });
    const folder = await loadImageFolder(root, { channels: 1, scale: 1, size: [4, 4] });
    expect(folder.shape).toEqual([4, 4, 1]);
    expect(Array.from(folder.images)).toEqual(expected);
    // RGB: each channel resized on its own, interleaving kept; scale applies.
    const rgbRoot = await tree({
      'a/1.png': png(2, 2, [0, 200, 7, 255, 40, 160, 7, 255, 80, 120, 7, 255, 200, 0, 7, 255], 2),
    });
    const rgbFolder = await loadImageFolder(rgbRoot, { scale: 0.5, size: [4, 4] });
    expect(Array.from(rgbFolder.images)).toEqual(expected.flatMap((v) => [v / 2, (200 - v) / 2, 3.5]));
  });

  it('downsamples 4x4 to 2x2 to the 2x2 block means, keeps same-size images exact, and handles non-square sizes', async () => {
    const source = Array.from({ length: 16 }, (_, i) => i * 16);
    const root = await tree({ 'a/big.png': grayPng(4, 4, source), 'a/small.png': grayPng(2, 2, [1, 2, 3, 4]) });
    const folder = await loadImageFolder(root, { channels: 1, scale: 1, size: [2, 2] });
    const block = (y: number, x: number) =>
      ((source[8 * y + 2 * x] as number) +
        (source[8 * y + 2 * x + 1] as number) +
        (source[8 * y + 2 * x + 4] as number) +
        (source[8 * y + 2 * x + 5] as number)) /
      4;
    expect(Array.from(folder.images.subarray(0, 4))).toEqual([block(0, 0), block(0, 1), block(1, 0), block(1, 1)]);
    expect(Array.from(folder.images.subarray(4))).toEqual([1, 2, 3, 4]);
    // 1 x 2 -> 1 x 3: x samples (x + 0.5) * 2 / 3 - 0.5 = -1/6, 1/2, 7/6 -> 10, 15, 20.
    const wide = await tree({ 'a/1.png': grayPng(2, 1, [10, 20]) });
    const out = await loadImageFolder(wide, { channels: 1, scale: 1, size: [2, 3] });
    expect(Array.from(out.images)).toEqual([10, 15, 20, 10, 15, 20]);
  });

  it('resizeBilinear copies exactly when the size does not change', () => {
    const src = Float32Array.from({ length: 3 * 5 * 2 }, (_, i) => Math.fround(Math.sin(i) * 100));
    const dst = new Float32Array(src.length + 4);
    resizeBilinear(src, 3, 5, 2, dst, 4, 3, 5);
    expect(Array.from(dst.subarray(4))).toEqual(Array.from(src));
  });
});

describe('loadImageFolder: errors', () => {
  it('names a missing root or a root that is a file (AMC_IO)', async () => {
    const missing = join(base, 'no-such-folder');
    const e = await failure(loadImageFolder(missing));
    expect(e.code).toBe(ErrorCode.Io);
    expect(e.message).toContain(missing);
    const file = join(base, 'a-file.png');
    await writeFile(file, red);
    const f = await failure(loadImageFolder(file));
    expect(f.code).toBe(ErrorCode.Io);
    expect(f.message).toContain(`${JSON.stringify(file)} is not a directory`);
  });

  it('rejects a root without class folders or a class folder without images (AMC_INVALID_ARGUMENT)', async () => {
    const empty = await tree({});
    const e = await failure(loadImageFolder(empty));
    expect(e.code).toBe(ErrorCode.InvalidArgument);
    expect(e.message).toContain('no class folders');
    const onlyFiles = await tree({ 'loose.png': red, '.hidden/1.png': red });
    expect((await failure(loadImageFolder(onlyFiles))).code).toBe(ErrorCode.InvalidArgument);
    const noImages = await tree({ 'a/1.png': red, 'b/notes.txt': 'x', 'b/sub/1.png': red });
    const n = await failure(loadImageFolder(noImages));
    expect(n.code).toBe(ErrorCode.InvalidArgument);
    expect(n.message).toContain(JSON.stringify(join(noImages, 'b')));
  });

  it('names a corrupt, truncated or empty image file (AMC_IO)', async () => {
    const goodJpeg = flatJpeg(16, [1, 2, 3]);
    const cases: Record<string, Buffer> = {
      'garbage.png': Buffer.from('this is not a PNG at all, just some bytes'),
      'truncated.png': red.subarray(0, red.length - 20),
      'truncated.jpg': goodJpeg.subarray(0, Math.floor(goodJpeg.length / 2)),
      'empty.jpeg': Buffer.alloc(0),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const root = await tree({ 'a/0.png': red, [`a/${name}`]: bytes });
      const e = await failure(loadImageFolder(root));
      expect(e.code, name).toBe(ErrorCode.Io);
      expect(e.message, name).toContain(JSON.stringify(join(root, 'a', name)));
    }
  });

  it('names the first image of another size and both sizes when no size is given (AMC_SHAPE_MISMATCH)', async () => {
    const root = await tree({
      'a/1.png': grayPng(2, 1, [0, 0]),
      'b/1.png': grayPng(2, 1, [0, 0]),
      'b/2.png': grayPng(1, 3, [0, 0, 0]),
    });
    const e = await failure(loadImageFolder(root));
    expect(e.code).toBe(ErrorCode.ShapeMismatch);
    expect(e.message).toContain(`${JSON.stringify(join(root, 'b', '2.png'))} is 3 x 1`);
    expect(e.message).toContain(`${JSON.stringify(join(root, 'a', '1.png'))} is 1 x 2`);
    expect(e.message).toContain('options.size');
    const resized = await loadImageFolder(root, { size: [2, 2] });
    expect(resized.shape).toEqual([2, 2, 3]);
  });

  it('rejects bad options before touching the file system (AMC_INVALID_ARGUMENT)', async () => {
    const missing = join(base, 'never-read');
    const bad: [unknown, string][] = [
      [{ size: [0, 2] }, 'options.size'],
      [{ size: [2] }, 'options.size'],
      [{ size: [2.5, 2] }, 'options.size'],
      [{ size: '2x2' }, 'options.size'],
      [{ channels: 2 }, 'options.channels'],
      [{ channels: '3' }, 'options.channels'],
      [{ scale: 0 }, 'options.scale'],
      [{ scale: Number.NaN }, 'options.scale'],
      [{ classNames: [] }, 'options.classNames'],
      [{ classNames: ['a', 'a'] }, 'options.classNames'],
      [{ classNames: ['../a'] }, 'options.classNames'],
      [{ limitPerClass: 0 }, 'options.limitPerClass'],
      [{ limitPerClass: 1.5 }, 'options.limitPerClass'],
      [{ sizes: [2, 2] }, 'options.sizes'],
      [null, 'options'],
    ];
    for (const [options, argument] of bad) {
      const e = await failure(loadImageFolder(missing, options as never));
      expect(e.code, argument).toBe(ErrorCode.InvalidArgument);
      expect(e.argument, JSON.stringify(options)).toBe(argument);
    }
    const size = await failure(loadImageFolder(missing, { size: [0, 2] }));
    expect(size.message).toBe(
      'loadImageFolder: expected two positive integers [height, width] for options.size but received [0, 2]',
    );
    expect((await failure(loadImageFolder('' as string))).code).toBe(ErrorCode.InvalidArgument);
    expect((await failure(loadImageFolder(42 as unknown as string))).argument).toBe('root');
  });

  it('rejects classNames that do not match the folders (AMC_INVALID_ARGUMENT)', async () => {
    const root = await tree({ 'cat/1.png': red, 'dog/1.png': red });
    const unknown = await failure(loadImageFolder(root, { classNames: ['cat', 'dog', 'eel'] }));
    expect(unknown.code).toBe(ErrorCode.InvalidArgument);
    expect(unknown.argument).toBe('options.classNames[2]');
    const unlisted = await failure(loadImageFolder(root, { classNames: ['cat'] }));
    expect(unlisted.code).toBe(ErrorCode.InvalidArgument);
    expect(unlisted.message).toContain(JSON.stringify(join(root, 'dog')));
  });
});
