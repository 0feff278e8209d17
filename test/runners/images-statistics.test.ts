import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { imageStatistics } from '../../src/runners/images/image-statistics.ts';
import {
  hammingDistance,
  hashToHex,
  perceptualHash,
} from '../../src/runners/images/perceptual-hash.ts';
import { tempFolder } from '../support/files.ts';
import { encodeImage } from '../support/image-datasets.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

const checkerboard = (size: number) =>
  encodeImage(size, size, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));

describe('imageStatistics', () => {
  it('gives a flat image its luma as brightness, and no contrast or sharpness', async () => {
    const flat = await encodeImage(20, 10, () => [10, 200, 50]);
    const stats = await imageStatistics(flat);
    expect(stats).toMatchObject({ width: 20, height: 10, channels: 3, contrast: 0, sharpness: 0 });
    // Rec. 601 luma.
    expect(stats.brightness).toBeCloseTo((0.299 * 10 + 0.587 * 200 + 0.114 * 50) / 255, 12);
  });

  it('matches numpy / scipy on a small grey image', async () => {
    const values = [
      [0, 10, 20, 30, 40],
      [50, 200, 70, 80, 90],
      [100, 110, 120, 130, 140],
      [150, 160, 170, 180, 255],
    ];
    const file = join(temp.path, 'grey.png');
    writeFileSync(file, await encodeImage(5, 4, (x, y) => [values[y]![x]!], 'png', 1));

    const stats = await imageStatistics(file);

    // numpy 2.4.6, scipy 1.17.1:
    //   g = np.array(values, dtype=float); L = g / 255
    //   L.mean(), L.std()  -> 0.4127450980392157, 0.2641952227515124
    //   from scipy.signal import convolve2d
    //   convolve2d(g, [[0, 1, 0], [1, -4, 1], [0, 1, 0]], mode='valid').var()
    //     -> 56622.22222222221
    expect(stats).toMatchObject({ width: 5, height: 4, channels: 1 });
    expect(stats.brightness).toBeCloseTo(0.4127450980392157, 12);
    expect(stats.contrast).toBeCloseTo(0.2641952227515124, 12);
    expect(stats.sharpness).toBeCloseTo(56622.22222222221, 6);
  });

  it('finds a checkerboard sharp, and a blurred copy less sharp', async () => {
    const board = await checkerboard(16);
    const sharpStats = await imageStatistics(board);
    // Every interior pixel has a Laplacian of +-4 * 255, half each way.
    expect(sharpStats.sharpness).toBeCloseTo((4 * 255) ** 2, 6);
    expect(sharpStats.contrast).toBeCloseTo(0.5, 12);
    const blurred = await imageStatistics(await sharp(board).blur(1).png().toBuffer());
    const moreBlurred = await imageStatistics(await sharp(board).blur(3).png().toBuffer());
    expect(blurred.sharpness).toBeLessThan(sharpStats.sharpness / 10);
    expect(moreBlurred.sharpness).toBeLessThan(blurred.sharpness);
  });

  it('reports the stored size and channels, measuring a big image scaled down', async () => {
    const big = await sharp({
      create: {
        width: 3000,
        height: 1500,
        channels: 4,
        background: { r: 0, g: 0, b: 255, alpha: 1 },
      },
    })
      .png()
      .toBuffer();
    const stats = await imageStatistics(big, { maxSide: 300 });
    expect(stats).toMatchObject({ width: 3000, height: 1500, channels: 4, sharpness: 0 });
    expect(stats.brightness).toBeCloseTo(0.114, 12);
  });

  it('refuses an undecodable image, naming it', async () => {
    const file = join(temp.path, 'broken.png');
    writeFileSync(file, 'not a PNG');
    await expect(imageStatistics(file)).rejects.toThrow(RunnerInputError);
    await expect(imageStatistics(file)).rejects.toThrow(`cannot decode image ${file}`);
  });
});

describe('perceptualHash', () => {
  it("computes imagehash's pHash on a 32x32 grey image", async () => {
    const grey = await encodeImage(
      32,
      32,
      (x, y) => [(x * 7 + y * 13 + ((x * y) % 17) * 5) % 256],
      'png',
      1,
    );
    // imagehash.phash's steps on the same pixels, numpy 2.4.6, scipy 1.17.1:
    //   from scipy.fftpack import dct
    //   p = np.array([[(x * 7 + y * 13 + (x * y) % 17 * 5) % 256 for x in range(32)]
    //                 for y in range(32)], dtype=float)
    //   d = dct(dct(p, axis=0), axis=1)[:8, :8]
    //   bits = (d > np.median(d)).flatten()
    //   '%016x' % int(''.join('1' if b else '0' for b in bits), 2)  -> 'c194c1953768b6ed'
    expect(hashToHex(await perceptualHash(grey))).toBe('c194c1953768b6ed');
  });

  it('barely changes for a resized, re-encoded copy, and differs for another image', async () => {
    const scene = (x: number, y: number) =>
      [9, 10, 11].map((a, c) =>
        Math.round(
          128 + 70 * Math.sin(x / a) * Math.cos(y / 13) + 40 * Math.sin((x + 2 * y) / (17 + c)),
        ),
      );
    const original = await encodeImage(160, 120, scene);
    const copy = await sharp(original).resize(100, 75).jpeg({ quality: 50 }).toBuffer();
    const other = await encodeImage(160, 120, (x, y) => [
      x + y > 140 ? 220 : 30,
      (x * y) % 255,
      100,
    ]);

    const [hash, copyHash, otherHash] = await Promise.all(
      [original, copy, other].map((image) => perceptualHash(image)),
    );

    expect(hammingDistance(hash!, copyHash!)).toBeLessThanOrEqual(6);
    expect(hammingDistance(hash!, otherHash!)).toBeGreaterThanOrEqual(24);
  });

  it('counts differing bits', () => {
    expect(hammingDistance(0n, 0n)).toBe(0);
    expect(hammingDistance(0b1011n, 0b0010n)).toBe(2);
    expect(hammingDistance(0n, 2n ** 64n - 1n)).toBe(64);
    expect(hashToHex(255n)).toBe('00000000000000ff');
  });
});
