// The evaluate-detection runner: pycocotools' numbers from a results file, a real ONNX
// detector run through onnxruntime whose boxes are worked out by hand, the bootstrap over
// images, and the errors a user meets.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import op from 'onnx-proto';
import { afterEach, describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { evaluateCoco } from '../../src/runners/detection/coco-eval.ts';
import {
  type CocoGroundTruth,
  parseCocoGroundTruth,
} from '../../src/runners/detection/coco-ground-truth.ts';
import { type CocoResult, parseCocoResults } from '../../src/runners/detection/coco-results.ts';
import { apOfImageResample } from '../../src/runners/evaluate-detection/ap-resampling.ts';
import { evaluateDetectionRunner } from '../../src/runners/evaluate-detection/index.ts';
import { createRandom } from '../../src/runners/stats/random.ts';
import { tempFolder } from '../support/files.ts';
import { specImage } from '../support/image-datasets.ts';
import { type Emitted, metricOf, resolvedInput, runRunner } from '../support/runner-harness.ts';

const fixtures = join(import.meta.dirname, '../fixtures/coco');
const groundTruthFile = join(fixtures, 'ground-truth.json');
const resultsFile = join(fixtures, 'results.json');

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

const cocoInput = (path: string) => resolvedInput('dataset', 'DATASET_VERSION', path, 'COCO');
const predictionsInput = (path: string) =>
  resolvedInput('model', 'MODEL_VERSION', path, 'PREDICTIONS');
const onnxInput = (path: string) => resolvedInput('model', 'MODEL_VERSION', path, 'ONNX');

async function run(inputs: ReturnType<typeof cocoInput>[], config: unknown = {}, seed = 0) {
  const emitted = await runRunner(evaluateDetectionRunner, { inputs, config, seed });
  cleanup.push(emitted.cleanup);
  return emitted;
}

/** The parsed JSON of an artifact, typed as the test expects it. */
function artifactJson<T>(emitted: Emitted, name: string): T {
  const artifact = emitted.artifacts.find((a) => a.name === name);
  if (!artifact) throw new Error(`no artifact ${name}`);
  return JSON.parse(new TextDecoder().decode(artifact.bytes));
}

interface CocoMetricsReport {
  metrics: Record<string, number | null>;
  apInterval: { lower: number; upper: number; level: number; resamples: number } | null;
  perClass: Array<{ class: string; ap: number | null; groundTruths: number }>;
  counts: Record<string, number>;
  groundTruth: string;
}

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('evaluate-detection with a COCO results file', () => {
  // pycocotools' COCOeval on test/fixtures/coco/ground-truth.json and results.json, the values
  // test/runners/coco-eval.test.ts states, with their source: cocodataset/cocoapi @
  // 8c9bcc3cf640524c4c20a9c40e89cb6a2f2fa0e9 (cocoeval.py, coco.py unmodified), printed by
  //   python3 test/fixtures/coco/reference/run_cocoeval.py <cocoapi>/PythonAPI \
  //     test/fixtures/coco/ground-truth.json test/fixtures/coco/results.json
  // with Python 3.11.7 and numpy 2.4.6 (see test/fixtures/coco/README.md).
  const pycocotools: Record<string, number> = {
    ap: 0.29334137090798323,
    ap50: 0.5914921670971611,
    ap75: 0.2888134235991976,
    ap_small: 0.5095121709813658,
    ap_medium: 0.37813820711956997,
    ap_large: 0.2482281185769662,
    ar1: 0.16062841530054645,
    ar10: 0.42465846994535517,
    ar100: 0.4782103825136612,
    ar_small: 0.6378787878787879,
    ar_medium: 0.5327903091060986,
    ar_large: 0.3683333333333333,
  };
  // Per category AP@[.5:.95] from the same run; kite (detections only) and crowd-only (a crowd
  // region only) are -1 in pycocotools.
  const perClass = {
    person: 0.20758649632663348,
    car: 0.3346807565371922,
    dog: 0.33775685986012394,
  };

  it("emits pycocotools' twelve numbers and per-class AP, with a bootstrap interval for AP", async () => {
    const emitted = await run([cocoInput(groundTruthFile), predictionsInput(resultsFile)], {
      bootstrapResamples: 100,
    });

    for (const [key, expected] of Object.entries(pycocotools)) {
      const metric = metricOf(emitted, key);
      expect(Math.abs(metric.value - expected), key).toBeLessThan(1e-12);
      expect(metric.sampleSize).toBe(12);
    }
    for (const [name, expected] of Object.entries(perClass)) {
      expect(Math.abs(metricOf(emitted, 'ap', { class: name }).value - expected)).toBeLessThan(
        1e-12,
      );
    }
    expect(metricOf(emitted, 'ap', { class: 'person' }).sampleSize).toBe(61);
    // Classes pycocotools gives -1 get no metric.
    const classes = emitted.metrics.filter((m) => m.slice).map((m) => m.slice!.class);
    expect(classes.sort()).toEqual(['car', 'dog', 'person']);

    const { ci } = metricOf(emitted, 'ap');
    expect(ci!.level).toBe(0.95);
    expect(ci!.lower).toBeLessThan(pycocotools.ap!);
    expect(ci!.upper).toBeGreaterThan(pycocotools.ap!);
    expect(ci!.upper - ci!.lower).toBeLessThan(0.5);

    const report = artifactJson<CocoMetricsReport>(emitted, 'coco-metrics.json');
    expect(report.metrics.ap).toBe(metricOf(emitted, 'ap').value);
    expect(report.apInterval).toMatchObject({ resamples: 100, level: 0.95, lower: ci!.lower });
    expect(report.perClass.map((c) => [c.class, c.ap === null, c.groundTruths])).toEqual([
      ['person', false, 61],
      ['car', false, 10],
      ['dog', false, 16],
      ['kite', true, 0],
      ['crowd-only', true, 0],
    ]);
    expect(report.counts).toEqual({
      images: 12,
      categories: 5,
      groundTruths: 87,
      crowdRegions: 3,
      detections: 238,
    });
    // Class APs 0.208, 0.335, 0.338 (mean 0.293): none is under half the mean.
    expect(emitted.findings).toEqual([]);
  });

  it('reports a class far below the mean AP', async () => {
    const emitted = await run([cocoInput(groundTruthFile), predictionsInput(resultsFile)], {
      bootstrapResamples: 0,
      weakClassRatio: 0.75,
    });
    // Mean class AP (0.20759 + 0.33468 + 0.33776) / 3 = 0.29334; 0.75 of it is 0.22001, above
    // person's 0.20759 only. Not under half the bar, so MEDIUM.
    expect(emitted.findings).toHaveLength(1);
    const [finding] = emitted.findings;
    expect(finding).toMatchObject({
      kind: 'CLASS_PERFORMANCE',
      severity: 'MEDIUM',
      subjectRole: 'model',
      evidence: { class: 'person', groundTruths: 61, detections: 190 },
    });
    expect(finding!.evidence!.meanClassAp).toBeCloseTo(0.29334, 5);
    expect(finding!.evidence!.threshold).toBeCloseTo(0.22001, 5);
    expect(metricOf(emitted, 'ap').ci).toBeUndefined();
  });

  it('finds the ground truth in a dataset folder', async () => {
    const root = folder();
    mkdirSync(join(root, 'annotations'));
    copyFileSync(groundTruthFile, join(root, 'annotations', 'instances_val.json'));
    writeFileSync(join(root, 'notes.json'), '{}');
    const emitted = await run([cocoInput(root), predictionsInput(resultsFile)], {
      bootstrapResamples: 0,
    });
    expect(Math.abs(metricOf(emitted, 'ap').value - pycocotools.ap!)).toBeLessThan(1e-12);
    expect(artifactJson<CocoMetricsReport>(emitted, 'coco-metrics.json').groundTruth).toBe(
      join('annotations', 'instances_val.json'),
    );

    copyFileSync(groundTruthFile, join(root, 'instances_train.json'));
    await expect(run([cocoInput(root), predictionsInput(resultsFile)])).rejects.toThrow(
      `cannot tell which JSON file of ${root} holds the ground truth ` +
        '(instances_train.json, annotations/instances_val.json); set annotationFile',
    );
    const chosen = await run([cocoInput(root), predictionsInput(resultsFile)], {
      annotationFile: 'annotations/instances_val.json',
      bootstrapResamples: 0,
    });
    expect(metricOf(chosen, 'ap').value).toBe(metricOf(emitted, 'ap').value);
  });

  it('gives identical emissions for the same seed, another interval for another seed', async () => {
    const inputs = [cocoInput(groundTruthFile), predictionsInput(resultsFile)];
    const config = { bootstrapResamples: 50 };
    const first = await run(inputs, config, 7);
    const second = await run(inputs, config, 7);
    const other = await run(inputs, config, 8);
    expect(second.metrics).toEqual(first.metrics);
    expect(second.findings).toEqual(first.findings);
    expect(second.artifacts).toEqual(first.artifacts);
    expect(other.metrics.find((m) => m.key === 'ap' && !m.slice)!.ci).not.toEqual(
      first.metrics.find((m) => m.key === 'ap' && !m.slice)!.ci,
    );
  });

  it('takes no interval, or one from at least 50 resamples: a handful makes a point, not an interval', () => {
    const resamples = (n: number) =>
      evaluateDetectionRunner.config.safeParse({ bootstrapResamples: n }).success;
    expect([0, 50, 1000].map(resamples)).toEqual([true, true, true]);
    expect([1, 9, 49, -1].map(resamples)).toEqual([false, false, false, false]);
  });

  it('refuses results for an image the ground truth lacks, and files that are not JSON', async () => {
    const root = folder();
    const stray = join(root, 'stray.json');
    writeFileSync(
      stray,
      JSON.stringify([{ image_id: 999, category_id: 1, bbox: [0, 0, 5, 5], score: 0.5 }]),
    );
    const attempt = run([cocoInput(groundTruthFile), predictionsInput(stray)]);
    await expect(attempt).rejects.toThrow(RunnerInputError);
    await expect(attempt).rejects.toThrow(
      'stray.json: [0].image_id must be the id of an image of the ground truth, got 999',
    );

    const broken = join(root, 'broken.json');
    writeFileSync(broken, '[{"image_id": 40, "category_id": 1,');
    await expect(run([cocoInput(groundTruthFile), predictionsInput(broken)])).rejects.toThrow(
      /^broken\.json is not valid JSON: /,
    );
    await expect(run([cocoInput(broken), predictionsInput(resultsFile)])).rejects.toThrow(
      /^broken\.json is not valid JSON: /,
    );
    const notCoco = join(root, 'not-coco.json');
    writeFileSync(notCoco, JSON.stringify({ images: [] }));
    await expect(run([cocoInput(notCoco), predictionsInput(resultsFile)])).rejects.toThrow(
      'not-coco.json: categories must be an array, got nothing',
    );
  });
});

describe('the AP of a resample of images', () => {
  /** The ground truth and results of the images at `positions`, each draw an image of its own. */
  function resampled(
    groundTruth: CocoGroundTruth,
    results: CocoResult[],
    positions: number[],
  ): [CocoGroundTruth, CocoResult[]] {
    const ids = groundTruth.images.map((image) => image.id).sort((a, b) => a - b);
    const drawn = [...positions].sort((a, b) => a - b).map((p) => ids[p]!);
    // New ids 1, 2, ... in drawing order keep the images in the order COCOeval sorts them.
    return [
      {
        images: drawn.map((_, i) => ({ id: i + 1 })),
        categories: groundTruth.categories,
        annotations: drawn.flatMap((id, i) =>
          groundTruth.annotations
            .filter((a) => a.image_id === id)
            .map((a) => ({ ...a, image_id: i + 1 })),
        ),
      },
      drawn.flatMap((id, i) =>
        results.filter((r) => r.image_id === id).map((r) => ({ ...r, image_id: i + 1 })),
      ),
    ];
  }

  it('equals COCOeval on the resampled images, copies counted as images of their own', async () => {
    const groundTruth = parseCocoGroundTruth(readJson(groundTruthFile));
    const results = parseCocoResults(readJson(resultsFile), groundTruth);
    const apOf = apOfImageResample(groundTruth, results);
    const identity = Int32Array.from({ length: 12 }, (_, i) => i);
    expect(apOf(identity)).toBe(evaluateCoco(groundTruth, results).metrics.AP);

    const random = createRandom(3);
    for (let draw = 0; draw < 5; draw++) {
      const positions = Array.from({ length: 12 }, () => random.int(12));
      const expected = evaluateCoco(...resampled(groundTruth, results, positions)).metrics.AP;
      expect(apOf(Int32Array.from(positions))).toBe(expected ?? 0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A real ONNX detector: every output is a linear function of the image (Flatten, MatMul, Add,
// Reshape), so its detections are known. Its boxes move with the image's mean red value r in
// 0..1, which checks that the image reached the model as RGB scaled to 0..1.

const { onnx } = op;
const INPUT = 16;

interface Head {
  name: string;
  /** Rows per image and numbers per row; columns 1 gives [N, rows]. */
  rows: number;
  columns: number;
  /** Each number is bias + red * r. */
  value: (row: number, column: number) => { bias: number; red?: number };
  int64?: boolean;
}

/** A detector with input `pixels` [N,3,16,16] and one output per head. */
function linearDetector(heads: Head[]): Uint8Array {
  const area = INPUT * INPUT;
  const nodes: object[] = [{ opType: 'Flatten', input: ['pixels'], output: ['flat'] }];
  const initializer: object[] = [];
  for (const head of heads) {
    const size = head.rows * head.columns;
    const weights = new Float32Array(3 * area * size);
    const bias = new Float32Array(size);
    for (let k = 0; k < head.rows; k++) {
      for (let j = 0; j < head.columns; j++) {
        const { bias: b, red = 0 } = head.value(k, j);
        bias[k * head.columns + j] = b;
        // NCHW: the red channel is the first `area` inputs; their mean is r.
        for (let p = 0; p < area; p++) weights[p * size + k * head.columns + j] = red / area;
      }
    }
    const shape = head.columns === 1 ? [-1, head.rows] : [-1, head.rows, head.columns];
    const floatName = head.int64 ? `${head.name}_float` : head.name;
    initializer.push(
      { name: `${head.name}_w`, dims: [3 * area, size], dataType: 1, floatData: [...weights] },
      { name: `${head.name}_b`, dims: [size], dataType: 1, floatData: [...bias] },
      { name: `${head.name}_shape`, dims: [shape.length], dataType: 7, int64Data: shape },
    );
    nodes.push(
      { opType: 'MatMul', input: ['flat', `${head.name}_w`], output: [`${head.name}_mm`] },
      { opType: 'Add', input: [`${head.name}_mm`, `${head.name}_b`], output: [`${head.name}_add`] },
      {
        opType: 'Reshape',
        input: [`${head.name}_add`, `${head.name}_shape`],
        output: [floatName],
      },
    );
    if (head.int64) {
      nodes.push({
        opType: 'Cast',
        input: [floatName],
        output: [head.name],
        attribute: [{ name: 'to', type: 2, i: 7 }],
      });
    }
  }
  const tensor = (name: string, dims: Array<number | string>, elemType = 1) => ({
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'evalhub-tests',
    graph: onnx.GraphProto.create({
      name: 'detector',
      node: nodes,
      initializer,
      input: [tensor('pixels', ['N', 3, INPUT, INPUT])],
      output: heads.map((head) =>
        tensor(
          head.name,
          head.columns === 1 ? ['N', head.rows] : ['N', head.rows, head.columns],
          head.int64 ? 7 : 1,
        ),
      ),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

// Three detections per image, in the 16x16 input's pixels as x1 y1 x2 y2:
//   0: cat (label 0), score 0.9,  [2 + 4r, 3, 10 + 4r, 11]
//   1: dog (label 1), score 0.3,  [0, 0, 4, 4]
//   2: cat (label 0), score 0.01, [8, 8, 16, 16]  (under the default score threshold 0.05)
const detections = [
  { box: (r: number) => [2 + 4 * r, 3, 10 + 4 * r, 11], score: 0.9, label: 0 },
  { box: () => [0, 0, 4, 4], score: 0.3, label: 1 },
  { box: () => [8, 8, 16, 16], score: 0.01, label: 0 },
];

/** Boxes as separate outputs: boxes xyxy in input pixels, scores, int64 labels. */
const separateDetector = () =>
  linearDetector([
    {
      name: 'boxes',
      rows: 3,
      columns: 4,
      // Only detection 0's x coordinates depend on r, by 4 pixels per unit of r.
      value: (k, j) => ({
        bias: detections[k]!.box(0)[j]!,
        red: k === 0 && (j === 0 || j === 2) ? 4 : 0,
      }),
    },
    { name: 'scores', rows: 3, columns: 1, value: (k) => ({ bias: detections[k]!.score }) },
    {
      name: 'labels',
      rows: 3,
      columns: 1,
      value: (k) => ({ bias: detections[k]!.label }),
      int64: true,
    },
  ]);

/** One [N,3,6] output: cx cy w h normalised to the input, score, label (as a float). */
const combinedDetector = () =>
  linearDetector([
    {
      name: 'detections',
      rows: 3,
      columns: 6,
      value: (k, j) => {
        const [x1, y1, x2, y2] = detections[k]!.box(0) as [number, number, number, number];
        const values = [
          (x1 + x2) / 2 / INPUT,
          (y1 + y2) / 2 / INPUT,
          (x2 - x1) / INPUT,
          (y2 - y1) / INPUT,
        ];
        if (j < 4) return { bias: values[j]!, red: k === 0 && j === 0 ? 4 / INPUT : 0 };
        return { bias: j === 4 ? detections[k]!.score : detections[k]!.label };
      },
    },
  ]);

// Three images of different sizes and red values; b.png sits in images/.
const images = [
  { id: 1, file: 'a.png', width: 64, height: 48, red: 255 },
  { id: 2, file: 'b.png', width: 32, height: 32, red: 0, inImages: true },
  { id: 3, file: 'c.png', width: 80, height: 40, red: 128 },
];

/** Detection 0's box on image i, mapped to its pixels, as COCO [x, y, w, h]. */
function catBox(image: (typeof images)[number]): number[] {
  const r = image.red / 255;
  const [x1, y1, x2, y2] = detections[0]!.box(r) as [number, number, number, number];
  const sx = image.width / INPUT;
  const sy = image.height / INPUT;
  return [x1 * sx, y1 * sy, (x2 - x1) * sx, (y2 - y1) * sy];
}

/**
 * A COCO dataset folder whose cat boxes are exactly where detection 0 lands, plus one more cat
 * on a.png exactly where the under-threshold detection 2 would land, and a dog on each image
 * away from detection 1's box.
 */
async function detectionDataset(): Promise<string> {
  const root = folder();
  mkdirSync(join(root, 'images'));
  for (const image of images) {
    const bytes = await specImage({
      colour: [image.red, 40, 200],
      width: image.width,
      height: image.height,
    });
    writeFileSync(join(root, image.inImages ? 'images' : '', image.file), bytes);
  }
  let id = 1;
  const annotation = (image_id: number, category_id: number, bbox: number[]) => ({
    id: id++,
    image_id,
    category_id,
    bbox,
    area: bbox[2]! * bbox[3]!,
    iscrowd: 0,
  });
  const groundTruth = {
    images: images.map(({ id, file, width, height }) => ({ id, file_name: file, width, height })),
    categories: [
      { id: 1, name: 'cat' },
      { id: 3, name: 'dog' },
    ],
    annotations: [
      ...images.map((image) => annotation(image.id, 1, catBox(image))),
      annotation(1, 1, [32, 24, 32, 24]),
      ...images.map((image) =>
        annotation(image.id, 3, [image.width - 12, image.height - 12, 10, 10]),
      ),
    ],
  };
  writeFileSync(join(root, 'annotations.json'), JSON.stringify(groundTruth));
  return root;
}

/** Asserts a box equals `expected` to `digits` decimals (the model computes in float32). */
function expectBox(actual: readonly number[], expected: readonly number[], digits: number) {
  expect(actual).toHaveLength(4);
  for (let j = 0; j < 4; j++) expect(actual[j]).toBeCloseTo(expected[j]!, digits);
}

function modelFile(bytes: Uint8Array): string {
  const path = join(folder(), 'detector.onnx');
  writeFileSync(path, bytes);
  return path;
}

describe('evaluate-detection with an ONNX detector', () => {
  // By hand: cat has 4 ground truths; its 3 kept detections (score 0.9) hit 3 of them exactly
  // (IoU 1 at every threshold), so precision is 1 up to recall 3/4 and 0 beyond: 76 of the 101
  // recall thresholds 0, .01, ..., .75 → AP 76/101. dog's 3 detections miss its 3 objects: AP 0.
  // COCO AP is the mean over both classes: 38/101. Recall with 1, 10 or 100 detections per
  // image: cat 3/4, dog 0 → 3/8. Every object is small (area < 32²); none medium or large.
  const catAp = 76 / 101;

  function expectHandNumbers(emitted: Emitted) {
    for (const key of ['ap', 'ap50', 'ap75', 'ap_small']) {
      expect(metricOf(emitted, key).value, key).toBeCloseTo(38 / 101, 12);
    }
    for (const key of ['ar1', 'ar10', 'ar100', 'ar_small']) {
      expect(metricOf(emitted, key).value, key).toBeCloseTo(3 / 8, 12);
    }
    for (const key of ['ap_medium', 'ap_large', 'ar_medium', 'ar_large']) {
      expect(
        emitted.metrics.filter((m) => m.key === key),
        key,
      ).toEqual([]);
    }
    expect(metricOf(emitted, 'ap', { class: 'cat' }).value).toBeCloseTo(catAp, 12);
  }

  it('runs a detector with separate outputs and maps its boxes back to each image', async () => {
    const root = await detectionDataset();
    const emitted = await run([cocoInput(root), onnxInput(modelFile(separateDetector()))], {
      bootstrapResamples: 0,
      detector: { batchSize: 2 },
    });

    expectHandNumbers(emitted);
    expect(metricOf(emitted, 'ap', { class: 'dog' }).value).toBe(0);
    // dog's AP 0 is under half of half the mean 38/101.
    expect(emitted.findings).toMatchObject([
      { kind: 'CLASS_PERFORMANCE', severity: 'HIGH', evidence: { class: 'dog', ap: 0 } },
    ]);

    const found = artifactJson<CocoResult[]>(emitted, 'detections.json');
    expect(found.map((d) => [d.image_id, d.category_id, d.score])).toEqual(
      images.flatMap((image) => [
        [image.id, 1, expect.closeTo(0.9, 6)],
        [image.id, 3, expect.closeTo(0.3, 6)],
      ]),
    );
    images.forEach((image, i) => {
      const cat = catBox(image);
      expectBox(found[2 * i]!.bbox, cat, 3);
      // Detection 1, [0, 0, 4, 4] in the input, is a quarter of the image each way.
      expect(found[2 * i + 1]!.bbox).toEqual([0, 0, image.width / 4, image.height / 4]);
    });
    // On a.png (r = 1) the cat box is [6, 3, 14, 11] in the input: x4 and x3 → [24, 9, 32, 24].
    expectBox(found[0]!.bbox, [24, 9, 32, 24], 4);
  });

  it('reads one combined output of normalised centre boxes, and a label map', async () => {
    const root = await detectionDataset();
    const emitted = await run([cocoInput(root), onnxInput(modelFile(combinedDetector()))], {
      bootstrapResamples: 0,
      detector: {
        outputLayout: 'combined',
        boxFormat: 'cxcywh',
        coordinates: 'normalized',
        // dog (label 1) is left out: its detections are dropped.
        labelMapping: { '0': 1 },
      },
    });
    expectHandNumbers(emitted);
    const found = artifactJson<CocoResult[]>(emitted, 'detections.json');
    expect(found.map((d) => d.category_id)).toEqual([1, 1, 1]);
    found.forEach((d, i) => {
      const cat = catBox(images[i]!);
      expectBox(d.bbox, cat, 3);
    });
  });

  it('keeps detections by score threshold and count', async () => {
    const root = await detectionDataset();
    const emitted = await run([cocoInput(root), onnxInput(modelFile(separateDetector()))], {
      bootstrapResamples: 0,
      detector: { scoreThreshold: 0, maxDetections: 2 },
    });
    // All three pass the threshold; at most 2 per image: detection 2 (score 0.01) still goes.
    expect(artifactJson<CocoResult[]>(emitted, 'detections.json')).toHaveLength(6);
    const all = await run([cocoInput(root), onnxInput(modelFile(separateDetector()))], {
      bootstrapResamples: 0,
      detector: { scoreThreshold: 0 },
    });
    // Detection 2 (score 0.01) now lands on a.png's fourth cat, and misses on b.png and c.png.
    // Ranked by score, ties in image order: three hits at 0.9, then a.png's hit, then the two
    // misses: recall reaches 4/4 at precision 1, so cat's AP is 1.
    expect(metricOf(all, 'ap', { class: 'cat' }).value).toBeCloseTo(1, 12);
  });

  it('says what is wrong with a model, a label or an image file', async () => {
    const root = await detectionDataset();
    const model = modelFile(separateDetector());
    await expect(
      run([cocoInput(root), onnxInput(model)], { detector: { outputLayout: 'combined' } }),
    ).rejects.toThrow(
      "detector output 'boxes' has shape [1,3,4] for a batch of 1; expected [B,K,6] or [K,6]",
    );
    await expect(
      run([cocoInput(root), onnxInput(model)], { detector: { scoresOutput: 'confidence' } }),
    ).rejects.toThrow("the detector has no output 'confidence' (it has boxes, scores, labels)");
    await expect(
      run([cocoInput(root), onnxInput(model)], { detector: { labelMapping: 'category-id' } }),
    ).rejects.toThrow(
      'the detector gave label 0, which is not a category id of the ground truth (1, 3); set labelMapping',
    );
    await expect(
      run([cocoInput(root), onnxInput(model)], { detector: { labelMapping: { '0': 2 } } }),
    ).rejects.toThrow(
      'labelMapping maps label 0 to category 2, which the ground truth does not have',
    );
    const notOnnx = join(folder(), 'model.onnx');
    writeFileSync(notOnnx, 'not a model');
    await expect(run([cocoInput(root), onnxInput(notOnnx)])).rejects.toThrow(
      `cannot load ONNX model ${notOnnx}`,
    );

    rmSync(join(root, 'images', 'b.png'));
    await expect(run([cocoInput(root), onnxInput(model)])).rejects.toThrow(
      `1 image files of the ground truth are not in ${root} or its images/ folder: b.png`,
    );
  });

  it('refuses an image whose size is not the one the ground truth declares', async () => {
    const root = await detectionDataset();
    writeFileSync(
      join(root, 'a.png'),
      await specImage({ colour: [0, 0, 0], width: 48, height: 64 }),
    );
    await expect(run([cocoInput(root), onnxInput(modelFile(separateDetector()))])).rejects.toThrow(
      'image a.png is 48x64, but the ground truth says 64x48: its boxes would not line up',
    );
  });
});
