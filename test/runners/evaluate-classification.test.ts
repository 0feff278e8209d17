import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerInputError } from '../../src/runners/contract.ts';
import { classificationResults } from '../../src/runners/evaluate-classification/classification-results.ts';
import { evaluateClassificationRunner as runner } from '../../src/runners/evaluate-classification/index.ts';
import {
  outcomesFromLabels,
  outcomesFromScores,
} from '../../src/runners/evaluate-classification/item-outcomes.ts';
import {
  type HeadlineMetric,
  ResampleCounts,
} from '../../src/runners/evaluate-classification/resample-counts.ts';
import { bootstrapInterval } from '../../src/runners/stats/bootstrap.ts';
import { calibration } from '../../src/runners/stats/calibration.ts';
import { classificationReport, topKAccuracy } from '../../src/runners/stats/classification.ts';
import { createRandom } from '../../src/runners/stats/random.ts';
import { tempFolder } from '../support/files.ts';
import { writeImageFolder } from '../support/image-datasets.ts';
import { linearImageClassifier, onnxModel, writeModel } from '../support/onnx-models.ts';
import { type Emitted, metricOf, resolvedInput, runRunner } from '../support/runner-harness.ts';

const temp = tempFolder();
afterAll(() => temp.remove());

// Solid 8 x 8 images; the model sees them at 4 x 4. Classes are the sorted folder names,
// blue = 0, green = 1, red = 2, and the model's score for class k is the mean of channel
// 2 - k on the 0..1 scale (a logit), so it predicts the dominant colour:
//   blue/2 (0, 180, 120) -> green, blue/3 (200, 0, 100) -> red, red/3 (0, 160, 100) -> green;
// the other 8 of 11 are right. Confusion (rows = truth blue, green, red):
//   [[2, 1, 1], [0, 3, 0], [0, 1, 3]]
// precision 2/2, 3/5, 3/4; recall 2/4, 3/3, 3/4; F1 = 2TP / (support + predicted):
//   4/6, 6/8, 6/8; macro F1 = (2/3 + 3/4 + 3/4) / 3 = 13/18; weighted F1 =
//   (4 * 2/3 + 3 * 3/4 + 4 * 3/4) / 11 = 95/132; micro F1 = accuracy = 8/11.
// Top-2: only red/3's true class is last of its three scores (b 0.392, g 0.627, r 0): 10/11.
const COLOURS: Record<string, Array<readonly [number, number, number]>> = {
  blue: [
    [0, 0, 255],
    [20, 40, 200],
    [0, 180, 120],
    [200, 0, 100],
  ],
  green: [
    [0, 255, 0],
    [60, 200, 60],
    [30, 220, 90],
  ],
  red: [
    [255, 0, 0],
    [220, 30, 30],
    [180, 150, 0],
    [0, 160, 100],
  ],
};
const IDS = Object.entries(COLOURS).flatMap(([label, colours]) =>
  colours.map((_, i) => `${label}/${i}.png`),
);
const CORRECT = [1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0];
// Expected calibration, 15 bins; the confidence is the largest softmax probability:
//   import numpy as np  # numpy 2.4.6
//   items = [(0,0,255), (20,40,200), (0,180,120), (200,0,100), (0,255,0), (60,200,60),
//            (30,220,90), (255,0,0), (220,30,30), (180,150,0), (0,160,100)]
//   truth = np.array([0,0,0,0,1,1,1,2,2,2,2])
//   logits = scale * np.array([[b, g, r] for (r, g, b) in items]) / 255   # scale = 1
//   p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
//   pred = p.argmax(1); conf = p.max(1); correct = pred == truth
//   bins = np.clip(np.ceil(conf * 15) - 1, 0, 14).astype(int)
//   ece = sum(abs(correct[bins == b].mean() - conf[bins == b].mean()) * (bins == b).sum() / 11
//             for b in range(15) if (bins == b).any())
// gives ece 0.23298106369346017, bins 6, 7, 8 holding 4, 4, 3 items with accuracy 0.5, 0.75,
// 1.0 and mean confidence 0.437947652802578, 0.48926675846603473, 0.5761168847658291.
const ECE = 0.23298106369346017;
// The same with scale = 2 (mean 0.5, std 0.5 doubles every logit and subtracts 1 from each).
const ECE_NORMALISED = 0.11043433091773483;

const data = join(temp.path, 'colours');
const dominantColour = (extra: { symbolicSize?: boolean } = {}) =>
  linearImageClassifier({
    height: 4,
    width: 4,
    classes: 3,
    weight: (channel, _y, _x, cls) => (channel === 2 - cls ? 1 / 16 : 0),
    ...extra,
  });
let modelPath = '';

beforeAll(async () => {
  await writeImageFolder(
    data,
    Object.fromEntries(
      Object.entries(COLOURS).map(([label, colours]) => [
        label,
        colours.map((colour) => ({ colour })),
      ]),
    ),
  );
  modelPath = writeModel(join(temp.path, 'dominant.onnx'), dominantColour());
});

const dataset = (extra: Parameters<typeof resolvedInput>[4] = {}, path = data) =>
  resolvedInput('dataset', 'DATASET_VERSION', path, 'IMAGE_FOLDER', extra);
const onnx = (extra: Parameters<typeof resolvedInput>[4] = {}, path = modelPath) =>
  resolvedInput('model', 'MODEL_VERSION', path, 'ONNX', extra);

const artifactJson = (emitted: Emitted, name: string) => {
  const artifact = emitted.artifacts.find((a) => a.name === name);
  if (!artifact) throw new Error(`no artifact ${name}`);
  return JSON.parse(new TextDecoder().decode(artifact.bytes));
};

/** What a run emitted that must not change between runs with the same seed. */
const emissions = (emitted: Emitted) => ({
  metrics: emitted.metrics,
  findings: emitted.findings,
  artifacts: emitted.artifacts.map((a) => [a.name, new TextDecoder().decode(a.bytes)]),
});

const checkInterval = (emitted: Emitted, key: string, slice: Record<string, string> = {}) => {
  const metric = metricOf(emitted, key, slice);
  expect(metric.ci, `${key} ${JSON.stringify(slice)}`).toBeDefined();
  expect(metric.ci!.level).toBe(0.95);
  expect(metric.ci!.lower).toBeLessThanOrEqual(metric.value);
  expect(metric.ci!.upper).toBeGreaterThanOrEqual(metric.value);
};

describe('evaluate-classification with an ONNX model', () => {
  let emitted: Emitted;
  beforeAll(async () => {
    emitted = await runRunner(runner, {
      inputs: [onnx(), dataset()],
      config: { topK: 2, minClassSupport: 1 },
      seed: 11,
    });
  });

  it('reports the headline metrics worked out by hand, with intervals around them', () => {
    const expected: Record<string, number> = {
      accuracy: 8 / 11,
      top_k_accuracy: 10 / 11,
      macro_f1: 13 / 18,
      micro_f1: 8 / 11,
      weighted_f1: 95 / 132,
    };
    for (const [key, value] of Object.entries(expected)) {
      expect(metricOf(emitted, key).value, key).toBeCloseTo(value, 12);
      expect(metricOf(emitted, key).sampleSize).toBe(11);
      checkInterval(emitted, key);
    }
    expect(metricOf(emitted, 'ece').value).toBeCloseTo(ECE, 6);
    expect(metricOf(emitted, 'ece').ci).toBeDefined();
  });

  it('reports precision, recall and F1 per class, and the confusion matrix', () => {
    const perClass = {
      blue: [1, 0.5, 2 / 3, 4],
      green: [0.6, 1, 0.75, 3],
      red: [0.75, 0.75, 0.75, 4],
    };
    for (const [label, [precision, recall, f1, support]] of Object.entries(perClass)) {
      const slice = { class: label };
      expect(metricOf(emitted, 'precision', slice).value).toBeCloseTo(precision!, 12);
      expect(metricOf(emitted, 'recall', slice).value).toBeCloseTo(recall!, 12);
      expect(metricOf(emitted, 'f1', slice).value).toBeCloseTo(f1!, 12);
      expect(metricOf(emitted, 'support', slice).value).toBe(support);
      for (const key of ['precision', 'recall', 'f1']) checkInterval(emitted, key, slice);
    }
    expect(artifactJson(emitted, 'confusion-matrix.json')).toEqual({
      labels: ['blue', 'green', 'red'],
      matrix: [
        [2, 1, 1],
        [0, 3, 0],
        [0, 1, 3],
      ],
    });
    const cells = emitted.metrics.filter((m) => m.key === 'confusion_count');
    expect(cells.map((m) => [m.slice!.true, m.slice!.predicted, m.value])).toEqual([
      ['blue', 'blue', 2],
      ['blue', 'green', 1],
      ['blue', 'red', 1],
      ['green', 'green', 3],
      ['red', 'green', 1],
      ['red', 'red', 3],
    ]);
  });

  it('reports the reliability bins and per-item correctness', () => {
    const reliability = artifactJson(emitted, 'reliability.json');
    expect(reliability.ece).toBeCloseTo(ECE, 6);
    expect(reliability.bins).toHaveLength(15);
    const filled = [
      [6, 4, 0.5, 0.437947652802578],
      [7, 4, 0.75, 0.48926675846603473],
      [8, 3, 1, 0.5761168847658291],
    ] as const;
    for (const [bin, count, accuracy, confidence] of filled) {
      expect(reliability.bins[bin].count).toBe(count);
      const slice = { bin: String(bin) };
      expect(metricOf(emitted, 'reliability_accuracy', slice).value).toBe(accuracy);
      expect(metricOf(emitted, 'reliability_accuracy', slice).sampleSize).toBe(count);
      expect(metricOf(emitted, 'reliability_confidence', slice).value).toBeCloseTo(confidence, 6);
    }
    expect(emitted.metrics.filter((m) => m.key === 'reliability_accuracy')).toHaveLength(3);
    expect(artifactJson(emitted, 'per-item/accuracy.json')).toEqual(
      Object.fromEntries(IDS.map((id, i) => [id, CORRECT[i]])),
    );
  });

  it('flags the poor calibration and the badly recalled class', () => {
    const calibrationFinding = emitted.findings.find((f) => f.kind === 'CALIBRATION');
    expect(calibrationFinding?.severity).toBe('HIGH');
    expect(calibrationFinding?.subjectRole).toBe('model');
    expect(calibrationFinding?.evidence?.ece).toBeCloseTo(ECE, 6);
    expect(calibrationFinding?.summary).toContain('underconfident');
    const classFindings = emitted.findings.filter((f) => f.kind === 'CLASS_PERFORMANCE');
    expect(classFindings).toHaveLength(1);
    // blue's recall 0.5 against (1 + 0.75) / 2 for green and red.
    expect(classFindings[0]!.evidence).toMatchObject({
      class: 'blue',
      recall: 0.5,
      otherClassesMeanRecall: 0.875,
      gap: 0.375,
      support: 4,
    });
    expect(classFindings[0]!.severity).toBe('MEDIUM');
  });

  it('reports progress per batch', async () => {
    const batched = await runRunner(runner, {
      inputs: [onnx(), dataset()],
      config: { batchSize: 4 },
    });
    const inference = batched.progress.filter((p) => p.stage === 'inference');
    expect(inference.map((p) => p.message)).toEqual([
      '4 of 11 images',
      '8 of 11 images',
      '11 of 11 images',
    ]);
  });
});

describe('evaluate-classification when cancelled', () => {
  it('stops', async () => {
    const running = runRunner(runner, {
      inputs: [onnx(), dataset()],
      signal: AbortSignal.abort(),
    });
    await expect(running).rejects.toThrow('This operation was aborted');
  });
});

describe('bootstrap intervals', () => {
  it("are stats/bootstrap's for the same seed, and the same on every run", async () => {
    const first = await runRunner(runner, { inputs: [onnx(), dataset()], seed: 5 });
    const second = await runRunner(runner, { inputs: [onnx(), dataset()], seed: 5 });
    expect(emissions(second)).toEqual(emissions(first));
    const reference = bootstrapInterval({
      size: 11,
      statistic: (indices) => indices.reduce((sum, i) => sum + CORRECT[i]!, 0) / indices.length,
      seed: 5,
    });
    expect(metricOf(first, 'accuracy').ci).toEqual({
      lower: reference.lower,
      upper: reference.upper,
      level: 0.95,
    });
    const other = await runRunner(runner, {
      inputs: [onnx(), dataset()],
      config: { bootstrapResamples: 200, confidenceLevel: 0.8 },
      seed: 6,
    });
    expect(metricOf(other, 'accuracy').ci).not.toEqual(metricOf(first, 'accuracy').ci);
    expect(metricOf(other, 'accuracy').ci!.level).toBe(0.8);
  });

  it('leaves resamples that lack a rare class out of its intervals, rather than counting 0', async () => {
    // 1000 items: class 1 has 3, all recognised; class 0 the rest, all recognised but 10.
    const n = 1000;
    const truth = Int32Array.from({ length: n }, (_, i) => (i < 3 ? 1 : 0));
    const predicted = Int32Array.from({ length: n }, (_, i) => (i >= 3 && i < 13 ? 1 : truth[i]!));
    const results = await classificationResults(
      outcomesFromLabels(truth, predicted, 2, { topK: 1, bins: 10 }),
      ['common', 'rare'],
      { metrics: ['accuracy'], perClass: true, resamples: 2000, level: 0.95, seed: 4 },
    );
    const rare = results.perClass![1]!;
    // About 5% of resamples (0.997^1000) hold none of the 3: they say nothing of its recall,
    // and every resample that holds one recalls it.
    expect(rare.recall).toMatchObject({ value: 1, lower: 1, upper: 1 });
    // Precision 3/13 is defined wherever class 1 is predicted: an interval around it.
    expect(rare.precision.lower).toBeLessThan(3 / 13);
    expect(rare.precision.upper).toBeGreaterThan(3 / 13);
  });

  it('leaves top-k accuracy out when k is not below the class count', async () => {
    const emitted = await runRunner(runner, { inputs: [onnx(), dataset()] });
    expect(emitted.metrics.some((m) => m.key === 'top_k_accuracy')).toBe(false);
    expect(emitted.logs.map((l) => l.message)).toContain(
      'top_k_accuracy is not reported: with 3 classes the true class is always among the top 5',
    );
  });

  it('count each resample as the stats library computes the metrics', () => {
    const random = createRandom(3);
    const classes = 4;
    const n = 60;
    // Class 3 is predicted but never true, which macro F1 must still count.
    const truth = Int32Array.from({ length: n }, () => random.int(classes - 1));
    const scores = Float32Array.from({ length: n * classes }, () => random.next());
    for (let i = 0; i < n; i++) {
      const row = scores.subarray(i * classes, (i + 1) * classes);
      const sum = row.reduce((a, b) => a + b, 0);
      row.forEach((v, c) => {
        row[c] = v / sum;
      });
    }
    const outcomes = outcomesFromScores(truth, scores, classes, { topK: 2, bins: 10 });
    const counts = new ResampleCounts(outcomes);
    for (let resample = 0; resample < 20; resample++) {
      const indices = Int32Array.from({ length: n }, () => random.int(n));
      counts.count(indices);
      const t = Int32Array.from(indices, (i) => truth[i]!);
      const p = Int32Array.from(indices, (i) => outcomes.predicted[i]!);
      const s = new Float32Array(n * classes);
      indices.forEach((i, j) => {
        s.set(scores.subarray(i * classes, (i + 1) * classes), j * classes);
      });
      const report = classificationReport(t, p, classes);
      const expected: Record<HeadlineMetric, number> = {
        accuracy: report.accuracy,
        top_k_accuracy: topKAccuracy(t, s, classes, 2),
        macro_f1: report.macroF1,
        micro_f1: report.microF1,
        weighted_f1: report.weightedF1,
        ece: calibration(s, t, classes, 10).ece,
      };
      for (const [metric, value] of Object.entries(expected)) {
        expect(counts.headline(metric as HeadlineMetric), metric).toBeCloseTo(value, 12);
      }
      report.perClass.forEach((scores, c) => {
        expect(counts.classMetric('precision', c)).toBeCloseTo(scores.precision, 12);
        expect(counts.classMetric('recall', c)).toBeCloseTo(scores.recall, 12);
        expect(counts.classMetric('f1', c)).toBeCloseTo(scores.f1, 12);
      });
    }
  });
});

describe('evaluate-classification with a predictions file', () => {
  const softmaxLogits = ([r, g, b]: readonly number[]) => [r! / 255, g! / 255, b! / 255, -50];

  it('maps scores in the model class order to the dataset classes by name', async () => {
    // The model's classes are red, green, blue and yellow (which the dataset lacks); its
    // scores are the logits of the ONNX model above, and a very low one for yellow, so the
    // dataset's probabilities, and every metric, are the same.
    const file = join(temp.path, 'scores.jsonl');
    const lines = IDS.map((id) => {
      const [label, index] = id.split('/') as [string, string];
      const colour = COLOURS[label]![Number.parseInt(index, 10)]!;
      return JSON.stringify({ id, scores: softmaxLogits(colour) });
    });
    writeFileSync(file, `${lines.reverse().join('\n')}\n`);
    const model = resolvedInput('model', 'MODEL_VERSION', file, 'PREDICTIONS', {
      metadata: { index2label: { 0: 'red', 1: 'green', 2: 'blue', 3: 'yellow' } },
    });
    const emitted = await runRunner(runner, {
      inputs: [model, dataset({ labels: ['blue', 'green', 'red'] })],
      config: { topK: 2 },
      seed: 11,
    });
    expect(metricOf(emitted, 'accuracy').value).toBe(8 / 11);
    expect(metricOf(emitted, 'top_k_accuracy').value).toBe(10 / 11);
    expect(metricOf(emitted, 'macro_f1').value).toBeCloseTo(13 / 18, 12);
    expect(metricOf(emitted, 'ece').value).toBeCloseTo(ECE, 6);
    expect(artifactJson(emitted, 'per-item/accuracy.json')).toEqual(
      Object.fromEntries(IDS.map((id, i) => [id, CORRECT[i]])),
    );
  });

  it('evaluates labels from a CSV, without confidences', async () => {
    const predicted = ['blue', 'blue', 'green', 'red', 'green', 'green', 'green'];
    predicted.push('red', 'red', 'red', 'green');
    const file = join(temp.path, 'labels.csv');
    const rows = IDS.map((id, i) => `"${id}",${predicted[i]}`);
    writeFileSync(file, `id,label\n${rows.join('\n')}\n`);
    const model = resolvedInput('model', 'MODEL_VERSION', file, 'PREDICTIONS');
    const emitted = await runRunner(runner, { inputs: [model, dataset()] });
    expect(metricOf(emitted, 'accuracy').value).toBe(8 / 11);
    expect(metricOf(emitted, 'weighted_f1').value).toBeCloseTo(95 / 132, 12);
    expect(artifactJson(emitted, 'confusion-matrix.json').matrix).toEqual([
      [2, 1, 1],
      [0, 3, 0],
      [0, 1, 3],
    ]);
    const keys = new Set(emitted.metrics.map((m) => m.key));
    for (const key of ['ece', 'top_k_accuracy', 'reliability_accuracy']) {
      expect(keys.has(key), key).toBe(false);
    }
    expect(emitted.artifacts.map((a) => a.name)).not.toContain('reliability.json');
  });

  it('refuses a file that misses an image, or names a label outside the label set', async () => {
    const run = (name: string, lines: string[]) => {
      const file = join(temp.path, name);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const model = resolvedInput('model', 'MODEL_VERSION', file, 'PREDICTIONS');
      return runRunner(runner, { inputs: [model, dataset()] });
    };
    const labelLines = IDS.map((id) => JSON.stringify({ id, label: id.split('/')[0] }));
    await expect(run('missing.jsonl', labelLines.slice(0, 10))).rejects.toThrow(
      "predictions file missing.jsonl has no line for 1 of the dataset's 11 images: 'red/3.png'",
    );
    const stray = [...labelLines.slice(0, 10), JSON.stringify({ id: 'red/3.png', label: 'cyan' })];
    await expect(run('stray.jsonl', stray)).rejects.toThrow(
      'stray.jsonl line 11: label "cyan" is not one of the model\'s classes [blue, green, red]',
    );
    const short = [...labelLines.slice(0, 10), JSON.stringify({ id: 'red/3.png', scores: [1] })];
    await expect(run('mixed.jsonl', short)).rejects.toThrow(RunnerInputError);
    await expect(
      run('unknown.jsonl', [...labelLines, '{"id": "red/9.png", "label": "red"}']),
    ).rejects.toThrow(`unknown.jsonl line 12: id "red/9.png" is not an image of the dataset`);
  });
});

describe('evaluate-classification preprocessing', () => {
  it("takes mean and std from the model's metadata, and refuses them on the 0..255 scale", async () => {
    const metadata = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    const emitted = await runRunner(runner, { inputs: [onnx({ metadata }), dataset()] });
    expect(metricOf(emitted, 'ece').value).toBeCloseTo(ECE_NORMALISED, 6);
    expect(emitted.logs.map((l) => l.message)).toContain(
      `preprocessing: images resized to 4x4 (fill, linear), RGB NCHW, scaled to [0, 1], normalised with mean [0.5,0.5,0.5] from the metadata of test/model@v1, std [0.5,0.5,0.5] from the metadata of test/model@v1`,
    );
    // The config wins over the metadata.
    const configured = await runRunner(runner, {
      inputs: [onnx({ metadata }), dataset()],
      config: { preprocessing: { mean: [0, 0, 0], std: [1, 1, 1] } },
    });
    expect(metricOf(configured, 'ece').value).toBeCloseTo(ECE, 6);
    const caffe = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] };
    await expect(
      runRunner(runner, { inputs: [onnx({ metadata: caffe }), dataset()] }),
    ).rejects.toThrow('is not on the 0..1 scale pixels are scaled to; divide it (and std) by 255');
  });

  it("sizes images by the model's metadata.inputSize when its shape does not fix it", async () => {
    const path = writeModel(
      join(temp.path, 'symbolic.onnx'),
      dominantColour({ symbolicSize: true }),
    );
    const emitted = await runRunner(runner, {
      inputs: [onnx({ metadata: { inputSize: [4, 4] } }, path), dataset()],
    });
    expect(metricOf(emitted, 'accuracy').value).toBe(8 / 11);
    await expect(runRunner(runner, { inputs: [onnx({}, path), dataset()] })).rejects.toThrow(
      'with no fixed height; set height in the config',
    );
  });
});

describe('evaluate-classification refuses bad inputs clearly', () => {
  it('a corrupt image, naming its file', async () => {
    const root = join(temp.path, 'corrupt');
    await writeImageFolder(root, { a: [{ colour: [1, 2, 3] }], b: [{ colour: [3, 2, 1] }] });
    writeFileSync(join(root, 'b', 'broken.png'), Buffer.from('not a png at all'));
    const model = writeModel(
      join(temp.path, 'two.onnx'),
      linearImageClassifier({ height: 4, width: 4, classes: 2, weight: () => 0 }),
    );
    const running = runRunner(runner, { inputs: [onnx({}, model), dataset({}, root)] });
    await expect(running).rejects.toThrow(RunnerInputError);
    await expect(running).rejects.toThrow(/cannot decode image .*b\/broken\.png/);
  });

  it("a class folder outside the dataset's declared labels", async () => {
    await expect(
      runRunner(runner, { inputs: [onnx(), dataset({ labels: ['blue', 'green'] })] }),
    ).rejects.toThrow("label 'red' (folder red/) is not in the dataset's label set [blue, green]");
  });

  it('a model that lacks one of the dataset classes, or has the wrong number of outputs', async () => {
    const metadata = { index2label: ['red', 'green', 'cyan'] };
    await expect(
      runRunner(runner, {
        inputs: [
          onnx({ metadata }),
          dataset({ metadata: { index2label: ['blue', 'green', 'red'] } }),
        ],
      }),
    ).rejects.toThrow(
      "model test/model@v1 has no class 'blue' of the dataset's label set; its classes are [red, green, cyan]",
    );
    const two = writeModel(
      join(temp.path, 'two-classes.onnx'),
      linearImageClassifier({ height: 4, width: 4, classes: 2, weight: () => 0 }),
    );
    await expect(runRunner(runner, { inputs: [onnx({}, two), dataset()] })).rejects.toThrow(
      "model output 'scores' gives 2 scores per image; the label set has 3 [blue, green, red]",
    );
  });

  it('a model whose input shape does not fit', async () => {
    const grey = onnxModel({
      nodes: [
        { opType: 'Flatten', input: ['pixels'], output: ['flat'] },
        { opType: 'MatMul', input: ['flat', 'weights'], output: ['scores'] },
      ],
      initializers: [{ name: 'weights', dims: [16, 3], values: new Array(48).fill(0) }],
      inputs: [{ name: 'pixels', shape: ['N', 1, 4, 4] }],
      outputs: [{ name: 'scores', shape: ['N', 3] }],
    });
    const path = writeModel(join(temp.path, 'grey.onnx'), grey);
    await expect(runRunner(runner, { inputs: [onnx({}, path), dataset()] })).rejects.toThrow(
      "model input 'pixels' has shape [N,1,4,4]; an image classifier needs [N,3,H,W] or [N,H,W,3]",
    );
    await expect(
      runRunner(runner, { inputs: [onnx(), dataset()], config: { preprocessing: { width: 6 } } }),
    ).rejects.toThrow(
      "model input 'pixels' has shape [N,3,4,4]: its width is 4, not 6 as configured",
    );
  });

  it('a dataset in another format, or a folder with no class folders', async () => {
    const csv = resolvedInput('dataset', 'DATASET_VERSION', data, 'CSV');
    await expect(runRunner(runner, { inputs: [onnx(), csv] })).rejects.toThrow(
      'test/dataset@v1 (the dataset) is in format CSV; this runner reads IMAGE_FOLDER',
    );
    const empty = join(temp.path, 'empty');
    mkdirSync(empty);
    await expect(runRunner(runner, { inputs: [onnx(), dataset({}, empty)] })).rejects.toThrow(
      'test/dataset@v1 has no images in class folders',
    );
  });
});
