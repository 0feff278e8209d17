// COCO box evaluation against pycocotools' own numbers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { boxIou } from '../../src/runners/detection/box-iou.ts';
import { evaluateCoco } from '../../src/runners/detection/coco-eval.ts';
import { parseCocoGroundTruth } from '../../src/runners/detection/coco-ground-truth.ts';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from '../../src/runners/detection/coco-params.ts';
import { parseCocoResults } from '../../src/runners/detection/coco-results.ts';
import { numpyMean } from '../../src/runners/detection/numpy-mean.ts';

const fixtures = join(import.meta.dirname, '../fixtures/coco');

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
}

/** pycocotools prints -1 where this module gives null. */
function asPycocotools(value: number | null): number {
  return value ?? -1;
}

const METRIC_ORDER = [
  'AP',
  'AP50',
  'AP75',
  'APsmall',
  'APmedium',
  'APlarge',
  'AR1',
  'AR10',
  'AR100',
  'ARsmall',
  'ARmedium',
  'ARlarge',
] as const;

function stats(summary: ReturnType<typeof evaluateCoco>): number[] {
  return METRIC_ORDER.map((name) => asPycocotools(summary.metrics[name]));
}

/**
 * The issue asks for pycocotools' numbers to 1e-3. The port reproduces its doubles (numpy's
 * pairwise mean included), so the tests hold it to 1e-12 to catch a near miss as well.
 */
function expectNumbers(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(Math.abs(value - expected[i]!), `entry ${i}: ${value} vs ${expected[i]}`).toBeLessThan(
      1e-12,
    );
  });
}

describe('COCO evaluation parameters', () => {
  it('uses the IoU and recall thresholds numpy.linspace gives, not the decimals', () => {
    // python3 -c "import numpy as np; print([float(x) for x in np.linspace(.5, 0.95, 10)])"
    // (numpy 2.4.6; cocoeval.py Params.setDetParams builds them so)
    expect(Array.from(IOU_THRESHOLDS)).toEqual([
      0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95,
    ]);
    // r = np.linspace(.0, 1.00, 101); [(i, float(r[i])) for i in range(101) if r[i] != i / 100]
    const offDecimal = {
      35: 0.35000000000000003,
      41: 0.41000000000000003,
      47: 0.47000000000000003,
      57: 0.5700000000000001,
      69: 0.6900000000000001,
      70: 0.7000000000000001,
      82: 0.8200000000000001,
      83: 0.8300000000000001,
      94: 0.9400000000000001,
      95: 0.9500000000000001,
    } as Record<number, number>;
    expect(Array.from(RECALL_THRESHOLDS)).toEqual(
      Array.from({ length: 101 }, (_, i) => offDecimal[i] ?? i / 100),
    );
  });

  it('averages as np.mean does, pairwise', () => {
    // python3 -c "import numpy as np; print(repr(np.mean(np.full(1000, 0.1))))" (numpy 2.4.6)
    // gives 0.10000000000000002, where adding one by one gives 0.09999999999999859.
    expect(numpyMean(new Float64Array(1000).fill(0.1))).toBe(0.10000000000000002);
    expect(numpyMean([0.25, 0.5, 1])).toBe(0.5833333333333334);
  });
});

describe('boxIou', () => {
  it('gives the exact ratios that sit on the thresholds', () => {
    expect(boxIou([10, 10, 50, 100], [10, 10, 100, 100], false)).toBe(0.5);
    expect(boxIou([300, 200, 80, 60], [300, 200, 80, 80], false)).toBe(0.75);
  });

  it('divides by the detection area alone against a crowd region', () => {
    // A 20x20 detection half inside a 100x100 crowd: 200 / 400, not 200 / (400 + 10000 - 200).
    expect(boxIou([90, 0, 20, 20], [0, 0, 100, 100], true)).toBe(0.5);
    expect(boxIou([90, 0, 20, 20], [0, 0, 100, 100], false)).toBeCloseTo(200 / 10200, 15);
  });

  it('is 0 for boxes that only touch', () => {
    expect(boxIou([10, 0, 10, 10], [0, 0, 10, 10], false)).toBe(0);
    expect(boxIou([0, 10, 10, 10], [0, 0, 10, 10], true)).toBe(0);
  });
});

describe('evaluateCoco', () => {
  it("matches torchmetrics' documented MeanAveragePrecision example", () => {
    // Lightning-AI/torchmetrics @ dab033394560ab3ce05e3d14c13f32e4cde6b351,
    // src/torchmetrics/detection/mean_ap.py, the class docstring's bbox example (a doctest, run
    // with the default backend, pycocotools): prediction xyxy [258, 41, 606, 285] score 0.536,
    // target xyxy [214, 41, 562, 285], both label 0. torchmetrics hands pycocotools xywh boxes,
    // the box's w*h as the target's area, and iscrowd 0. Its printed result: map 0.6000,
    // map_50 1., map_75 1., map_small -1., map_medium -1., map_large 0.6000, mar_1 0.6000,
    // mar_10 0.6000, mar_100 0.6000, mar_small -1., mar_medium -1., mar_large 0.6000.
    const groundTruth = parseCocoGroundTruth({
      images: [{ id: 0 }],
      categories: [{ id: 0, name: '0' }],
      annotations: [{ id: 1, image_id: 0, category_id: 0, bbox: [214, 41, 348, 244] }],
    });
    const results = parseCocoResults(
      [{ image_id: 0, category_id: 0, bbox: [258, 41, 348, 244], score: 0.536 }],
      groundTruth,
    );
    const summary = evaluateCoco(groundTruth, results);
    const documented = [0.6, 1, 1, -1, -1, 0.6, 0.6, 0.6, 0.6, -1, -1, 0.6];
    stats(summary).forEach((value, i) => {
      expect(Math.abs(value - documented[i]!), METRIC_ORDER[i]).toBeLessThan(1e-3);
    });
    expect(summary.metrics.APsmall).toBeNull();
  });

  it("gives pycocotools' numbers on the fixture case", () => {
    // Expected values: pycocotools' COCOeval (cocodataset/cocoapi @
    // 8c9bcc3cf640524c4c20a9c40e89cb6a2f2fa0e9, PythonAPI/pycocotools/cocoeval.py and coco.py,
    // unmodified) on test/fixtures/coco/ground-truth.json and results.json, printed by
    //   python3 test/fixtures/coco/reference/run_cocoeval.py <cocoapi>/PythonAPI \
    //     test/fixtures/coco/ground-truth.json test/fixtures/coco/results.json
    // with Python 3.11.7 and numpy 2.4.6. That script supplies np.float (gone from numpy 2) as
    // float, stub matplotlib modules, and test/fixtures/coco/reference/mask.py (a numpy
    // transcription of maskApi.c bbIou) for the compiled pycocotools.mask; see
    // test/fixtures/coco/README.md. The same setup reproduces the 12 numbers of cocoapi's
    // pycocoEvalDemo.ipynb on its val2014 fake results.
    const groundTruth = parseCocoGroundTruth(readJson('ground-truth.json'), 'ground-truth.json');
    const results = parseCocoResults(readJson('results.json'), groundTruth, 'results.json');
    const summary = evaluateCoco(groundTruth, results);

    expectNumbers(stats(summary), [
      0.29334137090798323, // AP
      0.5914921670971611, // AP50
      0.2888134235991976, // AP75
      0.5095121709813658, // APsmall
      0.37813820711956997, // APmedium
      0.2482281185769662, // APlarge
      0.16062841530054645, // AR1
      0.42465846994535517, // AR10
      0.4782103825136612, // AR100
      0.6378787878787879, // ARsmall
      0.5327903091060986, // ARmedium
      0.3683333333333333, // ARlarge
    ]);
    // Per category: the mean of precision[t, :, k, all, 100] over entries > -1 (-1 when none),
    // for all t, t = 0 (IoU .5) and t = 5 (IoU .75), from the same run.
    expect(summary.perClass.map((c) => [c.categoryId, c.name])).toEqual([
      [1, 'person'],
      [2, 'car'],
      [3, 'dog'],
      [5, 'kite'],
      [7, 'crowd-only'],
    ]);
    expectNumbers(
      summary.perClass.flatMap((c) => [c.AP, c.AP50, c.AP75].map(asPycocotools)),
      [
        [0.20758649632663348, 0.4330361616053408, 0.17155940191758481],
        [0.3346807565371922, 0.7890517897943641, 0.30870779385630864],
        [0.33775685986012394, 0.5523885498917784, 0.3861730750236992],
        [-1, -1, -1], // kite: detections, no ground truth
        [-1, -1, -1], // crowd-only: only a crowd region
      ].flat(),
    );
    expect(summary.perClass[3]!.AP).toBeNull();
    expect(summary.perClass.map((c) => [c.groundTruths, c.detections])).toEqual([
      [61, 190],
      [10, 16],
      [16, 26],
      [0, 4],
      [0, 2],
    ]);
    expect(summary.counts).toEqual({
      images: 12,
      categories: 5,
      groundTruths: 87,
      crowdRegions: 3,
      detections: 238,
    });
  });

  it('takes a match with annotation id 0 for no match, as pycocotools does', () => {
    // Three exact detections of three objects, the best one of the object whose id is 0.
    // pycocotools stores matches as annotation ids and tests them for truth, so it counts that
    // detection a false positive. Expected values: test/fixtures/coco/reference/run_cocoeval.py
    // (setup as in the fixture test above) on exactly these two documents.
    const groundTruth = parseCocoGroundTruth({
      images: [{ id: 1 }, { id: 2 }],
      categories: [{ id: 1, name: 'thing' }],
      annotations: [
        { id: 0, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
        { id: 1, image_id: 1, category_id: 1, bbox: [20, 20, 10, 10], area: 100, iscrowd: 0 },
        { id: 2, image_id: 2, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
      ],
    });
    const results = parseCocoResults(
      [
        { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 },
        { image_id: 1, category_id: 1, bbox: [20, 20, 10, 10], score: 0.8 },
        { image_id: 2, category_id: 1, bbox: [0, 0, 10, 10], score: 0.7 },
      ],
      groundTruth,
    );
    expectNumbers(
      stats(evaluateCoco(groundTruth, results)),
      [
        0.44224422442244227, 0.4422442244224422, 0.4422442244224422, 0.44224422442244227, -1, -1,
        0.33333333333333337, 0.6666666666666667, 0.6666666666666667, 0.6666666666666667, -1, -1,
      ],
    );
  });

  it('scores 0 where ground truth went undetected, null where there was none', () => {
    const groundTruth = parseCocoGroundTruth(readJson('ground-truth.json'));
    const summary = evaluateCoco(groundTruth, []);
    expect(summary.metrics.AP).toBe(0);
    expect(summary.metrics.AR100).toBe(0);
    expect(summary.perClass.map((c) => c.AP)).toEqual([0, 0, 0, null, null]);
  });

  it('rejects a result for an image the ground truth does not list', () => {
    const groundTruth = parseCocoGroundTruth(readJson('ground-truth.json'));
    expect(() =>
      evaluateCoco(groundTruth, [{ image_id: 999, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }]),
    ).toThrow(
      new RunnerInputError('result 0 is for image 999, which the ground truth does not list'),
    );
  });
});

describe('parseCocoGroundTruth', () => {
  const valid = () => ({
    images: [{ id: 1, file_name: 'a.jpg' }],
    categories: [{ id: 4, name: 'cat', supercategory: 'animal' }],
    annotations: [{ id: 1, image_id: 1, category_id: 4, bbox: [1, 2, 10, 20], segmentation: [] }],
  });

  it('keeps what box evaluation uses, with area w*h and iscrowd 0 by default', () => {
    expect(parseCocoGroundTruth(valid())).toEqual({
      images: [{ id: 1 }],
      categories: [{ id: 4, name: 'cat' }],
      annotations: [
        { id: 1, image_id: 1, category_id: 4, bbox: [1, 2, 10, 20], area: 200, iscrowd: 0 },
      ],
    });
  });

  it('names the file and the field of a problem', () => {
    const cases: Array<[(gt: ReturnType<typeof valid>) => unknown, string]> = [
      [(gt) => ({ ...gt, images: undefined }), 'val.json: images must be an array, got nothing'],
      [
        (gt) => ({ ...gt, images: [{ id: 1 }, { id: 1 }] }),
        'val.json: images[1].id must be unique among images, got 1',
      ],
      [
        (gt) => ({ ...gt, images: [{ id: '1' }] }),
        'val.json: images[0].id must be an integer, got "1"',
      ],
      [
        (gt) => ({ ...gt, annotations: [{ ...gt.annotations[0], image_id: 2 }] }),
        'val.json: annotations[0].image_id must be the id of an entry of images, got 2',
      ],
      [
        (gt) => ({ ...gt, annotations: [{ ...gt.annotations[0], category_id: 1 }] }),
        'val.json: annotations[0].category_id must be the id of an entry of categories, got 1',
      ],
      [
        (gt) => ({ ...gt, annotations: [{ ...gt.annotations[0], bbox: [1, 2, -3, 4] }] }),
        'val.json: annotations[0].bbox must be [x, y, width, height]: 4 finite numbers, width and height ≥ 0, got [1,2,-3,4]',
      ],
      [
        (gt) => ({ ...gt, annotations: [{ ...gt.annotations[0], iscrowd: 2 }] }),
        'val.json: annotations[0].iscrowd must be 0 or 1, got 2',
      ],
    ];
    for (const [change, message] of cases) {
      expect(() => parseCocoGroundTruth(change(valid()), 'val.json')).toThrow(
        new RunnerInputError(message),
      );
    }
  });
});

describe('parseCocoResults', () => {
  const groundTruth = parseCocoGroundTruth({
    images: [{ id: 1 }, { id: 2 }],
    categories: [{ id: 4, name: 'cat' }],
    annotations: [],
  });

  it('keeps image, category, box and score of each result', () => {
    expect(
      parseCocoResults(
        [{ image_id: 2, category_id: 4, bbox: [0, 0, 5, 5], score: 0.3, segmentation: [] }],
        groundTruth,
      ),
    ).toEqual([{ image_id: 2, category_id: 4, bbox: [0, 0, 5, 5], score: 0.3 }]);
  });

  it('rejects results of other images or categories, and malformed ones', () => {
    const cases: Array<[unknown, string]> = [
      [
        { annotations: [] },
        'dets.json: the document must be an array of {image_id, category_id, bbox, score}, got {"annotations":[]}',
      ],
      [
        [{ image_id: 3, category_id: 4, bbox: [0, 0, 1, 1], score: 1 }],
        'dets.json: [0].image_id must be the id of an image of the ground truth, got 3',
      ],
      [
        [{ image_id: 1, category_id: 5, bbox: [0, 0, 1, 1], score: 1 }],
        'dets.json: [0].category_id must be the id of a category of the ground truth, got 5',
      ],
      [
        [{ image_id: 1, category_id: 4, bbox: [0, 0, 1], score: 1 }],
        'dets.json: [0].bbox must be [x, y, width, height]: 4 finite numbers, width and height ≥ 0, got [0,0,1]',
      ],
      [
        [{ image_id: 1, category_id: 4, bbox: [0, 0, 1, 1] }],
        'dets.json: [0].score must be a finite number, got nothing',
      ],
    ];
    for (const [json, message] of cases) {
      expect(() => parseCocoResults(json, groundTruth, 'dets.json')).toThrow(
        new RunnerInputError(message),
      );
    }
  });
});
