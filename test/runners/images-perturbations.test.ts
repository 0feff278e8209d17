import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { imageStatistics } from '../../src/runners/images/image-statistics.ts';
import {
  type PerturbationKind,
  perturbFolder,
  perturbImage,
  seededRandom,
} from '../../src/runners/images/perturbations.ts';
import { coreutilsFolderDigest, tempFolder } from '../support/files.ts';
import { encodeImage, writeImageFolder } from '../support/image-datasets.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

const noRandom = () => {
  throw new Error('this perturbation should not draw random numbers');
};

/** Decoded 8-bit RGB pixels and size. */
async function pixelsOf(bytes: Buffer) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { data: [...data], width: info.width, height: info.height };
}

const scene = () =>
  encodeImage(64, 48, (x, y) =>
    [7, 9, 11].map((a) => Math.round(128 + 90 * Math.sin(x / a) * Math.cos(y / 5))),
  );

describe('perturbImage', () => {
  it('leaves the pixels alone at the parameter that changes nothing', async () => {
    const original = await scene();
    const identities: Array<[PerturbationKind, number]> = [
      ['gaussian-blur', 0],
      ['gaussian-noise', 0],
      ['brightness', 1],
      ['contrast', 1],
      ['rotation', 0],
      ['rotation', 360],
    ];
    for (const [kind, parameter] of identities) {
      const { bytes, extension } = await perturbImage(original, kind, parameter, seededRandom(1));
      expect(extension).toBe('.png');
      expect(await pixelsOf(bytes), `${kind} ${parameter}`).toEqual(await pixelsOf(original));
    }
  });

  it('adds the same noise for the same seed, other noise for another', async () => {
    const original = await scene();
    const noisy = (seed: number) =>
      perturbImage(original, 'gaussian-noise', 0.1, seededRandom(seed)).then((p) => p.bytes);
    const [a, b, c] = await Promise.all([noisy(7), noisy(7), noisy(8)]);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('makes a flat image more contrasted the more noise, by about the std', async () => {
    const flat = await encodeImage(64, 64, () => [128, 128, 128]);
    const contrasts = [];
    for (const std of [0, 0.02, 0.05, 0.1]) {
      const { bytes } = await perturbImage(flat, 'gaussian-noise', std, seededRandom(3));
      contrasts.push((await imageStatistics(bytes)).contrast);
    }
    expect(contrasts[0]).toBe(0);
    expect(contrasts[1]!).toBeLessThan(contrasts[2]!);
    expect(contrasts[2]!).toBeLessThan(contrasts[3]!);
    // Independent noise of std s per channel gives luma a std of
    // s * sqrt(0.299^2 + 0.587^2 + 0.114^2) = 0.667 s, on the 0..1 scale.
    expect(contrasts[3]!).toBeGreaterThan(0.9 * 0.0667);
    expect(contrasts[3]!).toBeLessThan(1.1 * 0.0667);
  });

  it('makes an image less sharp the more it blurs', async () => {
    const original = await scene();
    const sharpness = [];
    for (const sigma of [0, 0.5, 1, 2, 4]) {
      const { bytes } = await perturbImage(original, 'gaussian-blur', sigma, noRandom);
      sharpness.push((await imageStatistics(bytes)).sharpness);
    }
    for (let i = 1; i < sharpness.length; i++) {
      expect(sharpness[i]!).toBeLessThan(sharpness[i - 1]!);
    }
  });

  it('scales brightness, clamping at 255', async () => {
    const image = await encodeImage(1, 1, () => [100, 200, 51]);
    const darker = await perturbImage(image, 'brightness', 0.5, noRandom);
    const brighter = await perturbImage(image, 'brightness', 2, noRandom);
    expect((await pixelsOf(darker.bytes)).data).toEqual([50, 100, 26]);
    expect((await pixelsOf(brighter.bytes)).data).toEqual([200, 255, 102]);
  });

  it("scales contrast around each channel's mean", async () => {
    // Channel means (150, 100, 20).
    const image = await encodeImage(2, 1, (x) => (x ? [200, 150, 40] : [100, 50, 0]));
    const half = await perturbImage(image, 'contrast', 0.5, noRandom);
    const none = await perturbImage(image, 'contrast', 0, noRandom);
    expect((await pixelsOf(half.bytes)).data).toEqual([125, 75, 10, 175, 125, 30]);
    expect((await pixelsOf(none.bytes)).data).toEqual([150, 100, 20, 150, 100, 20]);
  });

  it('writes JPEG at the quality asked for: lower quality, further from the original', async () => {
    const original = await scene();
    const reference = (await pixelsOf(original)).data;
    const errorAt = async (quality: number) => {
      const { bytes, extension } = await perturbImage(original, 'jpeg-quality', quality, noRandom);
      expect(extension).toBe('.jpg');
      expect((await sharp(bytes).metadata()).format).toBe('jpeg');
      const { data } = await pixelsOf(bytes);
      return data.reduce((sum, v, i) => sum + Math.abs(v - reference[i]!), 0) / data.length;
    };
    const errors = [await errorAt(95), await errorAt(50), await errorAt(5)];
    expect(errors[0]!).toBeLessThan(errors[1]!);
    expect(errors[1]!).toBeLessThan(errors[2]!);
  });

  it('rotates clockwise on the same canvas, filling with black', async () => {
    // 3x3 black with one red pixel at the top middle.
    const dot = await encodeImage(3, 3, (x, y) => (x === 1 && y === 0 ? [255, 0, 0] : [0, 0, 0]));
    const turned = await pixelsOf((await perturbImage(dot, 'rotation', 90, noRandom)).bytes);
    const red = turned.data.findIndex((v, i) => i % 3 === 0 && v === 255) / 3;
    expect([red % 3, Math.floor(red / 3)]).toEqual([2, 1]);

    // A white 4x2 turned a quarter: a 2-wide, 4-high image centred on a 4x2 canvas.
    const wide = await encodeImage(4, 2, () => [255, 255, 255]);
    const quarter = await pixelsOf((await perturbImage(wide, 'rotation', 90, noRandom)).bytes);
    expect([quarter.width, quarter.height]).toEqual([4, 2]);
    const column = (x: number) => [0, 1].map((y) => quarter.data[(y * 4 + x) * 3]);
    expect([column(0), column(1), column(2), column(3)]).toEqual([
      [0, 0],
      [255, 255],
      [255, 255],
      [0, 0],
    ]);

    const square = await encodeImage(40, 40, () => [255, 255, 255]);
    const tilted = await pixelsOf((await perturbImage(square, 'rotation', 45, noRandom)).bytes);
    expect([tilted.width, tilted.height]).toEqual([40, 40]);
    expect(tilted.data.slice(0, 3)).toEqual([0, 0, 0]);
    expect(tilted.data.slice((20 * 40 + 20) * 3, (20 * 40 + 20) * 3 + 3)).toEqual([255, 255, 255]);
  });

  it('refuses parameters out of range', async () => {
    const image = await encodeImage(2, 2, () => [1, 2, 3]);
    const cases: Array<[PerturbationKind, number]> = [
      ['gaussian-blur', 0.1],
      ['gaussian-noise', -0.1],
      ['jpeg-quality', 0],
      ['jpeg-quality', 50.5],
      ['brightness', Number.NaN],
    ];
    for (const [kind, parameter] of cases) {
      await expect(perturbImage(image, kind, parameter, noRandom)).rejects.toThrow(
        RunnerInputError,
      );
    }
    await expect(perturbImage(image, 'gaussian-blur', 0.1, noRandom)).rejects.toThrow(
      'gaussian-blur takes a sigma, in pixels (0, or 0.3..1000); 0.1 is out of range',
    );
  });
});

describe('perturbFolder', () => {
  const source = join(temp.path, 'source');
  const ready = (async () => {
    await writeImageFolder(source, {
      cat: [
        { colour: [200, 100, 50], noise: 30, seed: 1, width: 16, height: 16 },
        { colour: [90, 100, 50], noise: 30, seed: 2, width: 16, height: 16, format: 'jpeg' },
      ],
      dog: [{ colour: [20, 100, 150], noise: 30, seed: 3, width: 16, height: 16 }],
    });
    writeFileSync(join(source, 'README.md'), 'pets');
    writeFileSync(join(source, 'dog', 'old.bmp'), 'BM');
    writeFileSync(join(source, '.DS_Store'), '');
  })();

  it('writes a perturbed copy under the same paths, as PNG, copying other files', async () => {
    await ready;
    const target = join(temp.path, 'blurred');
    const result = await perturbFolder(source, target, 'gaussian-blur', 1, 0);
    expect(result).toEqual({
      images: [
        { source: 'cat/0.png', target: 'cat/0.png' },
        { source: 'cat/1.jpg', target: 'cat/1.png' },
        { source: 'dog/0.png', target: 'dog/0.png' },
      ],
      copied: ['README.md'],
      omitted: ['.DS_Store', 'dog/old.bmp'],
    });
    expect(readFileSync(join(target, 'README.md'), 'utf8')).toBe('pets');
    expect(existsSync(join(target, 'dog', 'old.bmp'))).toBe(false);
    const before = await imageStatistics(join(source, 'cat', '0.png'));
    const after = await imageStatistics(join(target, 'cat', '0.png'));
    expect(after.sharpness).toBeLessThan(before.sharpness);
  });

  it('gives byte-identical files for the same seed, whatever the concurrency', async () => {
    await ready;
    const first = join(temp.path, 'noisy-1');
    const second = join(temp.path, 'noisy-2');
    const third = join(temp.path, 'noisy-3');
    await perturbFolder(source, first, 'gaussian-noise', 0.1, 42, { concurrency: 1 });
    await perturbFolder(source, second, 'gaussian-noise', 0.1, 42, { concurrency: 4 });
    await perturbFolder(source, third, 'gaussian-noise', 0.1, 43);
    expect(coreutilsFolderDigest(second)).toBe(coreutilsFolderDigest(first));
    expect(coreutilsFolderDigest(third)).not.toBe(coreutilsFolderDigest(first));
  });

  it('writes .jpg for JPEG quality', async () => {
    await ready;
    const result = await perturbFolder(source, join(temp.path, 'jpeg'), 'jpeg-quality', 20, 0);
    expect(result.images.map((i) => i.target)).toEqual(['cat/0.jpg', 'cat/1.jpg', 'dog/0.jpg']);
  });

  it('refuses a target that is not empty, and two images that would share a name', async () => {
    await ready;
    const full = join(temp.path, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), '');
    await expect(perturbFolder(source, full, 'brightness', 2, 0)).rejects.toThrow(
      `${full} must be empty to receive a perturbed dataset`,
    );

    const clash = join(temp.path, 'clash');
    await writeImageFolder(clash, {
      cat: [
        { colour: [1, 2, 3], name: 'a.png' },
        { colour: [1, 2, 3], name: 'a.jpg', format: 'jpeg' },
      ],
    });
    await expect(
      perturbFolder(clash, join(temp.path, 'clash-out'), 'brightness', 2, 0),
    ).rejects.toThrow(
      'cat/a.png and cat/a.jpg would both be written as cat/a.png in the perturbed copy',
    );
  });
});
