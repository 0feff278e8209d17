import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { readBatches } from '../../src/runners/images/image-batches.ts';
import { readImageFolder } from '../../src/runners/images/image-folder.ts';
import { ImagePreprocessor } from '../../src/runners/images/preprocess.ts';
import { tempFolder } from '../support/files.ts';
import { encodeImage, writeImageFolder } from '../support/image-datasets.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

/** Float32 results against values worked out by hand. */
function expectClose(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => {
    expect(actual[i], `element ${i}`).toBeCloseTo(value, 6);
  });
}

// A 2x2 image: red, green / blue, (51, 102, 204) = (0.2, 0.4, 0.8) of full scale.
const tinyPixels = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [51, 102, 204],
];
let tiny: string;

beforeAll(async () => {
  tiny = join(temp.path, 'tiny.png');
  writeFileSync(tiny, await encodeImage(2, 2, (x, y) => tinyPixels[y * 2 + x]!));
});

async function tensorOf(options: ConstructorParameters<typeof ImagePreprocessor>[0]) {
  const preprocessor = new ImagePreprocessor(options);
  const out = new Float32Array(preprocessor.itemSize);
  await preprocessor.load(tiny, out);
  return out;
}

describe('ImagePreprocessor', () => {
  it('scales to [0, 1] in NCHW by default: one plane per channel', async () => {
    expectClose(await tensorOf({ width: 2, height: 2 }), [
      ...[1, 0, 0, 0.2],
      ...[0, 1, 0, 0.4],
      ...[0, 0, 1, 0.8],
    ]);
  });

  it('interleaves the channels per pixel in NHWC', async () => {
    expectClose(await tensorOf({ width: 2, height: 2, layout: 'NHWC' }), [
      ...[1, 0, 0],
      ...[0, 1, 0],
      ...[0, 0, 1],
      ...[0.2, 0.4, 0.8],
    ]);
  });

  it('puts blue first in BGR', async () => {
    expectClose(await tensorOf({ width: 2, height: 2, channelOrder: 'BGR' }), [
      ...[0, 0, 1, 0.8],
      ...[0, 1, 0, 0.4],
      ...[1, 0, 0, 0.2],
    ]);
    expectClose(await tensorOf({ width: 2, height: 2, channelOrder: 'BGR', layout: 'NHWC' }), [
      ...[0, 0, 1],
      ...[0, 1, 0],
      ...[1, 0, 0],
      ...[0.8, 0.4, 0.2],
    ]);
  });

  it('normalises with mean and std given in the order of the tensor channels', async () => {
    const mean = [0.5, 0.5, 0.5];
    const std = [0.5, 0.25, 0.1];
    // (v - 0.5) / 0.5, (v - 0.5) / 0.25, (v - 0.5) / 0.1 on the values above.
    expectClose(await tensorOf({ width: 2, height: 2, mean, std }), [
      ...[1, -1, -1, -0.6],
      ...[-2, 2, -2, -0.4],
      ...[-5, -5, 5, 3],
    ]);
    // BGR: the first plane is blue, normalised with mean[0], std[0].
    expectClose(await tensorOf({ width: 2, height: 2, mean, std, channelOrder: 'BGR' }), [
      ...[-1, -1, 1, 0.6],
      ...[-2, 2, -2, -0.4],
      ...[5, -5, -5, -3],
    ]);
  });

  it('writes at an offset, leaving the rest of the batch alone', async () => {
    const preprocessor = new ImagePreprocessor({ width: 2, height: 2, layout: 'NHWC' });
    const batch = new Float32Array(2 * preprocessor.itemSize).fill(-7);
    await preprocessor.load(tiny, batch, preprocessor.itemSize);
    expect([...batch.subarray(0, 12)]).toEqual(new Array(12).fill(-7));
    expectClose(batch.subarray(12), [1, 0, 0, 0, 1, 0, 0, 0, 1, 0.2, 0.4, 0.8]);
  });

  it('repeats grey over three channels and drops alpha without blending', async () => {
    const grey = join(temp.path, 'grey.png');
    writeFileSync(grey, await encodeImage(2, 1, (x) => [x === 0 ? 0 : 102], 'png', 1));
    const rgba = join(temp.path, 'rgba.png');
    writeFileSync(rgba, await encodeImage(1, 1, () => [51, 102, 153, 0], 'png', 4));
    const two = new ImagePreprocessor({ width: 2, height: 1, layout: 'NHWC' });
    const out = new Float32Array(6);
    await two.load(grey, out);
    expectClose(out, [0, 0, 0, 0.4, 0.4, 0.4]);
    const one = new ImagePreprocessor({ width: 1, height: 1 });
    const pixel = new Float32Array(3);
    await one.load(rgba, pixel);
    expectClose(pixel, [0.2, 0.4, 0.6]);
  });

  it('drops alpha before resizing: a transparent pixel keeps its colour in the average', async () => {
    // Opaque red beside fully transparent blue, shrunk to one pixel: their average colour.
    // Resizing first would weight each by its alpha, leaving pure red.
    const half = join(temp.path, 'half-transparent.png');
    writeFileSync(
      half,
      await encodeImage(2, 1, (x) => (x === 0 ? [255, 0, 0, 255] : [0, 0, 255, 0]), 'png', 4),
    );
    const one = new ImagePreprocessor({ width: 1, height: 1 });
    const pixel = new Float32Array(3);
    await one.load(half, pixel);
    expect(pixel[0]).toBeCloseTo(0.5, 1);
    expect(pixel[1]).toBeCloseTo(0, 6);
    expect(pixel[2]).toBeCloseTo(0.5, 1);
  });

  it("fills (stretches) by default; 'cover' crops the centre; the filter is configurable", async () => {
    // 6x2: columns green, red, red, blue, blue, green.
    const colours = [
      [0, 255, 0],
      [255, 0, 0],
      [255, 0, 0],
      [0, 0, 255],
      [0, 0, 255],
      [0, 255, 0],
    ];
    const wide = join(temp.path, 'wide.png');
    writeFileSync(wide, await encodeImage(6, 2, (x) => colours[x]!));
    const cover = new ImagePreprocessor({ width: 2, height: 2, fit: 'cover', layout: 'NHWC' });
    const covered = new Float32Array(12);
    await cover.load(wide, covered);
    // The centre 2x2 at scale 1: red, blue on both rows.
    expectClose(covered, [1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]);
    const fill = new ImagePreprocessor({ width: 2, height: 2, layout: 'NHWC' });
    const filled = new Float32Array(12);
    await fill.load(wide, filled);
    // Squeezed 3:1 with the bilinear filter, the left pixel takes in the green column too.
    expect(filled[1]).toBeGreaterThan(0.15);
    expect(filled[0]).toBeGreaterThan(0.5);
    // The nearest pixel to each output pixel's centre: columns 1 and 4.
    const nearest = new ImagePreprocessor({
      width: 2,
      height: 2,
      layout: 'NHWC',
      kernel: 'nearest',
    });
    const picked = new Float32Array(12);
    await nearest.load(wide, picked);
    expectClose(picked, [1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]);
  });

  it('refuses a corrupt image with a RunnerInputError naming the file', async () => {
    const corrupt = join(temp.path, 'corrupt.jpg');
    const jpeg = await encodeImage(64, 64, (x, y) => [x * 4, y * 4, 0], 'jpeg');
    writeFileSync(corrupt, jpeg.subarray(0, jpeg.length / 2));
    const preprocessor = new ImagePreprocessor({ width: 8, height: 8 });
    const loading = preprocessor.load(corrupt, new Float32Array(preprocessor.itemSize));
    await expect(loading).rejects.toThrow(RunnerInputError);
    await expect(loading).rejects.toThrow(`cannot decode image ${corrupt}`);
    const text = join(temp.path, 'text.png');
    writeFileSync(text, 'not an image');
    await expect(preprocessor.decode(text)).rejects.toThrow(`cannot decode image ${text}`);
  });

  it('refuses sizes and normalisations that cannot work', () => {
    expect(() => new ImagePreprocessor({ width: 0, height: 2 })).toThrow(
      'image width must be a whole number 1..16384, not 0',
    );
    expect(() => new ImagePreprocessor({ width: 2, height: 2, std: [1, 0, 1] })).toThrow(
      'std must be positive for every channel, not [1,0,1]',
    );
    expect(() => new ImagePreprocessor({ width: 2, height: 2, mean: [0.5] })).toThrow(
      'mean must be 3 numbers, one per channel, not [0.5]',
    );
  });
});

describe('readBatches', () => {
  const root = join(temp.path, 'dataset');
  // Each image is a solid grey of 10 * its number, so a tensor value tells the image.
  const shades = [1, 2, 3, 4, 5];
  beforeAll(async () => {
    await writeImageFolder(root, {
      a: shades.map((n) => ({ colour: [10 * n, 10 * n, 10 * n] as const, name: `${n}.png` })),
    });
  });

  const firstValues = (tensor: Float32Array, itemSize: number) =>
    Array.from({ length: tensor.length / itemSize }, (_, i) =>
      Math.round(tensor[i * itemSize]! * 255),
    );

  it('hands out the items in order, batchSize at a time, as tensors', async () => {
    const { items } = await readImageFolder(root);
    const preprocessor = new ImagePreprocessor({ width: 4, height: 4 });
    const batches = [];
    for await (const batch of readBatches(items, preprocessor, { batchSize: 2 })) {
      batches.push({
        ids: batch.items.map((i) => i.id),
        values: firstValues(batch.tensor, preprocessor.itemSize),
        length: batch.tensor.length,
      });
    }
    expect(batches).toEqual([
      { ids: ['a/1.png', 'a/2.png'], values: [10, 20], length: 96 },
      { ids: ['a/3.png', 'a/4.png'], values: [30, 40], length: 96 },
      { ids: ['a/5.png'], values: [50], length: 48 },
    ]);
  });

  it('fails on an undecodable image, or skips and reports it', async () => {
    const broken = join(temp.path, 'broken');
    await writeImageFolder(broken, {
      a: [{ colour: [10, 10, 10] }, { colour: [20, 20, 20] }, { colour: [30, 30, 30] }],
    });
    writeFileSync(join(broken, 'a', '1.png'), 'truncated');
    const { items } = await readImageFolder(broken);
    const preprocessor = new ImagePreprocessor({ width: 2, height: 2 });

    const failing = async () => {
      for await (const _ of readBatches(items, preprocessor, { batchSize: 2 }));
    };
    await expect(failing()).rejects.toThrow(`cannot decode image ${join(broken, 'a', '1.png')}`);

    const seen = [];
    for await (const batch of readBatches(items, preprocessor, {
      batchSize: 2,
      onUndecodable: 'skip',
    })) {
      seen.push({
        ids: batch.items.map((i) => i.id),
        values: firstValues(batch.tensor, preprocessor.itemSize),
        skipped: batch.skipped.map((s) => s.item.id),
      });
    }
    expect(seen).toEqual([
      { ids: ['a/0.png'], values: [10], skipped: ['a/1.png'] },
      { ids: ['a/2.png'], values: [30], skipped: [] },
    ]);
  });

  it('stops when the signal is aborted', async () => {
    const { items } = await readImageFolder(root);
    const preprocessor = new ImagePreprocessor({ width: 2, height: 2 });
    const controller = new AbortController();
    const seen: string[] = [];
    const reading = async () => {
      for await (const batch of readBatches(items, preprocessor, {
        batchSize: 2,
        signal: controller.signal,
      })) {
        seen.push(...batch.items.map((i) => i.id));
        controller.abort(new Error('cancelled'));
      }
    };
    await expect(reading()).rejects.toThrow('cancelled');
    expect(seen).toEqual(['a/1.png', 'a/2.png']);
  });

  it('refuses a batch size below 1', async () => {
    const preprocessor = new ImagePreprocessor({ width: 2, height: 2 });
    await expect(readBatches([], preprocessor, { batchSize: 0 }).next()).rejects.toThrow(
      'batch size must be a whole number of at least 1, not 0',
    );
  });
});
