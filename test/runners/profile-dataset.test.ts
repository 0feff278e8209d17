// The profile-dataset runner on image folders built for the purpose: every problem it looks
// for is planted once, and the counts, entropy and findings are worked out by hand.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { FindingEmission } from '../../src/runners/contract.ts';
import { profileDatasetRunner } from '../../src/runners/profile-dataset/index.ts';
import { createRandom } from '../../src/runners/stats/random.ts';
import { tempFolder } from '../support/files.ts';
import { encodeImage, writeImageFolder } from '../support/image-datasets.ts';
import { type Emitted, metricOf, resolvedInput, runRunner } from '../support/runner-harness.ts';

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const remove of cleanup) remove();
  cleanup = [];
});

function folder(): string {
  const { path, remove } = tempFolder();
  cleanup.push(remove);
  return path;
}

/**
 * A grey picture of three seeded waves plus seeded noise: distinct seeds give perceptual hashes
 * about 32 bits apart. `level` is the mean grey, `amplitude` scales waves and noise together.
 */
function pattern(seed: number, level = 128, amplitude = 1): Promise<Buffer> {
  const random = createRandom(seed);
  // Sizes and noise vary over the set, so their medians and MADs are those of a real folder.
  const size = [40, 44, 48, 52, 56][seed % 5]!;
  const noise = [9, 10.5, 12][seed % 3]!;
  const waves = Array.from({ length: 3 }, () => ({
    fx: 1 + random.int(4),
    fy: random.int(4),
    phase: random.next() * 2 * Math.PI,
    height: 20 + random.next() * 30,
  }));
  const grain = Array.from({ length: size * size }, () => (random.next() - 0.5) * 2 * noise);
  return encodeImage(size, size, (x, y) => {
    let value = level + amplitude * grain[y * size + x]!;
    for (const w of waves) {
      value +=
        amplitude * w.height * Math.sin((2 * Math.PI * (w.fx * x + w.fy * y)) / size + w.phase);
    }
    const grey = Math.max(0, Math.min(255, Math.round(value)));
    return [grey, grey, grey];
  });
}

function write(root: string, relative: string, bytes: Buffer | string): void {
  mkdirSync(join(root, relative, '..'), { recursive: true });
  writeFileSync(join(root, relative), bytes);
}

/**
 * Declared labels [cat, dog]; 17 image files:
 *   cat/p1..p6.png          six ordinary pictures
 *   cat/p1-small.png        p1 resized from 44 to 36 pixels: a near duplicate of cat/p1.png
 *   cat/dark.png            mean grey 22 at 0.3 of the amplitude: too dark (and flat)
 *   cat/blurred.png         a picture under a Gaussian blur of sigma 2
 *   dog/p7..p10.png         four ordinary pictures
 *   dog/p1-copy.png         the bytes of cat/p1.png: an exact copy with another label
 *   dog/broken.png          not an image
 *   horse/p11.png           a class outside the label set
 *   stray.png (p12)         an image at the root: no class
 */
async function problemFolder(): Promise<string> {
  const root = folder();
  for (let seed = 1; seed <= 6; seed++) write(root, `cat/p${seed}.png`, await pattern(seed));
  for (let seed = 7; seed <= 10; seed++) write(root, `dog/p${seed}.png`, await pattern(seed));
  write(
    root,
    'cat/p1-small.png',
    await sharp(await pattern(1))
      .resize(36, 36)
      .png()
      .toBuffer(),
  );
  write(root, 'cat/dark.png', await pattern(20, 22, 0.3));
  write(
    root,
    'cat/blurred.png',
    await sharp(await pattern(21))
      .blur(2)
      .png()
      .toBuffer(),
  );
  copyFileSync(join(root, 'cat/p1.png'), join(root, 'dog/p1-copy.png'));
  write(root, 'dog/broken.png', 'this is not a PNG file');
  write(root, 'horse/p11.png', await pattern(11));
  write(root, 'stray.png', await pattern(12));
  return root;
}

async function profile(root: string, labels: string[] | null, config: unknown = {}) {
  const input = resolvedInput('dataset', 'DATASET_VERSION', root, 'IMAGE_FOLDER', { labels });
  const emitted = await runRunner(profileDatasetRunner, { inputs: [input], config });
  cleanup.push(emitted.cleanup);
  return emitted;
}

function findingOf(emitted: Emitted, kind: string, problem?: string): FindingEmission {
  const found = emitted.findings.filter(
    (f) => f.kind === kind && (problem === undefined || f.evidence?.problem === problem),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} finding, found ${found.length}`);
  return found[0]!;
}

interface ProfileReport {
  counts: Record<string, number>;
  exactDuplicates: string[][];
  nearDuplicates: { pairs: Array<{ a: string; b: string; distance: number }>; groups: string[][] };
  items: Array<{ id: string; label: string | null; labelStatus: string; error: string | null }>;
}

function report(emitted: Emitted): ProfileReport {
  const artifact = emitted.artifacts.find((a) => a.name === 'profile.json')!;
  return JSON.parse(new TextDecoder().decode(artifact.bytes));
}

describe('profile-dataset', () => {
  it('counts items and classes and measures their balance', async () => {
    const emitted = await profile(await problemFolder(), ['cat', 'dog']);

    // 9 in cat, 6 in dog, 1 in horse, 1 at the root; broken.png is an item too.
    expect(metricOf(emitted, 'item_count').value).toBe(17);
    expect(metricOf(emitted, 'class_count').value).toBe(2);
    expect(metricOf(emitted, 'items', { class: 'cat' }).value).toBe(9);
    expect(metricOf(emitted, 'items', { class: 'dog' }).value).toBe(6);
    // Proportions 9/15 and 6/15: H = -(0.6 log2 0.6 + 0.4 log2 0.4) = 0.9709505944546686
    // bits, the maximum log2(2) = 1 making it the normalised value too; ratio 9 / 6.
    expect(metricOf(emitted, 'class_entropy_bits').value).toBeCloseTo(0.9709505944546686, 14);
    expect(metricOf(emitted, 'class_entropy_normalized').value).toBeCloseTo(0.9709505944546686, 14);
    expect(metricOf(emitted, 'imbalance_ratio').value).toBe(1.5);
    expect(emitted.findings.filter((f) => f.kind === 'CLASS_IMBALANCE')).toEqual([]);
    // Widths of the 16 decodable images (by seed % 5, p1-small 36): 36, 40 x3 (p5, p10, dark),
    // 44 x5 (p1, p6, p11, p1-copy, blurred), 48 x3, 52 x2, 56 x2 → the 8th and 9th are 44.
    expect(metricOf(emitted, 'median_width').value).toBe(44);
  });

  it('finds the exact copy, whose labels conflict, and the resized near duplicate', async () => {
    const emitted = await profile(await problemFolder(), ['cat', 'dog']);

    expect(metricOf(emitted, 'duplicate_count').value).toBe(1);
    expect(findingOf(emitted, 'DUPLICATES')).toMatchObject({
      severity: 'HIGH',
      subjectRole: 'dataset',
      evidence: {
        duplicateCount: 1,
        conflictingGroupCount: 1,
        groups: [
          [
            { id: 'cat/p1.png', label: 'cat' },
            { id: 'dog/p1-copy.png', label: 'dog' },
          ],
        ],
      },
    });

    // The copy is not paired again: near duplicates are sought among distinct contents.
    expect(metricOf(emitted, 'near_duplicate_pairs').value).toBe(1);
    const near = findingOf(emitted, 'NEAR_DUPLICATES');
    expect(near.severity).toBe('LOW');
    const [pair] = near.evidence!.pairs as Array<{ a: string; b: string; distance: number }>;
    expect(pair).toMatchObject({ a: 'cat/p1-small.png', b: 'cat/p1.png', labels: ['cat', 'cat'] });
    expect(pair!.distance).toBeLessThanOrEqual(6);
    const { exactDuplicates, nearDuplicates } = report(emitted);
    expect(exactDuplicates).toEqual([['cat/p1.png', 'dog/p1-copy.png']]);
    expect(nearDuplicates.groups).toEqual([['cat/p1-small.png', 'cat/p1.png']]);

    // With no bits allowed the resize is no longer a near duplicate.
    const strict = await profile(await problemFolder(), ['cat', 'dog'], {
      nearDuplicateDistance: pair!.distance - 1,
    });
    expect(metricOf(strict, 'near_duplicate_pairs').value).toBe(0);
  });

  it('flags the dark and the blurred image, and not the resized one', async () => {
    const emitted = await profile(await problemFolder(), ['cat', 'dog']);

    expect(metricOf(emitted, 'outlier_count').value).toBe(2);
    const finding = findingOf(emitted, 'IMAGE_OUTLIERS');
    // 2 of 16 measured images is over 5%.
    expect(finding.severity).toBe('MEDIUM');
    const checks = finding.evidence!.checks as Array<{
      reason: string;
      items: Array<{ id: string; score: number }>;
    }>;
    // dark.png is its picture at 0.3 of the amplitude around grey 22: darker, with 0.3 of the
    // contrast and 0.09 of the Laplacian's variance, so flat and soft as well. blurred.png's
    // Laplacian variance is a few percent of the others'. p1-small.png, resized from 44 to 36
    // pixels, stays within the spread of sharpness and size.
    expect(checks.map((c) => [c.reason, c.items.map((i) => i.id)])).toEqual([
      ['too dark', ['cat/dark.png']],
      ['low contrast', ['cat/dark.png']],
      ['blurry', ['cat/blurred.png', 'cat/dark.png']],
    ]);
    for (const check of checks)
      for (const item of check.items) expect(item.score).toBeLessThan(-3.5);
  });

  it('reports label problems and the broken file instead of refusing the folder', async () => {
    const emitted = await profile(await problemFolder(), ['cat', 'dog']);

    expect(metricOf(emitted, 'label_problem_count').value).toBe(2);
    expect(findingOf(emitted, 'LABEL_PROBLEM', 'missing label')).toMatchObject({
      severity: 'MEDIUM',
      evidence: { count: 1, items: ['stray.png'] },
    });
    expect(findingOf(emitted, 'LABEL_PROBLEM', 'unknown class')).toMatchObject({
      severity: 'HIGH',
      title: '1 images are in classes outside the label set (horse)',
      evidence: { count: 1, unknownClasses: { horse: 1 }, labelSet: ['cat', 'dog'] },
    });

    expect(metricOf(emitted, 'corrupt_count').value).toBe(1);
    const corrupt = findingOf(emitted, 'CORRUPT_IMAGE');
    expect(corrupt.severity).toBe('HIGH');
    const [broken] = corrupt.evidence!.corrupt as Array<{ id: string; error: string }>;
    expect(broken!.id).toBe('dog/broken.png');
    expect(broken!.error).toMatch(/^cannot decode image dog\/broken\.png: /);

    const { counts, items } = report(emitted);
    expect(counts).toMatchObject({
      items: 17,
      labelled: 15,
      missingLabel: 1,
      unknownClass: 1,
      corrupt: 1,
    });
    expect(items).toHaveLength(17);
    expect(items.find((i) => i.id === 'horse/p11.png')).toMatchObject({
      label: 'horse',
      labelStatus: 'unknown class',
      error: null,
    });
    expect(items.find((i) => i.id === 'stray.png')).toMatchObject({
      label: null,
      labelStatus: 'missing',
    });
  });

  it('reports an imbalanced label set with an empty class', async () => {
    const root = folder();
    const grey = (v: number) => ({ colour: [v, v, v] as const });
    await writeImageFolder(root, {
      cat: Array.from({ length: 12 }, (_, i) => grey(10 + 20 * i)),
      dog: [grey(100)],
    });
    const emitted = await profile(root, ['cat', 'dog', 'bird']);

    expect(metricOf(emitted, 'items', { class: 'bird' }).value).toBe(0);
    // Counts 12, 1, 0, by numpy 2.4.6:
    //   c = np.array([12, 1]); p = c / 13; h = -(p * np.log2(p)).sum(); h, h / np.log2(3)
    //   -> 0.39124356362925566, 0.24684720518702513 (the empty class adds 0 bits but counts
    //   in the maximum log2(3)). Ratio 12 / 1: the empty class is left out of it.
    expect(metricOf(emitted, 'class_entropy_bits').value).toBeCloseTo(0.39124356362925566, 14);
    expect(metricOf(emitted, 'class_entropy_normalized').value).toBeCloseTo(
      0.24684720518702513,
      14,
    );
    expect(metricOf(emitted, 'imbalance_ratio').value).toBe(12);
    expect(findingOf(emitted, 'CLASS_IMBALANCE')).toMatchObject({
      severity: 'HIGH',
      title: '1 classes have no items',
      evidence: { imbalanceRatio: 12, emptyClasses: ['bird'] },
    });
    // The 12 cat images are flat greys at 10, 30, ..., 230: no duplicates among them.
    expect(metricOf(emitted, 'duplicate_count').value).toBe(0);
  });

  it('gives identical emissions twice', async () => {
    const root = await problemFolder();
    const first = await profile(root, ['cat', 'dog'], { concurrency: 3 });
    const second = await profile(root, ['cat', 'dog'], { concurrency: 1 });
    expect(second.metrics).toEqual(first.metrics);
    expect(second.findings).toEqual(first.findings);
    expect(second.artifacts).toEqual(first.artifacts);
  });
});
